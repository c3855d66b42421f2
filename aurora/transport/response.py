"""An HTTP response: status, headers, and a body that is either in memory or streamed.

A streamed body owns its connection until the last byte is read, then hands it
back to the pool; closing it early discards the connection, because the bytes
still in flight would corrupt the next response on it.  Every socket failure
is translated here into :mod:`aurora.errors`, so no ``OSError`` or
``http.client`` exception reaches the caller.
"""

from __future__ import annotations

import http.client
import socket
from types import TracebackType
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    NoReturn,
    Optional,
    Tuple,
    Type,
    Union,
)

from aurora.config import MAX_RESPONSE_BODY
from aurora.errors import ProtocolError, ReadTimeout, XMLParseError
from aurora.transport.sockets import arm_quickack

__all__ = ["Headers", "Response", "byte_view"]


def byte_view(buffer: Any) -> memoryview:
    """A one-dimensional unsigned-byte view of ``buffer``, cast only when it is not one already.

    A needless ``cast("B")`` is not harmless: PyPy's ``readinto`` refuses a cast view
    of a bytearray as read-only.
    """
    view = memoryview(buffer)
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


HeaderSource = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued, read-only header mapping.

    ``headers["etag"]`` is the first value sent under that name;
    :meth:`get_all` returns every value, :meth:`multi_items` every pair.
    """

    __slots__ = ("_pairs", "_first", "_names")

    def __init__(self, pairs: HeaderSource = ()) -> None:
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        self._pairs: Tuple[Tuple[str, str], ...] = tuple((str(k), str(v)) for k, v in items)
        self._first: Dict[str, str] = {}
        self._names: Dict[str, str] = {}
        for name, value in self._pairs:
            key = name.lower()
            if key not in self._first:
                self._first[key] = value
                self._names[key] = name

    def __getitem__(self, name: str) -> str:
        return self._first[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._first)

    def get_all(self, name: str) -> List[str]:
        """Every value sent under ``name``, in order (empty if none)."""
        key = name.lower()
        return [value for header, value in self._pairs if header.lower() == key]

    def multi_items(self) -> List[Tuple[str, str]]:
        """Every ``(name, value)`` pair as received, repeated names included."""
        return list(self._pairs)

    def __repr__(self) -> str:
        return f"Headers({list(self._pairs)!r})"


class BodyStream:
    """The unread body of a response, still on its socket.

    ``release(reusable)`` is called exactly once: with True when the body was
    read to its end and the connection may carry another request.
    """

    def __init__(
        self,
        raw: http.client.HTTPResponse,
        sock: socket.socket,
        where: str,
        release: Callable[[bool], None],
        keep_alive: bool,
    ) -> None:
        self._raw = raw
        self._sock = sock
        self._where = where
        self._release: Optional[Callable[[bool], None]] = release
        self._keep_alive = keep_alive and not raw.will_close
        if raw.length == 0:
            raw.close()
            self._finish(True)

    @property
    def done(self) -> bool:
        return self._release is None

    def readinto(self, view: memoryview) -> int:
        """Bytes read into ``view``; 0 only at the end of the body."""
        if self._release is None or not view.nbytes:
            return 0
        arm_quickack(self._sock)
        try:
            count = self._raw.readinto(view)
        except BaseException as exc:
            self._fail(exc)
        if count == 0 or self._raw.isclosed():
            self._check_complete()
        return count

    def read_all(self, limit: int = MAX_RESPONSE_BODY) -> bytes:
        """The rest of the body, refused unread (the connection discarded) beyond ``limit`` bytes.

        Raises:
            XMLParseError: Content-Length says more than ``limit``, or a body
                without one goes on past it; at most ``limit + 1`` bytes are read.
        """
        if self._release is None:
            return b""
        if self._raw.length is not None and self._raw.length > limit:
            self._refuse_larger_than(limit, self._raw.length)
        arm_quickack(self._sock)
        try:
            data = self._raw.read(limit + 1)
        except BaseException as exc:
            self._fail(exc)
        if len(data) > limit:
            self._refuse_larger_than(limit, None)
        if not self._raw.isclosed():
            self._read_end(limit)
        self._check_complete()
        return data

    def _read_end(self, limit: int) -> None:
        """The end of a body without Content-Length: http.client notices it on one more read."""
        try:
            rest = self._raw.read(1)
        except BaseException as exc:
            self._fail(exc)
        if rest:
            self._refuse_larger_than(limit, None)

    def _refuse_larger_than(self, limit: int, length: Optional[int]) -> NoReturn:
        self._raw.close()
        self._finish(False)
        said = "" if length is None else f" (Content-Length {length})"
        raise XMLParseError(f"{self._where}: the response body is larger than {limit} bytes{said}; refused unread")

    def close(self) -> None:
        """Give the connection back if the body was read, else discard it."""
        if self._release is not None:
            self._raw.close()
            self._finish(False)

    def _check_complete(self) -> None:
        remaining = self._raw.length
        if remaining:
            self._raw.close()
            self._finish(False)
            raise ProtocolError(f"{self._where}: the body ended {remaining} bytes before its Content-Length")
        if self._raw.isclosed():
            self._finish(True)

    def _fail(self, exc: BaseException) -> NoReturn:
        self._raw.close()
        self._finish(False)
        if isinstance(exc, socket.timeout):
            raise ReadTimeout(f"{self._where}: no data for longer than the read timeout") from exc
        if isinstance(exc, (http.client.HTTPException, OSError, ValueError)):
            raise ProtocolError(f"{self._where}: the body could not be read ({describe(exc)})") from exc
        raise exc

    def _finish(self, complete: bool) -> None:
        release, self._release = self._release, None
        if release is not None:
            release(complete and self._keep_alive)


def describe(exc: BaseException) -> str:
    """A short, header-free description of a low-level failure."""
    if isinstance(exc, http.client.IncompleteRead):
        return f"IncompleteRead: {len(exc.partial)} bytes read"
    text = str(exc) or type(exc).__name__
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text


class Response:
    """Status, headers and body of one HTTP answer.

    Built directly (``Response(200, "OK", headers, b"...")``) it holds its body
    in memory, which is also what ``send(preload=True)`` returns; a streamed
    response from ``send(preload=False)`` reads from its connection.
    """

    def __init__(
        self, status: int, reason: str = "", headers: Optional[HeaderSource] = None, content: bytes = b""
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers if isinstance(headers, Headers) else Headers(headers or ())
        self._content = bytes(content)
        self._offset = 0
        self._stream: Optional[BodyStream] = None

    def read(self, amt: Optional[int] = None) -> bytes:
        """Up to ``amt`` bytes of the body (all the rest when None or negative); b"" at the end.

        "All the rest" of a streamed body is capped at ``MAX_RESPONSE_BODY``
        (see :meth:`BodyStream.read_all`): whole objects go through ``readinto``.
        """
        if amt is not None and amt < 0:
            amt = None
        if self._stream is None:
            end = len(self._content) if amt is None else min(len(self._content), self._offset + amt)
            data = self._content[self._offset : end]
            self._offset = end
            return data
        if amt is None:
            return self._stream.read_all()
        buffer = bytearray(amt)
        view = memoryview(buffer)
        filled = 0
        while filled < amt:
            count = self._stream.readinto(view[filled:])
            if count == 0:
                break
            filled += count
        return bytes(view[:filled])

    def readinto(self, buffer: Union[bytearray, memoryview]) -> int:
        """Bytes of the body copied into ``buffer``; 0 only at the end."""
        view = byte_view(buffer)
        if self._stream is not None:
            return self._stream.readinto(view)
        count = min(view.nbytes, len(self._content) - self._offset)
        view[:count] = self._content[self._offset : self._offset + count]
        self._offset += count
        return count

    def iter_chunks(self, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        """The rest of the body in pieces of at most ``chunk_size`` bytes."""
        while True:
            chunk = self.read(chunk_size)
            if not chunk:
                return
            yield chunk

    @property
    def content(self) -> bytes:
        """The body in memory; on a streamed response, reads the rest first (capped as :meth:`read`)."""
        if self._stream is not None:
            self._content = self._stream.read_all()
            self._offset = len(self._content)
            self._stream = None
        return self._content

    def close(self) -> None:
        """Release the connection: to the pool when the body was read, else closed."""
        if self._stream is not None:
            self._stream.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason}>"


def response_from(raw: http.client.HTTPResponse, stream: BodyStream, *, preload: bool) -> Response:
    """The :class:`Response` for ``raw``: body read now (``preload``) or left to stream."""
    response = Response(raw.status, raw.reason, Headers(raw.getheaders()))
    if preload:
        response._content = stream.read_all()
    else:
        response._stream = stream
    return response
