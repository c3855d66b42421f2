"""Many requests on one thread (aurora.transport.multiplex, aurora.s3.many) against a scripted socket server.

The server reads each request whole, then answers what the test's script
says: an answer's bytes, ``CLOSE`` (close without a word) or ``HANG`` (say
nothing).  It counts connections and the requests it holds at once.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import pytest

from aurora.config import RetryPolicy, Timeouts
from aurora.core.credentials import Credentials
from aurora.errors import AccessDenied, AuroraError, ProtocolError, ReadTimeout
from aurora.s3.client import S3Client
from aurora.s3.many import Put
from aurora.transport.connection import Transport
from aurora.transport.multiplex import MAX_ANSWER, Multiplexer
from aurora.transport.response import Headers, Response

CLOSE = b"<close>"
HANG = b"<hang>"

Request = Tuple[str, str, Dict[str, str], bytes]
Script = Callable[[int, Request], bytes]


def ok(request: Request) -> bytes:
    etag = hashlib.md5(request[3]).hexdigest()
    return b'HTTP/1.1 200 OK\r\nETag: "%s"\r\nContent-Length: 0\r\n\r\n' % etag.encode()


class ScriptedServer:
    def __init__(self, script: Script, delay: float = 0.0) -> None:
        self.script = script
        self.delay = delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.count = 0
        self.active = 0
        self.peak = 0
        self.connections = 0
        self.requests: List[Request] = []
        self.sockets: List[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.sockets.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    return
                method, target, _ = line.decode().split(" ", 2)
                headers: Dict[str, str] = {}
                while True:
                    header = reader.readline().decode()
                    if header in ("\r\n", ""):
                        break
                    name, _, value = header.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", "0")))
                request = (method, target, headers, body)
                with self.lock:
                    number = self.count
                    self.count += 1
                    self.requests.append(request)
                    self.active += 1
                    self.peak = max(self.peak, self.active)
                time.sleep(self.delay)
                answer = self.script(number, request)
                with self.lock:
                    self.active -= 1
                if answer == CLOSE:
                    return
                if answer == HANG:
                    time.sleep(5)
                    return
                conn.sendall(answer)
        except OSError:
            return
        finally:
            reader.close()
            conn.close()

    def close(self) -> None:
        self.listener.close()
        with self.lock:
            for conn in self.sockets:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    servers: List[ScriptedServer] = []

    def start(script: Script = lambda number, request: ok(request), delay: float = 0.0) -> ScriptedServer:
        server = ScriptedServer(script, delay)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def transport_to(server: ScriptedServer, read: float = 5.0) -> Transport:
    return Transport("127.0.0.1", server.port, secure=False, timeouts=Timeouts(connect=5.0, read=read))


def drain(mux: Multiplexer, count: int, limit: float = 20.0) -> Dict[Any, Union[Response, AuroraError]]:
    outcomes: Dict[Any, Union[Response, AuroraError]] = {}
    deadline = time.monotonic() + limit
    while len(outcomes) < count and time.monotonic() < deadline:
        outcomes.update(mux.poll(0.5))
    return outcomes


def put(mux: Multiplexer, token: object, body: bytes = b"data") -> None:
    mux.start(token, "PUT", "/bucket/k%s" % token, {"Content-Length": str(len(body))}, body)


def test_requests_overlap_on_one_thread_and_each_answer_finds_its_token(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(delay=0.1)
    with transport_to(server) as transport, Multiplexer(transport, 8) as mux:
        for index in range(8):
            put(mux, index, b"body %d" % index)
        outcomes = drain(mux, 8)
    assert sorted(outcomes) == list(range(8))
    for index, response in outcomes.items():
        assert isinstance(response, Response) and response.status == 200
        assert response.headers["ETag"] == '"%s"' % hashlib.md5(b"body %d" % index).hexdigest()
    assert server.peak > 1  # the server held several requests at once
    assert {request[1] for request in server.requests} == {"/bucket/k%d" % index for index in range(8)}


def test_connections_are_kept_alive_and_given_back_to_the_pool(serve: Callable[..., ScriptedServer]) -> None:
    server = serve()
    with transport_to(server) as transport:
        for _ in range(3):
            with Multiplexer(transport, 2) as mux:
                answers: Dict[Any, Union[Response, AuroraError]] = {}
                for index in range(6):
                    put(mux, index)
                    while mux.busy == 2:
                        answers.update(mux.poll(5))
                answers.update(drain(mux, 6 - len(answers)))
            assert sorted(answers) == list(range(6))
            assert all(isinstance(answer, Response) and answer.status == 200 for answer in answers.values())
        response = transport.send("GET", "/bucket/k0", {})  # the blocking path takes a connection from the pool
        assert response.status == 200
    assert server.connections <= 2


def test_a_kept_alive_connection_the_server_closed_is_replayed_on_a_new_one(
    serve: Callable[..., ScriptedServer],
) -> None:
    server = serve(lambda number, request: CLOSE if number == 1 else ok(request))
    with transport_to(server) as transport, Multiplexer(transport, 1) as mux:
        put(mux, "a")
        first = drain(mux, 1)
        put(mux, "b")  # goes on the kept connection, which the server closes unanswered
        second = drain(mux, 1)
    assert isinstance(first["a"], Response) and isinstance(second["b"], Response)
    assert second["b"].status == 200
    assert server.connections == 2 and server.count == 3


def test_a_new_connection_closed_unanswered_is_an_error_not_a_replay(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(lambda number, request: CLOSE)
    with transport_to(server) as transport, Multiplexer(transport, 1) as mux:
        put(mux, "a")
        outcome = drain(mux, 1)["a"]
    assert isinstance(outcome, ProtocolError) and "closed before a response arrived" in str(outcome)
    assert server.count == 1


def test_a_server_that_says_nothing_times_out(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(lambda number, request: HANG)
    with transport_to(server, read=0.3) as transport, Multiplexer(transport, 1) as mux:
        started = time.monotonic()
        put(mux, "a")
        outcome = drain(mux, 1)["a"]
        waited = time.monotonic() - started
    assert isinstance(outcome, ReadTimeout) and "PUT /bucket/ka" in str(outcome)
    assert waited < 4


def test_an_answer_larger_than_the_cap_is_refused(serve: Callable[..., ScriptedServer]) -> None:
    big = b"x" * (MAX_ANSWER + 10)
    answer = b"HTTP/1.1 500 Oops\r\nContent-Length: %d\r\n\r\n%s" % (len(big), big)
    server = serve(lambda number, request: answer)
    with transport_to(server) as transport, Multiplexer(transport, 1) as mux:
        put(mux, "a")
        outcome = drain(mux, 1)["a"]
    assert isinstance(outcome, ProtocolError) and "larger than" in str(outcome)


def test_a_malformed_answer_is_a_protocol_error(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(lambda number, request: b"SSH-2.0-OpenSSH_9\r\n\r\n")
    with transport_to(server) as transport, Multiplexer(transport, 1) as mux:
        put(mux, "a")
        outcome = drain(mux, 1)["a"]
    assert isinstance(outcome, ProtocolError) and "malformed response" in str(outcome)


def test_a_bad_header_is_refused_before_anything_is_sent(serve: Callable[..., ScriptedServer]) -> None:
    server = serve()
    with transport_to(server) as transport, Multiplexer(transport, 1) as mux:
        mux.start("a", "PUT", "/bucket/k", {"X-Bad": "one\r\ntwo"}, b"")
        outcome = drain(mux, 1)["a"]
    assert isinstance(outcome, AuroraError) and "X-Bad" in str(outcome)
    assert server.count == 0


# --- put_many: signing, retries and outcomes ----------------------------------------------------

SLOW_DOWN = b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s" % (
    len(b"<Error><Code>SlowDown</Code><Message>slow</Message></Error>"),
    b"<Error><Code>SlowDown</Code><Message>slow</Message></Error>",
)
DENIED_BODY = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
DENIED = b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n%s" % (len(DENIED_BODY), DENIED_BODY)


def client_to(server: ScriptedServer) -> S3Client:
    return S3Client(
        transport_to(server),
        Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        host_header="127.0.0.1:%d" % server.port,
        retry=RetryPolicy(max_attempts=3, backoff_base=0.01),
    )


def puts(count: int) -> Iterator[Tuple[object, str, Union[bytes, Exception], Dict[str, str], Optional[str]]]:
    for index in range(count):
        body = b"body %d" % index
        yield index, "k%d" % index, body, {"Content-Length": str(len(body))}, None


def test_every_put_is_signed_and_answered(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(delay=0.02)
    client = client_to(server)
    outcomes = dict(client.put_objects("bucket", puts(20), width=4))
    assert sorted(outcomes) == list(range(20))  # type: ignore[type-var]
    assert all(isinstance(headers, Headers) and headers["ETag"] for headers in outcomes.values())
    assert all(request[2]["authorization"].startswith("AWS4-HMAC-SHA256 ") for request in server.requests)
    assert 1 < server.peak <= 4


def test_a_slow_down_is_retried_while_the_others_go_on(serve: Callable[..., ScriptedServer]) -> None:
    refused = set()

    def script(number: int, request: Request) -> bytes:
        if request[1].endswith("/k3") and request[1] not in refused:
            refused.add(request[1])
            return SLOW_DOWN
        return ok(request)

    server = serve(script)
    outcomes = dict(client_to(server).put_objects("bucket", puts(6), width=2))
    assert all(isinstance(answer, Headers) for answer in outcomes.values()) and len(outcomes) == 6
    tries = [request for request in server.requests if request[1].endswith("/k3")]
    assert len(tries) == 2 and tries[0][2]["x-amz-date"] <= tries[1][2]["x-amz-date"]


def test_a_refusal_is_final_and_retries_run_out(serve: Callable[..., ScriptedServer]) -> None:
    def script(number: int, request: Request) -> bytes:
        if request[1].endswith("/k1"):
            return DENIED
        if request[1].endswith("/k2"):
            return SLOW_DOWN
        return ok(request)

    server = serve(script)
    outcomes = dict(client_to(server).put_objects("bucket", puts(4), width=4))
    denied, slowed = outcomes[1], outcomes[2]
    assert isinstance(denied, AccessDenied) and denied.attempts == 1
    assert isinstance(slowed, AuroraError) and slowed.code == "SlowDown" and slowed.attempts == 3
    assert isinstance(outcomes[0], Headers) and isinstance(outcomes[3], Headers)
    assert len([request for request in server.requests if request[1].endswith("/k2")]) == 3


def test_a_body_that_could_not_be_read_is_its_outcome(serve: Callable[..., ScriptedServer]) -> None:
    server = serve()
    failure = FileNotFoundError(2, "No such file or directory", "gone.bin")
    items: List[Put] = [("a", "ka", failure, {}, None), ("b", "kb", b"x", {"Content-Length": "1"}, None)]
    outcomes = dict(client_to(server).put_objects("bucket", items, width=2))
    assert outcomes["a"] is failure and isinstance(outcomes["b"], Headers)
    assert [request[1] for request in server.requests] == ["/bucket/kb"]


def test_a_check_that_raises_abandons_the_puts_in_flight(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(lambda number, request: HANG)
    calls = []

    def check() -> None:
        calls.append(time.monotonic())
        if len(calls) == 2:
            raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        list(client_to(server).put_objects("bucket", puts(3), width=3, check=check))
    assert time.monotonic() - started < 2  # not the read timeout
    assert server.count >= 1


# --- the driver's ex_upload_objects against a server that lies or is trusted ------------------


def driver_to(server: ScriptedServer, **transfer: Any) -> Any:
    from aurora import Provider, get_driver
    from aurora.config import Config, TransferConfig

    config = Config(transfer=TransferConfig(**transfer))
    return get_driver(Provider.S3_RGW)(
        "AKIDEXAMPLE", "secret", host="127.0.0.1", port=server.port, secure=False, ex_config=config
    )


def test_an_etag_that_is_not_the_md5_sent_fails_that_file_alone(
    serve: Callable[..., ScriptedServer], tmp_path: Any
) -> None:
    from aurora import Container
    from aurora.errors import ObjectHashMismatchError

    lie = b'HTTP/1.1 200 OK\r\nETag: "0123456789abcdef0123456789abcdef"\r\nContent-Length: 0\r\n\r\n'
    server = serve(lambda number, request: lie if request[1].endswith("/b.txt") else ok(request))
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_bytes(name.encode())
    driver = driver_to(server)
    files = [(str(tmp_path / name), name) for name in ("a.txt", "b.txt", "c.txt")]
    outcomes = {
        name: outcome for _, name, outcome in driver.ex_upload_objects(iter(files), Container("bucket", {}, driver))
    }
    assert isinstance(outcomes["b.txt"], ObjectHashMismatchError) and outcomes["b.txt"].driver is driver
    assert outcomes["a.txt"].hash == hashlib.md5(b"a.txt").hexdigest() and outcomes["c.txt"].size == 5
    assert all("content-md5" in request[2] for request in server.requests)


def test_without_checksums_nothing_is_hashed_or_compared(serve: Callable[..., ScriptedServer], tmp_path: Any) -> None:
    from aurora import Container

    lie = b'HTTP/1.1 200 OK\r\nETag: "0123456789abcdef0123456789abcdef"\r\nContent-Length: 0\r\n\r\n'
    server = serve(lambda number, request: lie)
    (tmp_path / "a.txt").write_bytes(b"a")
    driver = driver_to(server, verify_checksums=False)
    [(_, _, outcome)] = list(
        driver.ex_upload_objects(iter([(str(tmp_path / "a.txt"), "a.txt")]), Container("bucket", {}, driver))
    )
    assert outcome.hash == "0123456789abcdef0123456789abcdef"
    [request] = server.requests
    assert "content-md5" not in request[2] and request[2]["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
