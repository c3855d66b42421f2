"""Many small requests at once on one thread: the transport's connections, non-blocking, under one selector.

Why: on a machine with few cores, a thread per request costs more than the
request.  Every blocking call hands the GIL to another thread: 1,000 uploads
of 4 KiB cost 0.30 s of client CPU on one thread and 0.55 s on 16, and with
64 threads each upload made ~107 ``futex`` calls.  One thread that writes
each request and reads whichever answer arrives first does the same work
without those hand-offs.

Scope: requests whose body is in memory and whose answer is small (an S3
PUT's empty body or an error document); an answer above
:data:`MAX_ANSWER` bytes is refused.  Each request goes out exactly as
:meth:`Transport.send <aurora.transport.connection.Transport.send>` would send
it (the same head, the same checks), failures become the same errors with
the same texts, and a kept-alive connection that the server had closed is
replayed once on a new connection.  Retrying is the caller's job: the S3
client signs each attempt afresh.

Connections come from the transport's pool and go back to it when the
multiplexer closes.  In between, a connection that carried a complete answer
is reused without the pool's check for a dropped connection.  A stale one
fails before any answer arrives and is replayed.
"""

from __future__ import annotations

import io
import selectors
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple, Type, Union

from aurora.errors import AuroraError, InvalidArgumentError, ProtocolError, ReadTimeout
from aurora.transport.body import BLOCK_SIZE, plan_body
from aurora.transport.connection import content_length_of
from aurora.transport.http11 import EmptyResponse, IncompleteBody, MalformedResponse, RawResponse
from aurora.transport.response import Headers, Response
from aurora.transport.sockets import arm_quickack
from aurora.transport.wire import NoResponse, describe, no_response_error, tls_closed

if TYPE_CHECKING:
    from aurora.transport.connection import Transport
    from aurora.transport.wire import Connection

__all__ = ["MAX_ANSWER", "Multiplexer", "Outcome"]

MAX_ANSWER = 1024 * 1024
"""The most bytes of one answer (head and body) held; a larger one fails with :class:`ProtocolError`."""

_RECV_SIZE = 64 * 1024

_SEND_CLOSED_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)

Outcome = Tuple[object, Union[Response, AuroraError]]
"""A finished request: its token and its answer (any status), or the error that ended it."""


def _want_errors() -> Tuple[Type[BaseException], Type[BaseException]]:
    """``ssl``'s "try again when readable / writable" errors (placeholders when no TLS is loaded)."""
    ssl = sys.modules.get("ssl")
    if ssl is None:
        return _Never, _Never
    return ssl.SSLWantReadError, ssl.SSLWantWriteError


class _Never(Exception):
    """Never raised: stands for the ``ssl`` errors while ``ssl`` is not loaded."""


class _Exchange:
    """One request on one connection: the bytes still to send, the bytes of the answer so far."""

    __slots__ = (
        "events",
        "token",
        "method",
        "where",
        "data",
        "conn",
        "fd",
        "sent",
        "answer",
        "deadline",
        "reused",
        "replayed",
        "failure",
    )

    def __init__(self, token: object, method: str, where: str, data: bytes) -> None:
        self.token = token
        self.method = method
        self.where = where
        self.data = memoryview(data)
        self.conn: Optional[Connection] = None
        self.fd = -1
        self.events = 0  # what the selector waits for on ``fd`` (0: not registered)
        self.sent = 0
        self.answer = bytearray()
        self.deadline = 0.0
        self.reused = False
        self.replayed = False
        self.failure: Optional[BaseException] = None  # the server closed its end while the request went


