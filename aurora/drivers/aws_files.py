"""Reading the AWS config and credentials files, bounded.

``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE`` may name anything:
``/dev/zero`` (endless), a FIFO (blocks until a writer comes), a huge file.
Only a regular file of at most :data:`~aurora.core.profiles.MAX_AWS_FILE_BYTES`
is read (and ``/dev/null``, which reads as empty); anything else is refused
with a message naming the path.
"""

from __future__ import annotations

import os
import stat
from typing import Optional

from aurora.core.profiles import MAX_AWS_FILE_BYTES
from aurora.errors import InvalidArgumentError

__all__ = ["read_aws_file"]

# Opening a FIFO for reading blocks until a writer opens it; O_NONBLOCK makes
# the open return at once so fstat can refuse it.  (Neither exists on Windows.)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def read_aws_file(path: str) -> Optional[str]:
    """The UTF-8 text of the file at ``path`` (a BOM is dropped); None if there is no such file.

    Raises:
        InvalidArgumentError: the path is not a regular file, is larger than
            the cap, cannot be read or is not UTF-8; the message names the path.
    """
    data = _bounded_bytes(path)
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Raised outside the except block so the file's bytes do not ride along as __context__.
    raise InvalidArgumentError("the AWS file %s is not UTF-8 text" % (path,))


def _bounded_bytes(path: str) -> Optional[bytes]:
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidArgumentError("cannot read the AWS file %s: %s" % (path, reason)) from None
    try:
        return _read_regular(fd, path)
    finally:
        os.close(fd)


def _read_regular(fd: int, path: str) -> bytes:
    """Up to the cap from ``fd``, refusing anything but a regular file within it."""
    try:
        info = os.fstat(fd)
        if _is_null_device(info):
            return b""  # AWS_CONFIG_FILE=/dev/null: the usual way to say "no file"
        problem = _refusal(info)
        if problem is None:
            data = os.read(fd, MAX_AWS_FILE_BYTES + 1)  # a regular file: one read gives what it holds
            while len(data) <= MAX_AWS_FILE_BYTES:
                more = os.read(fd, MAX_AWS_FILE_BYTES + 1 - len(data))
                if not more:
                    return data
                data += more
            problem = "it grew past %d bytes while being read" % MAX_AWS_FILE_BYTES
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
    raise InvalidArgumentError("cannot read the AWS file %s: %s" % (path, problem))


def _is_null_device(info: os.stat_result) -> bool:
    if not stat.S_ISCHR(info.st_mode):
        return False
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and (info.st_rdev, info.st_dev) == (null.st_rdev, null.st_dev)


def _refusal(info: os.stat_result) -> Optional[str]:
    """Why a file with this status is not read, or None."""
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file but %s" % _kind(info.st_mode)
    if info.st_size > MAX_AWS_FILE_BYTES:
        return "it is %d bytes long; AWS config files are read up to %d bytes" % (info.st_size, MAX_AWS_FILE_BYTES)
    return None


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "mode %o" % stat.S_IFMT(mode)
