"""The transport against real sockets: servers the tests start on 127.0.0.1.

A stdlib ``ThreadingHTTPServer`` plays a well-behaved server; raw socket
servers play the bad ones (closing, truncating, stalling, garbling), and a tiny
proxy relays CONNECT tunnels.  TLS tests make their own CA with ``openssl``.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import io
import logging
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from aurora.config import Timeouts
from aurora.errors import (
    ConnectError,
    ConnectTimeout,
    InvalidArgumentError,
    ProtocolError,
    ReadTimeout,
    TLSError,
    TransferError,
    TransportError,
)
from aurora.transport import Headers, Response, Transport, proxy_for
from aurora.transport.proxy import parse_proxy_url

SECRET = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, Signature=0123456789abcdefdeadbeefsecret"
TOKEN = "session-token-that-must-stay-secret"
QUICK = Timeouts(connect=5.0, read=5.0)


def payload(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


# --- servers -------------------------------------------------------------------------


class CountingServer(ThreadingHTTPServer):
    """A threading HTTP/1.1 server that counts the connections it accepts."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, handler: type) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.connections = 0
        self.requests: List[Tuple[str, Dict[str, str]]] = []
        self._count_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._count_lock:
            self.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: the TLS tests make handshakes fail on purpose."""


class Handler(BaseHTTPRequestHandler):
    """``/bytes/N`` (N seeded bytes), ``/chunked/N``, ``/echo/...``, ``/empty``; PUT answers sha256:length."""

    protocol_version = "HTTP/1.1"
    server: CountingServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes, extra: Optional[Dict[str, str]] = None) -> None:
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[0] == "bytes":
            self._reply(200, payload(int(parts[1])), {"X-Multi": "one"})
        elif parts[0] == "chunked":
            self._send_chunked(payload(int(parts[1])))
        elif parts[0] == "echo":
            self._reply(200, self.path.encode() * (1 + len(self.path) % 7))
        elif parts[0] == "empty":
            self.send_response(204)
            self.end_headers()
        else:
            self._reply(404, b"no such route")

    do_HEAD = do_GET

    def _send_chunked(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(body), 100_000):
            piece = body[start : start + 100_000]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def do_PUT(self) -> None:
        self.server.requests.append((self.path, dict(self.headers.items())))
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self._reply(200, b"%s:%d" % (hashlib.sha256(data).hexdigest().encode(), len(data)))

    do_POST = do_PUT


@pytest.fixture
def server() -> Iterator[CountingServer]:
    srv = CountingServer(Handler)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def transport(server: CountingServer) -> Iterator[Transport]:
    with Transport("127.0.0.1", server.server_address[1], secure=False, timeouts=QUICK) as tr:
        yield tr


class RawServer:
    """Accepts connections and hands each to ``handle(conn, index)`` in its own thread."""

    def __init__(self, handle: Callable[[socket.socket, int], None], ssl_context: Optional[ssl.SSLContext] = None):
        self.handle = handle
        self.stop = threading.Event()
        self.connections = 0
        self.seen: List[Tuple[int, bytes, bytes]] = []  # (connection index, head, body)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._clients: List[socket.socket] = []
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(10)
            self._clients.append(conn)
            index, self.connections = self.connections, self.connections + 1
            threading.Thread(target=self._run, args=(conn, index), daemon=True).start()

    def _run(self, conn: socket.socket, index: int) -> None:
        try:
            self.handle(conn, index)
        except OSError:
            pass

    def read_request(self, conn: socket.socket, index: int) -> Optional[Tuple[bytes, bytes]]:
        """One request (head, body), or None when the client closed."""
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(65536)
            if not data:
                return None
            head += data
        head, _, body = head.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            data = conn.recv(65536)
            if not data:
                break
            body += data
        self.seen.append((index, head, body))
        return head, body

    def close(self) -> None:
        self.stop.set()
        self._listener.close()
        for conn in self._clients:
            try:
                conn.close()
            except OSError:
                pass


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    servers: List[RawServer] = []

    def start(handle: Callable[[RawServer, socket.socket, int], None]) -> RawServer:
        srv = RawServer(lambda conn, index: handle(srv, conn, index))
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.close()


def ok(body: bytes = b"ok", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def serve_forever_ok(srv: RawServer, conn: socket.socket, index: int) -> None:
    while srv.read_request(conn, index) is not None:
        conn.sendall(ok())


def raw_transport(srv: RawServer, timeouts: Timeouts = QUICK) -> Transport:
    return Transport("127.0.0.1", srv.port, secure=False, timeouts=timeouts)


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


# --- keep-alive and the pool ----------------------------------------------------------


def test_keep_alive_reuses_one_connection(server: CountingServer, transport: Transport) -> None:
    for size in (0, 10, 70_000, 10):
        response = transport.send("GET", f"/bytes/{size}", {"Host": "example"})
        assert response.status == 200
        assert response.content == payload(size)
    assert server.connections == 1


def test_streamed_body_read_to_the_end_returns_its_connection(server: CountingServer, transport: Transport) -> None:
    response = transport.send("GET", "/bytes/300000", {}, preload=False)
    assert response.read() == payload(300_000)
    assert transport.send("GET", "/bytes/5", {}).content == payload(5)
    assert server.connections == 1


def test_closing_a_response_early_discards_its_connection(server: CountingServer, transport: Transport) -> None:
    with transport.send("GET", "/bytes/3000000", {}, preload=False) as response:
        assert response.read(1000) == payload(3_000_000)[:1000]
    assert transport.send("GET", "/bytes/5", {}).content == payload(5)
    assert server.connections == 2


def test_head_and_204_have_no_body_and_keep_the_connection(server: CountingServer, transport: Transport) -> None:
    head = transport.send("HEAD", "/bytes/1234", {})
    assert head.headers["content-length"] == "1234"
    assert head.content == b""
    streamed_head = transport.send("HEAD", "/bytes/1234", {}, preload=False)
    assert streamed_head.read() == b""
    empty = transport.send("GET", "/empty", {}, preload=False)
    assert empty.status == 204 and empty.read() == b""
    assert transport.send("GET", "/bytes/3", {}).content == payload(3)
    assert server.connections == 1


def test_idle_connection_closed_by_the_server_is_replaced(raw_server: Callable[..., RawServer]) -> None:
    def one_answer_then_close(srv: RawServer, conn: socket.socket, index: int) -> None:
        if srv.read_request(conn, index) is not None:
            conn.sendall(ok(b"answer %d" % index))
        conn.close()

    srv = raw_server(one_answer_then_close)
    with raw_transport(srv) as transport:
        bodies = [transport.send("GET", "/k", {}).content for _ in range(3)]
    assert bodies == [b"answer 0", b"answer 1", b"answer 2"]
    assert srv.connections == 3


def close_second_request_unanswered(srv: RawServer, conn: socket.socket, index: int) -> None:
    """Connection 0 answers once, then reads the next request and closes (the keep-alive race)."""
    if srv.read_request(conn, index) is None:
        return
    conn.sendall(ok(b"first"))
    if index == 0:
        srv.read_request(conn, index)
        conn.close()
        return
    serve_forever_ok(srv, conn, index)


@pytest.mark.parametrize("kind", ["bytes", "file window", "no body"])
def test_request_lost_on_a_stale_connection_is_sent_once_more(
    raw_server: Callable[..., RawServer], tmp_path: Path, kind: str
) -> None:
    data = payload(200_000)
    srv = raw_server(close_second_request_unanswered)
    with raw_transport(srv) as transport:
        assert transport.send("GET", "/warm", {}).content == b"first"
        if kind == "bytes":
            response = transport.send("PUT", "/k", {}, data[:100])
            expected = data[:100]
        elif kind == "file window":
            path = tmp_path / "body"
            path.write_bytes(data)
            with path.open("rb") as file:
                file.seek(5000)
                response = transport.send("PUT", "/k", {"Content-Length": "150000"}, file)
            expected = data[5000:155000]
        else:
            response = transport.send("DELETE", "/k", {})
            expected = b""
    assert response.status == 200
    assert srv.connections == 2
    assert [(index, body) for index, _, body in srv.seen[1:]] == [(0, expected), (1, expected)]


def test_stale_connection_with_a_one_shot_body_is_not_replayed(raw_server: Callable[..., RawServer]) -> None:
    srv = raw_server(close_second_request_unanswered)
    with raw_transport(srv) as transport:
        transport.send("GET", "/warm", {})
        with pytest.raises(ProtocolError, match="closed before a response"):
            transport.send("PUT", "/k", {"Content-Length": "6"}, iter([b"abc", b"def"]))
    assert srv.connections == 1


def test_fresh_connection_closed_without_an_answer_is_not_replayed(raw_server: Callable[..., RawServer]) -> None:
    def close_unanswered(srv: RawServer, conn: socket.socket, index: int) -> None:
        srv.read_request(conn, index)
        conn.close()

    srv = raw_server(close_unanswered)
    with raw_transport(srv) as transport, pytest.raises(ProtocolError):
        transport.send("GET", "/k", {})
    assert srv.connections == 1


def test_many_threads_share_one_transport(server: CountingServer, transport: Transport) -> None:
    failures: List[str] = []

    def worker(number: int) -> None:
        for request in range(50):
            path = f"/echo/{number}/{request}"
            streamed = request % 3 == 0
            response = transport.send("GET", path, {}, preload=not streamed)
            body = response.read() if streamed else response.content
            if body != path.encode() * (1 + len(path) % 7):
                failures.append(f"{path}: {body[:40]!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert 1 <= server.connections <= 16


# --- request bodies --------------------------------------------------------------------


def sha_answer(data: bytes) -> bytes:
    return b"%s:%d" % (hashlib.sha256(data).hexdigest().encode(), len(data))


@pytest.mark.parametrize(
    ("start", "length"),
    [(1024 * 1024 + 7, 2 * 1024 * 1024 + 3), (123, 1000), (4 * 1024 * 1024 - 10, None)],
    ids=["large window", "small window", "to the end"],
)
def test_file_window_arrives_byte_exact(
    server: CountingServer, transport: Transport, tmp_path: Path, start: int, length: Optional[int]
) -> None:
    data = payload(4 * 1024 * 1024, seed=3)
    path = tmp_path / "source"
    path.write_bytes(data)
    expected = data[start : None if length is None else start + length]
    headers = {} if length is None else {"Content-Length": str(length)}
    with path.open("rb") as file:
        file.seek(start)
        response = transport.send("PUT", "/bucket/key", headers, file)
        assert file.tell() == start + len(expected)
    assert response.content == sha_answer(expected)
    assert server.requests[-1][1]["Content-Length"] == str(len(expected))


class Window(io.RawIOBase):
    """A window on a file with absolute positions, as the transfer engine passes for a part."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        super().__init__()
        self._file = io.FileIO(path, "rb")
        self.start, self.end = start, end
        self._file.seek(start)

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._file.fileno()

    def tell(self) -> int:
        return self._file.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = self.end + offset if whence == io.SEEK_END else offset
        return self._file.seek(min(max(target, self.start), self.end))

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)[: max(self.end - self._file.tell(), 0)]
        return self._file.readinto(view)

    def close(self) -> None:
        self._file.close()
        super().close()


