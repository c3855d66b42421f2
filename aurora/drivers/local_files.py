"""The folder operations behind the local driver: names, listings, atomic writes, sidecars.

Plain functions over paths and file descriptors, kept apart from
:class:`~aurora.drivers.local.LocalStorageDriver` so each stays small.  The
layout and the rules they implement are described in ``aurora.drivers.local``.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from aurora._types import Progress
from aurora.core.paths import is_inside
from aurora.core.validation import MAX_KEY_BYTES, validate_key
from aurora.drivers.base import Object
from aurora.errors import (
    InvalidArgumentError,
    InvalidObjectNameError,
    InvalidRange,
    RefusedContainerNameError,
)
from aurora.transfer.destination import create_exclusive

Record = Dict[str, Any]

RESERVED_PREFIX = ".aurora-"
"""Names starting with this (any case) belong to the driver, never to a key."""
META_DIR = RESERVED_PREFIX + "meta"
TEMP_PREFIX = RESERVED_PREFIX + "tmp-"
NAME_MAX = 255
RECORD_FIELDS = (("md5", str), ("content_type", str), ("meta_data", dict), ("extra", dict), ("identity", list))
EXTRA_FIELDS = ("cache_control", "content_disposition", "content_encoding", "content_language", "expires")
ATTEMPTS = 100  # a folder pruned by a concurrent delete is re-created at most this many times (a bound, not a budget)
LOCKS = tuple(threading.Lock() for _ in range(64))
SEPARATORS = tuple(sep for sep in {os.sep, os.altsep or os.sep} if sep != "/")


def commit_lock(data_path: str) -> threading.Lock:
    """The in-process lock that pairs a key's data and sidecar renames."""
    return LOCKS[hash(data_path) % len(LOCKS)]


def is_reserved(name: str) -> bool:
    return name.lower().startswith(RESERVED_PREFIX)


def segment_problem(segment: str) -> Optional[str]:
    """Why ``segment`` cannot be one folder or file name, or None."""
    if segment in ("", ".", ".."):
        return "an empty, '.' or '..' segment"
    if "\0" in segment:
        return "a NUL character"
    if any(sep in segment for sep in SEPARATORS):
        return "a path separator of this system"
    if is_reserved(segment):
        return "a segment starting with %r, which the local driver reserves" % RESERVED_PREFIX
    try:
        size = len(segment.encode("utf-8"))
    except UnicodeEncodeError:
        return "characters that are not valid Unicode"
    if size > NAME_MAX:
        return "a segment longer than %d bytes" % NAME_MAX
    return None


def key_segments(key: object) -> List[str]:
    """The path segments of ``key``, refused when a folder cannot hold it faithfully."""
    name = validate_key(key)
    segments = name.split("/")
    for segment in segments:
        problem = segment_problem(segment)
        if problem:
            raise InvalidObjectNameError(
                "object name %r cannot be stored in a folder: it has %s" % (name, problem), None, name
            )
    return segments


def check_container_name(name: object) -> str:
    if not isinstance(name, str):
        raise RefusedContainerNameError("container name must be a string, not %r" % (name,), None, None)
    problem = segment_problem(name)
    if problem is None and ("/" in name or ".." in name):
        problem = "a '/' or '..'"
    if problem:
        raise RefusedContainerNameError("invalid container name %r: it has %s" % (name, problem), None, name)
    return name


def identity(info: os.stat_result) -> List[int]:
    """What tells one version of a data file from another (a rename keeps it)."""
    return [info.st_ino, info.st_size, info.st_mtime_ns]


def md5() -> Any:
    import hashlib  # on first use, not when a driver is made

    return hashlib.md5(usedforsecurity=False)  # an ETag, not a security measure


def listable(name: str) -> bool:
    return segment_problem(name) is None


def entries(directory: str, base: str) -> List[Tuple[str, str, bool]]:
    """``(name, path, is_dir)`` of the listable entries, in key order.

    A directory sorts as ``name + "/"``: that is where its keys fall among
    their siblings' in S3's byte order (``a-b`` < ``a/x`` < ``a0``).  A
    symbolic link to a folder is not walked (a listing cannot loop); a link to
    a file is listed only when its real location is inside ``base`` (the
    driver's real root).
    """
    found = []
    try:
        with os.scandir(directory) as scan:
            for entry in scan:
                if not listable(entry.name):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        found.append((entry.name + "/", entry.path, True))
                    elif entry.is_file() and (not entry.is_symlink() or is_inside(base, os.path.realpath(entry.path))):
                        found.append((entry.name, entry.path, False))
                except OSError:
                    continue
    except (FileNotFoundError, NotADirectoryError):
        return []
    found.sort()
    return found


