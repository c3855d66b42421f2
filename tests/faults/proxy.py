"""A loopback HTTP/1.1 proxy that injects faults between aurora and a real S3 server.

The proxy listens on 127.0.0.1 only and relays each client connection to the
upstream server over a connection of its own, parsing just enough HTTP/1.1 to
find where each request and response ends (Content-Length bodies, chunked
bodies, HEAD/1xx/204/304 answers without a body, bodies that end at close).
Rules pick requests and what happens to them::

    proxy = FaultProxy("127.0.0.1", rgw_port)
    proxy.add_rule(match=lambda req: req.method == "PUT" and "partNumber=2" in req.target,
                   action=Reset(after_bytes=1000, direction="request"), times=1)
    ...
    proxy.close()

Actions:

* :class:`Reset` / :func:`Close`: cut the connection (RST or FIN) after ``after_bytes``
  bytes of the request or of the response, head included; 0 cuts before the
  first byte is relayed.
* :class:`Respond`: answer from the proxy instead of forwarding (the request body is
  read and dropped first); :func:`s3_error`, :func:`slow_down`,
  :func:`internal_error`, :func:`service_unavailable` and :func:`request_timeout`
  build S3 error answers.
* :class:`Truncate`: relay the response head (with its Content-Length) and only
  ``body_bytes`` of the body, then close.
* :class:`Stall`: stop relaying after ``after_bytes`` bytes and hold the connection
  for ``seconds`` (or until the client gives up), then close it.
* :class:`CloseAfterResponse`: relay the exchange, then close the client
  connection as an idle keep-alive timeout would.

:meth:`FaultProxy.close_idle_connections` closes every client connection that is
waiting for its next request.  Everything is bounded: every socket has a
timeout, every thread is a daemon, and :meth:`FaultProxy.close` stops them all.
"""

from __future__ import annotations

import select
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Set, Tuple, Union

__all__ = [
    "Action",
    "FaultProxy",
    "Request",
    "Rule",
    "Reset",
    "Close",
    "Respond",
    "Truncate",
    "Stall",
    "CloseAfterResponse",
    "s3_error",
    "slow_down",
    "internal_error",
    "service_unavailable",
    "request_timeout",
    "error_xml",
]

_HEAD_LIMIT = 256 * 1024
_CHUNK = 256 * 1024


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Request:
    """One request head as the proxy saw it.

    Attributes:
        index: position among all requests the proxy saw (from 0).
        connection: which client connection carried it (from 0, in accept order).
        sequence: position among the requests of that connection (from 0).
        method, target: the request line (``target`` still percent-encoded).
        headers: lower-cased names to values (the last value of a repeated name).
        fault: the name of the action applied to it, or None when relayed untouched.
    """

    index: int
    connection: int
    sequence: int
    method: str
    target: str
    headers: Dict[str, str] = field(repr=False)
    fault: Optional[str] = None

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name.lower(), default)


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class Reset:
    """Cut the connection after ``after_bytes`` bytes of the request or response (head included).

    ``rst`` sends a TCP reset (SO_LINGER 0); otherwise the connection is closed
    with a FIN.  A message shorter than ``after_bytes`` is relayed whole.
    """

    after_bytes: int = 0
    direction: str = "response"
    rst: bool = True

    def __post_init__(self) -> None:
        if self.direction not in ("request", "response"):
            raise ValueError("direction must be 'request' or 'response'")
        if self.after_bytes < 0:
            raise ValueError("after_bytes must not be negative")


def Close(after_bytes: int = 0, direction: str = "response") -> Reset:  # noqa: N802 - reads as an action
    """Like :class:`Reset`, but an orderly close (FIN) instead of a reset."""
    return Reset(after_bytes=after_bytes, direction=direction, rst=False)