@pytest.mark.parametrize("secure_like", [False, True], ids=["sendfile", "blocks"])
def test_window_object_without_content_length_sends_only_its_window(
    transport: Transport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secure_like: bool
) -> None:
    data = payload(3_000_000)
    path = tmp_path / "source"
    path.write_bytes(data)
    if secure_like:
        monkeypatch.delattr(os, "sendfile")
    with Window(path, 1_000_000, 2_200_000) as window:
        response = transport.send("PUT", "/k", {}, window)
        assert window.tell() == 2_200_000
    assert response.content == sha_answer(data[1_000_000:2_200_000])


def test_regular_file_on_a_plain_socket_goes_through_sendfile(
    transport: Transport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: List[Tuple[int, Optional[int]]] = []
    original = socket.socket.sendfile

    def spy(self: socket.socket, file: io.BufferedReader, offset: int = 0, count: Optional[int] = None) -> int:
        calls.append((offset, count))
        return original(self, file, offset, count)

    monkeypatch.setattr(socket.socket, "sendfile", spy)
    data = payload(1_000_000)
    path = tmp_path / "source"
    path.write_bytes(data)
    with path.open("rb") as file:
        file.seek(100)
        response = transport.send("PUT", "/k", {"Content-Length": "500000"}, file)
    assert response.content == sha_answer(data[100:500100])
    assert calls == [(100, 500000)]


@pytest.mark.parametrize("size", [0, 100, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024])
def test_bytes_like_bodies_arrive_byte_exact(transport: Transport, size: int) -> None:
    data = payload(size)
    for body in (data, bytearray(data), memoryview(data), io.BytesIO(data)):
        assert transport.send("PUT", "/k", {}, body).content == sha_answer(data)


def test_small_body_goes_out_with_the_headers_and_large_in_blocks(
    transport: Transport, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: List[int] = []
    original = socket.socket.sendall

    def spy(self: socket.socket, data: bytes, flags: int = 0) -> None:
        if self.getpeername()[1] == transport.port:  # the client side only
            writes.append(memoryview(data).nbytes)
        original(self, data, flags)

    monkeypatch.setattr(socket.socket, "sendall", spy)
    transport.send("PUT", "/k", {}, payload(1000))
    assert len(writes) == 1 and writes[0] > 1000
    writes.clear()
    transport.send("PUT", "/k", {}, payload(2 * 1024 * 1024 + 1))
    assert writes[1:] == [1024 * 1024, 1024 * 1024, 1]


def test_sockets_get_nodelay_and_quickack_before_reads(transport: Transport, monkeypatch: pytest.MonkeyPatch) -> None:
    options: List[Tuple[int, int]] = []
    original = socket.socket.setsockopt

    def spy(self: socket.socket, level: int, option: int, value: int) -> None:
        options.append((level, option))
        original(self, level, option, value)

    monkeypatch.setattr(socket.socket, "setsockopt", spy)
    transport.send("GET", "/bytes/100", {})
    assert (socket.IPPROTO_TCP, socket.TCP_NODELAY) in options
    if sys.platform.startswith("linux") and hasattr(socket, "TCP_QUICKACK"):
        assert options.count((socket.IPPROTO_TCP, socket.TCP_QUICKACK)) >= 2  # status line, then body


def test_iterable_body_with_content_length(transport: Transport) -> None:
    chunks = [payload(70_000, seed=n) for n in range(5)]
    response = transport.send("PUT", "/k", {"Content-Length": str(350_000)}, iter(chunks))
    assert response.content == sha_answer(b"".join(chunks))


def test_iterable_body_without_content_length_is_refused_before_connecting(
    server: CountingServer, transport: Transport
) -> None:
    with pytest.raises(InvalidArgumentError, match="Content-Length"):
        transport.send("PUT", "/k", {}, iter([b"abc"]))
    assert server.connections == 0


def test_iterable_body_shorter_than_its_content_length_is_a_protocol_error(transport: Transport) -> None:
    with pytest.raises(ProtocolError, match="2 of its 10 bytes"):
        transport.send("PUT", "/k", {"Content-Length": "10"}, iter([b"ab"]))


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Content-Length": "5"}, b"abc"),
        ({"Content-Length": "abc"}, b"abc"),
        ({"X-Bad": "a\r\nInjected: yes"}, None),
        ({"Bad Name": "x"}, None),
    ],
)
def test_inconsistent_requests_are_refused_before_connecting(
    server: CountingServer, transport: Transport, headers: Dict[str, str], body: Optional[bytes]
) -> None:
    with pytest.raises(InvalidArgumentError):
        transport.send("PUT", "/k", headers, body)
    assert server.connections == 0


