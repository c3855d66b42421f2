"""Downloads into a file that only appears once it is complete and checked.

The bytes go to a temporary file beside the destination, which replaces the
destination only when the byte count matches (and, for a whole object whose
ETag is a plain MD5, the MD5 matches too); on any failure the temporary file
is removed and an existing destination is left as it was.  Large objects are
fetched as parallel ranged GETs written in place with ``os.pwrite``; every
GET resumes after a broken connection (see :mod:`aurora.transfer.reader`).
Progress callbacks may run on worker threads (see :mod:`aurora.transfer.progress`).
"""

from __future__ import annotations

import os
import stat
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple, Optional, Tuple, Type, Union

from aurora._log import Log
from aurora.config import TransferConfig
from aurora.core.numbers import server_size
from aurora.core.parts import is_multipart_etag
from aurora.errors import (
    InvalidArgumentError,
    LibcloudError,
    ObjectChangedError,
    ObjectHashMismatchError,
    PreconditionFailed,
    TransferError,
)
from aurora.transfer.destination import create_exclusive
from aurora.transfer.multipart import is_encrypted
from aurora.transfer.progress import Progress, ProgressMeter
from aurora.transfer.reader import ResumingReader, quoted_etag
from aurora.transfer.window import new_md5
from aurora.transfer.workers import PartRunner, Skipped

if TYPE_CHECKING:
    from aurora.s3.client import S3Client
    from aurora.transport.response import Headers

__all__ = ["download_file", "iter_object", "ObjectChunks", "DEFAULT_CHUNK_SIZE"]

PathLike = Union[str, "os.PathLike[str]"]
ByteRange = Tuple[int, Optional[int]]
DEFAULT_CHUNK_SIZE = 256 * 1024
log = Log("aurora.transfer")
_PWRITE_LOCK = threading.Lock()


class _Fetched(NamedTuple):
    written: int
    expected: Optional[int]
    headers: Optional[Headers]
    md5: Optional[bytes]


def download_file(
    client: S3Client,
    bucket: str,
    key: str,
    destination: PathLike,
    *,
    config: TransferConfig,
    byte_range: Optional[ByteRange] = None,
    expected_size: Optional[int] = None,
    expected_etag: Optional[str] = None,
    overwrite: bool = False,
    progress: Optional[Progress] = None,
    verify: bool = True,
    keep_partial: bool = False,
    size_hint: Optional[int] = None,
) -> int:
    """Download ``bucket/key`` (or ``byte_range``, inclusive) to ``destination``; returns bytes written.

    Args:
        byte_range: ``(first, last)`` inclusive, ``last=None`` for the rest.
        expected_size: the object's size as listed; for a whole-object
            download the byte count must equal it (it also saves a HEAD).
        expected_etag: the ETag the caller insists on; sent as ``If-Match``
            so a replaced object fails (PreconditionFailed) instead of being
            downloaded in its new version.  Without it the object is fetched
            as it is now: parallel ranges and resumes are pinned to the ETag
            of this download's own first answer, and an object replaced
            mid-way is fetched again from the start, once.
        size_hint: the size the caller last saw (a listing's): it only
            chooses between one GET and parallel ranges, and is not checked.
        overwrite: replace an existing destination (only once the download
            succeeded); without it an existing file is refused before any request.
        progress: ``progress(bytes_written, total)``, possibly from worker threads.
        verify: check the MD5 when the whole object was fetched and its ETag is
            a plain MD5 (not multipart, not SSE-KMS or SSE-C).
        keep_partial: on a short transfer (TransferError), move what arrived
            to ``destination`` instead of removing it (libcloud's
            ``delete_on_failure=False``).

    Raises:
        LibcloudError: the destination exists and ``overwrite`` is false, or
            its directory does not exist.
        TransferError: fewer or more bytes arrived than expected.
        ObjectHashMismatchError: the MD5 of the bytes does not match the ETag.
        ObjectChangedError: the object was replaced mid-way twice.
    """
    target = os.fspath(destination)
    replaced = _check_destination(target, overwrite)
    meter = ProgressMeter(progress)
    with _PartFile(target, replaced) as part:
        try:
            if byte_range is None:
                fetch = _Fetch(client, bucket, key, part.fd, config, expected_etag, verify)
                fetched = _fetch_current(fetch, expected_size, size_hint, meter, progress)
            else:
                first, last = byte_range
                fetched = _fetch_single(client, bucket, key, part.fd, config, first, last, expected_etag, meter, False)
            _check_fetched(bucket, key, fetched, expected_size if byte_range is None else None)
        except TransferError:
            if keep_partial:
                part.commit()
            raise
        part.commit()
    return fetched.written


