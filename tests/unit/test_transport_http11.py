"""The response reader: status line, headers, body framing, and every bound, on bytes in memory."""

from __future__ import annotations

import io
from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.transport.http11 import (
    MAX_HEADERS,
    MAX_LINE,
    EmptyResponse,
    IncompleteBody,
    MalformedResponse,
    RawResponse,
    parse_status_line,
)


def opened(data: bytes, method: str = "GET") -> RawResponse:
    raw = RawResponse(io.BufferedReader(io.BytesIO(data)), method)
    raw.begin()
    return raw


def body_of(raw: RawResponse, piece: int = 7) -> bytes:
    out = bytearray()
    buffer = bytearray(piece)
    while True:
        count = raw.readinto(buffer)
        if count == 0:
            return bytes(out)
        out += buffer[:count]


def test_a_content_length_body_is_read_to_its_length_and_no_further() -> None:
    raw = opened(b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: "x"\r\n\r\nhelloEXTRA')
    assert (raw.status, raw.reason, raw.length, raw.will_close) == (200, "OK", 5, False)
    assert raw.getheaders() == [("Content-Length", "5"), ("ETag", '"x"')]
    assert body_of(raw, 2) == b"hello"
    assert raw.isclosed()


def test_headers_keep_their_order_case_and_repeats() -> None:
    raw = opened(b"HTTP/1.1 204 No Content\r\nx-amz-meta-A: 1\r\nX-Amz-Meta-a: 2\r\nSet: a\r\nSet: b\r\n\r\n")
    assert raw.getheaders() == [("x-amz-meta-A", "1"), ("X-Amz-Meta-a", "2"), ("Set", "a"), ("Set", "b")]
    assert raw.length == 0 and raw.isclosed()


def test_folded_header_lines_are_joined_and_lines_without_a_colon_skipped() -> None:
    raw = opened(b"HTTP/1.1 200 OK\r\nX-Long: one\r\n\t two\r\ngarbage line\r\n: no name\r\nContent-Length: 0\r\n\r\n")
    assert raw.getheaders() == [("X-Long", "one two"), ("Content-Length", "0")]


def test_chunked_bodies_with_extensions_and_trailers() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    data = head + b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    raw = opened(data)
    assert raw.length is None and not raw.will_close
    assert body_of(raw, 3) == b"hello world"
    assert raw.isclosed()


def test_read_returns_fewer_bytes_only_at_the_end() -> None:
    raw = opened(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
    assert raw.read(5) == b"abcde"
    assert raw.read(100) == b"fg"
    assert raw.read(100) == b""


def test_chunked_wins_over_content_length() -> None:
    raw = opened(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
    assert body_of(raw) == b"ok"


def test_a_body_without_framing_runs_to_the_close_and_the_connection_is_not_kept() -> None:
    raw = opened(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
    assert raw.length is None and raw.will_close
    assert body_of(raw) == b"until the end"


@pytest.mark.parametrize(
    ("head", "will_close"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n", True),
        (b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\n", True),
        (b"HTTP/1.1 200 OK\r\n", False),
        (b"HTTP/1.0 200 OK\r\n", True),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n", False),
        (b"HTTP/1.0 200 OK\r\nKeep-Alive: timeout=5\r\n", False),
    ],
)
def test_whether_the_connection_may_be_kept(head: bytes, will_close: bool) -> None:
    assert opened(head + b"Content-Length: 0\r\n\r\n").will_close is will_close


@pytest.mark.parametrize("status", [204, 304])
def test_statuses_without_a_body(status: int) -> None:
    raw = opened(b"HTTP/1.1 %d X\r\nContent-Length: 10\r\n\r\n" % status)
    assert raw.length == 0 and raw.isclosed()


def test_a_head_answer_has_no_body_whatever_its_content_length() -> None:
    raw = opened(b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n", method="HEAD")
    assert raw.length == 0 and raw.getheaders() == [("Content-Length", "1048576")]


def test_interim_answers_are_skipped() -> None:
    raw = opened(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )
    assert raw.status == 200 and body_of(raw) == b"ok"


def test_endless_interim_answers_are_refused() -> None:
    with pytest.raises(MalformedResponse, match="interim"):
        opened(b"HTTP/1.1 100 Continue\r\n\r\n" * 40)


def test_a_reason_may_be_empty_or_contain_spaces() -> None:
    assert parse_status_line(b"HTTP/1.1 404\r\n") == (404, "", True)
    assert parse_status_line(b"HTTP/1.1 503 Slow Down Please\r\n") == (503, "Slow Down Please", True)
    assert parse_status_line(b"HTTP/1.0 200 OK\n") == (200, "OK", False)


@pytest.mark.parametrize(
    "line",
    [b"ICY 200 OK\r\n", b"HTTP/1.1 20 OK\r\n", b"HTTP/1.1 2000 OK\r\n", b"HTTP/1.1 abc OK\r\n", b"HTTP/1.1 099 X\r\n"],
)
def test_what_is_not_a_status_line(line: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_status_line(line)


def test_no_bytes_at_all_is_an_empty_response() -> None:
    with pytest.raises(EmptyResponse):
        opened(b"")


def test_limits_on_lines_and_header_counts() -> None:
    with pytest.raises(MalformedResponse, match="longer than"):
        opened(b"HTTP/1.1 200 " + b"x" * MAX_LINE + b"\r\n\r\n")
    with pytest.raises(MalformedResponse, match="longer than"):
        opened(b"HTTP/1.1 200 OK\r\nX: " + b"y" * MAX_LINE + b"\r\n\r\n")
    many = b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADERS + 1))
    with pytest.raises(MalformedResponse, match="more than"):
        opened(b"HTTP/1.1 200 OK\r\n" + many + b"\r\n")
    assert (
        len(opened(b"HTTP/1.1 200 OK\r\n" + many[: many.index(b"X-%d:" % MAX_HEADERS)] + b"\r\n").getheaders()) == 100
    )


@pytest.mark.parametrize("value", [b"-1", b"1e3", b"0x10", b"99999999999999999999", b"5, 6", b"\xd9\xa3"])
def test_content_lengths_that_are_refused(value: bytes) -> None:
    with pytest.raises(MalformedResponse):
        opened(b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\n")


def test_repeated_equal_content_lengths_are_one() -> None:
    raw = opened(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok")
    assert raw.length == 2 and body_of(raw) == b"ok"


def test_a_body_cut_short_says_how_much_was_read() -> None:
    raw = opened(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    with pytest.raises(IncompleteBody, match="after 3 bytes, 7 more"):
        body_of(raw)


@pytest.mark.parametrize(
    ("chunks", "error"),
    [
        (b"5\r\nab", IncompleteBody),
        (b"5\r\nabcde", IncompleteBody),
        (b"5\r\nabcdeXX2\r\nok\r\n0\r\n\r\n", MalformedResponse),
        (b"zz\r\nab\r\n0\r\n\r\n", MalformedResponse),
        (b"-1\r\n\r\n", MalformedResponse),
        (b"11111111111111111\r\n", MalformedResponse),
        (b"", IncompleteBody),
    ],
)
def test_broken_chunked_bodies(chunks: bytes, error: type) -> None:
    raw = opened(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
    with pytest.raises(error):
        body_of(raw)


def test_endless_trailers_are_refused() -> None:
    trailers = b"".join(b"T-%d: v\r\n" % i for i in range(MAX_HEADERS + 1))
    raw = opened(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailers + b"\r\n")
    with pytest.raises(MalformedResponse, match="trailer"):
        body_of(raw)


@given(st.lists(st.binary(min_size=1, max_size=40), max_size=8), st.integers(min_value=1, max_value=50))
def test_any_chunking_of_a_body_reads_back_the_same_bytes(pieces: List[bytes], read_size: int) -> None:
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
    raw = opened(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
    assert body_of(raw, read_size) == b"".join(pieces)