def test_closed_body_file_is_a_caller_error(transport: Transport, tmp_path: Path) -> None:
    path = tmp_path / "body"
    path.write_bytes(b"0123456789")
    with path.open("rb") as file:
        pass
    with pytest.raises(InvalidArgumentError, match="length"):
        transport.send("PUT", "/k", {}, file)
    with pytest.raises(InvalidArgumentError, match="cannot be read"):
        transport.send("PUT", "/k", {"Content-Length": "10"}, file)
    assert transport.send("GET", "/bytes/3", {}).content == payload(3)


def test_iterable_body_failing_to_read_is_a_transfer_error(transport: Transport) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"abc"
        raise OSError(5, "Input/output error")

    with pytest.raises(TransferError, match="Input/output error"):
        transport.send("PUT", "/k", {"Content-Length": "6"}, chunks())


def test_file_window_longer_than_the_file_is_refused(transport: Transport, tmp_path: Path) -> None:
    path = tmp_path / "short"
    path.write_bytes(b"0123456789")
    with path.open("rb") as file, pytest.raises(InvalidArgumentError, match="exceeds"):
        file.seek(4)
        transport.send("PUT", "/k", {"Content-Length": "7"}, file)


# --- streamed downloads ------------------------------------------------------------------


@pytest.mark.parametrize("route", ["bytes", "chunked"])
def test_streamed_download_via_readinto(server: CountingServer, transport: Transport, route: str) -> None:
    size = 5 * 1024 * 1024 + 123
    digest = hashlib.sha256()
    buffer = bytearray(64 * 1024)
    view = memoryview(buffer)
    total = 0
    with transport.send("GET", f"/{route}/{size}", {}, preload=False) as response:
        while True:
            count = response.readinto(buffer)
            if count == 0:
                break
            digest.update(view[:count])
            total += count
    assert total == size
    assert digest.digest() == hashlib.sha256(payload(size)).digest()
    transport.send("GET", "/bytes/1", {})
    assert server.connections == 1


