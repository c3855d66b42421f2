"""Progress reporting shared by uploads and downloads.

A progress callback receives ``(bytes done so far, total or None)``.  It may be
called from worker threads, but never from two threads at once: calls are
serialized and ``done`` never decreases, so a callback needs no lock of its own.
It should return quickly, since a worker waits for it.
"""

from __future__ import annotations

import threading
from typing import Optional, Tuple

from aurora._types import Progress

__all__ = ["Progress", "ProgressMeter"]


class ProgressMeter:
    """A thread-safe running total that reports every change to a callback."""

    def __init__(self, callback: Optional[Progress], total: Optional[int] = None) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self.total = total
        self.done = 0
        self._last: Optional[Tuple[int, Optional[int]]] = None

    def add(self, count: int) -> None:
        """Count ``count`` more bytes as done and report the new total."""
        with self._lock:
            self.done += count
            self._report()

    def finish(self, total: int) -> None:
        """Record the final total and report it, unless the last report already said so."""
        with self._lock:
            self.total = total
            if self._last != (self.done, total):
                self._report()

    def _report(self) -> None:
        self._last = (self.done, self.total)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def set_total(self, total: Optional[int]) -> None:
        """Record the total once it is known (a stream's, after it ended)."""
        with self._lock:
            self.total = total
