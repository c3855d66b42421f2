"""Request bodies: their length, whether they can be sent again, and how to send them.

S3 refuses chunked uploads, so every body has a known length before the first
byte is sent.  A file is sent from its current position for exactly
``Content-Length`` bytes (the transfer engine passes windows of one file), in
large blocks or with ``sendfile`` on a plain socket; nothing is copied whole.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from typing import TYPE_CHECKING, BinaryIO, Iterable, Iterator, Optional, Tuple, cast

from aurora._types import Body
from aurora.errors import InvalidArgumentError, ProtocolError, TransferError
from aurora.transport.response import byte_view

if TYPE_CHECKING:
    import socket

__all__ = ["Body", "BodyPlan", "plan_body", "SMALL_BODY", "BLOCK_SIZE"]


SMALL_BODY = 64 * 1024
"""Bodies up to this size go out in the same write as the headers."""

BLOCK_SIZE = 1024 * 1024
"""Larger bodies are sent in blocks of this size, each with its own timeout."""


class BodyPlan:
    """How one request body is sent; ``length`` is its Content-Length."""

    length = 0
    replayable = True

    def rewind(self) -> bool:
        """Go back to the start of the body before sending it again; False if it cannot."""
        return self.replayable

    def send(self, sock: socket.socket, head: bytes, where: str) -> None:
        """Send the request ``head`` and then the body on ``sock``."""
        sock.sendall(head)


class _BytesBody(BodyPlan):
    def __init__(self, view: memoryview) -> None:
        self._view = view
        self.length = view.nbytes

    def send(self, sock: socket.socket, head: bytes, where: str) -> None:
        if self.length <= SMALL_BODY:
            sock.sendall(b"".join((head, self._view)))
            return
        sock.sendall(head)
        send_view(sock, self._view)


class _FileBody(BodyPlan):
    def __init__(self, file: BinaryIO, start: Optional[int], length: int, regular: bool) -> None:
        self._file = file
        self._start = start
        self._regular = regular
        self.length = length
        self.replayable = start is not None

    def rewind(self) -> bool:
        if self._start is None:
            return False
        try:
            self._file.seek(self._start)
        except (OSError, ValueError):
            return False
        return True

    def send(self, sock: socket.socket, head: bytes, where: str) -> None:
        if self.length <= SMALL_BODY:
            block = bytearray(self.length)
            filled = _fill(self._file, memoryview(block), where)
            if filled != self.length:
                raise _short(where, filled, self.length)
            sock.sendall(b"".join((head, block)))
            return
        sock.sendall(head)
        if self._can_sendfile(sock):
            self._sendfile(sock, where)
        else:
            self._send_blocks(sock, where)

    def _can_sendfile(self, sock: socket.socket) -> bool:
        ssl = sys.modules.get("ssl")  # loaded if this is a TLS socket

        return (
            self._regular
            and self._start is not None
            and hasattr(os, "sendfile")
            and (ssl is None or not isinstance(sock, ssl.SSLSocket))
            and "b" in getattr(self._file, "mode", "b")
        )

    def _sendfile(self, sock: socket.socket, where: str) -> None:
        """Zero-copy from the page cache; the socket timeout bounds each block."""
        try:
            offset = self._file.tell()
        except (OSError, ValueError) as exc:
            raise InvalidArgumentError(f"{where}: the body file cannot be read: {exc}") from exc
        sent = sock.sendfile(self._file, offset, self.length)
        if sent != self.length:
            raise _short(where, sent, self.length)

    def _send_blocks(self, sock: socket.socket, where: str) -> None:
        block = memoryview(bytearray(min(BLOCK_SIZE, self.length)))
        sent = 0
        while sent < self.length:
            count = _fill(self._file, block[: min(block.nbytes, self.length - sent)], where)
            if count == 0:
                raise _short(where, sent, self.length)
            sock.sendall(block[:count])
            sent += count


class _IterableBody(BodyPlan):
    def __init__(self, chunks: Iterable[bytes], length: int) -> None:
        self._chunks = chunks
        self.length = length
        self.replayable = isinstance(chunks, (list, tuple))

    def send(self, sock: socket.socket, head: bytes, where: str) -> None:
        sock.sendall(head)
        sent = 0
        for chunk in _chunks_of(self._chunks, where):
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise InvalidArgumentError(f"{where}: body chunks must be bytes, not {type(chunk).__name__}")
            view = byte_view(chunk)
            if sent + view.nbytes > self.length:
                raise ProtocolError(f"{where}: the body is longer than its Content-Length {self.length}")
            send_view(sock, view)
            sent += view.nbytes
        if sent != self.length:
            raise _short(where, sent, self.length)


def _chunks_of(chunks: Iterable[bytes], where: str) -> Iterator[bytes]:
    """The caller's chunks, with a failure to produce one kept apart from socket failures."""
    iterator = iter(chunks)
    while True:
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        except OSError as exc:
            raise TransferError(f"{where}: reading the request body failed: {exc.strerror or exc}") from exc
        yield chunk