def test_streamed_download_via_iter_chunks(transport: Transport) -> None:
    response = transport.send("GET", "/bytes/1000000", {}, preload=False)
    chunks = list(response.iter_chunks(300_000))
    assert [len(c) for c in chunks] == [300_000, 300_000, 300_000, 100_000]
    assert b"".join(chunks) == payload(1_000_000)


def test_negative_read_amount_reads_the_rest(transport: Transport) -> None:
    response = transport.send("GET", "/bytes/1000", {}, preload=False)
    assert response.read(1) == payload(1000)[:1]
    assert response.read(-1) == payload(1000)[1:]
    assert Response(200, content=b"abc").read(-1) == b"abc"


def test_content_of_a_streamed_response_reads_the_rest(transport: Transport) -> None:
    response = transport.send("GET", "/bytes/1000", {}, preload=False)
    assert response.read(10) == payload(1000)[:10]
    assert response.content == payload(1000)[10:]
    assert response.read() == b""


# --- failures ----------------------------------------------------------------------------


def truncating(srv: RawServer, conn: socket.socket, index: int) -> None:
    srv.read_request(conn, index)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 500)
    conn.close()


def truncating_chunked(srv: RawServer, conn: socket.socket, index: int) -> None:
    srv.read_request(conn, index)
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + b"x" * 500)
    conn.close()


