"""Bodies and numbers from a lying server: a 400 MB listing or error body is refused after at most
MAX_RESPONSE_BODY bytes with the client process's peak memory checked, and numbers out of range in
XML or headers end in aurora errors, never in an exception from outside aurora's tree."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import List, Tuple

import pytest
from hostile.server import HostileServer, Reply, bounded, list_v2_page, make_driver, xml_reply

from aurora.config import MAX_RESPONSE_BODY
from aurora.drivers.base import Container
from aurora.errors import AuroraError, ProtocolError, XMLParseError

ROOT = Path(__file__).resolve().parents[2]
HUGE = 400 * 1000 * 1000
_BLOCK = b"<Contents><Key>" + b"k" * 1000 + b"</Key><Size>1</Size></Contents>"


class StreamingServer:
    """Answers every request with ``status`` and a ``HUGE``-byte XML body sent block by block.

    With ``length`` the body is announced by Content-Length, otherwise it runs
    until the connection closes; ``sent`` counts the bytes that left.
    """

    def __init__(self, status: int, length: bool) -> None:
        self.status, self.length = status, length
        self.sent = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="streaming-server", daemon=True)

    def __enter__(self) -> StreamingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._listener.close()
        self._thread.join(10)

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
        except OSError:
            return
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            head = ["HTTP/1.1 %d Whatever" % self.status, "Content-Type: application/xml"]
            head.append("Content-Length: %d" % HUGE if self.length else "Connection: close")
            try:
                connection.sendall(("\r\n".join(head) + "\r\n\r\n<ListBucketResult>").encode())
                while self.sent < HUGE:
                    connection.sendall(_BLOCK)
                    self.sent += len(_BLOCK)
            except OSError:
                return


_CLIENT = """
import json, resource, sys
from aurora.config import Config, RetryPolicy, Timeouts
from aurora.drivers.base import Container
from aurora.drivers.s3 import S3StorageDriver
from aurora.errors import AuroraError, ProtocolError

config = Config(timeouts=Timeouts(connect=5.0, read=20.0), retry=RetryPolicy(max_attempts=%(attempts)d))
driver = S3StorageDriver(
    "AKIDHOSTILE", "hostile-secret", secure=False, host="127.0.0.1", port=%(port)d, ex_config=config
)
container = Container("bkt", {}, driver)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcome = {}
try:
    driver.list_container_objects(container)
except ProtocolError as error:
    outcome = {"error": type(error).__name__, "message": str(error)}
except BaseException as error:
    outcome = {"error": type(error).__name__, "message": str(error), "foreign": True}
