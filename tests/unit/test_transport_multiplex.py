"""parse_answer: when the bytes read so far hold a whole answer, what it says, and whether the connection is kept."""

from __future__ import annotations

import pytest

from aurora.transport.http11 import IncompleteBody, MalformedResponse
from aurora.transport.multiplex import parse_answer

OK = b'HTTP/1.1 200 OK\r\nETag: "abc"\r\nContent-Length: 0\r\n\r\n'


def test_an_empty_put_answer_is_complete_and_its_connection_kept() -> None:
    parsed = parse_answer(OK, "PUT", closed=False)
    assert parsed is not None
    response, reusable = parsed
    assert (response.status, response.reason, response.headers["etag"], response.content) == (200, "OK", '"abc"', b"")
    assert reusable


@pytest.mark.parametrize("cut", [0, 5, len(OK) - 3, len(OK) - 1])
def test_a_head_cut_short_is_not_complete(cut: int) -> None:
    assert parse_answer(OK[:cut], "PUT", closed=False) is None


def test_a_body_is_complete_at_its_content_length() -> None:
    head = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\n\r\n"
    assert parse_answer(head + b"<Error", "PUT", closed=False) is None
    parsed = parse_answer(head + b"<Error/>\r\n", "PUT", closed=False)
    assert parsed is not None and parsed[0].status == 403 and parsed[0].content == b"<Error/>\r\n" and parsed[1]


def test_a_body_cut_by_the_close_is_an_incomplete_body() -> None:
    with pytest.raises(IncompleteBody):
        parse_answer(b"HTTP/1.1 500 Oops\r\nContent-Length: 10\r\n\r\n<Err", "PUT", closed=True)


def test_bytes_after_the_answer_keep_the_connection_from_reuse() -> None:
    parsed = parse_answer(OK + b"HTTP/1.1 200 OK\r\n", "PUT", closed=False)
    assert parsed is not None and parsed[0].status == 200 and not parsed[1]


def test_connection_close_and_http_1_0_are_not_kept() -> None:
    closing = OK.replace(b"Content-Length: 0", b"Connection: close\r\nContent-Length: 0")
    parsed = parse_answer(closing, "PUT", closed=False)
    assert parsed is not None and parsed[0].status == 200 and not parsed[1]
    old = OK.replace(b"HTTP/1.1", b"HTTP/1.0")
    parsed = parse_answer(old, "PUT", closed=False)
    assert parsed is not None and not parsed[1]


def test_interim_answers_are_skipped_whole() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\n"
    assert parse_answer(interim, "PUT", closed=False) is None
    assert parse_answer(interim + OK[:20], "PUT", closed=False) is None
    parsed = parse_answer(interim + OK, "PUT", closed=False)
    assert parsed is not None and parsed[0].status == 200 and parsed[1]


def test_a_chunked_body_is_decoded_and_its_connection_not_kept() -> None:
    head = b"HTTP/1.1 503 Slow Down\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert parse_answer(head + b"5\r\nhel", "PUT", closed=False) is None
    assert parse_answer(head + b"5\r\nhello\r\n", "PUT", closed=False) is None
    parsed = parse_answer(head + b"5\r\nhello\r\n0\r\n\r\n", "PUT", closed=False)
    assert parsed is not None and parsed[0].content == b"hello" and not parsed[1]


def test_an_answer_without_a_length_ends_with_the_connection() -> None:
    data = b"HTTP/1.1 200 OK\r\nETag: x\r\n\r\nsome body"
    assert parse_answer(data, "PUT", closed=False) is None
    parsed = parse_answer(data, "PUT", closed=True)
    assert parsed is not None and parsed[0].content == b"some body" and not parsed[1]


def test_a_head_answer_has_no_body_whatever_its_content_length() -> None:
    parsed = parse_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", "HEAD", closed=False)
    assert parsed is not None and parsed[0].content == b"" and parsed[1]


def test_bare_line_feeds_are_read() -> None:
    parsed = parse_answer(b"HTTP/1.1 204 No Content\nETag: e\n\n", "PUT", closed=False)
    assert parsed is not None and parsed[0].status == 204 and parsed[0].headers["ETag"] == "e"


@pytest.mark.parametrize(
    "data",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    ],
)
def test_what_is_not_http_is_malformed(data: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_answer(data, "PUT", closed=False)
