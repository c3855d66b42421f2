#!/usr/bin/env python3
"""A bounded soak: mixed load on a local S3 server, reporting throughput, errors and memory growth.

    python benchmarks/soak.py [--duration 600] [--threads 8] [--env FILE]

The server comes from ``--env`` (an env file written by ``tests/servers/*.py``),
else ``$AURORA_TEST_RGW_ENV`` (set by ``scripts/servers.sh run``, as ``make soak``
does).  Only loopback endpoints are accepted.  The duration also comes from
``$AURORA_SOAK_SECONDS``.

Each thread puts, reads back (whole, ranged and streamed), lists, deletes and
now and then uploads in parts, checking every byte it reads against what it
wrote.  The working set is bounded: puts outweigh deletes, so once a thread
holds more than its share of ``--max-mib`` it deletes instead of writing until
it is back under the cap (a test server keeps its objects in RAM).  When no
operation completes for ``--stall`` seconds (default 30) the soak stops and
says what each thread is waiting on, instead of reporting a frozen count.

The report gives operations per second, errors and mismatches per operation,
and the process's resident memory at the start and the end (``VmRSS`` from
``/proc/self/status``).  The exit status is 1 when any operation failed, read
back wrong bytes or stalled.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aurora import Provider, get_driver  # noqa: E402
from aurora.config import Config, MiB, RetryPolicy, Timeouts, TransferConfig  # noqa: E402
from aurora.drivers.s3 import BaseS3StorageDriver  # noqa: E402
from aurora.errors import AuroraError  # noqa: E402

LOOPBACK = ("127.0.0.1", "localhost", "::1")
OPERATIONS = (  # (name, weight)
    ("put", 30),
    ("get", 25),
    ("range", 10),
    ("stream", 10),
    ("list", 10),
    ("delete", 10),
    ("multipart", 5),
)


def rss_kib(field: str = "VmRSS") -> int:
    """The process's resident memory in KiB (``VmRSS``, or ``VmHWM`` for the peak); 0 off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def read_env(path: str) -> Dict[str, str]:
    values: Dict[str, str] = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def make_driver(env: Dict[str, str]) -> BaseS3StorageDriver:
    url = urlsplit(env["AWS_ENDPOINT_URL"])
    if url.hostname not in LOOPBACK:
        raise SystemExit("soak: refusing a non-loopback endpoint %s" % url.hostname)
    config = Config(
        transfer=TransferConfig(part_size=5 * MiB, multipart_threshold=5 * MiB, max_concurrency=2),
        timeouts=Timeouts(connect=10.0, read=60.0),
        retry=RetryPolicy(max_attempts=5, backoff_base=0.05, backoff_max=2.0),
    )
    driver = get_driver(Provider.AURORAOBJECTS)(
        env["AWS_ACCESS_KEY_ID"],
        env["AWS_SECRET_ACCESS_KEY"],
        secure=url.scheme == "https",
        host=url.hostname,
        port=url.port,
        region=env.get("AWS_DEFAULT_REGION"),
        ex_config=config,
    )
    assert isinstance(driver, BaseS3StorageDriver)
    return driver


