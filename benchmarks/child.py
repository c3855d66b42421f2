"""One measurement in a fresh interpreter: read a JSON spec on stdin, print a JSON result.

The client is imported and constructed, and the input prepared, before the
clock starts; the timed region is the one operation.  Peak memory is this
process's ``VmHWM`` (everything it ever held, interpreter and imports
included), so each client is measured alone.

    echo '{"scenario": "upload_file", "client": "aurora", ...}' | python benchmarks/child.py

Optional in the spec: ``"profile": PATH`` writes cProfile stats of the timed
region (worker threads included, merged) and ``"rss_samples": PATH`` writes
``[[seconds, rss_kib], ...]`` sampled every 5 ms.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients import Endpoint, adapter_for  # noqa: E402

Op = Callable[[], None]
Check = Callable[[], Optional[str]]


def proc_status_kib(field: str) -> int:
    """A ``kB`` field of /proc/self/status (VmRSS, VmHWM...), 0 where there is none."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def premade_chunks(chunk_size: int, distinct: int = 16) -> List[bytes]:
    """A few distinct random chunks, made before timing so the generator costs nothing."""
    return [os.urandom(chunk_size) for _ in range(distinct)]


def chunk_stream(chunks: List[bytes], total: int) -> Any:
    """A generator of ``total`` bytes as the pre-made chunks, repeated."""
    size = len(chunks[0])
    count, rest = divmod(total, size)
    for index in range(count):
        yield chunks[index % len(chunks)]
    if rest:
        yield chunks[0][:rest]


def _upload_file(client: Any, spec: Dict[str, Any]) -> Tuple[Op, Check]:
    def op() -> None:
        client.upload_file(spec["path"], spec["bucket"], spec["key"])

    return op, lambda: None


def _download_file(client: Any, spec: Dict[str, Any]) -> Tuple[Op, Check]:
    def op() -> None:
        client.download_file(spec["bucket"], spec["key"], spec["dest"])

    def check() -> Optional[str]:
        got = os.path.getsize(spec["dest"])
        return None if got == spec["size"] else "downloaded %d bytes, expected %d" % (got, spec["size"])

    return op, check


def _upload_stream(client: Any, spec: Dict[str, Any]) -> Tuple[Op, Check]:
    chunks = premade_chunks(spec["chunk_size"])

    def op() -> None:
        client.upload_stream(chunk_stream(chunks, spec["size"]), spec["bucket"], spec["key"])

    return op, lambda: None


def _small_pairs(client: Any, spec: Dict[str, Any]) -> Tuple[Op, Check]:
    data = os.urandom(spec["small_size"])
    with open(spec["small_path"], "wb") as file:
        file.write(data)
    wrong: List[int] = []

    def op() -> None:
        for index in range(spec["count"]):
            handle = client.put_small(spec["bucket"], "%s%04d" % (spec["key"], index), data, spec["small_path"])
            if client.get_small(handle) != data:
                wrong.append(index)

    return op, lambda: ("%d GETs returned other bytes" % len(wrong)) if wrong else None


def _list_keys(client: Any, spec: Dict[str, Any]) -> Tuple[Op, Check]:
    seen: List[int] = []

    def op() -> None:
        seen.append(client.list_keys(spec["bucket"]))

    def check() -> Optional[str]:
        return None if seen == [spec["count"]] else "listed %r keys, expected %d" % (seen, spec["count"])

    return op, check


SCENARIOS = {
    "upload_file": _upload_file,
    "download_file": _download_file,
    "upload_stream": _upload_stream,
    "small_pairs": _small_pairs,
    "list_keys": _list_keys,
}


class RssSampler(threading.Thread):
    """Samples this process's resident set every ``interval`` seconds."""

    def __init__(self, interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: List[Tuple[float, int]] = []
        self._stop_event = threading.Event()
        self._page_kib = os.sysconf("SC_PAGE_SIZE") // 1024

    def run(self) -> None:
        start = time.perf_counter()
        with open("/proc/self/statm") as statm:
            while not self._stop_event.is_set():
                statm.seek(0)
                pages = int(statm.read().split()[1])
                self.samples.append((round(time.perf_counter() - start, 4), pages * self._page_kib))
                self._stop_event.wait(self.interval)

    def stop(self) -> List[Tuple[float, int]]:
        self._stop_event.set()
        self.join()
        return self.samples


class ThreadProfiles:
    """cProfile for the calling thread and every thread started while active, merged at the end."""

    def __init__(self) -> None:
        self._profiles: List[Any] = []
        self._lock = threading.Lock()
        self._original_run = threading.Thread.run

    def __enter__(self) -> ThreadProfiles:
        import cProfile

        profiles, lock, original = self._profiles, self._lock, self._original_run

        def profiled_run(thread: threading.Thread) -> None:
            profile = cProfile.Profile()
            with lock:
                profiles.append(profile)
            profile.enable()
            try:
                original(thread)
            finally:
                profile.disable()

        threading.Thread.run = profiled_run  # type: ignore[method-assign]
        self._main = cProfile.Profile()
        self._profiles.append(self._main)
        self._main.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        self._main.disable()
        threading.Thread.run = self._original_run  # type: ignore[method-assign]

    def dump(self, path: str) -> None:
        import pstats

        stats = pstats.Stats(self._profiles[0])
        for profile in self._profiles[1:]:
            try:
                stats.add(profile)
            except TypeError:  # a thread that never ran Python code
                pass
        stats.dump_stats(path)


def measure(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Construct the client, prepare the input, time the operation; the result as a dict."""
    endpoint = Endpoint.from_dict(spec["endpoint"])
    client = adapter_for(spec["client"], endpoint, spec.get("options"))
    op, check = SCENARIOS[spec["scenario"]](client, spec)
    rss_before = proc_status_kib("VmRSS")
    sampler = RssSampler() if spec.get("rss_samples") else None
    profiles = ThreadProfiles() if spec.get("profile") else None
    if sampler is not None:
        sampler.start()
    cpu_start = os.times()
    start = time.perf_counter()
    if profiles is not None:
        with profiles:
            op()
    else:
        op()
    wall = time.perf_counter() - start
    cpu_end = os.times()
    result: Dict[str, Any] = {
        "wall": wall,
        "cpu": (cpu_end.user - cpu_start.user) + (cpu_end.system - cpu_start.system),
        "rss_before_kib": rss_before,
        "hwm_kib": proc_status_kib("VmHWM"),
        "threads": threading.active_count(),
    }
    if sampler is not None:
        with open(spec["rss_samples"], "w") as out:
            json.dump(sampler.stop(), out)
    if profiles is not None:
        profiles.dump(spec["profile"])
    problem = check()
    if problem:
        result["error"] = problem
    return result


def main() -> int:
    spec = json.load(sys.stdin)
    try:
        result = measure(spec)
    except Exception as exc:  # reported to the parent, which marks the run failed
        result = {"error": "%s: %s" % (type(exc).__name__, exc)}
    sys.stdout.write(json.dumps(result) + "\n")
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
