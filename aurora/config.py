"""Frozen, validated configuration values with finite defaults.

Every knob that changes how aurora talks to a server lives here, as keyword-only
dataclasses that are checked when they are created, so a bad value fails at
construction with :class:`~aurora.errors.InvalidArgumentError` instead of in the
middle of a transfer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import FrozenSet

from aurora.errors import RETRYABLE_CODES, InvalidArgumentError

__all__ = ["Config", "Timeouts", "RetryPolicy", "TransferConfig", "KiB", "MiB", "GiB", "TiB"]

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
TiB = 1024 * GiB

MIN_PART_SIZE = 5 * MiB
MAX_PART_SIZE = 5 * GiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = 5 * TiB
SMALL_UPLOAD = 256 * KiB
"""Files up to this size are uploaded many at once from one thread by ``ex_upload_objects`` (and the CLI);
a larger one goes through ``upload_object``'s engine.  At the default 64 upload jobs, the bodies in memory
stay under 16 MiB."""
MAX_RESPONSE_BODY = 16 * MiB
"""The most bytes of an XML or error body read into memory; a larger one is refused unread.

A page of 1,000 objects with maximal keys (1,024 bytes, escaped or url-encoded up to
5 bytes a byte) and their Owner and StorageClass is about 6 MB; object bodies are
streamed and never meet this cap.
"""


def _positive(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise InvalidArgumentError("%s must be a positive number, not %r" % (name, value))


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection, and for each read or write on it.

    ``read`` bounds every socket operation after connecting, so a stalled
    transfer fails after ``read`` seconds of silence whatever its size.
    """

    connect: float = 10.0
    read: float = 60.0

    def __post_init__(self) -> None:
        _positive("connect timeout", self.connect)
        _positive("read timeout", self.read)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry (exponential backoff with full jitter).

    An attempt is retried when the connection fails, when the server answers one
    of ``statuses``, or with an S3 error code in ``codes``; other 4xx answers are
    final.  The wait before attempt ``n`` (counting from 1 for the first retry)
    is a random value in ``[0, min(backoff_max, backoff_base * backoff_multiplier ** (n - 1))]``,
    or the server's ``Retry-After`` when it is longer (capped by backoff_max).
    libcloud's ``retry_delay`` and ``backoff`` arguments set ``backoff_base``
    and ``backoff_multiplier``.
    """

    max_attempts: int = 5
    backoff_base: float = 0.1
    backoff_max: float = 20.0
    backoff_multiplier: float = 2.0
    statuses: FrozenSet[int] = field(default_factory=lambda: frozenset({500, 502, 503, 504}))
    codes: FrozenSet[str] = RETRYABLE_CODES

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise InvalidArgumentError("max_attempts must be an integer >= 1, not %r" % (self.max_attempts,))
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise InvalidArgumentError("backoff values must not be negative")
        if not 0 <= self.backoff_multiplier <= 100:
            raise InvalidArgumentError(
                "backoff_multiplier must be between 0 and 100, not %r" % (self.backoff_multiplier,)
            )


@dataclass(frozen=True)
class TransferConfig:
    """How objects are moved: part size, parallelism and thresholds.

    Memory ceiling: an upload from a stream holds at most
    ``(max_concurrency + 1) * part_size`` bytes of payload at once (one part
    being filled, one per worker in flight); a file upload reads its parts in
    place and holds at most one socket buffer per worker.  A stream of unknown
    length grows its part size as it goes so that 5 TiB fits in 10,000 parts.

    A server-side copy (``ex_copy_object``) of an object larger than
    ``multipart_copy_threshold`` (at most 5 GiB, S3's limit for one CopyObject)
    is done as parallel UploadPartCopy requests of ``multipart_copy_part_size``;
    no payload passes through the client.
    """

    part_size: int = 5 * MiB
    multipart_threshold: int = 8 * MiB
    max_concurrency: int = 4
    download_part_size: int = 8 * MiB
    multipart_download_threshold: int = 16 * MiB
    io_chunk_size: int = 256 * KiB
    verify_checksums: bool = True
    multipart_copy_threshold: int = 5 * GiB
    multipart_copy_part_size: int = 256 * MiB
    part_sha256: bool = False
    """Under SigV4, sign each part's SHA-256 instead of sending Content-MD5.

    It saves about a third of the client's upload CPU but makes the server hash
    every part a second time; measured against Ceph RGW on the same two cores it
    saved no wall time, hence off by default (benchmarks/README.md)."""

    def __post_init__(self) -> None:
        if not MIN_PART_SIZE <= self.part_size <= MAX_PART_SIZE:
            raise InvalidArgumentError("part_size must be between 5 MiB and 5 GiB, not %r" % (self.part_size,))
        if not isinstance(self.max_concurrency, int) or self.max_concurrency < 1:
            raise InvalidArgumentError("max_concurrency must be an integer >= 1, not %r" % (self.max_concurrency,))
        _positive("multipart_threshold", self.multipart_threshold)
        _positive("download_part_size", self.download_part_size)
        _positive("multipart_download_threshold", self.multipart_download_threshold)
        _positive("io_chunk_size", self.io_chunk_size)
        if not isinstance(self.multipart_copy_threshold, int) or not 0 < self.multipart_copy_threshold <= MAX_PART_SIZE:
            raise InvalidArgumentError(
                "multipart_copy_threshold must be between 1 byte and 5 GiB, not %r" % (self.multipart_copy_threshold,)
            )
        if not MIN_PART_SIZE <= self.multipart_copy_part_size <= MAX_PART_SIZE:
            raise InvalidArgumentError(
                "multipart_copy_part_size must be between 5 MiB and 5 GiB, not %r" % (self.multipart_copy_part_size,)
            )


@dataclass(frozen=True)
class Config:
    """Everything a driver needs to know about how to talk and transfer.

    Passed to a driver as ``ex_config`` and overridable per call on every
    transfer method (``ex_config=driver.config.replace(...)``).
    """

    transfer: TransferConfig = field(default_factory=TransferConfig)
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def replace(self, **changes: object) -> Config:
        """A copy with fields changed; transfer fields may be given flat.

        ``config.replace(part_size=8 * MiB, retry=RetryPolicy(max_attempts=3))``
        """
        transfer_names = {f.name for f in dataclasses.fields(TransferConfig)}
        flat = {k: v for k, v in changes.items() if k in transfer_names}
        own = {k: v for k, v in changes.items() if k not in transfer_names}
        transfer = dataclasses.replace(self.transfer, **flat) if flat else self.transfer  # type: ignore[arg-type]
        return dataclasses.replace(self, transfer=transfer, **own)  # type: ignore[arg-type]
