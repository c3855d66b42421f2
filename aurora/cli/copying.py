"""``cp`` and ``mv``: which transfers a command line means, then each one in turn.

What ``SRC`` and ``DST`` mean follows ``aws s3 cp``: a destination ending in
``/`` (or an existing folder, or a bare bucket) keeps the source's name;
``--recursive`` walks a local folder or every key under a prefix taken as a
folder.  ``mv`` deletes each source only after its copy succeeded.
"""

from __future__ import annotations

import errno
import functools
import os
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Tuple

from aurora.cli.listing import iterate_objects
from aurora.cli.session import Session
from aurora.cli.transfers import (
    download,
    download_to_stdout,
    head,
    safe_local_path,
    server_side_copy,
    upload_file,
    upload_stdin,
)
from aurora.cli.urls import (
    LocalPath,
    Location,
    S3Url,
    Stream,
    UsageError,
    join_key,
    key_basename,
    listing_prefix,
    local_target,
    relative_display,
)
from aurora.drivers.base import Container, Object

__all__ = [
    "Job",
    "run_cp",
    "run_mv",
    "run_cat",
    "single_job",
    "check_pair",
    "run_job",
    "action_of",
    "shown",
    "job_size",
]


@dataclass(frozen=True)
class Job:
    """One transfer: ``obj`` is the source object when a listing already described it."""

    source: Location
    destination: Location
    obj: Optional[Object] = None
    size: Optional[int] = None
    """The source file's size, when the walk that found it knows it."""


def check_pair(source: Location, destination: Location, recursive: bool, move: bool) -> None:
    """Refuse combinations that cannot mean anything (exit status 2)."""
    if not isinstance(source, S3Url) and not isinstance(destination, S3Url):
        raise UsageError("one of SRC and DST must be an s3:// URL (local to local copies are not supported)")
    streams = isinstance(source, Stream) or isinstance(destination, Stream)
    if streams and recursive:
        raise UsageError("'-' (standard input or output) cannot be used with --recursive")
    if streams and move:
        raise UsageError("mv cannot use '-' (standard input or output); use cp")
    if move and source == destination:
        raise UsageError("cannot move %s onto itself" % source)


def _name_of(path: str) -> str:
    return os.path.basename(os.path.normpath(path))


def single_job(source: Location, destination: Location, is_dir: Callable[[str], bool] = os.path.isdir) -> Job:
    """The one transfer ``cp SRC DST`` (without ``-r``) stands for."""
    if isinstance(source, S3Url) and source.is_dir:
        raise UsageError("%s names a bucket or folder, not an object: use --recursive" % source)
    if isinstance(destination, S3Url):
        if not destination.is_dir:
            return Job(source, destination)
        if isinstance(source, Stream):
            raise UsageError("an upload from standard input needs a key: s3://bucket/key, not %s" % destination)
        name = _name_of(source.path) if isinstance(source, LocalPath) else key_basename(source.key)
        return Job(source, destination.child(name))
    assert isinstance(source, S3Url)  # check_pair: one side is S3
    if isinstance(destination, LocalPath):
        target = local_target(destination.path, key_basename(source.key), is_dir(destination.path))
        return Job(source, LocalPath(target))
    return Job(source, destination)


def _local_files(root: str, prefix: str = "") -> Iterator[Tuple[str, str, Optional[int]]]:
    """(path, name with ``/`` separators, size) of every regular file below ``root``, in name order.

    As ``os.walk`` with ``os.path.isfile``: links to files are followed, linked
    folders are not entered, unreadable folders are passed over; but one
    ``scandir`` a folder and one ``stat`` a file (its size, for the progress).
    """
    try:
        with os.scandir(root) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    folders = []
    for entry in entries:
        try:
            if entry.is_dir():
                if not entry.is_symlink():
                    folders.append(entry)
                continue
            if not entry.is_file():
                continue
            size: Optional[int] = entry.stat().st_size
        except OSError:
            size = None  # vanished or unreadable: its upload reports it
        yield entry.path, prefix + entry.name, size
    for entry in folders:
        yield from _local_files(entry.path, prefix + entry.name + "/")


def _recursive_jobs(session: Session, source: Location, destination: Location) -> Iterator[Job]:
    """Every transfer ``cp -r SRC DST`` stands for, produced while the source is walked."""
    if isinstance(source, LocalPath):
        if not os.path.isdir(source.path):
            missing = not os.path.exists(source.path)
            code, text = (errno.ENOENT, "No such file or directory") if missing else (errno.ENOTDIR, "Not a directory")
            raise OSError(code, text, source.path)
        assert isinstance(destination, S3Url)
        for path, name, size in _local_files(source.path):
            yield Job(LocalPath(path), S3Url(destination.bucket, join_key(destination.key, name)), size=size)
        return
    assert isinstance(source, S3Url)
    prefix = listing_prefix(source.key)
    for obj in iterate_objects(session.driver, source.bucket, prefix):
        name = obj.name[len(prefix) :]
        if isinstance(destination, S3Url):
            if name:
                yield Job(
                    S3Url(source.bucket, obj.name), S3Url(destination.bucket, join_key(destination.key, name)), obj
                )
        elif name and not name.endswith("/"):  # "folder" marker objects have no file to become
            assert isinstance(destination, LocalPath)
            url = S3Url(source.bucket, obj.name)
            try:
                target = safe_local_path(session.targets, destination.path, name)
            except Exception as error:  # noqa: BLE001 - the key is reported and skipped
                session.fail("download", str(url), error)
                continue
            yield Job(url, LocalPath(target), obj)