def send_view(sock: socket.socket, view: memoryview) -> None:
    """Send ``view`` in blocks: ``sendall``'s timeout covers a whole call, not a block."""
    for start in range(0, view.nbytes, BLOCK_SIZE):
        sock.sendall(view[start : start + BLOCK_SIZE])


def _fill(file: BinaryIO, view: memoryview, where: str) -> int:
    """Bytes read from ``file`` into ``view``: full unless the file ends first."""
    filled = 0
    while filled < view.nbytes:
        try:
            count = _read_into(file, view[filled:])
        except OSError as exc:
            raise TransferError(f"{where}: reading the request body failed: {exc.strerror or exc}") from exc
        except ValueError as exc:  # a closed file
            raise InvalidArgumentError(f"{where}: the body file cannot be read: {exc}") from exc
        if not count:
            break
        filled += count
    return filled


def _read_into(file: BinaryIO, view: memoryview) -> int:
    readinto = getattr(file, "readinto", None)
    if readinto is not None:
        return cast(Optional[int], readinto(view)) or 0
    data = file.read(view.nbytes)
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidArgumentError("the body file must be opened in binary mode")
    view[: len(data)] = data
    return len(data)


def _short(where: str, sent: int, length: int) -> ProtocolError:
    return ProtocolError(f"{where}: the body ended after {sent} of its {length} bytes (Content-Length)")


def plan_body(body: Body, content_length: Optional[int], where: str) -> BodyPlan:
    """The plan for sending ``body``; ``content_length`` is the caller's header, if any.

    Raises InvalidArgumentError, before any I/O, when the length cannot be known
    or contradicts the body.
    """
    if body is None:
        if content_length:
            raise InvalidArgumentError(f"{where}: Content-Length {content_length} given without a body")
        return BodyPlan()
    if isinstance(body, (bytes, bytearray, memoryview)):
        view = byte_view(body)
        if content_length is not None and content_length != view.nbytes:
            raise InvalidArgumentError(f"{where}: Content-Length {content_length} but the body has {view.nbytes} bytes")
        return _BytesBody(view)
    if isinstance(body, str):
        raise InvalidArgumentError(f"{where}: the body must be bytes, not str")
    if hasattr(body, "read"):
        return _plan_file(cast(BinaryIO, body), content_length, where)
    if content_length is None:
        raise InvalidArgumentError(
            f"{where}: an iterable body needs a Content-Length header (S3 refuses chunked uploads)"
        )
    return _IterableBody(body, content_length)


def _plan_file(file: BinaryIO, content_length: Optional[int], where: str) -> BodyPlan:
    if isinstance(file, io.TextIOBase):
        raise InvalidArgumentError(f"{where}: the body file must be opened in binary mode")
    start, remaining, regular = _file_window(file)
    if content_length is None:
        if remaining is None:
            raise InvalidArgumentError(f"{where}: cannot tell the length of the body file; pass Content-Length")
        return _FileBody(file, start, remaining, regular)
    if remaining is not None and content_length > remaining:
        raise InvalidArgumentError(
            f"{where}: Content-Length {content_length} exceeds the {remaining} bytes left in the body file"
        )
    return _FileBody(file, start, content_length, regular)


def _file_window(file: BinaryIO) -> Tuple[Optional[int], Optional[int], bool]:
    """``(position, bytes left, is a regular file)``; None where it cannot be known.

    The length comes from seeking to the end, not from the file's size, so an
    object that shows a window of a file (absolute positions, the window's end
    as its end) is measured by its own rules.
    """
    try:
        position = file.tell()
        seekable = getattr(file, "seekable", None)
        if seekable is not None and not seekable():
            return None, None, False
        end = file.seek(0, io.SEEK_END)
        file.seek(position)
    except (AttributeError, OSError, ValueError):
        return None, None, False
    return position, max(end - position, 0), _is_regular(file)


def _is_regular(file: BinaryIO) -> bool:
    """Whether ``file`` has a descriptor of a regular file (so ``sendfile`` can read it)."""
    try:
        return stat.S_ISREG(os.fstat(file.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False
