"""Type aliases shared by several layers, each defined here once."""

from __future__ import annotations

from typing import BinaryIO, Callable, Iterable, Optional, Union

__all__ = ["Body", "Progress"]

Body = Union[None, bytes, bytearray, memoryview, BinaryIO, Iterable[bytes]]
"""A request body: bytes, a binary file object (read from its position) or an iterable of bytes."""

Progress = Callable[[int, Optional[int]], None]
"""``callback(bytes_done, total_or_None)``; see :mod:`aurora.transfer.progress` for threading."""
