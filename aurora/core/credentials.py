"""Credentials as a value whose repr never shows the secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from aurora.core.validation import validate_credential

__all__ = ["Credentials"]


@dataclass(frozen=True)
class Credentials:
    """An access key, its secret and an optional session token.

    The secret and the token are excluded from ``repr`` and comparison output so
    they cannot leak through logs or tracebacks.  Each is checked on creation
    (printable ASCII without spaces), so a NUL or a control byte never reaches
    a request.

    Raises:
        InvalidArgumentError: naming the bad field, never its value.
    """

    access_key: str
    secret_key: str = field(repr=False)
    session_token: Optional[str] = field(default=None, repr=False)

    def __post_init__(self) -> None:
        validate_credential("the access key", self.access_key)
        validate_credential("the secret key", self.secret_key)
        if self.session_token is not None:
            validate_credential("the session token", self.session_token)

    def __str__(self) -> str:
        return "Credentials(access_key=%r)" % (self.access_key,)
