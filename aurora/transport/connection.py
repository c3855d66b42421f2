"""The transport: a thread-safe keep-alive pool of HTTP/1.1 connections to one endpoint.

The requests are written here, so the headers (already signed by the S3
layer) go out exactly as given, a small body goes in the same packet as the
headers, and a large one in big blocks or with ``sendfile``; the responses
are read by :mod:`aurora.transport.http11`.  Every failure leaves ``send()`` as an :mod:`aurora.errors`
exception that names the method, path and endpoint, never a header value.

Making a transport opens nothing and loads no socket code: the first
connection imports :mod:`aurora.transport.wire` (sockets, ``ssl``) and
makes the TLS context, unless a CA file was given, which is read at once so a
bad one is refused at construction.
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import TYPE_CHECKING, List, Mapping, Optional, Tuple

from aurora._log import Log
from aurora.config import Timeouts
from aurora.errors import InvalidArgumentError
from aurora.transport.body import Body, BodyPlan, plan_body
from aurora.transport.proxy import Proxy, join_host_port, parse_proxy_url
from aurora.transport.response import Response, response_from

if TYPE_CHECKING:
    import ssl

    from aurora.transport.http11 import RawResponse
    from aurora.transport.wire import Connection

__all__ = ["Body", "Transport"]

_log = Log("aurora.transport")

DEFAULT_TIMEOUTS = Timeouts()


def _close_all(connections: List[Connection]) -> None:
    for conn in connections:
        conn.close()


class Transport:
    """HTTP/1.1 to one ``host:port``, shared safely by many threads.

    Idle connections are kept last-in first-out (the most recently used is the
    least likely to have been closed by the server), at most
    ``max_connections`` of them; a connection is lent to one request at a time.
    """

    def __init__(
        self,
        host: str,
        port: Optional[int] = None,
        secure: bool = True,
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        verify: bool = True,
        ca_file: Optional[str] = None,
        proxy_url: Optional[str] = None,
        max_connections: int = 16,
    ) -> None:
        if not host:
            raise InvalidArgumentError("the transport needs a host")
        if not isinstance(max_connections, int) or max_connections < 1:
            raise InvalidArgumentError(f"max_connections must be an integer >= 1, not {max_connections!r}")
        self.host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        self.port = port if port is not None else (443 if secure else 80)
        self.secure = secure
        self.timeouts = timeouts
        self.max_connections = max_connections
        self.label = join_host_port(self.host, self.port)
        default_port = 443 if secure else 80
        self._host_header = self.label if self.port != default_port else _bracket(self.host)
        self._verify = verify
        self._ca_file = ca_file
        self._tls: Optional[ssl.SSLContext] = None
        self._proxy: Optional[Proxy] = parse_proxy_url(proxy_url) if proxy_url else None
        self._idle: List[Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        if secure and verify and ca_file is not None:
            self._tls_context()  # read the CA file now: a missing or malformed one is refused here
        # libcloud code never closes a driver: when this transport is collected, its idle
        # sockets are closed with it (the list is only ever emptied in place, never replaced).
        weakref.finalize(self, _close_all, self._idle)

    def send(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: Body = None,
        *,
        preload: bool = True,
    ) -> Response:
        """Send one request and return its response.

        ``target`` is the encoded request-target (``/bucket/key?uploads``);
        ``headers`` are sent as given (``Host`` and ``Content-Length`` are
        added only when missing).  A file body is sent from its current
        position.  With ``preload`` the body is read before returning and the
        connection goes back to the pool; otherwise the caller streams it and
        must read it to the end or ``close()`` the response.
        """
        if self._closed:
            raise InvalidArgumentError(f"the transport to {self.label} is closed")
        where = f"{method} {target.partition('?')[0]} on {self.label}"
        plan = plan_body(body, content_length_of(headers, where), where)
        head = self.request_head(method, target, headers, plan, where)
        raw, conn, keep_alive = self._exchange_with_replay(method, head, plan, where)
        stream = conn.body(raw, where, lambda reusable: self.give_back(conn, reusable), keep_alive)
        return response_from(raw, stream, preload=preload)

    def is_closed(self) -> bool:
        """Whether :meth:`close` was called (no request may be sent)."""
        return self._closed

    def close(self) -> None:
        """Close the idle connections; connections still streaming close when released."""
        with self._lock:
            self._closed = True
            idle = list(self._idle)
            self._idle.clear()
        _close_all(idle)

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"<Transport {scheme}://{self.label}>"

    # --- one request, with the stale keep-alive replay --------------------------------

    def _exchange_with_replay(
        self, method: str, head: bytes, plan: BodyPlan, where: str
    ) -> Tuple[RawResponse, Connection, bool]:
        """Response head, its connection, and whether that connection may be kept.

        A pooled connection the server closed while it sat idle fails before
        any response byte arrives; that request is sent once more on a fresh
        connection when its body can be replayed.
        """
        from aurora.transport.wire import NoResponse, no_response_error  # socket code: on the first request

        conn = self.lend(where)
        reused = conn.requests > 0
        try:
            raw, keep_alive = conn.exchange(method, head, plan, where)
            return raw, conn, keep_alive
        except NoResponse as failure:
            conn.close()
            if not reused or not plan.rewind():
                raise no_response_error(where, failure) from failure.cause
            _log.debug("%s: kept-alive connection was closed by the server; retrying on a new one", where)
        except BaseException:
            conn.close()
            raise
        conn = self.new_connection(where)
        try:
            raw, keep_alive = conn.exchange(method, head, plan, where)
            return raw, conn, keep_alive
        except NoResponse as failure:
            conn.close()
            raise no_response_error(where, failure) from failure.cause
        except BaseException:
            conn.close()
            raise

    def request_head(self, method: str, target: str, headers: Mapping[str, str], plan: BodyPlan, where: str) -> bytes:
        """The request line and header block, exactly as they go on the wire (also :mod:`.multiplex`'s)."""
        if not method or not method.isalpha() or not method.isupper():
            raise InvalidArgumentError(f"invalid HTTP method {method!r}")
        if not target.startswith("/") or _BAD_TARGET.search(target):
            raise InvalidArgumentError(f"{where}: the request-target must be an encoded absolute path")
        if self._proxy is not None and not self.secure:
            target = f"http://{self.label}{target}"
        lines = [f"{method} {target} HTTP/1.1"]
        names = set()
        for name, value in headers.items():
            _check_header(name, value, where)
            names.add(name.lower())
            lines.append(f"{name}: {value}")
        if "host" not in names:
            lines.append(f"Host: {self._host_header}")
        if "content-length" not in names and (plan.length or method in ("PUT", "POST")):
            lines.append(f"Content-Length: {plan.length}")
        if self._proxy is not None and not self.secure and self._proxy.authorization is not None:
            lines.append(f"Proxy-Authorization: {self._proxy.authorization}")
        try:
            return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidArgumentError(f"{where}: header values must be latin-1 text") from None

    # --- the pool -----------------------------------------------------------------

    def lend(self, where: str) -> Connection:
        """The most recently used idle connection that is still open, or a new one (for :meth:`give_back`)."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return self.new_connection(where)
            if not conn.dropped():
                _log.debug("%s: reusing a kept-alive connection", where)
                return conn
            _log.debug("%s: discarding an idle connection the server closed", where)
            conn.close()

    def new_connection(self, where: str) -> Connection:
        """A connection opened now, not taken from the pool (for :meth:`give_back`)."""
        from aurora.transport.wire import Connection  # sockets, ssl: on the first request

        conn = Connection.open(self.host, self.port, timeouts=self.timeouts, tls=self._tls_context(), proxy=self._proxy)
        via = f" via proxy {self._proxy.label}" if self._proxy is not None else ""
        _log.debug("%s: opened a new connection%s", where, via)
        return conn

    def _tls_context(self) -> Optional[ssl.SSLContext]:
        """The TLS context (None for plain HTTP), made once, by the first connection that needs it.

        ``ssl`` and the system's CA store cost several milliseconds to load, which
        a driver made and never used (or used over plain HTTP) does not pay.
        """
        if not self.secure:
            return None
        with self._lock:
            if self._tls is None:
                from aurora.transport.tls import tls_context

                self._tls = tls_context(self._verify, self._ca_file)
            return self._tls

    def give_back(self, conn: Connection, reusable: bool) -> None:
        """Keep ``conn`` for the next request, or close it."""
        reason = "its response was not read to the end or it cannot be kept alive"
        if reusable:
            with self._lock:
                if not self._closed and len(self._idle) < self.max_connections:
                    self._idle.append(conn)
                    return
                reason = "the transport is closed" if self._closed else "the pool is full"
        _log.debug("closing a connection to %s: %s", self.label, reason)
        conn.close()


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def content_length_of(headers: Mapping[str, str], where: str) -> Optional[int]:
    """The caller's Content-Length header as a number, or None."""
    for name, value in headers.items():
        if name.lower() == "content-length":
            text = str(value).strip()
            if not text.isdigit():
                raise InvalidArgumentError(f"{where}: Content-Length must be a non-negative integer")
            return int(text)
    return None


_BAD_TARGET = re.compile("[ \r\n\t]")
_BAD_NAME = re.compile("[:\r\n \t]")
_BAD_VALUE = re.compile("[\r\n]")


def _check_header(name: str, value: str, where: str) -> None:
    """Refuse names and values that would split the header block (named, never shown)."""
    if not name or _BAD_NAME.search(name):
        raise InvalidArgumentError(f"{where}: invalid header name {name!r}")
    if not isinstance(value, str) or _BAD_VALUE.search(value):
        raise InvalidArgumentError(f"{where}: the value of header {name!r} contains a line break or is not text")
