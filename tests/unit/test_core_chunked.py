"""aws-chunked payload signing (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora.core.chunked import (
    chunk_signature,
    chunk_string_to_sign,
    encoded_length,
    frame_chunk,
    sign_chunks,
)
from aurora.core.credentials import Credentials
from aurora.core.http import HttpRequest
from aurora.core.signing_v4 import STREAMING_PAYLOAD, date_stamp, scope, sign_v4, signing_key
from aurora.errors import InvalidArgumentError

# The S3 API Reference's "Example: PUT Object" for chunked uploads.
NOW = datetime(2013, 5, 24, tzinfo=timezone.utc)
SCOPE = "20130524/us-east-1/s3/aws4_request"
CREDENTIALS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
KEY = signing_key(CREDENTIALS.secret_key, date_stamp(NOW), "us-east-1", "s3")
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
PUBLISHED = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
]
FRAME = re.compile(rb"([0-9a-f]+);chunk-signature=([0-9a-f]{64})\r\n")


def unframe(body: bytes) -> List[Tuple[bytes, str]]:
    """(data, signature) per chunk of an aws-chunked body, checking the framing."""
    chunks = []
    position = 0
    while position < len(body):
        match = FRAME.match(body, position)
        assert match is not None, body[position : position + 100]
        size = int(match.group(1), 16)
        start = match.end()
        assert body[start + size : start + size + 2] == b"\r\n"
        chunks.append((body[start : start + size], match.group(2).decode("ascii")))
        position = start + size + 2
    return chunks


def test_seed_signature_of_the_documented_request() -> None:
    request = HttpRequest(
        "PUT",
        "/examplebucket/chunkObject.txt",
        headers=(
            ("Host", "s3.amazonaws.com"),
            ("Content-Encoding", "aws-chunked"),
            ("Content-Length", str(encoded_length(66560, 65536))),
            ("x-amz-decoded-content-length", "66560"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ),
    )
    headers = sign_v4(request, CREDENTIALS, region="us-east-1", now=NOW, payload_hash=STREAMING_PAYLOAD)
    assert headers["Authorization"].endswith("Signature=" + SEED)
    assert headers["X-Amz-Content-SHA256"] == STREAMING_PAYLOAD


def test_documented_chunk_signatures() -> None:
    body = list(sign_chunks([b"a" * 65536, b"a" * 1024], signing_key=KEY, seed_signature=SEED, now=NOW, scope=SCOPE))
    assert [signature for _, signature in unframe(b"".join(body))] == PUBLISHED
    assert body[0].startswith(b"10000;chunk-signature=" + PUBLISHED[0].encode() + b"\r\naaaa")
    assert body[1].startswith(b"400;chunk-signature=" + PUBLISHED[1].encode() + b"\r\n")
    assert body[2] == b"0;chunk-signature=" + PUBLISHED[2].encode() + b"\r\n\r\n"
    assert len(b"".join(body)) == 66824 == encoded_length(66560, 65536)


def test_chunk_string_to_sign_chains_the_previous_signature() -> None:
    assert chunk_string_to_sign(NOW, SCOPE, SEED, b"a" * 65536) == "\n".join(
        [
            "AWS4-HMAC-SHA256-PAYLOAD",
            "20130524T000000Z",
            SCOPE,
            SEED,
            hashlib.sha256(b"").hexdigest(),
            "bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a",
        ]
    )
    assert chunk_signature(KEY, NOW, SCOPE, SEED, b"a" * 65536) == PUBLISHED[0]
    assert scope(NOW, "us-east-1", "s3") == SCOPE


def test_bytes_like_chunks_sign_alike() -> None:
    data = b"a" * 1024
    for chunk in (data, bytearray(data), memoryview(data)):
        assert chunk_signature(KEY, NOW, SCOPE, PUBLISHED[0], chunk) == PUBLISHED[1]
        assert (
            frame_chunk(chunk, PUBLISHED[1])
            == b"400;chunk-signature=" + PUBLISHED[1].encode() + b"\r\n" + data + b"\r\n"
        )


def test_empty_input_chunks_do_not_end_the_body_early() -> None:
    body = b"".join(
        sign_chunks(
            [b"", b"a" * 65536, b"", b"a" * 1024, b""], signing_key=KEY, seed_signature=SEED, now=NOW, scope=SCOPE
        )
    )
    assert [signature for _, signature in unframe(body)] == PUBLISHED


def test_an_empty_payload_is_one_final_chunk() -> None:
    body = list(sign_chunks([], signing_key=KEY, seed_signature=SEED, now=NOW, scope=SCOPE))
    assert len(body) == 1
    assert unframe(body[0]) == [(b"", chunk_signature(KEY, NOW, SCOPE, SEED, b""))]
    assert len(body[0]) == encoded_length(0, 65536) == 86


@pytest.mark.parametrize(
    "payload_length, chunk_size, expected",
    [
        (0, 8192, 86),
        (1, 8192, 86 + (1 + 17 + 64 + 2 + 1 + 2)),
        (8192, 8192, 86 + (4 + 17 + 64 + 2 + 8192 + 2)),
        (66560, 65536, 66824),
    ],
)
def test_encoded_length(payload_length: int, chunk_size: int, expected: int) -> None:
    assert encoded_length(payload_length, chunk_size) == expected


@pytest.mark.parametrize("payload_length, chunk_size", [(10, 0), (10, -1), (-1, 8192)])
def test_encoded_length_refuses_bad_sizes(payload_length: int, chunk_size: int) -> None:
    with pytest.raises(InvalidArgumentError):
        encoded_length(payload_length, chunk_size)


@settings(max_examples=60)
@given(payload=st.binary(max_size=5000), chunk_size=st.integers(min_value=1, max_value=700))
def test_framed_body_round_trips_and_matches_its_length(payload: bytes, chunk_size: int) -> None:
    pieces = [payload[i : i + chunk_size] for i in range(0, len(payload), chunk_size)]
    body = b"".join(sign_chunks(pieces, signing_key=KEY, seed_signature=SEED, now=NOW, scope=SCOPE))
    assert len(body) == encoded_length(len(payload), chunk_size)
    chunks = unframe(body)
    assert b"".join(data for data, _ in chunks) == payload
    assert chunks[-1][0] == b""
    previous = SEED
    for data, signature in chunks:
        assert signature == chunk_signature(KEY, NOW, SCOPE, previous, data)
        previous = signature