def shown(location: Location) -> str:
    """A location as the per-file lines show it (local paths relative, like ``./x``)."""
    return relative_display(location.path) if isinstance(location, LocalPath) else str(location)


def action_of(job: Job) -> str:
    """``upload``, ``download`` or ``copy``."""
    if not isinstance(job.source, S3Url):
        return "upload"
    return "copy" if isinstance(job.destination, S3Url) else "download"


def perform(session: Session, job: Job) -> None:
    """Carry out one transfer; raises on failure."""
    source, destination = job.source, job.destination
    if isinstance(destination, S3Url):
        if isinstance(source, LocalPath):
            upload_file(session, source.path, destination, walked=job.size is not None)
        elif isinstance(source, Stream):
            upload_stdin(session, session.stdin.buffer, destination)
        else:
            server_side_copy(session, job.obj or head(session, source), destination)
        return
    assert isinstance(source, S3Url)
    if isinstance(destination, Stream):
        session.out.flush()
        download_to_stdout(session, source, session.out.buffer)
    else:
        download(session, job.obj or head(session, source), destination.path)


def _remove_source(session: Session, source: Location) -> None:
    if isinstance(source, LocalPath):
        os.remove(source.path)
    elif isinstance(source, S3Url):
        container = Container(source.bucket, {}, session.driver)
        session.driver.delete_object(Object(source.key, 0, None, {}, {}, container, session.driver))


def run_job(session: Session, job: Job, move: bool = False, dry_run: bool = False) -> bool:
    """One transfer with its report line; False (and one error line) when it failed."""
    if dry_run:
        session.report("move" if move else action_of(job), shown(job.source), shown(job.destination), dry_run=True)
        return True
    try:
        perform(session, job)
    except Exception as error:  # noqa: BLE001 - reported on one line, the next file goes on
        return job_done(session, job, move, error)
    return job_done(session, job, move, None)


def job_done(session: Session, job: Job, move: bool, error: Optional[BaseException]) -> bool:
    """Report a transfer that ended (with ``error``, or done and the source of a move removed); False if it failed."""
    action = action_of(job)
    verb = "move" if move else action
    quiet_line = isinstance(job.destination, Stream)
    if error is None and move:
        try:
            _remove_source(session, job.source)
        except Exception as failure:  # noqa: BLE001 - reported like a failed transfer
            error = failure
    if error is not None:
        if isinstance(error, BrokenPipeError) and quiet_line:
            raise error  # the reader of standard output went away: main ends quietly
        source = shown(job.source)
        target = "%s to %s" % (source, shown(job.destination)) if action == "copy" else source
        session.fail(verb, target, error)
        return False
    if not quiet_line and not session.quiet:  # the names are worked out only to be shown
        session.report(verb, shown(job.source), shown(job.destination))
    return True


def _run(session: Session, move: bool) -> int:
    args = session.args
    source, destination = args.source, args.destination
    check_pair(source, destination, args.recursive, move)
    if getattr(args, "version_id", None) and (args.recursive or not isinstance(source, S3Url)):
        raise UsageError("cp --version-id needs one object as the source (s3://bucket/key), without --recursive")
    if not args.recursive:
        job = single_job(source, destination)
        return 0 if run_job(session, job, move, args.dry_run) else 1
    from aurora.cli.jobs import run_concurrently
    from aurora.cli.small_uploads import submit_jobs

    with run_concurrently(session, uploads=isinstance(source, LocalPath)) as submit:
        try:
            jobs = _recursive_jobs(session, source, destination)
            submit_jobs(
                session, submit, jobs, lambda job: functools.partial(run_job, session, job, move, args.dry_run), move
            )
        except Exception as error:  # noqa: BLE001 - the walk or listing itself failed
            session.fail("list" if isinstance(source, S3Url) else "read", shown(source), error)
    return 1 if session.failures else 0


def job_size(job: Job) -> Optional[int]:
    """The bytes ``job`` moves, when known without a request."""
    if job.obj is not None:
        return job.obj.size
    if job.size is not None:
        return job.size
    if isinstance(job.source, LocalPath):
        try:
            return os.path.getsize(job.source.path)
        except OSError:
            return None  # the upload reports it
    return None


def run_cp(session: Session) -> int:
    return _run(session, move=False)


def run_mv(session: Session) -> int:
    return _run(session, move=True)


def run_cat(session: Session) -> int:
    """``cat s3://b/key``: ``cp s3://b/key -``."""
    url: S3Url = session.args.url
    if url.is_dir:
        raise UsageError("cat needs an object: s3://bucket/key, not %s" % url)
    return 0 if run_job(session, Job(url, Stream())) else 1
