"""The fault proxy itself, against a stdlib HTTP server: framing, every action, and shutdown.

These need no S3 server; they make sure a fault test fails because of aurora,
not because the proxy misread where a message ends.
"""

from __future__ import annotations

import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List

import pytest
from faults.proxy import (
    Close,
    CloseAfterResponse,
    FaultProxy,
    Reset,
    Respond,
    Stall,
    Truncate,
    slow_down,
)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: List[bytes] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        route, _, arg = self.path.strip("/").partition("/")
        if route == "bytes":
            body = bytes(range(256)) * (int(arg) // 256) + b"x" * (int(arg) % 256)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        elif route in ("empty", "unchanged"):
            self.send_response(204 if route == "empty" else 304)
            self.end_headers()
        elif route == "chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
        elif route == "until-close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"body without a length")
            self.close_connection = True

    do_HEAD = do_GET

    def do_PUT(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
        else:
            data = self.rfile.read(int(self.headers["Content-Length"]))
        Handler.received.append(data)
        answer = b"%d" % len(data)
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Handler.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream: ThreadingHTTPServer) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", upstream.server_address[1], timeout=5.0) as fault_proxy:
        yield fault_proxy


_OPENED: List[http.client.HTTPConnection] = []


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    """Every connection a test opened with ``connect`` is closed after it."""
    yield
    while _OPENED:
        _OPENED.pop().close()


def connect(proxy: FaultProxy, timeout: float = 5.0) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=timeout)
    _OPENED.append(conn)
    return conn


def fetch(conn: http.client.HTTPConnection, method: str, path: str, body: bytes = b"") -> http.client.HTTPResponse:
    conn.request(method, path, body=body or None)
    return conn.getresponse()