def payload(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


class Tally:
    """Counts of operations, errors and wrong reads, shared by the threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.mismatches: Counter[str] = Counter()
        self.first_errors: List[str] = []

    def record(self, name: str, ok: bool, error: Optional[BaseException] = None) -> None:
        with self.lock:
            self.done[name] += 1
            if error is not None:
                self.errors[name] += 1
                if len(self.first_errors) < 5:
                    self.first_errors.append(
                        "%s: %s" % (name, "".join(traceback.format_exception_only(type(error), error)).strip())
                    )
            elif not ok:
                self.mismatches[name] += 1


class Worker:
    """One thread's share of the load: its own keys, each with the seed and size it was written with."""

    def __init__(
        self, index: int, driver: BaseS3StorageDriver, bucket: str, tally: Tally, max_bytes: int = 32 * MiB
    ) -> None:
        self.index = index
        self.driver = driver
        self.container = driver.get_container(bucket)
        self.tally = tally
        self.rng = random.Random(index)
        self.keys: Dict[str, Tuple[int, int]] = {}
        self.serial = 0
        self.max_bytes = max_bytes
        self.held_bytes = 0
        self.current = "starting"  # the operation under way and when it began, for the stall report
        self.since = time.monotonic()

    def run(self, deadline: float) -> None:
        names = [name for name, _ in OPERATIONS]
        weights = [weight for _, weight in OPERATIONS]
        while time.monotonic() < deadline:
            name = self.rng.choices(names, weights)[0]
            if name != "put" and name != "multipart" and not self.keys:
                name = "put"
            elif name in ("put", "multipart") and self.held_bytes > self.max_bytes:
                name = "delete"  # over the cap: deletes catch up before anything more is written
            self.current, self.since = name, time.monotonic()
            try:
                ok = getattr(self, name)()
            except AuroraError as error:
                self.tally.record(name, False, error)
            else:
                self.tally.record(name, ok)
        self.current, self.since = "finished", time.monotonic()

    def _keep(self, key: str, seed: int, size: int) -> None:
        self.keys[key] = (seed, size)
        self.held_bytes += size

    def _new_key(self) -> str:
        self.serial += 1
        return "w%02d/%06d" % (self.index, self.serial)

    def _pick(self) -> Tuple[str, int, int]:
        key = self.rng.choice(sorted(self.keys))
        seed, size = self.keys[key]
        return key, seed, size

    def put(self) -> bool:
        key, seed, size = self._new_key(), self.rng.getrandbits(32), self.rng.randint(0, 256 * 1024)
        obj = self.driver.upload_object_via_stream(iter([payload(seed, size)]), self.container, key)
        self._keep(key, seed, size)
        return obj.size == size

    def multipart(self) -> bool:
        key, seed, size = self._new_key(), self.rng.getrandbits(32), 5 * MiB + self.rng.randint(1, MiB)
        data = payload(seed, size)
        obj = self.driver.upload_object_via_stream(
            (data[i : i + MiB] for i in range(0, size, MiB)), self.container, key
        )
        self._keep(key, seed, size)
        return obj.hash is not None and obj.hash.endswith("-2")

    def get(self) -> bool:
        key, seed, size = self._pick()
        data = b"".join(self.driver.download_object_as_stream(self.driver.get_object(self.container.name, key)))
        return hashlib.md5(data).digest() == hashlib.md5(payload(seed, size)).digest()

    def range(self) -> bool:
        key, seed, size = self._pick()
        if size < 2:
            return True
        start = self.rng.randrange(0, size - 1)
        end = self.rng.randrange(start + 1, size + 1)
        obj = self.driver.get_object(self.container.name, key)
        data = b"".join(self.driver.download_object_range_as_stream(obj, start, end))
        return data == payload(seed, size)[start:end]

    def stream(self) -> bool:
        key, seed, size = self._pick()
        chunks = list(
            self.driver.download_object_as_stream(
                self.driver.get_object(self.container.name, key), chunk_size=self.rng.randint(1, 64 * 1024)
            )
        )
        return b"".join(chunks) == payload(seed, size)

    def list(self) -> bool:
        prefix = "w%02d/" % self.index
        names = [obj.name for obj in self.driver.iterate_container_objects(self.container, prefix=prefix)]
        return names == sorted(self.keys)

    def delete(self) -> bool:
        key, _, size = self._pick()
        ok = self.driver.delete_object(self.driver.get_object(self.container.name, key))
        del self.keys[key]
        self.held_bytes -= size
        return ok


def cleanup(driver: BaseS3StorageDriver, bucket: str) -> None:
    container = driver.get_container(bucket)
    driver.ex_cleanup_all_multipart_uploads(container)
    for obj in list(driver.iterate_container_objects(container)):
        driver.delete_object(obj)
    driver.delete_container(container)


def waiting_on(thread: threading.Thread) -> str:
    """Where ``thread`` is now: its innermost aurora frame and its innermost frame."""
    frame = sys._current_frames().get(thread.ident or -1)
    if frame is None:
        return "no frame"
    stack = traceback.extract_stack(frame)
    ours = [entry for entry in stack if "/aurora/" in entry.filename]
    shown = ([ours[-1]] if ours else []) + [stack[-1]]
    return " -> ".join("%s:%d %s" % (Path(entry.filename).name, entry.lineno, entry.name) for entry in shown)


def print_stall(workers: List[Worker], threads: List[threading.Thread], quiet: float, bucket: str) -> None:
    """The loud end of a stalled soak: what every thread is waiting on."""
    now = time.monotonic()
    print("soak: STALLED: no operation completed for %.0f s; the threads wait on:" % quiet, file=sys.stderr)
    for worker, thread in zip(workers, threads):
        print(
            "  %s: %s for %.0f s in %s" % (thread.name, worker.current, now - worker.since, waiting_on(thread)),
            file=sys.stderr,
        )
    print("soak: bucket %s left in place (the server does not answer)" % bucket, file=sys.stderr, flush=True)


def report(tally: Tally, elapsed: float, rss: Tuple[int, int, int], peak: int, out: Callable[[str], None]) -> None:
    """The summary; ``rss`` is (at start, after the first tenth of the run, at the end) in KiB."""
    total = sum(tally.done.values())
    out("soak: %d operations in %.0f s: %.1f ops/s" % (total, elapsed, total / max(elapsed, 1e-9)))
    for name, _ in OPERATIONS:
        out(
            "  %-10s %8d done  %4d errors  %4d wrong reads"
            % (name, tally.done[name], tally.errors[name], tally.mismatches[name])
        )
    start, warm, end = rss
    out(
        "  memory: RSS %d KiB at start, %d KiB after warm-up, %d KiB at end (%+d KiB since warm-up), "
        "peak %d KiB" % (start, warm, end, end - warm, peak)
    )
    for line in tally.first_errors:
        out("  first errors: " + line)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration",
        type=float,
        default=float(os.environ.get("AURORA_SOAK_SECONDS", "600")),
        help="seconds of load (default $AURORA_SOAK_SECONDS or 600)",
    )
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--env", default=os.environ.get("AURORA_TEST_RGW_ENV"), help="server env file (default $AURORA_TEST_RGW_ENV)"
    )
    parser.add_argument("--progress", type=float, default=60.0, help="seconds between progress lines")
    parser.add_argument(
        "--max-mib", type=float, default=256.0, help="working set cap in MiB, shared by the threads (default 256)"
    )
    parser.add_argument(
        "--stall", type=float, default=30.0, help="fail when no operation completes for this many seconds"
    )
    args = parser.parse_args(argv)
    if not args.env or not Path(args.env).is_file():
        print(
            "soak: no server: pass --env FILE or run under scripts/servers.sh (RGW needs root and Ceph)",
            file=sys.stderr,
        )
        return 2
    if args.duration <= 0 or args.threads < 1 or args.max_mib <= 0 or args.stall <= 0:
        parser.error("--duration, --threads, --max-mib and --stall must be positive")

    driver = make_driver(read_env(args.env))
    bucket = "soak-" + uuid.uuid4().hex[:20]
    driver.create_container(bucket)
    tally = Tally()
    rss_start = rss_kib()
    started = time.monotonic()
    deadline = started + args.duration
    share = int(args.max_mib * MiB / args.threads)
    workers = [Worker(index, driver, bucket, tally, share) for index in range(args.threads)]
    threads = [
        threading.Thread(target=worker.run, args=(deadline,), name="soak-%d" % worker.index, daemon=True)
        for worker in workers
    ]
    for thread in threads:
        thread.start()
    warm_at, rss_warm = started + args.duration / 10, 0
    next_progress = started + args.progress
    last_total, last_change, stalled = -1, started, False
    try:
        while any(thread.is_alive() for thread in threads):
            time.sleep(0.2)
            now = time.monotonic()
            total = sum(tally.done.values())
            if total != last_total:
                last_total, last_change = total, now
            elif now - last_change >= args.stall:
                stalled = True
                break
            if not rss_warm and now >= warm_at:
                rss_warm = rss_kib()
            if now >= next_progress:
                next_progress += args.progress
                print(
                    "soak: %.0f s, %d operations, %d errors, RSS %d KiB, %.0f MiB held"
                    % (
                        now - started,
                        total,
                        sum(tally.errors.values()),
                        rss_kib(),
                        sum(worker.held_bytes for worker in workers) / MiB,
                    ),
                    flush=True,
                )
    finally:
        elapsed = time.monotonic() - started
        rss_end = rss_kib()
        if stalled:
            print_stall(workers, threads, time.monotonic() - last_change, bucket)
        else:
            cleanup(driver, bucket)
            driver.close()
    report(tally, elapsed, (rss_start, rss_warm or rss_end, rss_end), rss_kib("VmHWM"), print)
    failures = sum(tally.errors.values()) + sum(tally.mismatches.values())
    return 1 if failures or stalled else 0


if __name__ == "__main__":
    sys.exit(main())
