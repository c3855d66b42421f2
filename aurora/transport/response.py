"""An HTTP response: status, headers, and a body that is either in memory or streamed.

A streamed body owns its connection until the last byte is read, then hands it
back to the pool; closing it early discards the connection, because the bytes
still in flight would corrupt the next response on it.  The stream itself, and
the translation of every socket failure into :mod:`aurora.errors`, is
:class:`aurora.transport.wire.BodyStream`; this module loads no socket code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

if TYPE_CHECKING:
    from aurora.transport.http11 import RawResponse
    from aurora.transport.wire import BodyStream

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
        items = pairs if isinstance(pairs, (list, tuple)) else pairs.items() if isinstance(pairs, Mapping) else pairs
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
        (see :meth:`aurora.transport.wire.BodyStream.read_all`): whole objects go through ``readinto``.
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

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason}>"


def response_from(raw: RawResponse, stream: BodyStream, *, preload: bool) -> Response:
    """The :class:`Response` for ``raw``: body read now (``preload``) or left to stream."""
    response = Response(raw.status, raw.reason, Headers(raw.getheaders()))
    if preload:
        response._content = stream.read_all()
    else:
        response._stream = stream
    return response