def test_relays_every_framing_on_one_kept_alive_connection(proxy: FaultProxy) -> None:
    conn = connect(proxy)
    first = fetch(conn, "GET", "/bytes/300000")
    assert first.read() == bytes(range(256)) * (300000 // 256) + b"x" * (300000 % 256)
    head = fetch(conn, "HEAD", "/bytes/300000")
    assert head.getheader("Content-Length") == "300000" and head.read() == b""
    for path, status in (("/empty", 204), ("/unchanged", 304)):
        response = fetch(conn, "GET", path)
        assert response.status == status and response.read() == b""
    assert fetch(conn, "GET", "/chunked").read() == b"hello chunked world"
    assert fetch(conn, "PUT", "/upload", b"z" * 70000).read() == b"70000"
    assert fetch(conn, "GET", "/until-close").read() == b"body without a length"
    conn.close()
    assert proxy.connections == 1
    assert [(r.method, r.sequence) for r in proxy.seen()] == [
        ("GET", 0),
        ("HEAD", 1),
        ("GET", 2),
        ("GET", 3),
        ("GET", 4),
        ("PUT", 5),
        ("GET", 6),
    ]
    assert Handler.received == [b"z" * 70000]


def test_relays_a_chunked_request_body(proxy: FaultProxy) -> None:
    conn = connect(proxy)
    conn.request(
        "PUT", "/upload", body=iter([b"abc", b"defg"]), encode_chunked=True, headers={"Transfer-Encoding": "chunked"}
    )
    assert conn.getresponse().read() == b"7"
    assert Handler.received == [b"abcdefg"]


def test_reset_in_the_request_cuts_the_upstream_too(proxy: FaultProxy) -> None:
    rule = proxy.add_rule(lambda r: r.method == "PUT", Reset(after_bytes=100, direction="request"))
    conn = connect(proxy)
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        fetch(conn, "PUT", "/upload", b"y" * 200000).read()
    assert rule.fired == 1
    assert all(len(data) < 100 for data in list(Handler.received))  # at most the bytes before the cut
    assert proxy.seen()[0].fault == "Reset"


@pytest.mark.parametrize("action", [Reset(after_bytes=5000), Close(after_bytes=5000)], ids=["rst", "fin"])
def test_cut_in_the_response_after_some_bytes(proxy: FaultProxy, action: Reset) -> None:
    proxy.add_rule(lambda r: True, action)
    conn = connect(proxy)
    with pytest.raises((ConnectionError, http.client.IncompleteRead)):
        fetch(conn, "GET", "/bytes/100000").read()


def test_truncate_sends_fewer_bytes_than_the_content_length(proxy: FaultProxy) -> None:
    proxy.add_rule(lambda r: True, Truncate(body_bytes=1234))
    conn = connect(proxy)
    response = fetch(conn, "GET", "/bytes/100000")
    assert response.getheader("Content-Length") == "100000"
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == 1234


def test_stall_outlasts_the_client_read_timeout(proxy: FaultProxy) -> None:
    proxy.add_rule(lambda r: True, Stall(seconds=30.0))
    conn = connect(proxy, timeout=0.5)
    with pytest.raises(socket.timeout):
        fetch(conn, "GET", "/bytes/10")
    conn.close()  # the proxy notices the client left and ends the stall early


def test_stall_in_the_request_stops_reading(proxy: FaultProxy) -> None:
    proxy.add_rule(lambda r: r.method == "PUT", Stall(seconds=2.0, after_bytes=100, direction="request"))
    conn = connect(proxy, timeout=0.3)
    with pytest.raises(socket.timeout):
        fetch(conn, "PUT", "/upload", b"s" * 100_000)
    assert all(len(data) < 100 for data in list(Handler.received))


def test_answers_itself_and_keeps_the_connection(proxy: FaultProxy) -> None:
    rule = proxy.add_rule(lambda r: r.path == "/bytes/10", slow_down(retry_after="3"), times=2, skip=1)
    conn = connect(proxy)
    statuses = []
    for _ in range(4):
        response = fetch(conn, "GET", "/bytes/10")
        body = response.read()
        statuses.append(response.status)
        if response.status == 503:
            assert response.getheader("Retry-After") == "3"
            assert b"<Code>SlowDown</Code>" in body
    assert statuses == [200, 503, 503, 200]
    assert (rule.matched, rule.fired) == (3, 2)
    assert proxy.connections == 1
    proxy.add_rule(lambda r: True, Respond(404, b"gone"), times=2)
    head = fetch(conn, "HEAD", "/x")
    assert head.status == 404 and head.getheader("Content-Length") == "4" and head.read() == b""
    assert fetch(conn, "GET", "/x").read() == b"gone"


def test_close_after_response_and_idle_closes(proxy: FaultProxy) -> None:
    conn = connect(proxy)
    assert fetch(conn, "GET", "/bytes/10").read()
    assert proxy.close_idle_connections() == 1
    proxy.add_rule(lambda r: True, CloseAfterResponse())
    other = connect(proxy)
    assert fetch(other, "GET", "/bytes/10").read() == b"x" * 10
    other.sock.settimeout(5.0)
    assert other.sock.recv(1) == b""  # closed by the proxy after the answer


def test_listens_on_loopback_only_and_refuses_other_upstreams(proxy: FaultProxy) -> None:
    assert proxy.host == "127.0.0.1" and proxy.endpoint_url.startswith("http://127.0.0.1:")
    with pytest.raises(ValueError):
        FaultProxy("192.0.2.1", 80)


def test_close_ends_every_thread(upstream: ThreadingHTTPServer) -> None:
    fault_proxy = FaultProxy("127.0.0.1", upstream.server_address[1], timeout=5.0)
    fault_proxy.add_rule(lambda r: r.path == "/stall", Stall(seconds=60.0))
    idle = connect(fault_proxy)
    assert fetch(idle, "GET", "/bytes/10").read()
    stalled = connect(fault_proxy, timeout=0.2)
    with pytest.raises(socket.timeout):
        fetch(stalled, "GET", "/stall")
    prefix = "fault-proxy-%d" % fault_proxy.port
    threads = [t for t in threading.enumerate() if t.name.startswith(prefix)]
    assert len(threads) == 3  # the acceptor, the idle connection, the stalled one
    fault_proxy.close()
    for thread in threads:
        thread.join(timeout=5.0)
    assert [t.name for t in threads if t.is_alive()] == []
