"""aws-chunked streaming payload signatures (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``).

A body too large to hash before sending is cut into chunks, each signed with
the signature of the one before it, starting from the seed signature of the
``Authorization`` header.  The caller signs the request headers with
``payload_hash=STREAMING_PAYLOAD`` and sends ``Content-Encoding: aws-chunked``,
``x-amz-decoded-content-length: <payload length>`` and a ``Content-Length`` of
:func:`encoded_length`; then the body is what :func:`sign_chunks` yields.

Pure functions: the time is an argument, and nothing here buffers more than
one chunk.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Iterable, Iterator, Union

from aurora.core.signing_v4 import EMPTY_SHA256, amz_date, signature
from aurora.errors import InvalidArgumentError

__all__ = [
    "CHUNK_ALGORITHM",
    "TRAILER_ALGORITHM",
    "MIN_CHUNK_SIZE",
    "BytesLike",
    "chunk_string_to_sign",
    "chunk_signature",
    "frame_chunk",
    "encoded_length",
    "sign_chunks",
    "trailer_string_to_sign",
    "trailer_signature",
]

CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
TRAILER_ALGORITHM = "AWS4-HMAC-SHA256-TRAILER"
MIN_CHUNK_SIZE = 8 * 1024
"""S3 refuses chunks under 8 KiB, except the last data chunk."""

BytesLike = Union[bytes, bytearray, memoryview]

_SIGNATURE_LENGTH = 64
_CHUNK_EXTENSION = b";chunk-signature="
_CRLF = b"\r\n"


def chunk_string_to_sign(now: datetime, scope: str, previous_signature: str, chunk: BytesLike) -> str:
    """What a chunk's signature signs: the previous signature and the chunk's hash."""
    return "\n".join(
        [
            CHUNK_ALGORITHM,
            amz_date(now),
            scope,
            previous_signature,
            EMPTY_SHA256,
            hashlib.sha256(chunk).hexdigest(),
        ]
    )


def chunk_signature(signing_key: bytes, now: datetime, scope: str, previous_signature: str, chunk: BytesLike) -> str:
    """The hex signature of one chunk, chained to ``previous_signature``."""
    return signature(signing_key, chunk_string_to_sign(now, scope, previous_signature, chunk))


def frame_chunk(chunk: BytesLike, signature: str) -> bytes:
    """One chunk on the wire: ``hex-size;chunk-signature=sig\\r\\n data \\r\\n``."""
    header = b"%x" % len(chunk) + _CHUNK_EXTENSION + signature.encode("ascii") + _CRLF
    return b"".join([header, chunk, _CRLF])


def _framed_length(size: int) -> int:
    overhead = len(b"%x" % size) + len(_CHUNK_EXTENSION) + _SIGNATURE_LENGTH + 2 * len(_CRLF)
    return overhead + size


def encoded_length(payload_length: int, chunk_size: int) -> int:
    """The ``Content-Length`` of the framed body, final empty chunk included.

    Assumes every chunk but the last data chunk holds exactly ``chunk_size``
    bytes, as :func:`sign_chunks` must then be fed.
    """
    if chunk_size <= 0:
        raise InvalidArgumentError(f"chunk_size must be positive, got {chunk_size!r}")
    if payload_length < 0:
        raise InvalidArgumentError(f"payload_length must not be negative, got {payload_length!r}")
    full, rest = divmod(payload_length, chunk_size)
    total = full * _framed_length(chunk_size) + _framed_length(0)
    if rest:
        total += _framed_length(rest)
    return total


def sign_chunks(
    chunks: Iterable[BytesLike],
    *,
    signing_key: bytes,
    seed_signature: str,
    now: datetime,
    scope: str,
) -> Iterator[bytes]:
    """Yield each chunk framed with its signature, then the final empty chunk.

    Empty chunks in ``chunks`` are skipped: on the wire a zero-length chunk
    ends the body.  ``now`` and ``scope`` must be those of the seed signature.
    """
    previous = seed_signature
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        previous = chunk_signature(signing_key, now, scope, previous, chunk)
        yield frame_chunk(chunk, previous)
    yield frame_chunk(b"", chunk_signature(signing_key, now, scope, previous, b""))


def trailer_string_to_sign(now: datetime, scope: str, previous_signature: str, trailer: BytesLike) -> str:
    """What the trailer signature signs: the final chunk's signature and the
    hash of the canonical trailer bytes (``name:value\\n`` per header)."""
    return "\n".join([TRAILER_ALGORITHM, amz_date(now), scope, previous_signature, hashlib.sha256(trailer).hexdigest()])


def trailer_signature(
    signing_key: bytes, now: datetime, scope: str, previous_signature: str, trailer: BytesLike
) -> str:
    """The ``x-amz-trailer-signature`` for a body sent with trailing headers."""
    return signature(signing_key, trailer_string_to_sign(now, scope, previous_signature, trailer))