def _check_destination(target: str, overwrite: bool) -> Optional[os.stat_result]:
    """What stands at ``target`` now (None: nothing), refused when it is a folder or must not be replaced.

    One ``lstat`` in the common case; a missing folder shows when the part file is created.
    """
    try:
        found = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISDIR(found.st_mode) or (stat.S_ISLNK(found.st_mode) and os.path.isdir(target)):
        raise LibcloudError("Destination %s is a directory" % (target,))
    if not overwrite:
        raise LibcloudError("File %s already exists, but overwrite_existing=False" % (target,))
    return found


def _check_fetched(bucket: str, key: str, fetched: _Fetched, expected_size: Optional[int]) -> None:
    """Raise when the byte count or (where it applies) the MD5 is wrong."""
    expected = expected_size if expected_size is not None else fetched.expected
    if expected is not None and fetched.written != expected:
        raise TransferError(
            "downloaded %d bytes of %s/%s but expected %d" % (fetched.written, bucket, key, expected),
            container_name=bucket,
            object_name=key,
        )
    etag = _plain_md5(fetched.headers)
    got = None if fetched.md5 is None else fetched.md5.hex()
    if got is not None and etag is not None and got != etag:
        raise ObjectHashMismatchError(
            "the MD5 %s of the bytes downloaded from %s/%s differs from its ETag %s" % (got, bucket, key, etag),
            None,
            key,
            container_name=bucket,
        )


def _plain_md5(headers: Optional[Headers]) -> Optional[str]:
    """The ETag as a lower-case MD5 hex when it is one (not multipart, not SSE), else None."""
    if headers is None or is_encrypted(headers):
        return None
    etag = (headers.get("ETag") or "").strip().strip('"').lower()
    if len(etag) != 32 or is_multipart_etag(etag) or any(c not in "0123456789abcdef" for c in etag):
        return None
    return etag


class _Fetch(NamedTuple):
    """What every attempt of a whole-object download shares."""

    client: S3Client
    bucket: str
    key: str
    fd: int
    config: TransferConfig
    expected_etag: Optional[str]
    verify: bool


def _fetch_current(
    fetch: _Fetch, size: Optional[int], hint: Optional[int], meter: ProgressMeter, progress: Optional[Progress]
) -> _Fetched:
    """The object as it is now; replaced mid-way, it is fetched once more from the start.

    With the caller's own ``expected_etag`` nothing is fetched again: the
    version they asked for is gone (PreconditionFailed).
    """
    try:
        return _fetch_object(fetch, size, hint, meter)
    except (ObjectChangedError, PreconditionFailed) as error:
        if fetch.expected_etag is not None:
            raise
        log.info("%s/%s changed during the download; starting over: %s", fetch.bucket, fetch.key, error)
    os.ftruncate(fetch.fd, 0)
    floor = meter.done
    again = ProgressMeter(None if progress is None else lambda done, total: progress(max(done, floor), total))
    try:
        return _fetch_object(fetch, size, hint, again)
    except PreconditionFailed as error:
        raise ObjectChangedError(
            "%s/%s changed during the download, again after starting over" % (fetch.bucket, fetch.key),
            None,
            fetch.key,
            container_name=fetch.bucket,
        ) from error


def _fetch_object(fetch: _Fetch, size: Optional[int], hint: Optional[int], meter: ProgressMeter) -> _Fetched:
    """The whole object: one streamed GET, or parallel ranges above the threshold.

    Parallel ranges need the size and an ETag to pin them to, so they start
    with a HEAD; a single GET pins its own resumes to its first answer.
    """
    client, bucket, key, fd, config = fetch.client, fetch.bucket, fetch.key, fetch.fd, fetch.config
    head: Optional[Headers] = None
    etag = fetch.expected_etag
    check = fetch.verify and config.verify_checksums
    known = size if size is not None else hint
    if known is None or known > config.multipart_download_threshold:
        head = client.head_object(bucket, key, headers={"If-Match": quoted_etag(etag)} if etag else None)
        size = server_size(head.get("Content-Length")) or 0
        etag = etag or head.get("ETag")
    if size is not None and size > config.multipart_download_threshold and etag:
        return _fetch_parallel(client, bucket, key, fd, config, size, etag, head, meter, check)
    return _fetch_single(client, bucket, key, fd, config, 0, None, etag, meter, check)