@pytest.mark.parametrize("handle", [truncating, truncating_chunked], ids=["content-length", "chunked"])
def test_truncated_body_is_a_protocol_error(raw_server: Callable[..., RawServer], handle: Callable[..., None]) -> None:
    srv = raw_server(handle)
    with raw_transport(srv) as transport:
        with pytest.raises(ProtocolError):
            transport.send("GET", "/k", {})
        with pytest.raises(ProtocolError):
            transport.send("GET", "/k", {}, preload=False).read()
        response = transport.send("GET", "/k", {}, preload=False)
        buffer = bytearray(256)
        with pytest.raises(ProtocolError):
            while response.readinto(buffer):
                pass


def stalling(srv: RawServer, conn: socket.socket, index: int) -> None:
    srv.read_request(conn, index)
    if index == 1:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
    srv.stop.wait(10)


def test_stalled_server_is_a_read_timeout(raw_server: Callable[..., RawServer]) -> None:
    srv = raw_server(stalling)
    with raw_transport(srv, Timeouts(connect=5.0, read=0.2)) as transport:
        with pytest.raises(ReadTimeout):
            transport.send("GET", "/silent", {})
        response = transport.send("GET", "/half", {}, preload=False)
        assert response.status == 200
        with pytest.raises(ReadTimeout):
            response.read()


def test_refused_port_is_a_connect_error() -> None:
    port = free_port()
    with Transport("127.0.0.1", port, secure=False, timeouts=QUICK) as transport, pytest.raises(ConnectError) as caught:
        transport.send("GET", "/k", {})
    assert not isinstance(caught.value, ConnectTimeout)
    assert f"127.0.0.1:{port}" in str(caught.value)


def test_garbage_status_line_is_a_protocol_error(raw_server: Callable[..., RawServer]) -> None:
    def garbage(srv: RawServer, conn: socket.socket, index: int) -> None:
        srv.read_request(conn, index)
        conn.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")
        conn.close()

    with raw_transport(raw_server(garbage)) as transport, pytest.raises(ProtocolError, match="malformed"):
        transport.send("GET", "/k", {})


