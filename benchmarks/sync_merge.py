"""``sync``'s merge over a synthetic plan of 1,000,000 entries a side: time and peak RSS.

    .venv/bin/python benchmarks/sync_merge.py [--entries 1000000]

Both sides are generated lazily in name order (as the local walk and the
listing arrive): one name in 100 differs in size, one in 100 exists only in
the source and one in 100 only at the destination.  What is measured is
:func:`aurora.cli.syncplan.merge_plan` itself, with ``--delete``: if it held
either side, the peak RSS would grow by hundreds of MiB; it stays flat.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aurora.cli.syncplan import DELETE, Entry, merge_plan  # noqa: E402


def peak_rss_mib() -> float:
    """This process's VmHWM (Linux), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def side(count: int, source: bool) -> Iterator[Entry]:
    for index in range(count):
        if index % 100 == (1 if source else 2):
            continue  # present on the other side only
        size = 4096 + (1 if source and index % 100 == 3 else 0)
        yield Entry("dir%03d/file%07d" % (index // 10000, index), size, 1.0e9, etag=None if source else "x-1")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="names on each side before the differences")
    args = parser.parse_args(argv)
    before = peak_rss_mib()
    started = time.perf_counter()
    transfers = deletions = 0
    for action in merge_plan(side(args.entries, True), side(args.entries, False), delete=True):
        if action.kind == DELETE:
            deletions += 1
        else:
            transfers += 1
    elapsed = time.perf_counter() - started
    print(
        "sync merge, %d entries a side: %.2f s (%.2f us an entry), %d transfers, %d deletions, "
        "peak RSS %.1f MiB (%.1f MiB before the merge)"
        % (args.entries, elapsed, elapsed / args.entries * 1e6, transfers, deletions, peak_rss_mib(), before)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