def _fetch_single(
    client: S3Client,
    bucket: str,
    key: str,
    fd: int,
    config: TransferConfig,
    first: int,
    last: Optional[int],
    if_match: Optional[str],
    meter: ProgressMeter,
    hashing: bool,
) -> _Fetched:
    """One streamed GET (resumed as needed) written from offset 0 of ``fd``."""
    digest = new_md5() if hashing and first == 0 and last is None else None
    with ResumingReader(client, bucket, key, first=first, last=last, if_match=if_match) as reader:
        headers = reader.open()
        expected = None if reader.end is None else reader.end - first
        meter.set_total(expected)
        buffer_size = config.io_chunk_size if expected is None else max(1, min(config.io_chunk_size, expected))
        written = _copy(reader, fd, first, buffer_size, meter, digest)
    if written == 0:
        meter.add(0)
    return _Fetched(written, expected, headers, None if digest is None else bytes(digest.digest()))


def _copy(
    reader: ResumingReader,
    fd: int,
    base: int,
    chunk_size: int,
    meter: ProgressMeter,
    digest: Any = None,
    stopped: Optional[Callable[[], bool]] = None,
) -> int:
    """Stream the reader into ``fd`` at ``position - base`` through one fixed buffer."""
    view = memoryview(bytearray(chunk_size))
    written = 0
    while True:
        if stopped is not None and stopped():
            raise Skipped()
        offset = reader.position - base
        count = reader.readinto(view)
        if not count:
            return written
        _pwrite_all(fd, view[:count], offset)
        if digest is not None:
            digest.update(view[:count])
        written += count
        meter.add(count)


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    """Write all of ``data`` at ``offset`` without moving a shared file position."""
    pwrite = getattr(os, "pwrite", None)
    while data.nbytes:
        if pwrite is not None:
            done = pwrite(fd, data, offset)
        else:  # platforms without pwrite: serialize seek + write
            with _PWRITE_LOCK:
                os.lseek(fd, offset, os.SEEK_SET)
                done = os.write(fd, data)
        data, offset = data[done:], offset + done


class _Ranges:
    """The ranges of a parallel download, handed out one at a time to the workers."""

    def __init__(self, size: int, part_size: int) -> None:
        self._iter = iter(range(0, size, part_size))
        self.size, self._part = size, part_size
        self._lock = threading.Lock()
        self.headers: Optional[Headers] = None

    def next(self) -> Optional[Tuple[int, int]]:
        with self._lock:
            start = next(self._iter, None)
        return None if start is None else (start, min(start + self._part, self.size) - 1)

    def note(self, headers: Headers) -> None:
        with self._lock:
            if self.headers is None:
                self.headers = headers


