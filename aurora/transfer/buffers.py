"""Filling part buffers from a stream, and recycling the buffers.

A stream is either an iterable of bytes-like chunks of any size (empty ones
included) or a binary file-like object with ``readinto`` or ``read``.  Either
way it is copied straight into a reused ``bytearray`` through ``memoryview``
slices: no ``bytes +=`` accumulation, and at most one leftover reference to the
caller's current chunk.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Iterator, List, Optional, Union

from aurora.errors import InvalidArgumentError, TransferError
from aurora.transport.response import byte_view

__all__ = ["BytesLike", "StreamSource", "Filler", "stream_filler", "BufferPool"]

BytesLike = Union[bytes, bytearray, memoryview]
StreamSource = Union[Iterable[Any], Any]
"""An iterable of bytes-like chunks, or a binary file-like object."""

Filler = Callable[[memoryview], int]
"""``fill(view)`` copies stream bytes into ``view`` until it is full or the
stream ends, and returns how many it copied: less than ``len(view)`` means the
stream has ended (later calls return 0)."""


def _as_bytes_view(chunk: object) -> memoryview:
    if isinstance(chunk, str):
        raise InvalidArgumentError("a stream must yield bytes, not str (encode it first)")
    try:
        view = memoryview(chunk)  # type: ignore[arg-type]
    except TypeError:
        raise InvalidArgumentError("a stream must yield bytes-like chunks, not %s" % type(chunk).__name__) from None
    return byte_view(view)


class _IterableFiller:
    """Copies chunks from an iterator, keeping the unused tail of the current one."""

    def __init__(self, chunks: Iterable[Any]) -> None:
        self._chunks: Optional[Iterator[Any]] = iter(chunks)
        self._left = memoryview(b"")

    def __call__(self, target: memoryview) -> int:
        filled = 0
        while filled < len(target):
            if not self._left:
                if not self._next_chunk():
                    break
                continue
            count = min(len(target) - filled, len(self._left))
            target[filled : filled + count] = self._left[:count]
            self._left = self._left[count:]
            filled += count
        return filled

    def _next_chunk(self) -> bool:
        if self._chunks is None:
            return False
        try:
            self._left = _as_bytes_view(next(self._chunks))
        except StopIteration:
            self._chunks = None
            self._left = memoryview(b"")
            return False
        return True


class _FileFiller:
    """Reads a binary file-like object with ``readinto`` (or ``read`` as a fallback)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._ended = False
        self._readinto = getattr(stream, "readinto", None)

    def __call__(self, target: memoryview) -> int:
        filled = 0
        while filled < len(target) and not self._ended:
            count = self._read_some(target[filled:])
            if count == 0:
                self._ended = True
            filled += count
        return filled

    def _read_some(self, target: memoryview) -> int:
        if self._readinto is not None:
            count = self._readinto(target)
            if count is None:
                raise TransferError("the stream returned None from readinto (is it non-blocking?)")
            return int(count)
        data = self._stream.read(len(target))
        if data is None:
            raise TransferError("the stream returned None from read (is it non-blocking?)")
        view = _as_bytes_view(data)
        target[: len(view)] = view
        return len(view)


def stream_filler(source: StreamSource) -> Filler:
    """A :data:`Filler` for an iterable of chunks or a binary file-like object."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _IterableFiller([source])
    if hasattr(source, "readinto") or hasattr(source, "read"):
        return _FileFiller(source)
    if isinstance(source, str):
        raise InvalidArgumentError("cannot upload a str; pass bytes or a binary stream")
    try:
        return _IterableFiller(source)
    except TypeError:
        raise InvalidArgumentError("cannot upload from %s" % type(source).__name__) from None


class BufferPool:
    """A few reusable part buffers, so a long stream does not allocate per part.

    Buffers are handed out by size; when the part size grows, buffers of the
    old size are dropped instead of being kept.  Safe to use from many threads.
    """

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._free: List[bytearray] = []
        self._lock = threading.Lock()

    def take(self, size: int) -> bytearray:
        """A buffer of exactly ``size`` bytes (contents undefined)."""
        with self._lock:
            while self._free:
                buffer = self._free.pop()
                if len(buffer) == size:
                    return buffer
        return bytearray(size)

    def give(self, buffer: bytearray) -> None:
        """Return a buffer once nothing refers to its contents any more."""
        with self._lock:
            if len(self._free) < self._keep:
                self._free.append(buffer)
