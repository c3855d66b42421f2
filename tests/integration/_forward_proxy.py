"""A small forward proxy on 127.0.0.1 for tests: absolute-form HTTP requests and CONNECT tunnels.

It records what it was asked (method and request-target) so a test can assert
that traffic went through it, and it only ever connects to loopback targets.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional, Tuple
from urllib.parse import urlsplit

__all__ = ["ForwardProxy"]

_HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
    "transfer-encoding", "upgrade", "content-length",
}  # fmt: skip
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def _record(self) -> None:
        with self.server.lock:
            self.server.seen.append((self.command, self.path))

    def _refuse(self, status: int, reason: str) -> None:
        self.send_response_only(status, reason)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_CONNECT(self) -> None:
        self._record()
        host, _, port = self.path.rpartition(":")
        if host.strip("[]") not in _LOOPBACK or not port.isdigit():
            self._refuse(403, "Forbidden")
            return
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=30)
        self.send_response_only(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        _relay(self.connection, upstream)
        self.close_connection = True

    def _forward(self) -> None:
        self._record()
        target = urlsplit(self.path)
        if target.scheme != "http" or target.hostname not in _LOOPBACK:
            self._refuse(400, "Absolute-form loopback URL expected")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
        try:
            path = target.path + ("?" + target.query if target.query else "")
            upstream.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    upstream.putheader(name, value)
            upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body)
            answer = upstream.getresponse()
            data = answer.read()
            self.send_response_only(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            length = answer.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
            self.send_header("Content-Length", length or "0")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        finally:
            upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    sockets = [client, upstream]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 30)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    finally:
        upstream.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.seen: List[Tuple[str, str]] = []


class ForwardProxy:
    """``with ForwardProxy() as proxy:`` -- ``proxy.url`` to use, ``proxy.seen`` to check."""

    def __init__(self) -> None:
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    def __enter__(self) -> ForwardProxy:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-proxy", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        assert self._server is not None
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    @property
    def seen(self) -> List[Tuple[str, str]]:
        assert self._server is not None
        with self._server.lock:
            return list(self._server.seen)