def _fetch_parallel(
    client: S3Client,
    bucket: str,
    key: str,
    fd: int,
    config: TransferConfig,
    size: int,
    etag: str,
    head: Optional[Headers],
    meter: ProgressMeter,
    hashing: bool,
) -> _Fetched:
    """Ranged GETs of ``download_part_size`` on ``max_concurrency`` workers, all pinned to ``etag``."""
    os.ftruncate(fd, size)
    meter.set_total(size)
    ranges = _Ranges(size, config.download_part_size)
    workers = min(config.max_concurrency, -(-size // config.download_part_size))
    with PartRunner[int](workers, "aurora-download") as runner:
        for _ in range(workers):
            runner.submit(_range_worker, client, bucket, key, fd, etag, ranges, config.io_chunk_size, meter, runner)
        written = sum(runner.results())
    headers = head if head is not None else ranges.headers
    md5 = _file_md5(fd, size, config.io_chunk_size) if hashing and _plain_md5(headers) else None
    return _Fetched(written, size, headers, md5)


def _range_worker(
    client: S3Client,
    bucket: str,
    key: str,
    fd: int,
    etag: str,
    ranges: _Ranges,
    chunk_size: int,
    meter: ProgressMeter,
    runner: PartRunner[int],
) -> int:
    """Fetch ranges until none is left; returns the bytes this worker wrote."""
    total = 0
    while not runner.stopped:
        span = ranges.next()
        if span is None:
            break
        with ResumingReader(client, bucket, key, first=span[0], last=span[1], if_match=etag) as reader:
            ranges.note(reader.open())
            if reader.object_size is not None and reader.object_size != ranges.size:
                raise ObjectChangedError(
                    "%s/%s changed during the download: now %d bytes, not %d"
                    % (bucket, key, reader.object_size, ranges.size),
                    None,
                    key,
                    container_name=bucket,
                )
            count = _copy(reader, fd, 0, chunk_size, meter, stopped=lambda: runner.stopped)
        if count != span[1] - span[0] + 1:
            raise TransferError("bytes %d-%d of %s/%s: received %d" % (span[0], span[1], bucket, key, count))
        total += count
    return total


def _file_md5(fd: int, size: int, chunk_size: int) -> bytes:
    """The MD5 of the first ``size`` bytes of ``fd`` (read after the workers are done)."""
    digest = new_md5()
    os.lseek(fd, 0, os.SEEK_SET)
    left = size
    while left:
        data = os.read(fd, min(chunk_size, left))
        if not data:
            break
        digest.update(data)
        left -= len(data)
    return bytes(digest.digest())


class _PartFile:
    """``.<name>.<random>.part`` beside the destination; renamed onto it only by :meth:`commit`."""

    def __init__(self, destination: str, replaced: Optional[os.stat_result] = None) -> None:
        self.destination = destination
        self._replaced = replaced
        directory, name = os.path.split(os.path.abspath(destination))
        # A new file is created with the mode a new file gets (0o666 less the umask, or what a default
        # ACL says), so it needs no chmod; one that replaces a file starts private and takes that
        # file's mode when it is committed.
        self._keeps_mode = replaced is not None and stat.S_ISREG(replaced.st_mode)
        try:
            self.fd, self.path = create_exclusive(
                directory, "." + name + ".", ".part", 0o600 if self._keeps_mode else 0o666
            )
        except (FileNotFoundError, NotADirectoryError):
            raise LibcloudError("Directory %s does not exist" % (directory,)) from None
        self._committed = False

    def __enter__(self) -> _PartFile:
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self._close()
        if not self._committed:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def _close(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)

    def commit(self) -> None:
        """Give the file the replaced one's mode (a new file has its mode already) and move it into place.

        A symlink standing at the destination is replaced, not followed.
        """
        replaced = self._replaced
        if replaced is not None and self._keeps_mode:
            mode = stat.S_IMODE(replaced.st_mode)
            if self.fd >= 0:
                os.fchmod(self.fd, mode)
            else:
                os.chmod(self.path, mode)
        self._close()
        os.replace(self.path, self.destination)
        self._committed = True


def iter_object(
    client: S3Client,
    bucket: str,
    key: str,
    *,
    byte_range: Optional[ByteRange] = None,
    chunk_size: Optional[int] = None,
) -> ObjectChunks:
    """The object's bytes (or ``byte_range``, inclusive) as chunks of ``chunk_size`` (256 KiB).

    The GET is sent at once, so a missing object raises here rather than at
    the first ``next()``.  A broken connection is resumed with a ``Range``
    request pinned to the ETag.  Closing the iterator (or leaving a ``with``
    block, or a ``yield from`` being closed) releases the connection.
    """
    size = DEFAULT_CHUNK_SIZE if chunk_size is None else int(chunk_size)
    if size <= 0:
        raise InvalidArgumentError("chunk_size must be positive, not %r" % (chunk_size,))
    first, last = byte_range if byte_range is not None else (0, None)
    reader = ResumingReader(client, bucket, key, first=first, last=last)
    reader.open()
    return ObjectChunks(reader, size)


class ObjectChunks(Iterator[bytes]):
    """An iterator of object chunks that owns its response; see :func:`iter_object`."""

    def __init__(self, reader: ResumingReader, chunk_size: int) -> None:
        self._reader: Optional[ResumingReader] = reader
        self._chunk_size = chunk_size
        self.headers = reader.headers

    def __iter__(self) -> ObjectChunks:
        return self

    def __next__(self) -> bytes:
        reader = self._reader
        if reader is None:
            raise StopIteration
        buffer = bytearray(self._chunk_size)
        try:
            filled = _fill_from(reader, memoryview(buffer))
        except BaseException:
            self.close()
            raise
        if not filled:
            self.close()
            raise StopIteration
        return bytes(memoryview(buffer)[:filled])

    def close(self) -> None:
        """Stop early: the connection is released (discarded if bytes were left unread)."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()

    def __enter__(self) -> ObjectChunks:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing can be reported from a finalizer
            pass


def _fill_from(reader: ResumingReader, view: memoryview) -> int:
    """Fill ``view`` from the reader unless the body ends first."""
    filled = 0
    while filled < view.nbytes:
        count = reader.readinto(view[filled:])
        if not count:
            break
        filled += count
    return filled
