"""A bounded worker pool that stops at the first failure.

``concurrent.futures`` alone keeps running queued work after one task failed;
a transfer must instead stop promptly, so every task checks a shared stop flag
before it starts and the first exception is kept to be raised in the caller's
thread.  Work already running finishes (a request cannot be torn down from
another thread), which bounds the wait to one part per worker.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Generic, List, Optional, Type, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["PartRunner", "Skipped"]

T = TypeVar("T")


class Skipped(Exception):
    """A task that never ran because an earlier one failed."""


class PartRunner(Generic[T]):
    """Runs tasks on ``workers`` threads; use as a context manager.

    On leaving the ``with`` block because of an exception (``KeyboardInterrupt``
    included), queued tasks are cancelled and running ones are waited for, so
    nothing is still sending when the caller aborts the upload.
    """

    def __init__(self, workers: int, name: str = "aurora-transfer") -> None:
        # Imported here, not at module level: a driver that never runs a
        # multipart transfer need not pay for concurrent.futures (~4 ms).
        from concurrent.futures import ThreadPoolExecutor

        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._futures: List[Future[T]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._failure: Optional[BaseException] = None

    def __enter__(self) -> PartRunner[T]:
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        if error is not None:
            self._stop.set()
        self._executor.shutdown(wait=True, cancel_futures=error is not None)

    @property
    def stopped(self) -> bool:
        """Whether a task failed (or the runner was told to stop)."""
        return self._stop.is_set()

    def submit(self, task: Callable[..., T], *args: Any, on_done: Optional[Callable[[], None]] = None) -> None:
        """Queue ``task(*args)``; it is skipped if a failure happens first.

        ``on_done()`` runs once the task has finished, failed, been skipped or
        been cancelled -- the place to free what the task was holding.
        """
        future = self._executor.submit(self._run, task, args)
        if on_done is not None:
            callback = on_done
            future.add_done_callback(lambda _: callback())
        self._futures.append(future)

    def check(self) -> None:
        """Raise the first task failure, if one happened."""
        failure = self._failure
        if failure is not None:
            raise failure

    def results(self) -> List[T]:
        """Wait for every task; their results in submission order, or the first failure."""
        from concurrent.futures import FIRST_EXCEPTION, wait

        wait(self._futures, return_when=FIRST_EXCEPTION)
        self.check()
        return [future.result() for future in self._futures]

    def _run(self, task: Callable[..., T], args: Any) -> T:
        if self._stop.is_set():
            raise Skipped()
        try:
            return task(*args)
        except BaseException as exc:
            with self._lock:
                if self._failure is None:
                    self._failure = exc
            self._stop.set()
            raise