def test_early_answer_to_an_upload_is_returned(raw_server: Callable[..., RawServer]) -> None:
    def refuse_upload(srv: RawServer, conn: socket.socket, index: int) -> None:
        head = conn.recv(4096)
        assert head.startswith(b"PUT")
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nConnection: close\r\n\r\ndenied")
        conn.shutdown(socket.SHUT_WR)
        srv.stop.wait(0.5)
        conn.close()

    with raw_transport(raw_server(refuse_upload)) as transport:
        response = transport.send("PUT", "/k", {}, payload(20 * 1024 * 1024))
    assert (response.status, response.content) == (403, b"denied")


def test_secrets_never_reach_messages_or_logs(
    raw_server: Callable[..., RawServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aurora.transport")
    headers = {"Authorization": SECRET, "X-Amz-Security-Token": TOKEN}
    errors: List[TransportError] = []
    quick = Timeouts(connect=5.0, read=0.2)
    for handle in (truncating, truncating_chunked, stalling):
        with raw_transport(raw_server(handle), quick) as transport:
            try:
                transport.send("GET", "/bucket/key?X-Amz-Security-Token=" + TOKEN, headers)
            except TransportError as exc:
                errors.append(exc)
    with Transport("127.0.0.1", free_port(), secure=False, timeouts=quick) as transport:
        with pytest.raises(ConnectError) as refused:
            transport.send("GET", "/bucket/key", headers)
        errors.append(refused.value)
    assert [type(e) for e in errors] == [ProtocolError, ProtocolError, ReadTimeout, ConnectError]
    for error in errors:
        for text in (str(error), repr(error), str(error.data())):
            assert SECRET not in text and "Signature=" not in text and TOKEN not in text
    assert all("GET /bucket/key" in str(e) for e in errors[:3])
    assert caplog.records, "the transport logs its connections at DEBUG"
    assert SECRET not in caplog.text and TOKEN not in caplog.text


def test_a_transport_dropped_without_close_closes_its_idle_sockets(server: CountingServer) -> None:
    # libcloud code never closes a driver; collecting one must not leave sockets to the GC.
    tr = Transport("127.0.0.1", server.server_address[1], secure=False, timeouts=QUICK)
    tr.send("GET", "/k", {})  # any complete answer leaves the connection idle in the pool
    sockets = [conn.sock for conn in tr._idle]
    assert sockets, "the connection went back to the pool"
    del tr
    gc.collect()
    assert all(sock.fileno() == -1 for sock in sockets)


def test_closed_transport_refuses_requests(transport: Transport) -> None:
    transport.close()
    with pytest.raises(InvalidArgumentError, match="closed"):
        transport.send("GET", "/k", {})


# --- proxies -------------------------------------------------------------------------------


def test_http_target_through_a_proxy_uses_the_absolute_form(raw_server: Callable[..., RawServer]) -> None:
    proxy = raw_server(serve_forever_ok)
    target_port = free_port()
    url = f"http://user:p%40ss@127.0.0.1:{proxy.port}"
    with Transport("127.0.0.1", target_port, secure=False, timeouts=QUICK, proxy_url=url) as transport:
        assert transport.send("GET", "/bucket/key?acl", {"Host": f"127.0.0.1:{target_port}"}).content == b"ok"
        transport.send("GET", "/bucket/other", {})
    head = proxy.seen[0][1].split(b"\r\n")
    assert head[0] == b"GET http://127.0.0.1:%d/bucket/key?acl HTTP/1.1" % target_port
    assert b"Proxy-Authorization: Basic " + base64.b64encode(b"user:p@ss") in head
    assert proxy.connections == 1


def test_proxy_url_credentials_stay_out_of_reprs() -> None:
    proxy = parse_proxy_url("http://me:hunter2@proxy.internal:3128")
    assert (proxy.host, proxy.port) == ("proxy.internal", 3128)
    assert proxy.authorization == "Basic " + base64.b64encode(b"me:hunter2").decode()
    assert "hunter2" not in repr(proxy) and "bWU6aHVudGVyMg" not in repr(proxy)
    assert parse_proxy_url("proxy.internal").port == 80
    with pytest.raises(InvalidArgumentError) as caught:
        parse_proxy_url("socks5://me:hunter2@proxy.internal")
    assert "hunter2" not in str(caught.value)


ENV = {"HTTPS_PROXY": "http://secure-proxy:3128", "http_proxy": "plain-proxy:8080"}


@pytest.mark.parametrize(
    ("host", "secure", "environ", "expected"),
    [
        ("s3.example.com", True, ENV, "http://secure-proxy:3128"),
        ("s3.example.com", False, ENV, "http://plain-proxy:8080"),
        ("s3.example.com", True, {}, None),
        ("s3.example.com", True, {"ALL_PROXY": "http://all:1"}, "http://all:1"),
        ("s3.example.com", True, {"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:1"}, "http://low:1"),
        ("s3.example.com", True, {**ENV, "NO_PROXY": "example.com"}, None),
        ("s3.example.com", True, {**ENV, "no_proxy": ".example.com"}, None),
        ("s3.example.com", True, {**ENV, "NO_PROXY": "*.example.com"}, None),
        ("example.com", True, {**ENV, "NO_PROXY": ".example.com"}, None),
        ("badexample.com", True, {**ENV, "NO_PROXY": "example.com"}, "http://secure-proxy:3128"),
        ("anything", True, {**ENV, "NO_PROXY": "*"}, None),
        ("rgw:8080", True, {**ENV, "NO_PROXY": "rgw:8080"}, None),
        ("rgw:8081", True, {**ENV, "NO_PROXY": "rgw:8080"}, "http://secure-proxy:3128"),
        ("rgw", True, {**ENV, "NO_PROXY": "rgw:443"}, None),
        ("10.1.2.3", True, {**ENV, "NO_PROXY": "localhost, 10.0.0.0/8"}, None),
        ("[::1]:9000", True, {**ENV, "NO_PROXY": "::1"}, None),
        ("S3.Example.COM.", True, {**ENV, "NO_PROXY": "example.com"}, None),
        ("s3.example.com", False, {"HTTP_PROXY": "http://x:1", "REQUEST_METHOD": "GET"}, None),
    ],
)
def test_proxy_for_reads_the_environment(
    host: str, secure: bool, environ: Dict[str, str], expected: Optional[str]
) -> None:
    assert proxy_for(host, secure, environ) == expected


# --- responses and headers built in memory ------------------------------------------------


def test_headers_are_case_insensitive_and_multi_valued() -> None:
    headers = Headers([("ETag", '"abc"'), ("x-amz-meta-a", "1"), ("X-Amz-Meta-A", "2")])
    assert headers["etag"] == headers["ETAG"] == '"abc"'
    assert "Etag" in headers and "missing" not in headers
    assert headers.get_all("x-amz-meta-a") == ["1", "2"]
    assert list(headers) == ["ETag", "x-amz-meta-a"]
    assert len(headers) == 2
    assert headers.get("nope") is None
    assert headers.multi_items()[2] == ("X-Amz-Meta-A", "2")


def test_preloaded_response_reads_like_a_stream() -> None:
    response = Response(200, "OK", {"Content-Type": "text/plain"}, b"0123456789")
    assert response.headers["content-type"] == "text/plain"
    assert response.read(3) == b"012"
    buffer = bytearray(4)
    assert response.readinto(buffer) == 4 and buffer == b"3456"
    assert list(response.iter_chunks(2)) == [b"78", b"9"]
    assert response.read() == b""
    assert response.content == b"0123456789"
    response.close()
    assert repr(response) == "<Response 200 OK>"


# --- TLS --------------------------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test CA and two server certificates: ``good`` (IP:127.0.0.1), ``wrong`` (DNS:wrong.test)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    root = tmp_path_factory.mktemp("certs")
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=aurora test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=root)  # fmt: skip
    for name, san in (("good", "IP:127.0.0.1"), ("wrong", "DNS:wrong.test")):
        (root / f"{name}.ext").write_text(
            f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
            "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
        )
        _openssl("req", *curve, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=root)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=root)  # fmt: skip
    return root


