"""Many object operations at once: the runner behind ``cp -r``, ``mv -r``, ``sync`` and ``rm -r``.

The command walks its source (a folder, a listing) in the main thread and
hands each operation to :meth:`JobRunner.submit`; up to ``jobs`` run at once
on worker threads sharing the session's one driver and its connection pool.
``submit`` blocks once ``4 x jobs`` operations are waiting or running, until
they are down to ``2 x jobs`` (so the walk wakes once per ``2 x jobs``
finished operations, not once per operation), so the walk runs only a little
ahead of the transfers: the first transfer starts before the listing ends,
and memory does not grow with the number of keys.

Bytes in flight: a small object is streamed from its file or into a temporary
file, so a running operation holds about one socket buffer and one
``io_chunk_size`` (256 KiB) read buffer; at most one object above the
multipart threshold runs at a time, and it holds what the transfer engine's
ceiling allows (a file's parts are read in place, one buffer per part worker).
Uploads of files up to 256 KiB do not come here: :mod:`aurora.cli.small_uploads`
keeps up to ``jobs`` of them in flight on the main thread, each read whole.
So the payload in memory stays under ``2 x jobs x 256 KiB + (max_concurrency
+ 1) x part_size`` whatever the number and size of the files.

Output: every line (per-file report, error, JSON record) is written whole
under the session's lock; the total progress bar (files, bytes, rate, ETA)
is wiped before a line and redrawn after it, so nothing interleaves mid-line.

Ctrl-C: while the runner is open, SIGINT only marks the run as stopping (a
``KeyboardInterrupt`` raised at an arbitrary point of the main thread could
land between taking a lock and the ``with`` block that releases it, and leave
every worker waiting on that lock).  The main thread raises the interrupt
itself at its next ``submit``; leaving the runner cancels what has not
started, and every running transfer is stopped at its next progress report by
a ``KeyboardInterrupt`` raised there, which makes the transfer engine abort a
multipart upload or delete a partial download as it does for a foreground
interrupt.  Then the interrupt goes on to ``main`` (exit status 130).  A
transfer waiting on a server that sends nothing reports no progress: it stops
when its read timeout (``--cli-read-timeout``) expires.  A second Ctrl-C
restores the default handler, so a third one interrupts at once.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, Type

from aurora.cli.parser import DEFAULT_JOBS, DEFAULT_UPLOAD_JOBS
from aurora.cli.progress import RateMeter, render_progress

if TYPE_CHECKING:
    from aurora.cli.session import Session

__all__ = ["JobRunner", "TotalProgress", "Submit", "run_concurrently"]

Submit = Callable[[Callable[[], object], Optional[int]], None]
"""``submit(work, size)``: run ``work()`` (which reports its own outcome) for an object of ``size`` bytes."""


class TotalProgress:
    """The one progress line of a many-file run: files done of those seen, bytes, rate and ETA.

    Drawn on ``session.err`` when ``draw`` is true (a terminal, not ``--quiet``).
    Only that line reads the counters, so they are kept only then
    (:attr:`counting`): a quiet run's jobs take no lock for them.  Callers hold
    ``session.lock``.
    """

    def __init__(self, session: Session, draw: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self._session = session
        self._draw = draw
        self.counting = draw
        self._clock = clock
        self._rate = RateMeter()
        self._last_draw: Optional[float] = None
        self.files_seen = self.files_done = self.bytes_seen = self.bytes_done = 0
        self.shown = False
        self._rate.add(clock(), 0)

    def line(self) -> str:
        rate = self._rate.add(self._clock(), self.bytes_done)
        label = "%d/%d files" % (self.files_done, self.files_seen)
        return render_progress(label, self.bytes_done, self.bytes_seen or None, rate, self._session.columns())

    def redraw(self, force: bool = False) -> None:
        """Draw the line again (at most ten times a second unless forced)."""
        if not self._draw:
            return
        now = self._clock()
        if not force and self._last_draw is not None and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        self._session.err.write("\r" + self.line() + "\x1b[K")
        self._session.err.flush()
        self.shown = True

    def clear(self) -> None:
        """Wipe the line, so that the next output starts at column 0 on an empty line."""
        if self.shown:
            self._session.err.write("\r\x1b[K")
            self._session.err.flush()
            self.shown = False


class _JobMeter:
    """One operation's ``progress(done, total)`` callback, adding its bytes to the total.

    Raises ``KeyboardInterrupt`` once the run is stopping, so the transfer
    engine cleans up (abort, delete the partial file) and the worker ends.
    """

    def __init__(self, runner: JobRunner) -> None:
        self._runner = runner
        self.reported = 0

    def __call__(self, done: int, total: Optional[int]) -> None:
        if self._runner.stopping.is_set():
            raise KeyboardInterrupt
        self._runner.add_bytes(done - self.reported)
        self.reported = done

    def close(self) -> None:
        """Nothing to wipe: the total line stays until the run ends."""


class _Workers:
    """Up to ``count`` threads running queued calls, one started with each of the first ``count`` calls.

    Not ``concurrent.futures``: a call here needs no future, done-callback or
    idle-thread bookkeeping (about a third of the cost of handing a small
    object's job to a thread), and a run need not import it (with ``logging``).
    A call must not raise: what escapes it is dropped, as a future nobody
    reads would drop it.
    """

    def __init__(self, count: int, name: str) -> None:
        self._count = count
        self._name = name
        self._calls: queue.SimpleQueue[Optional[Callable[[], None]]] = queue.SimpleQueue()
        self._threads: List[threading.Thread] = []

    def put(self, call: Callable[[], None]) -> None:
        """Queue ``call`` (a thread that cannot start raises before it is queued)."""
        if len(self._threads) < self._count:
            thread = threading.Thread(target=self._work, name="%s-%d" % (self._name, len(self._threads)))
            thread.start()
            self._threads.append(thread)
        self._calls.put(call)

    def drop_waiting(self) -> List[Callable[[], None]]:
        """Take back the calls no thread has started."""
        dropped: List[Callable[[], None]] = []
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                return dropped
            if call is not None:
                dropped.append(call)

    def join(self) -> None:
        """Let the threads finish what is queued, then end them and wait."""
        for _ in self._threads:
            self._calls.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        calls = self._calls
        while True:
            call = calls.get()
            if call is None:
                return
            try:
                call()
            except BaseException:  # noqa: BLE001, S110 - see the class docstring
                pass


class JobRunner:
    """Runs operations ``jobs`` at once (see the module docstring); a context manager.

    Args:
        session: the run; its driver is shared, its lock orders the output.
        jobs: operations at once.
        large: the size from which an operation goes through the parallel
            multipart engine; at most one such operation runs at a time.
    """

    def __init__(self, session: Session, jobs: int, large: int) -> None:
        self._session = session
        self.jobs = jobs
        self._large_from = large
        self._pool = _Workers(jobs, "aurora-job")
        self._backlog = threading.Condition(threading.Lock())
        self._pending = 0  # operations submitted and not finished
        self._high, self._low = 4 * jobs, 2 * jobs
        self._large = threading.Semaphore(1)
        self._local = threading.local()
        self.stopping = threading.Event()
        self.interrupted = False
        self._previous_handler: Any = None
        self.progress = TotalProgress(session, draw=session.wants_progress())

    def __enter__(self) -> JobRunner:
        if threading.current_thread() is threading.main_thread():
            self._previous_handler = signal.signal(signal.SIGINT, self._on_interrupt)
        self._session.begin_jobs(self.progress, self._meter)
        return self

    def _on_interrupt(self, signum: int, frame: Optional[FrameType]) -> None:
        """SIGINT while the runner is open: stop (see the module docstring); the next one interrupts."""
        if self.interrupted:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        self.interrupted = True
        self.stopping.set()

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        try:
            if error is not None:
                self.stopping.set()
            if error is not None or self.interrupted:
                self._cancel_waiting()
            self._pool.join()
        except BaseException:
            self.stopping.set()  # an interrupt while waiting: stop the workers, then wait again
            self._cancel_waiting()
            self._pool.join()
            raise
        finally:
            if self._previous_handler is not None:
                signal.signal(signal.SIGINT, self._previous_handler)
            self._session.end_jobs()
        if self.interrupted and error is None:
            raise KeyboardInterrupt

    def _cancel_waiting(self) -> None:
        self._finished(len(self._pool.drop_waiting()))

    def _finished(self, count: int) -> None:
        """``count`` operations ended (or never ran): wake the walk when the backlog is down to its low mark."""
        with self._backlog:
            self._pending -= count
            if self._pending <= self._low:
                self._backlog.notify()

    def _meter(self, label: str) -> _JobMeter:
        meter = _JobMeter(self)
        self._local.meter = meter
        return meter

    def add_bytes(self, count: int) -> None:
        if not self.progress.counting:
            return
        with self._session.lock:
            self.progress.bytes_done += count
            self.progress.redraw()

    def submit(self, work: Callable[[], object], size: Optional[int] = None) -> None:
        """Run ``work()`` on a worker once one is free; blocks while the backlog is full.

        ``work`` reports its own outcome (a line, or an error through
        ``session.fail``) and raises only ``KeyboardInterrupt``.
        """
        with self._backlog:
            if self._pending >= self._high:
                while self._pending > self._low:
                    if self.interrupted:
                        raise KeyboardInterrupt
                    self._backlog.wait(0.5)
            if self.interrupted:
                raise KeyboardInterrupt
            self._pending += 1
        if self.progress.counting:
            with self._session.lock:
                self.progress.files_seen += 1
                self.progress.bytes_seen += size or 0
        try:
            self._pool.put(lambda: self._run(work, size or 0))
        except BaseException:
            self._finished(1)
            raise

    __call__ = submit

    def started_here(self, size: int) -> None:
        """An operation the caller runs itself (not through :meth:`submit`) began: count it in the total line."""
        if self.progress.counting:
            with self._session.lock:
                self.progress.files_seen += 1
                self.progress.bytes_seen += size

    def finished_here(self, size: int) -> None:
        """An operation counted by :meth:`started_here` ended."""
        if self.progress.counting:
            with self._session.lock:
                self.progress.files_done += 1
                self.progress.bytes_done += size
                self.progress.redraw()

    def _run(self, work: Callable[[], object], size: int) -> None:
        try:
            if not self.stopping.is_set():
                self._run_one(work, size)
        finally:
            self._finished(1)

    def _run_one(self, work: Callable[[], object], size: int) -> None:
        large = size >= self._large_from
        if large:
            self._large.acquire()
        self._local.meter = None
        try:
            work()
        except Exception as error:  # noqa: BLE001 - work reports its own failures; this is a last resort
            self._session.fail("complete", "an operation", error)
        finally:
            if large:
                self._large.release()
            if self.progress.counting:
                meter: Optional[_JobMeter] = self._local.meter
                reported = meter.reported if meter is not None else 0
                with self._session.lock:
                    self.progress.files_done += 1
                    self.progress.bytes_done += max(size - reported, 0)
                    self.progress.redraw()


@contextmanager
def run_concurrently(session: Session, uploads: bool = False) -> Iterator[Submit]:
    """A ``submit`` for the command's operations: ``--jobs`` at once (when not given:
    :data:`~aurora.cli.parser.DEFAULT_UPLOAD_JOBS` when ``uploads``, else
    :data:`~aurora.cli.parser.DEFAULT_JOBS`), or one by one for ``--jobs 1`` and
    ``--dry-run`` (whose lines then keep the walk's order).  Leaving the block waits for
    every operation."""
    jobs = int(getattr(session.args, "jobs", None) or (DEFAULT_UPLOAD_JOBS if uploads else DEFAULT_JOBS))
    if jobs == 1 or getattr(session.args, "dry_run", False):

        def one_by_one(work: Callable[[], object], size: Optional[int]) -> None:
            work()

        yield one_by_one
        return
    transfer = session.driver.config.transfer
    with JobRunner(session, jobs, min(transfer.multipart_threshold, transfer.multipart_download_threshold)) as runner:
        yield runner
