"""Reading one HTTP/1.1 response from a connection: status line, header block, framed body.

``http.client`` parses a header block with the ``email`` package, which costs
more client CPU than the rest of a small object's request (and ~10 ms of
``email`` imports on the first one).  This reader does what the transport
needs and no more: the status line, the headers as ``(name, value)`` pairs in
the order sent, and the body framed by ``Content-Length``, chunked
transfer-coding, or the end of the connection.  1xx interim answers are
skipped.

Everything is bounded: a line is at most :data:`MAX_LINE` bytes, a header
block at most :data:`MAX_HEADERS` lines (trailers likewise), a chunk size at
most 16 hex digits.  A violation raises :class:`MalformedResponse`; a
connection closed before the status line, :class:`EmptyResponse`; a body cut
short, :class:`IncompleteBody`.  The caller translates them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple, Union

if TYPE_CHECKING:
    from io import BufferedReader

__all__ = ["MAX_HEADERS", "MAX_LINE", "EmptyResponse", "IncompleteBody", "MalformedResponse", "RawResponse"]

MAX_LINE = 65536
"""Longest status, header, chunk-size or trailer line read (as ``http.client``)."""

MAX_HEADERS = 100
"""Most header (or trailer) lines in one response (as ``http.client``)."""

_PIECE = 64 * 1024
"""Bytes read at a time from a body of unknown length."""

_MAX_INTERIM = 32
"""Most 1xx interim answers skipped before the final one."""


class MalformedResponse(ValueError):
    """The bytes on the connection are not an HTTP/1.x response."""


class EmptyResponse(ConnectionError):
    """The connection closed before the first byte of a status line."""


class IncompleteBody(ConnectionError):
    """The connection closed before the body's framing said it ends."""

    def __init__(self, read: int, expected: Optional[int]) -> None:
        more = f", {expected} more expected" if expected is not None else ""
        super().__init__(f"the body ended after {read} bytes{more}")
        self.read = read
        self.expected = expected


def _line(fp: BufferedReader, what: str) -> bytes:
    line = fp.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise MalformedResponse(f"{what} longer than {MAX_LINE} bytes")
    return line


def parse_status_line(line: bytes) -> Tuple[int, str, bool]:
    """``(status, reason, is_http_1_1)`` of a status line such as ``HTTP/1.1 200 OK``."""
    text = line.decode("iso-8859-1").rstrip("\r\n")
    version, _, rest = text.partition(" ")
    code, _, reason = rest.strip(" ").partition(" ")
    if not version.startswith("HTTP/") or len(code) != 3 or not code.isdigit() or not code.isascii():
        raise MalformedResponse(f"not an HTTP status line: {text[:40]!r}")
    status = int(code)
    if status < 100:
        raise MalformedResponse(f"status {code} is out of range")
    return status, reason.strip(" "), version[5:] >= "1.1"


def read_header_block(fp: BufferedReader, what: str = "header") -> List[Tuple[str, str]]:
    """``(name, value)`` pairs up to the blank line; folded lines joined; lines without a colon skipped."""
    pairs: List[Tuple[str, str]] = []
    for _ in range(MAX_HEADERS + 1):
        line = _line(fp, f"a {what} line")
        if line in (b"\r\n", b"\n", b""):
            return pairs
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t"):
            if pairs:
                name, value = pairs[-1]
                pairs[-1] = (name, (value + " " + text.strip(" \t")).strip(" "))
            continue
        name, colon, value = text.partition(":")
        if colon and name and name == name.strip(" \t"):
            pairs.append((name, value.strip(" \t")))
    raise MalformedResponse(f"more than {MAX_HEADERS} {what} lines")


def _content_length(pairs: List[Tuple[str, str]]) -> Optional[int]:
    """The Content-Length, when one is given and all given agree; else None (framed by the close)."""
    values = {
        item.strip(" \t") for name, value in pairs if name.lower() == "content-length" for item in value.split(",")
    }
    if not values:
        return None
    if len(values) > 1:
        raise MalformedResponse("conflicting Content-Length headers")
    text = values.pop()
    if not text.isdigit() or not text.isascii() or len(text) > 19:
        raise MalformedResponse(f"invalid Content-Length {text[:40]!r}")
    return int(text)


def _tokens(pairs: List[Tuple[str, str]], header: str) -> List[str]:
    return [token.strip(" \t").lower() for name, value in pairs if name.lower() == header for token in value.split(",")]


