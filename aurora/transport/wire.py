"""What happens on a connection's socket: the request sent, the response read, failures translated.

The pool (:mod:`aurora.transport.connection`) imports this module when it opens
its first connection, so the socket code is loaded by the first request, not
by making a driver (and ``ssl`` by the first TLS connection:
:mod:`aurora.transport.tls`).  Responses are read by
:mod:`aurora.transport.http11`.  Every ``OSError``, ``ssl`` and parsing
failure becomes an :mod:`aurora.errors` exception here that names
the method, path and endpoint, never a header value.
"""

from __future__ import annotations

import socket
import sys
from typing import TYPE_CHECKING, Callable, NoReturn, Optional, Tuple

from aurora.config import MAX_RESPONSE_BODY, Timeouts
from aurora.errors import ProtocolError, ReadTimeout, XMLParseError
from aurora.transport.body import BodyPlan
from aurora.transport.http11 import EmptyResponse, MalformedResponse, RawResponse
from aurora.transport.proxy import Proxy
from aurora.transport.sockets import arm_quickack, is_dropped, open_socket

if TYPE_CHECKING:
    import ssl

__all__ = ["BodyStream", "Connection", "NoResponse", "describe", "no_response_error", "tls_closed"]

_NO_RESPONSE_ERRORS = (EmptyResponse, ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
"""Failures that mean the peer closed the connection before answering at all (and :func:`tls_closed`)."""

_SEND_CLOSED_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
"""Failures sending a request that mean the peer closed its end (and :func:`tls_closed`)."""


def tls_closed(exc: BaseException, *, during_send: bool = False) -> bool:
    """Whether ``exc`` is TLS's way of saying the peer closed the connection."""
    ssl = sys.modules.get("ssl")  # a TLS connection has loaded it; without it, no TLS error exists
    if ssl is None:
        return False
    kinds = (ssl.SSLEOFError,) if during_send else (ssl.SSLEOFError, ssl.SSLZeroReturnError)
    return isinstance(exc, kinds)


class NoResponse(Exception):
    """The connection closed before any byte of a response arrived."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(describe(cause))
        self.cause = cause


class Connection:
    """One socket to the endpoint and how many requests it has carried."""

    __slots__ = ("sock", "requests")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.requests = 0

    @classmethod
    def open(
        cls, host: str, port: int, *, timeouts: Timeouts, tls: Optional[ssl.SSLContext], proxy: Optional[Proxy]
    ) -> Connection:
        """A new connection to ``host:port`` (through ``proxy``, TLS when ``tls``)."""
        sock = open_socket(
            host, port, connect_timeout=timeouts.connect, read_timeout=timeouts.read, tls=tls, proxy=proxy
        )
        return cls(sock)

    def dropped(self) -> bool:
        """Whether this idle connection is unusable: closed by the peer or holding stray bytes."""
        return is_dropped(self.sock)

    def exchange(self, method: str, head: bytes, plan: BodyPlan, where: str) -> Tuple[RawResponse, bool]:
        """Send the request and read the response head; whether the connection may be kept.

        If sending fails because the server closed its end, the server may
        still have answered (S3 rejects a bad upload before reading it all), so
        the answer is read and returned, on a connection that is not kept.
        """
        self.requests += 1
        send_failure: Optional[BaseException] = None
        try:
            plan.send(self.sock, head, where)
        except socket.timeout as exc:
            raise ReadTimeout(f"{where}: sending the request timed out") from exc
        except _SEND_CLOSED_ERRORS as exc:
            send_failure = exc
        except OSError as exc:
            if tls_closed(exc, during_send=True):
                send_failure = exc
            else:
                raise ProtocolError(f"{where}: sending the request failed ({describe(exc)})") from exc
        raw = self._read_head(method, where, send_failure)
        return raw, send_failure is None

    def _read_head(self, method: str, where: str, send_failure: Optional[BaseException]) -> RawResponse:
        arm_quickack(self.sock)
        raw = RawResponse(self.sock.makefile("rb"), method)
        try:
            raw.begin()
        except _NO_RESPONSE_ERRORS as exc:
            raw.close()
            raise NoResponse(send_failure or exc) from exc
        except socket.timeout as exc:
            raw.close()
            raise ReadTimeout(f"{where}: no response within the read timeout") from exc
        except (MalformedResponse, OSError, ValueError) as exc:
            raw.close()
            if tls_closed(exc):
                raise NoResponse(send_failure or exc) from exc
            raise ProtocolError(f"{where}: malformed response ({describe(exc)})") from exc
        return raw

    def body(self, raw: RawResponse, where: str, release: Callable[[bool], None], keep_alive: bool) -> BodyStream:
        """The body of the response ``raw``, streamed from this connection."""
        return BodyStream(raw, self.sock, where, release, keep_alive)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def no_response_error(where: str, failure: NoResponse) -> ProtocolError:
    return ProtocolError(f"{where}: the connection closed before a response arrived ({failure})")


class BodyStream:
    """The unread body of a response, still on its socket.

    ``release(reusable)`` is called exactly once: with True when the body was
    read to its end and the connection may carry another request.
    """

    def __init__(
        self,
        raw: RawResponse,
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
        self._check_complete()  # a read that stops short of ``limit + 1`` has reached the end and closed
        return data

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
        if isinstance(exc, (OSError, ValueError)):
            raise ProtocolError(f"{self._where}: the body could not be read ({describe(exc)})") from exc
        raise exc

    def _finish(self, complete: bool) -> None:
        release, self._release = self._release, None
        if release is not None:
            release(complete and self._keep_alive)


def describe(exc: BaseException) -> str:
    """A short, header-free description of a low-level failure."""
    text = str(exc) or type(exc).__name__
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