@dataclass(frozen=True)
class Respond:
    """Answer the request from the proxy with ``status``, ``headers`` and ``body``.

    A ``Content-Length`` is added unless ``headers`` holds one (which may then
    disagree with the body on purpose).  ``close`` says whether the connection
    is closed after the answer; None closes it only when a declared
    ``Content-Length`` disagrees with the body, False keeps it open even then
    (the surplus bytes then wait on the connection, as a smuggled answer would).
    """

    status: int
    body: bytes = b""
    headers: Tuple[Tuple[str, str], ...] = ()
    reason: str = ""
    close: Optional[bool] = None

    def wire(self, request: Request) -> bytes:
        names = {name.lower() for name, _ in self.headers}
        lines = ["HTTP/1.1 %d %s" % (self.status, self.reason or _REASONS.get(self.status, "Status"))]
        lines.extend("%s: %s" % pair for pair in self.headers)
        if "content-length" not in names:
            lines.append("Content-Length: %d" % len(self.body))
        if "date" not in names:
            lines.append("Date: %s" % _http_date())
        if self.close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head if request.method == "HEAD" else head + self.body

    def keeps_connection(self) -> bool:
        if self.close is not None:
            return not self.close
        declared = [value for name, value in self.headers if name.lower() == "content-length"]
        return not declared or declared[0].strip() == str(len(self.body))


@dataclass(frozen=True)
class Truncate:
    """Relay the response head and ``body_bytes`` bytes of its body, then close (FIN)."""

    body_bytes: int = 0


@dataclass(frozen=True)
class Stall:
    """Relay ``after_bytes`` bytes (head included) of the request or response, then go silent.

    The connection is held for ``seconds`` or until the client closes it,
    whichever comes first, and then closed.
    """

    seconds: float = 5.0
    after_bytes: int = 0
    direction: str = "response"

    def __post_init__(self) -> None:
        if self.direction not in ("request", "response"):
            raise ValueError("direction must be 'request' or 'response'")


@dataclass(frozen=True)
class CloseAfterResponse:
    """Relay the exchange whole, then close the client connection (FIN)."""


Action = Union[Reset, Respond, Truncate, Stall, CloseAfterResponse]