class RawResponse:
    """One response read from ``fp`` (a buffered reader on the connection's socket).

    Attributes:
        status, reason: from the status line.
        length: body bytes still to come when known (None: chunked or framed by the close).
        will_close: the connection cannot carry another request after this one.
    """

    def __init__(self, fp: BufferedReader, method: str) -> None:
        self._fp: Optional[BufferedReader] = fp
        self._method = method
        self.status = 0
        self.reason = ""
        self.length: Optional[int] = None
        self.will_close = True
        self._headers: List[Tuple[str, str]] = []
        self._chunked = False
        self._chunk_left: Optional[int] = None  # None: at a chunk-size line
        self._read = 0

    def begin(self) -> None:
        """Read the status line and headers (skipping 1xx interim answers)."""
        fp = self._require_open()
        for _ in range(_MAX_INTERIM):
            line = _line(fp, "the status line")
            if not line:
                raise EmptyResponse("the connection closed before a status line arrived")
            status, reason, http11 = parse_status_line(line)
            headers = read_header_block(fp)
            if status >= 200 or status == 101:
                break
        else:
            raise MalformedResponse(f"more than {_MAX_INTERIM} interim (1xx) answers")
        self.status, self.reason, self._headers = status, reason, headers
        connection = _tokens(headers, "connection")
        if http11:
            self.will_close = "close" in connection
        else:
            self.will_close = "keep-alive" not in connection and not any(
                name.lower() == "keep-alive" for name, _ in headers
            )
        self._chunked = "chunked" in _tokens(headers, "transfer-encoding")
        if status in (204, 304) or status < 200 or self._method == "HEAD":
            self.length = 0
        elif self._chunked:
            self.length = None
        else:
            self.length = _content_length(headers)
            if self.length is None:
                self.will_close = True
        if self.length == 0:
            self.close()

    def getheaders(self) -> List[Tuple[str, str]]:
        return list(self._headers)

    def isclosed(self) -> bool:
        return self._fp is None

    def close(self) -> None:
        """Stop reading (the socket itself belongs to the connection)."""
        fp, self._fp = self._fp, None
        if fp is not None:
            fp.close()

    def readinto(self, buffer: Union[bytearray, memoryview]) -> int:
        """Body bytes read into ``buffer``; 0 at the end of the body (which closes this response)."""
        view = memoryview(buffer)
        if self._fp is None or not view.nbytes:
            return 0
        if self._chunked:
            return self._readinto_chunked(view)
        if self.length is not None:
            view = view[: self.length]
        count = self._fp.readinto(view) or 0
        self._read += count
        if self.length is None:
            if count == 0:
                self.close()
            return count
        if count == 0:
            raise IncompleteBody(self._read, self.length)
        self.length -= count
        if self.length == 0:
            self.close()
        return count

    def read(self, amt: int) -> bytes:
        """Up to ``amt`` body bytes: fewer only at the end of the body.

        Memory follows the bytes that arrive, not ``amt`` (a caller's cap may be
        16 MiB for a body of 200 bytes).
        """
        if self.length is None:
            pieces: List[bytes] = []
            got = 0
            while got < amt:
                piece = self._read_exactly(min(amt - got, _PIECE))
                if not piece:
                    break
                pieces.append(piece)
                got += len(piece)
            return b"".join(pieces)
        return self._read_exactly(min(amt, self.length))

    def _read_exactly(self, amt: int) -> bytes:
        buffer = bytearray(amt)
        view = memoryview(buffer)
        filled = 0
        while filled < amt:
            count = self.readinto(view[filled:])
            if count == 0:
                break
            filled += count
        del view
        del buffer[filled:]
        return bytes(buffer)

    def _readinto_chunked(self, view: memoryview) -> int:
        fp = self._require_open()
        if self._chunk_left is None or self._chunk_left == 0:
            if self._chunk_left == 0:
                self._chunk_end(fp)
            size = self._chunk_size(fp)
            if size == 0:
                read_header_block(fp, "trailer")
                self.close()
                return 0
            self._chunk_left = size
        count = fp.readinto(view[: self._chunk_left]) or 0
        if count == 0:
            raise IncompleteBody(self._read, self._chunk_left)
        self._read += count
        self._chunk_left -= count
        return count

    def _chunk_size(self, fp: BufferedReader) -> int:
        line = _line(fp, "a chunk-size line")
        if not line:
            raise IncompleteBody(self._read, None)
        text = line.split(b";", 1)[0].strip(b" \t\r\n")
        if not text or len(text) > 16 or text.strip(b"0123456789abcdefABCDEF"):
            raise MalformedResponse(f"invalid chunk size {text[:20]!r}")
        return int(text, 16)

    def _chunk_end(self, fp: BufferedReader) -> None:
        """The CRLF after a chunk's data."""
        line = _line(fp, "a chunk's end")
        if line not in (b"\r\n", b"\n"):
            if not line:
                raise IncompleteBody(self._read, None)
            raise MalformedResponse("a chunk's data is not followed by CRLF")

    def _require_open(self) -> BufferedReader:
        if self._fp is None:
            raise MalformedResponse("the response is closed")
        return self._fp
