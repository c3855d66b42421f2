"""Part planning for multipart uploads, within S3's limits.

S3 takes at most 10,000 parts of 5 MiB to 5 GiB each (the last may be smaller)
and objects up to 5 TiB.  These pure functions choose part sizes that respect
those limits, so a transfer never learns at part 10,001 that it cannot finish.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence, Tuple

from aurora.config import MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, MiB
from aurora.errors import InvalidArgumentError

__all__ = ["Part", "plan_parts", "stream_part_size", "multipart_etag", "is_multipart_etag"]

_MULTIPART_ETAG = re.compile(r"[0-9a-fA-F]{32}-[1-9][0-9]{0,4}")


@dataclass(frozen=True)
class Part:
    """One part of a known-size upload: 1-based ``number``, byte ``offset`` and ``size``."""

    number: int
    offset: int
    size: int


def _check_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be an int, not {type(value).__name__}")
    return value


def _check_part_size(part_size: object, allow_small: bool = False) -> int:
    size = _check_int("part_size", part_size)
    low = 1 if allow_small else MIN_PART_SIZE
    if not low <= size <= MAX_PART_SIZE:
        raise InvalidArgumentError(f"part size must be between {low} and {MAX_PART_SIZE} bytes, not {size}")
    return size


def plan_parts(size: int, part_size: int) -> Tuple[Part, ...]:
    """The parts of an object of ``size`` bytes, ``part_size`` each (the last may be smaller).

    When ``size / part_size`` would need more than 10,000 parts the part size
    grows, to a whole number of MiB, until it fits (at most 525 MiB for 5 TiB).
    An empty object is one part of size 0, so that an empty upload can still
    go through the multipart path when a caller insists.

    Raises:
        InvalidArgumentError: ``size`` is negative or above 5 TiB, or
            ``part_size`` is outside 5 MiB..5 GiB.
    """
    total = _check_int("size", size)
    if not 0 <= total <= MAX_OBJECT_SIZE:
        raise InvalidArgumentError(f"object size {total} is outside 0..{MAX_OBJECT_SIZE} bytes (5 TiB)")
    chunk = _check_part_size(part_size)
    if total == 0:
        return (Part(1, 0, 0),)
    if -(-total // chunk) > MAX_PARTS:
        smallest = -(-total // MAX_PARTS)
        chunk = -(-smallest // MiB) * MiB
    return tuple(
        Part(number=index + 1, offset=offset, size=min(chunk, total - offset))
        for index, offset in enumerate(range(0, total, chunk))
    )


def _stream_total(base: int, stage: int) -> int:
    """Bytes carried by parts 1..10,000 when the part size doubles every ``stage`` parts."""
    total = 0
    for first in range(0, MAX_PARTS, stage):
        size = min(base << (first // stage), MAX_PART_SIZE)
        count = min(stage, MAX_PARTS - first)
        if size == MAX_PART_SIZE:
            return total + (MAX_PARTS - first) * size
        total += count * size
    return total


@lru_cache(maxsize=64)
def _stage_length(base: int) -> int:
    """The longest run of equal parts (doubling after each run) that still fits 5 TiB.

    The sum over 10,000 parts shrinks as the runs get longer, so a binary
    search finds the longest; a run of 1 always fits since 5 GiB parts come
    after at most 33 doublings of 1 byte.
    """
    low, high = 1, MAX_PARTS
    while low < high:
        middle = (low + high + 1) // 2
        if _stream_total(base, middle) >= MAX_OBJECT_SIZE:
            low = middle
        else:
            high = middle - 1
    return low


def stream_part_size(part_number: int, base_part_size: int, *, allow_small: bool = False) -> int:
    """The size part ``part_number`` (1-based) must have in a stream of unknown length.

    The first parts are ``base_part_size``; the size then doubles after every
    run of ``L`` parts, capped at 5 GiB, where ``L`` is the longest run for
    which parts 1..10,000 still carry 5 TiB (L = 997 for 5 MiB parts, so the
    first ~4.9 GiB go in 5 MiB parts).  Sizes never shrink, and at any point a
    part is about 1/L of the bytes sent so far, so the memory a stream buffers
    grows with what it has actually sent.

    ``allow_small=True`` permits a base below 5 MiB (down to 1 byte); it exists
    for tests against a server configured to accept small parts, as real S3
    refuses any part but the last below 5 MiB.
    """
    number = _check_int("part_number", part_number)
    if not 1 <= number <= MAX_PARTS:
        raise InvalidArgumentError(f"part number must be from 1 to {MAX_PARTS}, not {number}")
    base = _check_part_size(base_part_size, allow_small=allow_small)
    stage = _stage_length(base)
    return min(base << ((number - 1) // stage), MAX_PART_SIZE)


def multipart_etag(part_md5s: Sequence[bytes]) -> str:
    """The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, ``-`` count.

    It lets a transfer check a completed upload against the MD5s of what it sent.
    """
    if not part_md5s:
        raise InvalidArgumentError("a multipart ETag needs at least one part digest")
    digest = hashlib.md5(usedforsecurity=False)
    for index, part in enumerate(part_md5s, start=1):
        if not isinstance(part, (bytes, bytearray)) or len(part) != 16:
            raise InvalidArgumentError(f"part {index} digest must be 16 bytes of binary MD5")
        digest.update(part)
    return f"{digest.hexdigest()}-{len(part_md5s)}"


def is_multipart_etag(etag: str) -> bool:
    """Whether ``etag`` (quoted or not) has the ``<32 hex>-<parts>`` multipart form.

    Such an ETag is not the MD5 of the object, so it cannot check a download.
    """
    return bool(_MULTIPART_ETAG.fullmatch(etag.strip().strip('"')))
