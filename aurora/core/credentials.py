"""Credentials as a value whose repr never shows the secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

__all__ = ["Credentials"]


@dataclass(frozen=True)
class Credentials:
    """An access key, its secret and an optional session token.

    The secret and the token are excluded from ``repr`` and comparison output so
    they cannot leak through logs or tracebacks.
    """

    access_key: str
    secret_key: str = field(repr=False)
    session_token: Optional[str] = field(default=None, repr=False)

    def __str__(self) -> str:
        return "Credentials(access_key=%r)" % (self.access_key,)