@pytest.fixture
def tls_server(certs: Path) -> Iterator[Callable[[str], CountingServer]]:
    started: List[CountingServer] = []

    def start(name: str) -> CountingServer:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certs / f"{name}.pem"), str(certs / f"{name}.key"))  # PyPy: str paths
        srv = CountingServer(Handler)
        srv.socket = context.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def test_tls_with_the_ca_file_verifies_and_keeps_alive(
    tls_server: Callable[[str], CountingServer], certs: Path
) -> None:
    srv = tls_server("good")
    ca = str(certs / "ca.pem")
    with Transport("127.0.0.1", srv.server_address[1], timeouts=QUICK, ca_file=ca) as transport:
        assert transport.send("GET", "/bytes/100000", {}).content == payload(100_000)
        data = payload(3 * 1024 * 1024 + 5)
        assert transport.send("PUT", "/k", {}, io.BytesIO(data)).content == sha_answer(data)
    assert srv.connections == 1


def test_tls_untrusted_certificate_is_a_tls_error(tls_server: Callable[[str], CountingServer]) -> None:
    port = tls_server("good").server_address[1]
    with Transport("127.0.0.1", port, timeouts=QUICK) as transport, pytest.raises(TLSError) as caught:
        transport.send("GET", "/bytes/1", {"Authorization": SECRET})
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "certificate" in str(caught.value) and SECRET not in str(caught.value)