class Multiplexer:
    """Up to ``width`` requests in flight on one thread, over ``transport``'s connections.

    :meth:`start` sends (or begins to send) a request; :meth:`poll` waits for
    answers and returns the finished ones.  Use from one thread only; close
    it (or use it as a context manager) to give the connections back.
    """

    def __init__(self, transport: Transport, width: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._transport = transport
        self.width = max(1, width)
        self._clock = clock
        self._read_timeout = transport.timeouts.read
        self._selector = selectors.DefaultSelector()
        self._active: Dict[int, _Exchange] = {}
        self._idle: List[Connection] = []
        self._done: List[Outcome] = []

    @property
    def busy(self) -> int:
        """Requests started and not yet returned by :meth:`poll`."""
        return len(self._active) + len(self._done)

    def start(self, token: object, method: str, target: str, headers: Mapping[str, str], body: bytes) -> None:
        """Send a request (its outcome comes back from :meth:`poll` with ``token``)."""
        where = f"{method} {target.partition('?')[0]} on {self._transport.label}"
        try:
            if self._transport.is_closed():
                raise InvalidArgumentError(f"the transport to {self._transport.label} is closed")
            plan = plan_body(body, content_length_of(headers, where), where)
            head = self._transport.request_head(method, target, headers, plan, where)
        except AuroraError as error:
            self._done.append((token, error))
            return
        self._launch(_Exchange(token, method, where, head + body), fresh=False)

    def poll(self, timeout: Optional[float] = None) -> List[Outcome]:
        """The requests finished since the last call, waiting up to ``timeout`` seconds for one (None: no limit).

        A request that makes no progress for the transport's read timeout ends
        with :class:`ReadTimeout`.
        """
        if not self._done and self._active:
            now = self._clock()
            wait = max(0.0, min(exchange.deadline for exchange in self._active.values()) - now)
            if timeout is not None:
                wait = min(wait, max(0.0, timeout))
            for key, _ in self._selector.select(wait):
                exchange = self._active.get(key.fd)
                if exchange is not None:
                    self._step(exchange)
            now = self._clock()
            for exchange in [e for e in self._active.values() if e.deadline <= now]:
                text = (
                    "sending the request timed out"
                    if exchange.sent < len(exchange.data)
                    else "no response within the read timeout"
                )
                self._end(exchange, ReadTimeout(f"{exchange.where}: {text}"), keep=False)
        done, self._done = self._done, []
        return done

    def close(self) -> None:
        """Abandon the requests in flight (their connections are closed) and give the idle connections back."""
        for exchange in list(self._active.values()):
            self._forget(exchange)
            if exchange.conn is not None:
                exchange.conn.close()
        self._done = []
        idle, self._idle = self._idle, []
        for conn in idle:
            try:
                conn.sock.settimeout(self._read_timeout)
            except OSError:
                conn.close()
                continue
            self._transport.give_back(conn, True)
        self._selector.close()

    def __enter__(self) -> Multiplexer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- one exchange ---------------------------------------------------------------

    def _launch(self, exchange: _Exchange, fresh: bool) -> None:
        """Give ``exchange`` a connection (an idle one unless ``fresh``) and start sending."""
        conn = None
        try:
            if not fresh and self._idle:
                conn = self._idle.pop()  # already non-blocking
            else:
                conn = self._transport.new_connection(exchange.where) if fresh else self._transport.lend(exchange.where)
                conn.sock.setblocking(False)
        except AuroraError as error:
            self._done.append((exchange.token, error))
            return
        except OSError as exc:
            self._done.append(
                (exchange.token, ProtocolError(f"{exchange.where}: the connection failed ({describe(exc)})"))
            )
            return
        exchange.conn = conn
        exchange.reused = conn.requests > 0
        conn.requests += 1
        exchange.sent = 0
        exchange.answer = bytearray()
        exchange.failure = None
        exchange.deadline = self._clock() + self._read_timeout
        exchange.fd = conn.sock.fileno()
        exchange.events = 0
        self._active[exchange.fd] = exchange
        self._send(exchange)

    def _step(self, exchange: _Exchange) -> None:
        if exchange.sent < len(exchange.data) and exchange.failure is None:
            self._send(exchange)
        else:
            self._receive(exchange)

    def _send(self, exchange: _Exchange) -> None:
        conn = exchange.conn
        assert conn is not None
        want_read, want_write = _want_errors()
        try:
            while exchange.sent < len(exchange.data):
                exchange.sent += conn.sock.send(exchange.data[exchange.sent : exchange.sent + BLOCK_SIZE])
                exchange.deadline = self._clock() + self._read_timeout
        except (BlockingIOError, InterruptedError, want_write):
            self._watch(exchange, selectors.EVENT_WRITE)
            return
        except want_read:
            self._watch(exchange, selectors.EVENT_READ)
            return
        except _SEND_CLOSED_ERRORS as exc:
            exchange.failure = exc  # the server may have answered before closing: read it
        except OSError as exc:
            if not tls_closed(exc, during_send=True):
                self._end(exchange, ProtocolError(f"{exchange.where}: sending the request failed ({describe(exc)})"))
                return
            exchange.failure = exc
        if self._watch(exchange, selectors.EVENT_READ):
            arm_quickack(conn.sock)
            if exchange.failure is not None:
                self._receive(exchange)

    def _receive(self, exchange: _Exchange) -> None:
        conn = exchange.conn
        assert conn is not None
        want_read, want_write = _want_errors()
        sock: Any = conn.sock  # an ssl.SSLSocket has pending()
        try:
            data = sock.recv(_RECV_SIZE)
            while data and getattr(sock, "pending", None) is not None and sock.pending():  # TLS: decrypted and waiting
                more = sock.recv(_RECV_SIZE)
                if not more:
                    break
                data += more
        except (BlockingIOError, InterruptedError, want_read):
            self._watch(exchange, selectors.EVENT_READ)
            return
        except want_write:
            self._watch(exchange, selectors.EVENT_READ | selectors.EVENT_WRITE)
            return
        except OSError as exc:
            if not exchange.answer and (isinstance(exc, _SEND_CLOSED_ERRORS) or tls_closed(exc)):
                self._no_answer(exchange, exc)
            else:
                self._end(
                    exchange, ProtocolError(f"{exchange.where}: the response could not be read ({describe(exc)})")
                )
            return
        if not data:
            if not exchange.answer:
                self._no_answer(exchange, EmptyResponse("the connection closed before a status line arrived"))
            else:
                self._finish(exchange, closed=True)
            return
        exchange.answer += data
        exchange.deadline = self._clock() + self._read_timeout
        if len(exchange.answer) > MAX_ANSWER:
            self._end(
                exchange, ProtocolError(f"{exchange.where}: the answer is larger than {MAX_ANSWER} bytes; refused")
            )
            return
        self._finish(exchange, closed=False)
        if self._active.get(exchange.fd) is exchange:
            arm_quickack(sock)  # more of the answer to come

    def _finish(self, exchange: _Exchange, closed: bool) -> None:
        """End ``exchange`` if its answer is complete (or the connection ``closed``); else keep reading."""
        try:
            parsed = parse_answer(bytes(exchange.answer), exchange.method, closed)
        except (MalformedResponse, ValueError) as exc:
            self._end(exchange, ProtocolError(f"{exchange.where}: malformed response ({describe(exc)})"))
            return
        except IncompleteBody as exc:
            self._end(exchange, ProtocolError(f"{exchange.where}: the body could not be read ({describe(exc)})"))
            return
        if parsed is None:
            if closed:
                self._end(
                    exchange, ProtocolError(f"{exchange.where}: the connection closed in the middle of the answer")
                )
            return
        response, reusable = parsed
        self._end(exchange, response, keep=reusable and not closed and exchange.failure is None)

    def _no_answer(self, exchange: _Exchange, exc: BaseException) -> None:
        """The connection closed before any answer: replay once on a new connection if it was a kept-alive one."""
        cause = exchange.failure or exc
        self._forget(exchange)
        if exchange.conn is not None:
            exchange.conn.close()
        if exchange.reused and not exchange.replayed:
            exchange.replayed = True
            self._launch(exchange, fresh=True)
            return
        self._done.append((exchange.token, no_response_error(exchange.where, NoResponse(cause))))

    def _end(self, exchange: _Exchange, outcome: Union[Response, AuroraError], keep: bool = False) -> None:
        self._forget(exchange)
        conn = exchange.conn
        if conn is not None:
            if keep:
                self._idle.append(conn)
            else:
                conn.close()
        self._done.append((exchange.token, outcome))

    def _watch(self, exchange: _Exchange, events: int) -> bool:
        """Wait for ``events`` on the exchange's socket; False (the exchange ended) if the selector refuses it."""
        if exchange.events == events:
            return True
        try:
            if exchange.events:
                self._selector.modify(exchange.fd, events)
            else:
                self._selector.register(exchange.fd, events)
        except (OSError, ValueError, KeyError) as exc:
            self._end(exchange, ProtocolError(f"{exchange.where}: the connection failed ({describe(exc)})"))
            return False
        exchange.events = events
        return True

    def _forget(self, exchange: _Exchange) -> None:
        if self._active.get(exchange.fd) is not exchange:
            return
        del self._active[exchange.fd]
        if exchange.events:
            exchange.events = 0
            try:
                self._selector.unregister(exchange.fd)
            except (KeyError, ValueError, OSError):
                pass


def _head_end(data: bytes, start: int) -> int:
    """Where the header block starting at ``start`` ends (after its blank line), or -1."""
    crlf = data.find(b"\r\n\r\n", start)
    lf = data.find(b"\n\n", start)
    ends = [end + size for end, size in ((crlf, 4), (lf, 2)) if end >= 0]
    return min(ends) if ends else -1


def parse_answer(data: bytes, method: str, closed: bool) -> Optional[Tuple[Response, bool]]:
    """The response in ``data`` and whether its connection may carry another request; None: not complete yet.

    ``closed``: the server closed the connection after ``data`` (an answer
    without a length ends there).  1xx interim answers are skipped.  The
    connection is kept only when the answer's length was known and nothing
    follows it.
    """
    start = 0
    while True:
        end = _head_end(data, start)
        if end < 0:
            return None
        line = data[start : data.find(b"\n", start) + 1]
        code = line[9:12]
        if line.startswith(b"HTTP/") and code.isdigit() and 100 <= int(code) < 200 and int(code) != 101:
            start = end
            continue
        break
    raw = RawResponse(io.BytesIO(data[start:]), method)  # type: ignore[arg-type]  # readline and readinto suffice
    try:
        raw.begin()
    except EmptyResponse:
        return None
    length = raw.length
    body_start = end
    if length is not None and not raw.isclosed() and raw.length != 0 and not _chunked(raw):
        if len(data) - body_start < length:
            if closed:
                raise IncompleteBody(len(data) - body_start, length)
            return None
        content = data[body_start : body_start + length]
        reusable = not raw.will_close and len(data) == body_start + length
    elif length == 0 or raw.isclosed():
        content = b""
        reusable = not raw.will_close and len(data) == body_start
    elif _chunked(raw):
        if not closed and not data.endswith(b"\n"):
            return None
        try:
            content = raw.read(MAX_ANSWER + 1)
        except IncompleteBody:
            if closed:
                raise
            return None
        reusable = False  # what follows a chunked body is not measured: the connection is not kept
    else:
        if not closed:
            return None  # the body ends when the connection does
        content = data[body_start:]
        reusable = False
    return Response(raw.status, raw.reason, Headers(raw.getheaders()), content), reusable


def _chunked(raw: RawResponse) -> bool:
    return raw.length is None and any(
        name.lower() == "transfer-encoding" and "chunked" in value.lower() for name, value in raw.getheaders()
    )
