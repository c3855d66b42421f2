#!/usr/bin/env python3
"""aurora against boto3 and libcloud on the same local Ceph RGW, in one run.

Every scenario is run N times per client, alternating clients (aurora, boto3,
libcloud, aurora, ...), each run in a fresh interpreter (``child.py``), so
peak RSS is per client and no run inherits another's warm state.  Prints a
table of medians, ratios to boto3 and peak RSS, with a verdict for each of
aurora's targets, and writes it to ``benchmarks/results/latest.{md,json}``
and into ``benchmarks/README.md``.

    python benchmarks/run.py                     # all scenarios, 5 repetitions
    python benchmarks/run.py --reps 3 --scenarios small_pairs,import --clients aurora,boto3
    python benchmarks/run.py --scenarios small_pairs --clients aurora --reps 1 --profile

Test data lives under ``.run/bench`` (gitignored); buckets are removed at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from clients import CLIENTS, ClientSpec, Endpoint, construct_code, construct_env, parse_client  # noqa: E402
from machine import describe_machine, load_average, machine_info  # noqa: E402
from report import SCENARIOS, evaluate_targets, markdown, summarize  # noqa: E402
from server import ROOT, Server, find_or_start  # noqa: E402

MiB = 1024 * 1024
CHILD = HERE / "child.py"
README = HERE / "README.md"
README_BEGIN = "<!-- bench:latest:begin -->"
README_END = "<!-- bench:latest:end -->"
CHILD_TIMEOUT = 600.0


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", "5")), help="runs per client")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated: " + ",".join(SCENARIOS))
    parser.add_argument(
        "--clients",
        default=",".join(CLIENTS),
        help="comma-separated, in alternation order; aurora variants as aurora[@DIR][:part_size=8M+max_concurrency=8]",
    )
    parser.add_argument(
        "--import-reps", type=int, default=15, help="runs per client of the import scenario (cheap and noisy)"
    )
    parser.add_argument("--size-mib", type=int, default=256, help="size of the large objects")
    parser.add_argument("--chunk-kib", type=int, default=64, help="generator chunk size")
    parser.add_argument("--small-count", type=int, default=200, help="1 KiB PUT+GET pairs")
    parser.add_argument("--list-keys", type=int, default=5000, help="keys in the listing bucket")
    parser.add_argument(
        "--download-source",
        choices=("multipart", "single"),
        default="multipart",
        help="how the object to download is stored: boto3 upload_file (multipart ETag) or one PUT (MD5 ETag)",
    )
    parser.add_argument("--env", help="RGW env file to use (default: a running one, else start one)")
    parser.add_argument("--work-dir", default=str(ROOT / ".run" / "bench"), help="test files and the RGW state")
    parser.add_argument("--store-gib", type=float, default=8.0, help="memstore size when this run starts RGW")
    parser.add_argument("--results", default=str(HERE / "results"), help="where latest.md/json go")
    parser.add_argument("--no-readme", action="store_true", help="do not update benchmarks/README.md")
    parser.add_argument("--profile", action="store_true", help="cProfile each child (results/profiles/)")
    parser.add_argument("--rss-samples", action="store_true", help="sample each child's RSS every 5 ms")
    parser.add_argument(
        "--aurora",
        choices=("head", "worktree"),
        default="head",
        help="measure aurora as committed (a snapshot of HEAD, default) or the working tree as it is",
    )
    parser.add_argument("--keep-rgw", action="store_true", help="leave an RGW this run started running")
    args = parser.parse_args(argv)
    args.scenario_list = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in args.scenario_list if s not in SCENARIOS]
    if unknown or args.reps < 1 or args.import_reps < 1:
        parser.error("unknown scenario %s or reps < 1" % ", ".join(unknown))
    try:
        args.client_list = [parse_client(token) for token in args.clients.split(",") if token]
    except ValueError as exc:
        parser.error(str(exc))
    return args


def aurora_snapshot(work: Path, source: str) -> Tuple[Optional[Path], str]:
    """A copy of ``aurora/`` as committed at HEAD (folder, commit), so edits in progress are not measured.

    With ``source == "worktree"`` there is no copy and the working tree is measured.
    """
    commit = (
        subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, check=True)
        .stdout.decode()
        .strip()
    )
    if source == "worktree":
        return None, commit + " + working tree"
    target = work / ("aurora-" + commit)
    if not (target / "aurora" / "__init__.py").exists():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", "aurora"], capture_output=True, check=True)
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(target, filter="data")
            else:
                tar.extractall(target)
    return target, commit


def child_env(work: Path, snapshot: Optional[Path]) -> Dict[str, str]:
    """The children's environment: no AWS_* settings or proxies, bytecode cached under ``work``.

    ``snapshot`` (a folder holding ``aurora/``) goes first on the path, before the editable install.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # every library gets its .pyc, aurora's included
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    if snapshot is not None:
        env["PYTHONPATH"] = str(snapshot)
    return env


