"""Moving one object: upload, download, server-side copy, and the two streams.

Each function raises on failure; the commands turn the exception into one
``aurora: cannot ...`` line.  Every byte transfer shows a progress bar when
standard error is a terminal (see :meth:`Session.progress`).
"""

from __future__ import annotations

import errno
import os
from typing import BinaryIO, Callable, Optional

from aurora.cli.formatting import last_modified_of
from aurora.cli.progress import Meter
from aurora.cli.session import Session
from aurora.cli.urls import S3Url
from aurora.drivers.base import Container, LocalTargets, Object
from aurora.errors import TransferError

__all__ = [
    "upload_file",
    "upload_stdin",
    "download",
    "download_to_stdout",
    "server_side_copy",
    "head",
    "safe_local_path",
]


def _finished(bar: Optional[Meter]) -> None:
    if bar is not None:
        bar.close()


def _container(session: Session, bucket: str) -> Container:
    return Container(bucket, {}, session.driver)


def upload_file(session: Session, path: str, url: S3Url, walked: bool = False) -> None:
    """Upload a regular file (multipart above the driver's threshold).

    ``walked``: a folder walk found ``path`` as a file, so it is not checked
    for being a folder again (the driver refuses what is no longer a file).
    """
    if not walked and os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "Is a directory (use --recursive)", path)
    bar = session.progress("upload %s" % os.path.basename(path))
    try:
        session.driver.upload_object(path, _container(session, url.bucket), url.key, ex_progress=bar)
    finally:
        _finished(bar)


def upload_stdin(session: Session, stream: BinaryIO, url: S3Url) -> None:
    """Upload standard input: one PUT if it ends within a part, else a bounded-memory multipart upload."""
    bar = session.progress("upload - to %s" % url)
    try:
        session.driver.upload_object_via_stream(stream, _container(session, url.bucket), url.key, ex_progress=bar)
    finally:
        _finished(bar)


def version_of(session: Session) -> Optional[str]:
    """The source version ``cp --version-id`` asks for (None: the latest, and for every other command)."""
    version: Optional[str] = getattr(session.args, "version_id", None)
    return version


def head(session: Session, url: S3Url) -> Object:
    """The object at ``url`` (one HEAD): its size, ETag and LastModified."""
    return session.driver.get_object(url.bucket, url.key, ex_version_id=version_of(session))


def download(session: Session, obj: Object, target: str) -> None:
    """Download into a temporary file renamed onto ``target``, then give it the object's LastModified.

    The mtime is what makes the next ``sync`` see the file as up to date.
    """
    session.targets.make_parent(target)
    bar = session.progress("download %s" % os.path.basename(target))
    try:
        complete = session.driver.download_object(
            obj, target, overwrite_existing=True, ex_progress=bar, ex_version_id=version_of(session)
        )
    finally:
        _finished(bar)
    if not complete:
        raise TransferError("the download ended early or did not match the object; nothing was written")
    modified = last_modified_of(obj.extra)
    if modified is not None:
        os.utime(target, (modified, modified))


def download_to_stdout(session: Session, url: S3Url, output: BinaryIO) -> int:
    """Stream the object to ``output`` chunk by chunk (no HEAD first); returns the bytes written."""
    driver = session.driver
    obj = Object(url.key, 0, None, {}, {}, _container(session, url.bucket), driver)
    bar = session.progress("download %s" % url)
    report: Callable[[int, Optional[int]], None] = bar if bar is not None else (lambda done, total: None)
    written = 0
    try:
        for chunk in driver.download_object_as_stream(obj, ex_version_id=version_of(session)):
            output.write(chunk)
            written += len(chunk)
            report(written, None)
        output.flush()
    finally:
        _finished(bar)
    return written


def server_side_copy(session: Session, obj: Object, destination: S3Url) -> None:
    """Copy without the bytes passing through here (parallel part copies above 5 GiB, in the driver)."""
    container = _container(session, destination.bucket)
    session.driver.ex_copy_object(obj, container, destination.key, ex_version_id=version_of(session))


def safe_local_path(targets: LocalTargets, root: str, name: str) -> str:
    """``root/name`` for a listed key: the library's rule (:func:`~aurora.drivers.base.contained_path`),
    never outside ``root``.

    Symlinks in ``root`` are resolved; a key whose real place would be outside
    it (``../x``, ``link/x`` with ``link`` pointing elsewhere) is refused.
    """
    return targets.path_of(root, name)
