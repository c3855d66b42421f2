"""The pure description of one HTTP request, as signed and as sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from aurora.core.encoding import encode_path, encode_query

__all__ = ["HttpRequest"]


@dataclass(frozen=True)
class HttpRequest:
    """What a signer needs to know about a request, and what the wire gets.

    Attributes:
        method: upper-case HTTP method.
        path: the *decoded* path, e.g. ``/bucket/my key``; encoded once by
            :func:`~aurora.core.encoding.encode_path` for both signing and sending.
        query: decoded ``(name, value)`` pairs in the order they are sent.
        headers: ``(name, value)`` pairs, ``Host`` included; names keep their case.
    """

    method: str
    path: str
    query: Tuple[Tuple[str, str], ...] = ()
    headers: Tuple[Tuple[str, str], ...] = ()

    def header(self, name: str) -> Optional[str]:
        """The value of the first header called ``name`` (case-insensitive)."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def with_headers(self, extra: Mapping[str, str]) -> HttpRequest:
        """A copy with ``extra`` headers set (replacing same-named ones)."""
        lowered = {k.lower() for k in extra}
        kept = tuple((k, v) for k, v in self.headers if k.lower() not in lowered)
        return HttpRequest(self.method, self.path, self.query, kept + tuple(extra.items()))

    def with_query(self, extra: Tuple[Tuple[str, str], ...]) -> HttpRequest:
        """A copy with ``extra`` query pairs appended."""
        return HttpRequest(self.method, self.path, self.query + extra, self.headers)

    def target(self) -> str:
        """The request-target sent on the request line: encoded path and query."""
        query = encode_query(self.query)
        return encode_path(self.path) + ("?" + query if query else "")