def walk(directory: str, key_prefix: str, fragment: str, shallow: bool, base: str) -> Iterator[Tuple[str, bool]]:
    """``(key, is_common_prefix)`` under ``directory`` in key order, names starting with ``fragment``.

    With ``shallow`` a sub-directory holding at least one object is one common
    prefix (delimiter ``/``) instead of being walked.
    """
    for name, path, is_dir in entries(directory, base):
        if not name.startswith(fragment):
            continue
        key = key_prefix + name
        if not is_dir:
            if len(key.encode("utf-8")) <= MAX_KEY_BYTES:
                yield key, False
        elif shallow:
            if next(walk(path, key, "", False, base), None) is not None:
                yield key, True
        else:
            yield from walk(path, key, "", False, base)


def listing(root: str, prefix: str, delimiter: Optional[str], base: str) -> Iterator[Tuple[str, bool]]:
    """S3's ListObjects over a folder: keys and common prefixes, in key order (links as :func:`entries`)."""
    directory_part, _, fragment = prefix.rpartition("/")
    segments = directory_part.split("/") if "/" in prefix else []
    if any(segment_problem(segment) for segment in segments):
        return  # no stored key can start with this prefix
    start = os.path.join(root, *segments)
    key_prefix = directory_part + "/" if segments else ""
    if delimiter == "/":
        yield from walk(start, key_prefix, fragment, True, base)
        return
    last_prefix = None
    for key, _ in walk(start, key_prefix, fragment, False, base):
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        if cut < 0:
            yield key, False
            continue
        common = key[: cut + len(delimiter or "")]
        if common != last_prefix:
            last_prefix = common
            yield common, True


def chunks_of(source: Any, size: int) -> Iterator[bytes]:
    """Bytes from an iterable of bytes-like chunks, a binary file object or one bytes value.

    The kind of ``source`` is checked now, before any file is created.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return iter([bytes(source)])
    if isinstance(source, str):
        raise InvalidArgumentError("cannot upload a str; pass bytes or a binary stream")
    if hasattr(source, "read"):
        return read_chunks(source, size)
    try:
        chunks = iter(source)
    except TypeError:
        raise InvalidArgumentError("cannot upload from %s" % type(source).__name__) from None
    return (as_bytes(chunk) for chunk in chunks)


def read_chunks(stream: Any, size: int, limit: Optional[int] = None) -> Iterator[bytes]:
    """Chunks of at most ``size`` bytes read from ``stream``, ``limit`` bytes at most in all."""
    while limit is None or limit > 0:
        data = stream.read(size if limit is None else min(size, limit))
        if data is None:
            raise InvalidArgumentError("the stream returned None from read (is it non-blocking?)")
        if not data:
            return
        if limit is not None:
            limit -= len(data)
        yield as_bytes(data)


def as_bytes(chunk: object) -> bytes:
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise InvalidArgumentError("a stream must yield bytes-like chunks, not %s" % type(chunk).__name__)


def create_temp(directory: str) -> Tuple[int, str]:
    """A new, exclusively created temporary file in ``directory`` (never through a link): ``(fd, path)``."""
    return create_exclusive(directory, TEMP_PREFIX, "", 0o666)


def fill(
    fd: int, chunks: Iterable[bytes], fsync: bool, progress: Optional[Progress], total: Optional[int]
) -> Tuple[os.stat_result, str]:
    """Write ``chunks`` to ``fd`` (and close it): the file's final stat and MD5 hex."""
    digest = md5()
    done = 0
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress is not None and chunk:
                progress(done, total)
        out.flush()
        if fsync:
            os.fsync(out.fileno())
        info = os.fstat(out.fileno())
    return info, digest.hexdigest()


def unlink_quietly(path: Optional[str]) -> None:
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass


def prune(top: str, path: str) -> None:
    """Remove empty directories from ``path`` up to, but never including, ``top``."""
    while path != top and path.startswith(top + os.sep):
        try:
            os.rmdir(path)
        except OSError:
            return
        path = os.path.dirname(path)


def read_record(path: str) -> Optional[Record]:
    """The sidecar at ``path`` if it is one we wrote, else None."""
    import json

    try:
        with open(path, "rb") as stream:
            record = json.loads(stream.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or any(not isinstance(record.get(f), t) for f, t in RECORD_FIELDS):
        return None
    return record


def span(size: int, start: int, stop: Optional[int], obj: Object) -> Tuple[int, int]:
    """``[start, stop)`` clipped to the object, as S3 answers a Range request."""
    if start >= size and not (start == 0 and size == 0):
        raise InvalidRange(
            "range start %d is beyond the end of %r (%d bytes)" % (start, obj.name, size),
            obj.driver,
            object_name=obj.name,
            code="InvalidRange",
        )
    return start, size if stop is None else min(stop, size)