class Bench:
    """One benchmark run: the server, the data, the runs so far."""

    def __init__(self, args: argparse.Namespace, server: Server) -> None:
        self.args = args
        self.server = server
        self.work = Path(args.work_dir).resolve()
        self.work.mkdir(parents=True, exist_ok=True)
        self.endpoint = Endpoint(
            server.host,
            server.port,
            server.env["AWS_ACCESS_KEY_ID"],
            server.env["AWS_SECRET_ACCESS_KEY"],
            server.env.get("AWS_DEFAULT_REGION", "us-east-1"),
        )
        suffix = uuid.uuid4().hex[:8]
        self.bucket = "bench-" + suffix
        self.list_bucket = "bench-list-" + suffix
        self.size = args.size_mib * MiB
        self.source = self.work / "source.bin"
        self.snapshot, self.aurora_label = aurora_snapshot(self.work, args.aurora)
        self.env = child_env(self.work, self.snapshot)
        self.runs: List[Dict[str, Any]] = []
        self.s3 = self._housekeeping_client()

    def _housekeeping_client(self) -> Any:
        """A boto3 client for setup and cleanup (never timed)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint.url,
            aws_access_key_id=self.endpoint.access_key,
            aws_secret_access_key=self.endpoint.secret_key,
            region_name=self.endpoint.region,
            config=Config(max_pool_connections=32, retries={"max_attempts": 5, "mode": "standard"}),
        )

    # -- setup and cleanup --------------------------------------------------------

    def setup(self) -> None:
        """Buckets, the source file, the object to download and the keys to list."""
        self.s3.create_bucket(Bucket=self.bucket)
        scenarios = self.args.scenario_list
        if {"upload_file", "download_file"} & set(scenarios):
            self._write_source()
        if "download_file" in scenarios:
            self._upload_download_source()
        if "list_keys" in scenarios:
            self._fill_list_bucket()

    def _write_source(self) -> None:
        if self.source.exists() and self.source.stat().st_size == self.size:
            return
        block = os.urandom(MiB)
        with open(self.source, "wb") as out:
            for index in range(self.size // MiB):
                out.write(block[index % 256 :] + block[: index % 256])  # every MiB distinct
            out.write(block[: self.size % MiB])

    def _upload_download_source(self) -> None:
        if self.args.download_source == "multipart":
            self.s3.upload_file(str(self.source), self.bucket, "download-source")
        else:
            with open(self.source, "rb") as body:
                self.s3.put_object(Bucket=self.bucket, Key="download-source", Body=body)

    def _fill_list_bucket(self) -> None:
        started = time.monotonic()
        self.s3.create_bucket(Bucket=self.list_bucket)
        keys = ["dir%02d/key-%05d" % (index % 50, index) for index in range(self.args.list_keys)]
        with ThreadPoolExecutor(32) as pool:
            list(pool.map(lambda key: self.s3.put_object(Bucket=self.list_bucket, Key=key, Body=b"x"), keys))
        print("bench: %d keys to list created in %.1f s" % (len(keys), time.monotonic() - started), flush=True)

    def delete_keys(self, bucket: str, prefix: str) -> None:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            keys = [{"Key": item["Key"]} for item in page.get("Contents", ())]
            if keys:
                self.s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})

    def teardown(self) -> None:
        for bucket in (self.bucket, self.list_bucket):
            try:
                self.delete_keys(bucket, "")
                uploads = self.s3.list_multipart_uploads(Bucket=bucket).get("Uploads", ())
                for upload in uploads:
                    self.s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                self.s3.delete_bucket(Bucket=bucket)
            except Exception as exc:  # noqa: BLE001 - cleanup must not hide the results
                if "NoSuchBucket" not in str(exc):
                    print("bench: cleanup of %s failed: %s" % (bucket, exc), file=sys.stderr)
        for name in ("source.bin", "download.bin", "small.bin"):
            try:
                (self.work / name).unlink()
            except FileNotFoundError:
                pass

    # -- runs ---------------------------------------------------------------------

    def spec(self, scenario: str, client: ClientSpec, rep: int) -> Dict[str, Any]:
        slot = "c%d" % self.args.client_list.index(client)
        spec: Dict[str, Any] = {
            "scenario": scenario,
            "client": client.base,
            "options": client.options,
            "endpoint": self.endpoint.to_dict(),
            "bucket": self.bucket,
            "key": "%s-%s" % (scenario, slot),
            "size": self.size,
            "path": str(self.source),
            "dest": str(self.work / "download.bin"),
            "chunk_size": self.args.chunk_kib * 1024,
            "small_size": 1024,
            "small_path": str(self.work / "small.bin"),
            "count": self.args.small_count,
        }
        if scenario == "download_file":
            spec["key"] = "download-source"
        elif scenario == "small_pairs":
            spec["key"] = "small-%s/" % slot
        elif scenario == "list_keys":
            spec["bucket"], spec["count"] = self.list_bucket, self.args.list_keys
        tag = "%s-%s-%d" % (scenario, client.base + ("-" + slot if client.path or client.options else ""), rep)
        if self.args.profile or self.args.rss_samples:
            (Path(self.args.results) / "profiles").mkdir(parents=True, exist_ok=True)
        if self.args.profile:
            spec["profile"] = str(Path(self.args.results) / "profiles" / (tag + ".prof"))
        if self.args.rss_samples:
            spec["rss_samples"] = str(Path(self.args.results) / "profiles" / (tag + ".rss.json"))
        return spec

    def env_for(self, client: ClientSpec) -> Dict[str, str]:
        """The child environment; a prototype's folder goes first on the path."""
        if client.path is None:
            return self.env
        return dict(self.env, PYTHONPATH=str(Path(client.path).resolve()))

    def run_child(self, spec: Dict[str, Any], client: ClientSpec) -> Dict[str, Any]:
        try:
            done = subprocess.run(
                [sys.executable, str(CHILD)],
                input=json.dumps(spec).encode(),
                capture_output=True,
                env=self.env_for(client),
                cwd=str(self.work),
                timeout=CHILD_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"error": "timed out after %.0f s" % CHILD_TIMEOUT}
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        try:
            result: Dict[str, Any] = json.loads(lines[-1])
        except (IndexError, ValueError):
            tail = done.stderr.decode("utf-8", "replace").strip()[-800:]
            return {"error": "child exited %d without a result: %s" % (done.returncode, tail)}
        return result

    def run_import(self, client: ClientSpec) -> Dict[str, Any]:
        """``python -c 'import X; construct'`` timed from spawn to exit; the child reports its VmHWM."""
        code = (
            "import time as _t\n_t0 = _t.perf_counter()\n" + construct_code(client.base) + "_t1 = _t.perf_counter()\n"
            "for _l in open('/proc/self/status'):\n"
            "    if _l.startswith(('VmHWM:', 'VmRSS:')): print(_l.split()[0], _l.split()[1])\n"
            "print('inproc', _t1 - _t0)\n"
        )
        env = dict(self.env_for(client), **construct_env(self.endpoint))
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=env, cwd=str(self.work), timeout=120, check=False
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            return {"error": done.stderr.decode("utf-8", "replace").strip()[-800:]}
        fields = dict(line.split() for line in done.stdout.decode().splitlines() if line.strip())
        return {
            "wall": wall,
            "inproc": float(fields["inproc"]),
            "hwm_kib": int(fields["VmHWM:"]),
            "rss_before_kib": None,
            "cpu": (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime),
        }

    def after_run(self, scenario: str, spec: Dict[str, Any], result: Dict[str, Any]) -> None:
        """Check what an upload stored, then delete it so the memstore does not fill."""
        if scenario in ("upload_file", "upload_stream"):
            try:
                size = self.s3.head_object(Bucket=spec["bucket"], Key=spec["key"])["ContentLength"]
                if size != self.size and not result.get("error"):
                    result["error"] = "stored %d bytes, expected %d" % (size, self.size)
            except Exception as exc:  # noqa: BLE001 - recorded with the run
                result.setdefault("error", "uploaded object missing: %s" % exc)
            self.delete_keys(spec["bucket"], spec["key"])
        elif scenario == "small_pairs":
            self.delete_keys(spec["bucket"], spec["key"])
        elif scenario == "download_file":
            try:
                os.unlink(spec["dest"])
            except FileNotFoundError:
                pass

    def run_scenario(self, scenario: str) -> None:
        if scenario == "import":
            for client in self.args.client_list:  # warm-up: bytecode compiled, files cached
                self.run_import(client)
        reps = self.args.import_reps if scenario == "import" else self.args.reps
        for rep in range(reps):
            for client in self.args.client_list:
                spec: Dict[str, Any] = {}
                server_cpu = self.server.daemon_cpu()
                if scenario == "import":
                    result = self.run_import(client)
                else:
                    spec = self.spec(scenario, client, rep)
                    result = self.run_child(spec, client)
                    after = self.server.daemon_cpu()
                    if server_cpu is not None and after is not None:
                        result["server_cpu"] = after - server_cpu
                    self.after_run(scenario, spec, result)
                result.update(scenario=scenario, client=client.token, rep=rep)
                self.runs.append(result)
                print(progress_line(result), flush=True)