def error_xml(code: str, message: str, resource: str = "", request_id: str = "fault-proxy") -> bytes:
    """An S3 error document."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Error><Code>%s</Code><Message>%s</Message><Resource>%s</Resource>"
        "<RequestId>%s</RequestId></Error>" % (code, message, _xml_escape(resource), request_id)
    ).encode("utf-8")


def s3_error(
    status: int, code: str, message: str = "", retry_after: Optional[str] = None, close: Optional[bool] = None
) -> Respond:
    """An S3 error answer with an XML body (and ``Retry-After`` when given)."""
    headers: Tuple[Tuple[str, str], ...] = (("Content-Type", "application/xml"), ("x-amz-request-id", "fault-proxy"))
    if retry_after is not None:
        headers += (("Retry-After", retry_after),)
    return Respond(status, error_xml(code, message or code), headers, close=close)


def slow_down(retry_after: Optional[str] = None) -> Respond:
    return s3_error(503, "SlowDown", "Please reduce your request rate.", retry_after)


def internal_error() -> Respond:
    return s3_error(500, "InternalError", "We encountered an internal error. Please try again.")


def service_unavailable() -> Respond:
    return s3_error(503, "ServiceUnavailable", "Please reduce your request rate.")


def request_timeout() -> Respond:
    return s3_error(
        400,
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the timeout period.",
        close=True,
    )


_REASONS = {
    200: "OK",
    204: "No Content",
    206: "Partial Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _http_date() -> str:
    from email.utils import formatdate

    return formatdate(usegmt=True)


# --------------------------------------------------------------------------- rules


class Rule:
    """``action`` for requests where ``match(request)`` is true.

    The first ``skip`` matching requests pass untouched; after that the action
    applies ``times`` times (None: every time).  ``matched`` and ``fired``
    count what happened.
    """

    def __init__(self, match: Callable[[Request], bool], action: Action, times: Optional[int], skip: int) -> None:
        self.match = match
        self.action = action
        self.times = times
        self.skip = skip
        self.matched = 0
        self.fired = 0

    def take(self, request: Request) -> bool:
        """Whether the action applies to ``request`` (counts it; called under the proxy's lock)."""
        if self.times is not None and self.fired >= self.times:
            return False
        if not self.match(request):
            return False
        self.matched += 1
        if self.matched <= self.skip:
            return False
        self.fired += 1
        return True

    def __repr__(self) -> str:
        return "<Rule %r matched=%d fired=%d>" % (self.action, self.matched, self.fired)


# --------------------------------------------------------------------------- wire helpers


class _Cut(Exception):
    """The byte budget of a fault ran out: stop relaying here."""


class _Gone(Exception):
    """The peer closed or broke the connection."""


class _Reader:
    """Buffered reads from one socket; EOF and errors become :class:`_Gone`."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        try:
            data = self.sock.recv(_CHUNK)
        except (OSError, ValueError) as exc:
            raise _Gone(str(exc)) from None
        if not data:
            raise _Gone("end of stream")
        self.buffer += data

    def head(self) -> Optional[bytes]:
        """A message head through its blank line; None on a clean close before any byte."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > _HEAD_LIMIT:
                raise _Gone("message head too long")
            try:
                self._fill()
            except _Gone:
                if not self.buffer:
                    return None
                raise
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head + b"\r\n\r\n"

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if len(self.buffer) > _HEAD_LIMIT:
                raise _Gone("line too long")
            self._fill()
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line + b"\r\n"

    def some(self, limit: int) -> bytes:
        if not self.buffer:
            self._fill()
        data, self.buffer = self.buffer[:limit], self.buffer[limit:]
        return data

    def until_close(self) -> bytes:
        """Some bytes, or b"" once the peer has closed."""
        if not self.buffer:
            try:
                self._fill()
            except _Gone:
                return b""
        data, self.buffer = self.buffer, b""
        return data


class _Pipe:
    """Bytes to one socket (or nowhere), raising :class:`_Cut` once ``limit`` bytes went out."""

    def __init__(self, sock: Optional[socket.socket], limit: Optional[int] = None) -> None:
        self.sock = sock
        self.limit = limit
        self.sent = 0

    def send(self, data: bytes) -> None:
        if self.limit is not None and self.sent + len(data) >= self.limit:
            data = data[: self.limit - self.sent]
            self._write(data)
            raise _Cut()
        self._write(data)

    def _write(self, data: bytes) -> None:
        if data and self.sock is not None:
            try:
                self.sock.sendall(data)
            except (OSError, ValueError) as exc:
                raise _Gone(str(exc)) from None
        self.sent += len(data)


def _headers(head: bytes) -> Tuple[str, Dict[str, str]]:
    """The first line and the lower-cased headers of a message head."""
    lines = head.decode("latin-1").split("\r\n")
    headers: Dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _framing(headers: Dict[str, str], no_body: bool) -> Tuple[str, int]:
    """How a body ends: ("none", 0), ("length", n), ("chunked", 0) or ("close", 0)."""
    if no_body:
        return "none", 0
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return "chunked", 0
    if "content-length" in headers:
        try:
            return "length", int(headers["content-length"])
        except ValueError:
            raise _Gone("bad Content-Length") from None
    return "close", 0


def _relay_body(reader: _Reader, pipe: _Pipe, framing: Tuple[str, int]) -> None:
    kind, length = framing
    if kind == "length":
        left = length
        while left > 0:
            data = reader.some(min(left, _CHUNK))
            left -= len(data)
            pipe.send(data)
    elif kind == "chunked":
        _relay_chunked(reader, pipe)
    elif kind == "close":
        while True:
            data = reader.until_close()
            if not data:
                return
            pipe.send(data)


def _relay_chunked(reader: _Reader, pipe: _Pipe) -> None:
    while True:
        size_line = reader.line()
        pipe.send(size_line)
        try:
            size = int(size_line.split(b";")[0].strip(), 16)
        except ValueError:
            raise _Gone("bad chunk size") from None
        if size == 0:
            while True:  # trailers, then the blank line
                trailer = reader.line()
                pipe.send(trailer)
                if trailer == b"\r\n":
                    return
        left = size + 2  # the data and its CRLF
        while left > 0:
            data = reader.some(min(left, _CHUNK))
            left -= len(data)
            pipe.send(data)


def _close(sock: Optional[socket.socket], rst: bool = False) -> None:
    if sock is None:
        return
    if rst:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    else:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    try:
        sock.close()
    except OSError:
        pass


# --------------------------------------------------------------------------- the proxy


class FaultProxy:
    """A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of ``upstream_host:upstream_port``.

    Args:
        upstream_host, upstream_port: the real server.
        timeout: seconds any socket operation may wait (bounds every thread).
        tls: a server-side context to terminate TLS with (the upstream stays plain).
    """

    def __init__(
        self, upstream_host: str, upstream_port: int, *, timeout: float = 20.0, tls: Optional[ssl.SSLContext] = None
    ) -> None:
        if upstream_host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fault proxy only relays to a loopback server")
        self.upstream = (upstream_host, upstream_port)
        self.timeout = timeout
        self.tls = tls
        self.rules: List[Rule] = []
        self.requests: List[Request] = []
        self.connections = 0
        self.handshake_failures = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets: Set[socket.socket] = set()
        self._idle: Set[socket.socket] = set()
        self._sessions: Set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.host = "127.0.0.1"
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy-%d" % self.port, daemon=True)
        self._thread.start()

    # -- the API -----------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        return "%s://%s:%d" % ("https" if self.tls else "http", self.host, self.port)

    def add_rule(
        self, match: Callable[[Request], bool], action: Action, times: Optional[int] = 1, skip: int = 0
    ) -> Rule:
        """Apply ``action`` to matching requests (see :class:`Rule`); rules are tried in order."""
        rule = Rule(match, action, times, skip)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear_rules(self) -> None:
        with self._lock:
            self.rules.clear()

    def seen(self, match: Optional[Callable[[Request], bool]] = None) -> List[Request]:
        """The requests seen so far (those ``match`` accepts)."""
        with self._lock:
            requests = list(self.requests)
        return [r for r in requests if match is None or match(r)]

    def close_idle_connections(self, settle: float = 15.0) -> int:
        """Close every client connection waiting for its next request; returns how many.

        A client has its answer a moment before the proxy's thread is back to
        waiting on that connection, so this first waits (up to ``settle``
        seconds of real time, generous for a loaded machine; it returns as soon
        as every connection is idle) for every connection to be idle.
        """
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            with self._lock:
                if self._sessions <= self._idle:
                    break
            self._stop.wait(0.01)
        with self._lock:
            idle, self._idle = list(self._idle), set()
        for sock in idle:
            _close(sock)
        return len(idle)

    def close(self) -> None:
        """Stop listening and close every connection; the threads then end."""
        self._stop.set()
        _close(self._listener)
        with self._lock:
            live = list(self._sockets)
        for sock in live:
            _close(sock)
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<FaultProxy 127.0.0.1:%d -> %s:%d>" % (self.port, self.upstream[0], self.upstream[1])

    # -- connections ---------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                index, self.connections = self.connections, self.connections + 1
            name = "fault-proxy-%d-%d" % (self.port, index)
            threading.Thread(target=self._serve, args=(sock, index), name=name, daemon=True).start()

    def _track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.add(sock)
            if self._stop.is_set():
                _close(sock)
        return sock

    def _forget(self, *socks: Optional[socket.socket]) -> None:
        with self._lock:
            for sock in socks:
                self._sockets.discard(sock)  # type: ignore[arg-type]
                self._idle.discard(sock)  # type: ignore[arg-type]

    def _serve(self, client: socket.socket, index: int) -> None:
        client.settimeout(self.timeout)
        self._track(client)
        if self.tls is not None:
            try:
                wrapped = self.tls.wrap_socket(client, server_side=True)
            except (OSError, ssl.SSLError):
                with self._lock:
                    self.handshake_failures += 1
                self._forget(client)
                _close(client)
                return
            self._forget(client)
            client = self._track(wrapped)
        session = _Session(self, client, index)
        with self._lock:
            self._sessions.add(client)
        try:
            session.run()
        finally:
            with self._lock:
                self._sessions.discard(client)
            self._forget(client, session.upstream)
            _close(client, rst=session.reset)
            _close(session.upstream)

    def _set_idle(self, sock: socket.socket, idle: bool) -> None:
        with self._lock:
            if idle:
                self._idle.add(sock)
            else:
                self._idle.discard(sock)

    def _record(self, connection: int, sequence: int, head: bytes) -> Tuple[Request, Optional[Action]]:
        line, headers = _headers(head)
        parts = line.split(" ")
        method, target = (parts[0], parts[1]) if len(parts) >= 2 else (line, "")
        with self._lock:
            request = Request(len(self.requests), connection, sequence, method, target, headers)
            action: Optional[Action] = None
            for rule in self.rules:
                if rule.take(request):
                    action = rule.action
                    request = replace(request, fault=type(action).__name__)
                    break
            self.requests.append(request)
        return request, action

    def _connect_upstream(self) -> socket.socket:
        try:
            sock = socket.create_connection(self.upstream, timeout=self.timeout)
        except OSError as exc:
            raise _Gone("upstream: %s" % exc) from None
        return self._track(sock)

    def _hold(self, client: socket.socket, seconds: float) -> None:
        """Wait ``seconds``, or less if the client closes or the proxy stops."""
        step = 0.05
        waited = 0.0
        while waited < seconds and not self._stop.is_set():
            try:
                readable, _, _ = select.select([client], [], [], step)
            except (OSError, ValueError):
                return
            if readable:
                try:
                    if not client.recv(_CHUNK):
                        return
                except (OSError, ValueError):
                    return
            waited += step


class _Session:
    """One client connection: its requests, in order, and the upstream connection they go to."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, index: int) -> None:
        self.proxy = proxy
        self.client = client
        self.index = index
        self.reader = _Reader(client)
        self.upstream: Optional[socket.socket] = None
        self.upstream_reader: Optional[_Reader] = None
        self.reset = False

    def run(self) -> None:
        sequence = 0
        try:
            while not self.proxy._stop.is_set():
                self.proxy._set_idle(self.client, not self.reader.buffer)
                head = self.reader.head()
                self.proxy._set_idle(self.client, False)
                if head is None:
                    return
                request, action = self.proxy._record(self.index, sequence, head)
                sequence += 1
                if not self._exchange(request, head, action):
                    return
        except (_Gone, _Cut):
            return

    # -- one exchange; returns whether the client connection stays open ---------

    def _exchange(self, request: Request, head: bytes, action: Optional[Action]) -> bool:
        body = _framing(request.headers, no_body=False)
        if body[0] == "close":
            body = ("none", 0)  # a request without a length has no body
        if isinstance(action, Respond):
            _relay_body(self.reader, _Pipe(None), body)
            self._send_client(action.wire(request))
            return action.keeps_connection()
        if isinstance(action, (Reset, Stall)) and action.direction == "request":
            try:
                self._forward_request(head, body, limit=action.after_bytes)
            except _Cut:
                pass
            if isinstance(action, Reset):
                self.reset = action.rst
            else:
                self.proxy._stop.wait(action.seconds)  # not reading: the client's send blocks or times out
            return False
        self._forward_request(head, body, limit=None)
        return self._relay_response(request, action)

    def _send_client(self, data: bytes) -> None:
        _Pipe(self.client).send(data)

    def _forward_request(self, head: bytes, body: Tuple[str, int], limit: Optional[int]) -> None:
        """Send the request upstream; with ``limit``, stop after that many bytes (raises _Cut)."""
        if self.upstream is None:
            self.upstream = self.proxy._connect_upstream()
            self.upstream_reader = _Reader(self.upstream)
        pipe = _Pipe(self.upstream, limit)
        pipe.send(head)
        _relay_body(self.reader, pipe, body)

    def _relay_response(self, request: Request, action: Optional[Action]) -> bool:
        reader = self.upstream_reader
        assert reader is not None
        while True:
            head = reader.head()
            if head is None:
                raise _Gone("upstream closed before answering")
            status_line, headers = _headers(head)
            parts = status_line.split(" ")
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            if 100 <= status < 200 and status != 101:
                self._send_client(head)  # an interim answer: the real one follows
                continue
            break
        no_body = request.method == "HEAD" or status in (204, 304)
        framing = _framing(headers, no_body)
        pipe = _Pipe(self.client, self._limit(action, head))
        try:
            pipe.send(head)
            _relay_body(reader, pipe, framing)
        except _Cut:
            self._after_cut(action)
            return False
        upstream_keeps = framing[0] != "close" and "close" not in headers.get("connection", "").lower()
        if not upstream_keeps:
            self._drop_upstream()
        return not isinstance(action, CloseAfterResponse) and upstream_keeps

    def _limit(self, action: Optional[Action], head: bytes) -> Optional[int]:
        if isinstance(action, Reset):
            return action.after_bytes
        if isinstance(action, Truncate):
            return len(head) + action.body_bytes
        if isinstance(action, Stall):
            return action.after_bytes
        return None

    def _after_cut(self, action: Optional[Action]) -> None:
        if isinstance(action, Reset):
            self.reset = action.rst
        elif isinstance(action, Stall):
            self.proxy._hold(self.client, action.seconds)
        self._drop_upstream()

    def _drop_upstream(self) -> None:
        if self.upstream is not None:
            self.proxy._forget(self.upstream)
            _close(self.upstream)
        self.upstream = None
        self.upstream_reader = None
