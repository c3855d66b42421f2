"""Deterministic test payloads shared by the integration tests."""

from __future__ import annotations

import hashlib
from typing import Iterator


def payload(size: int, seed: int = 0) -> bytes:
    """`size` bytes that differ with `seed` and repeat only every 32 bytes."""
    block = hashlib.sha256(str(seed).encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    """`data` cut into pieces of `size` bytes (the last may be shorter)."""
    for start in range(0, len(data), size):
        yield data[start : start + size]
