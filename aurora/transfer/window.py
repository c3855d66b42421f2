"""A read-only window on a byte range of a file, used as a request body.

A multipart upload of a file sends each part straight from the disk: the part
is never copied into memory, and each part gets its own file descriptor so
worker threads never share a file position.  Positions are *absolute* file
offsets (as for the file itself), so a transport may hand ``fileno()`` and
``tell()`` to ``os.sendfile``, and ``socket.sendfile`` may ``seek`` the window
to where it stopped; a seek outside the window is refused.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any, Union

from aurora.errors import InvalidArgumentError, TransferError
from aurora.transport.response import byte_view

__all__ = ["FileWindow", "window_md5", "hash_window", "new_md5"]

PathLike = Union[str, "os.PathLike[str]"]


def new_md5() -> Any:
    """An MD5 hasher marked as not used for security (so FIPS builds allow it)."""
    try:
        return hashlib.md5(usedforsecurity=False)
    except TypeError:  # an interpreter built without the keyword
        return hashlib.md5()


class FileWindow(io.RawIOBase):
    """``length`` bytes of the file at ``path`` starting at ``offset``.

    ``read`` and ``readinto`` stop at the end of the window; ``seek`` and
    ``tell`` use absolute offsets limited to ``[offset, offset + length]``.
    The file is opened on creation and closed by ``close()`` (or ``with``).
    """

    def __init__(self, path: PathLike, offset: int, length: int) -> None:
        super().__init__()
        if offset < 0 or length < 0:
            raise InvalidArgumentError("a file window needs offset >= 0 and length >= 0")
        self._file = io.FileIO(os.fspath(path), "rb")
        self.start = offset
        self.end = offset + length
        self._pos = offset

    def __repr__(self) -> str:
        return "<FileWindow %r [%d, %d)>" % (self._file.name, self.start, self.end)

    @property
    def name(self) -> str:
        """The path of the file, for messages."""
        return str(self._file.name)

    @property
    def length(self) -> int:
        """The size of the window in bytes."""
        return self.end - self.start

    @property
    def remaining(self) -> int:
        """Bytes left between the current position and the end of the window."""
        return self.end - self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._file.fileno()

    def tell(self) -> int:
        self._check_open()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to an absolute offset (or relative to the position or window end)."""
        self._check_open()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self.end + offset
        else:
            raise ValueError("invalid whence %r" % (whence,))
        if not self.start <= target <= self.end:
            raise ValueError("offset %d is outside the window [%d, %d]" % (target, self.start, self.end))
        self._pos = target
        return target

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the current position, never past the window."""
        self._check_open()
        view = byte_view(buffer)
        want = min(len(view), self.end - self._pos)
        if want <= 0:
            return 0
        self._file.seek(self._pos)
        got = self._file.readinto(view[:want]) or 0
        self._pos += got
        return got

    def close(self) -> None:
        file = getattr(self, "_file", None)  # absent when opening the file failed
        if file is not None:
            file.close()
        super().close()

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on a closed file window")


def window_md5(window: FileWindow, chunk_size: int) -> bytes:
    """The MD5 digest of the whole window, read once; the position is restored after.

    Raises:
        TransferError: the file is shorter than the window (it shrank).
    """
    digest = new_md5()
    hash_window(window, chunk_size, digest)
    return bytes(digest.digest())


def hash_window(window: FileWindow, chunk_size: int, hasher: Any) -> None:
    """Feed the whole window to ``hasher`` in ``chunk_size`` reads; the position is restored after.

    Raises:
        TransferError: the file is shorter than the window (it shrank).
    """
    view = memoryview(bytearray(chunk_size))
    start = window.tell()
    window.seek(window.start)
    try:
        while True:
            count = window.readinto(view)
            if not count:
                break
            hasher.update(view[:count])
        if window.tell() != window.end:
            raise TransferError(
                "file %r ended at offset %d, inside a part that should end at %d (did it shrink?)"
                % (window.name, window.tell(), window.end)
            )
    finally:
        window.seek(start)
