"""Numbers a server sends (in XML or in headers), read as plain decimal integers within their range.

A server's number is never trusted: ``int()`` alone accepts ``+1``, ``1_000``,
Unicode digits and a hundred-digit size that breaks arithmetic far from where
it was read.  Here a number is ASCII digits only (surrounding whitespace
allowed) and within the range its meaning allows, else the caller's error
class (a :class:`~aurora.errors.ProtocolError`) naming the field.
"""

from __future__ import annotations

import re
from typing import Optional, Type

from aurora.config import MAX_OBJECT_SIZE
from aurora.errors import ProtocolError

__all__ = ["server_int", "server_size"]

_DIGITS = re.compile(r"[0-9]{1,20}")
_EXCERPT = 40


def server_int(
    value: Optional[str],
    name: str,
    low: int = 0,
    high: int = MAX_OBJECT_SIZE,
    error: Type[ProtocolError] = ProtocolError,
) -> Optional[int]:
    """``value`` as an integer in ``low..high``; None when absent or blank.

    Raises:
        ProtocolError (or ``error``): not plain decimal digits, or out of range.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not _DIGITS.fullmatch(text):
        shown = "".join(ch if ch.isprintable() else "?" for ch in text[:_EXCERPT])
        raise error(f"{name} is not a non-negative integer: {shown!r}")
    number = int(text)
    if not low <= number <= high:
        raise error(f"{name} {number} is out of range ({low} to {high})")
    return number


def server_size(value: Optional[str], name: str = "Content-Length") -> Optional[int]:
    """A size header (at most 5 TiB); None when absent or blank."""
    return server_int(value, name)