def test_tls_hostname_mismatch_is_a_tls_error(tls_server: Callable[[str], CountingServer], certs: Path) -> None:
    port = tls_server("wrong").server_address[1]
    ca = str(certs / "ca.pem")
    with Transport("127.0.0.1", port, timeouts=QUICK, ca_file=ca) as transport, pytest.raises(TLSError) as caught:
        transport.send("GET", "/bytes/1", {})
    assert "mismatch" in str(caught.value)


def test_tls_without_verification_accepts_any_certificate(tls_server: Callable[[str], CountingServer]) -> None:
    port = tls_server("wrong").server_address[1]
    with Transport("127.0.0.1", port, timeouts=QUICK, verify=False) as transport:
        assert transport.send("GET", "/bytes/10", {}).content == payload(10)


def test_missing_ca_file_is_refused_at_construction(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError):
        Transport("127.0.0.1", 1, ca_file=str(tmp_path / "missing.pem"))


def connect_proxy(target_port: int, status: bytes = b"200 Connection established") -> Callable[..., None]:
    """A CONNECT proxy that relays the tunnel to 127.0.0.1:target_port."""

    def handle(srv: RawServer, conn: socket.socket, index: int) -> None:
        if srv.read_request(conn, index) is None:
            return
        conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")
        if not status.startswith(b"200"):
            return
        with socket.create_connection(("127.0.0.1", target_port)) as upstream:
            relay = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
            relay.start()
            _pipe(conn, upstream)
            relay.join(5)

    return handle


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def test_https_through_a_proxy_uses_a_connect_tunnel(
    tls_server: Callable[[str], CountingServer], certs: Path, raw_server: Callable[..., RawServer]
) -> None:
    port = tls_server("good").server_address[1]
    proxy = raw_server(connect_proxy(port))
    url = f"http://user:secret@127.0.0.1:{proxy.port}"
    ca = str(certs / "ca.pem")
    with Transport("127.0.0.1", port, timeouts=QUICK, ca_file=ca, proxy_url=url) as transport:
        assert transport.send("GET", "/bytes/5000", {}).content == payload(5000)
        assert transport.send("GET", "/bytes/7", {}).content == payload(7)
    lines = proxy.seen[0][1].split(b"\r\n")
    assert lines[0] == b"CONNECT 127.0.0.1:%d HTTP/1.1" % port
    assert b"Proxy-Authorization: Basic " + base64.b64encode(b"user:secret") in lines
    assert proxy.connections == 1


def test_proxy_refusing_the_tunnel_is_a_connect_error(raw_server: Callable[..., RawServer]) -> None:
    proxy = raw_server(connect_proxy(1, b"407 Proxy Authentication Required"))
    url = f"http://user:secret@127.0.0.1:{proxy.port}"
    with Transport("127.0.0.1", 443, timeouts=QUICK, proxy_url=url) as transport, pytest.raises(ConnectError) as caught:
        transport.send("GET", "/k", {})
    assert caught.value.status == 407
    assert "secret" not in str(caught.value)