def progress_line(result: Dict[str, Any]) -> str:
    head = "%-14s %-9s rep %d: " % (result["scenario"], result["client"], result["rep"])
    if result.get("error"):
        return head + "FAILED: " + str(result["error"])
    rss = result.get("hwm_kib")
    return head + "%8.3f s  peak RSS %s MiB" % (result["wall"], "%.1f" % (rss / 1024) if rss else "-")


def write_results(bench: Bench, info: Dict[str, str], text: str, args: argparse.Namespace) -> None:
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    (results / "latest.md").write_text(text)
    settings = {k: v for k, v in vars(args).items() if k not in ("env", "client_list")}
    payload = {"machine": info, "args": settings, "runs": bench.runs}
    (results / "latest.json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    if not args.no_readme and README.exists():
        readme = README.read_text()
        if README_BEGIN in readme and README_END in readme:
            before, rest = readme.split(README_BEGIN, 1)
            after = rest.split(README_END, 1)[1]
            README.write_text(before + README_BEGIN + "\n" + text + README_END + after)


def render(bench: Bench, info: Dict[str, str], args: argparse.Namespace) -> str:
    summaries = summarize(bench.runs)
    labels = {
        "upload_file": "%d MiB upload from a file" % args.size_mib,
        "download_file": "%d MiB download to a file (%s ETag)" % (args.size_mib, args.download_source),
        "upload_stream": "%d MiB upload from a generator (%d KiB chunks)" % (args.size_mib, args.chunk_kib),
        "small_pairs": "%d x (1 KiB PUT + GET)" % args.small_count,
        "list_keys": "list %d keys" % args.list_keys,
    }
    table = markdown(summaries, evaluate_targets(summaries), labels)
    note = (
        "Medians of %d runs per client (import: %d), alternating clients, each run in a fresh interpreter. "
        'Peak RSS is the child\'s VmHWM (interpreter and imports included); "before op" is its RSS once the '
        "client was constructed and the input prepared. CPU is the child's user+system time and the RGW "
        "daemons' (radosgw, OSD, monitor) during the run." % (args.reps, args.import_reps)
    )
    return "%s\n\n%s\n%s\n" % (describe_machine(info), table, note)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    work = Path(args.work_dir)
    server = find_or_start(args.env, work / "rgw", args.store_gib)
    bench: Optional[Bench] = None
    try:
        info = machine_info(str(ROOT))
        bench = Bench(args, server)
        info["aurora_commit"] = bench.aurora_label
        bench.setup()
        for scenario in args.scenario_list:
            bench.run_scenario(scenario)
        info["load_after"] = load_average()
        text = render(bench, info, args)
    finally:
        if bench is not None:
            bench.teardown()
        if not args.keep_rgw:
            server.stop()
    write_results(bench, info, text, args)
    print()
    print(text)
    print("bench: done in %.0f s; results in %s" % (time.monotonic() - started, args.results))
    failed = [run for run in bench.runs if run.get("error")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