outcome["grew_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps(outcome))
"""


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
@pytest.mark.parametrize("status", [200, 500], ids=["listing", "error-body"])
def test_a_400_mb_body_is_refused_with_bounded_memory(status: int, length: bool) -> None:
    with StreamingServer(status, length) as server:
        script = _CLIENT % {"port": server.port, "attempts": 3}
        done = subprocess.run(
            [sys.executable, "-c", script], env={"PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120, check=False
        )
    assert done.returncode == 0, done.stderr.decode()
    outcome = json.loads(done.stdout)
    assert outcome["error"] == "XMLParseError" and "foreign" not in outcome
    assert "larger than %d bytes" % MAX_RESPONSE_BODY in outcome["message"]
    assert outcome["grew_kib"] * 1024 < 4 * MAX_RESPONSE_BODY  # the whole body would be 400 MB
    assert server.sent < HUGE // 4  # refused without reading the rest (and not retried)


def test_the_cap_leaves_room_for_a_page_of_1000_maximal_keys(hostile_server: HostileServer) -> None:
    keys = ["%04d/" % number + "\u00e9&<" * 340 for number in range(1000)]
    page = list_v2_page(keys, truncated=False)
    assert len(page.encode("utf-8")) * 2 < MAX_RESPONSE_BODY
    hostile_server.answer = lambda request: xml_reply(page)
    driver = make_driver(hostile_server)
    listed = bounded(lambda: driver.list_container_objects(Container("bkt", {}, driver)))
    assert [obj.name for obj in listed] == keys


def _listing_with(size: str) -> str:
    return (
        "<ListBucketResult><Name>bkt</Name><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>"
        "<Contents><Key>k</Key><Size>%s</Size></Contents></ListBucketResult>" % size
    )


@pytest.mark.parametrize("size", ["99999999999999999999", str(5 * 1024**4 + 1), "-1", "1e3"])
def test_a_size_out_of_range_is_a_protocol_error(hostile_server: HostileServer, size: str) -> None:
    hostile_server.answer = lambda request: xml_reply(_listing_with(size))
    driver = make_driver(hostile_server)
    with pytest.raises(ProtocolError) as caught:
        bounded(lambda: driver.list_container_objects(Container("bkt", {}, driver)))
    assert isinstance(caught.value, XMLParseError) and "<Size>" in str(caught.value)


@pytest.mark.parametrize("number", ["0", "10001", "99999999999999999999"])
def test_a_part_number_out_of_range_is_a_protocol_error(hostile_server: HostileServer, number: str) -> None:
    body = (
        "<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>%s</PartNumber>"
        "<ETag>e</ETag><Size>1</Size></Part></ListPartsResult>" % number
    )
    hostile_server.answer = lambda request: xml_reply(body)
    driver = make_driver(hostile_server)
    with pytest.raises(ProtocolError, match="PartNumber"):
        bounded(lambda: driver.client.list_parts("bkt", "k", "upload"))


@pytest.mark.parametrize(
    "headers, refused",
    [
        ([("Content-Length", "99999999999999999999999")], True),
        ([("Content-Length", "-5")], True),
        ([("Content-Length", "12"), ("Last-Modified", "Sat, 99 Foo 99999 99:99:99 GMT")], False),
        ([("Content-Length", "0"), ("ETag", "\x00\xff")], False),
        ([("Content-Length", "0"), ("x-amz-mp-parts-count", "99999999999999999999")], False),
    ],
    ids=["huge-length", "negative-length", "bad-date", "binary-etag", "huge-parts-count"],
)
def test_odd_headers_of_a_head_end_in_aurora_errors_or_values(
    hostile_server: HostileServer, headers: List[Tuple[str, str]], refused: bool
) -> None:
    hostile_server.answer = lambda request: Reply(200, b"", tuple(headers))
    driver = make_driver(hostile_server)
    if refused:
        with pytest.raises(ProtocolError, match="Content-Length"):
            bounded(lambda: driver.get_object("bkt", "k"))
    else:
        obj = bounded(lambda: driver.get_object("bkt", "k"))
        assert obj.name == "k" and 0 <= obj.size <= 12


@pytest.mark.parametrize(
    "date", ["Fri, 31 Dec 9999 23:59:59 -2359", "Mon, 01 Jan 0001 00:00:00 +2359", "Fri, 99 Dec 99999 25:61:61 GMT"]
)
def test_a_skew_answer_with_an_absurd_date_is_not_believed(hostile_server: HostileServer, date: str) -> None:
    skewed = (
        "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time"
        " and the current time is too large.</Message></Error>"
    )
    hostile_server.answer = lambda request: Reply(403, skewed.encode(), (("Date", date),))
    driver = make_driver(hostile_server)
    for _ in range(2):  # the second request is signed with whatever the first one learnt
        with pytest.raises(AuroraError) as caught:
            bounded(lambda: driver.get_object("bkt", "k"))
        assert caught.value.code in ("RequestTimeTooSkewed", "AccessDenied")  # a HEAD carries no body
    hostile_server.answer = lambda request: Reply(200, b"", (("Content-Length", "3"),))
    assert bounded(lambda: driver.get_object("bkt", "k")).size == 3
