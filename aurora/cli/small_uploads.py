"""Handing a many-file run's operations out: small uploads on this thread, the rest to the job runner.

A folder of small files is the CLI's commonest upload, and there a thread per
upload costs more client CPU than the uploads themselves (the GIL changes
hands at every system call: see :mod:`aurora.transport.multiplex`).  So
``cp -r``, ``mv -r`` and ``sync`` from a folder send every file of up to
:data:`~aurora.config.SMALL_UPLOAD` bytes through
:meth:`driver.ex_upload_objects <aurora.drivers.s3.S3StorageDriver.ex_upload_objects>`,
``--jobs`` at a time on the main thread, which also walks the folder.
Larger files, and every other operation, go to the runner's worker threads
as before, so a big file never waits behind the small ones.

Each small upload gets the same report line, error line, JSON record and
share of the total progress line as one run by a worker.  Ctrl-C is noticed
between files: the uploads in flight are abandoned (each stores all of its
file or nothing), and the interrupt goes on as from
:meth:`JobRunner.submit <aurora.cli.jobs.JobRunner.submit>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, Iterable, Iterator, Tuple

from aurora.cli.copying import Job, job_done, job_size
from aurora.cli.jobs import JobRunner, Submit
from aurora.cli.urls import LocalPath, S3Url
from aurora.config import SMALL_UPLOAD
from aurora.drivers.base import Container

if TYPE_CHECKING:
    from aurora.cli.session import Session

__all__ = ["submit_jobs"]


def submit_jobs(
    session: Session, submit: Submit, jobs: Iterable[Job], work_of: Callable[[Job], Callable[[], object]], move: bool
) -> None:
    """Run every job of ``jobs`` (as ``work_of(job)`` does), small uploads at once on this thread.

    Without a :class:`JobRunner` (``--jobs 1``, ``--dry-run``) every job goes
    to ``submit`` in order.
    """
    if not isinstance(submit, JobRunner):
        for job in jobs:
            submit(work_of(job), job_size(job))
        return
    runner = submit
    source = iter(jobs)
    first = None
    for job in source:
        if runner.interrupted:
            raise KeyboardInterrupt
        if _small_upload(job, SMALL_UPLOAD):
            first = job
            break
        runner(work_of(job), job_size(job))
    if first is None:
        return
    bucket = _bucket(first)
    started: Dict[Tuple[str, str], Job] = {}

    def begin(job: Job) -> Tuple[str, str]:
        assert isinstance(job.source, LocalPath) and isinstance(job.destination, S3Url)
        pair = (job.source.path, job.destination.key)
        started[pair] = job
        runner.started_here(job.size or 0)
        return pair

    def small_uploads() -> Iterator[Tuple[str, str]]:
        """``first`` and the walk's next small uploads to its bucket; every other job goes to the runner."""
        yield begin(first)
        for job in source:
            check()
            if _small_upload(job, SMALL_UPLOAD) and _bucket(job) == bucket and _pair(job) not in started:
                yield begin(job)
            else:
                runner(work_of(job), job_size(job))

    def check() -> None:
        if runner.interrupted:
            raise KeyboardInterrupt

    container = Container(bucket, {}, session.driver)
    results = session.driver.ex_upload_objects(small_uploads(), container, ex_jobs=runner.jobs, ex_check=check)
    try:
        for path, key, outcome in results:
            done = started.pop((path, key))
            job_done(session, done, move, outcome if isinstance(outcome, Exception) else None)
            runner.finished_here(done.size or 0)
            check()
    finally:
        results.close()  # abandons what is in flight when the loop ends early


def _small_upload(job: Job, limit: int) -> bool:
    """Whether ``job`` uploads a file the walk found to be at most ``limit`` bytes."""
    return (
        isinstance(job.source, LocalPath)
        and isinstance(job.destination, S3Url)
        and job.size is not None
        and job.size <= limit
    )


def _bucket(job: Job) -> str:
    assert isinstance(job.destination, S3Url)
    return job.destination.bucket


def _pair(job: Job) -> Tuple[str, str]:
    assert isinstance(job.source, LocalPath) and isinstance(job.destination, S3Url)
    return job.source.path, job.destination.key
