"""URI encoding by S3's rules, shared by the signers and the wire.

S3 signs the path exactly as it is sent, so one function encodes it for both:
every byte of the UTF-8 form except the unreserved ``A-Z a-z 0-9 - . _ ~`` (and
``/`` in paths) becomes ``%XX`` with upper-case hex.
"""

from __future__ import annotations

import binascii
from typing import Iterable, Tuple

__all__ = ["uri_encode", "encode_path", "encode_query", "canonical_query", "base64_text"]

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_TABLE = tuple(chr(b) if b in _UNRESERVED else "%%%02X" % b for b in range(256))
_TABLE_SLASH = tuple("/" if b == 0x2F else _TABLE[b] for b in range(256))


def base64_text(data: bytes) -> str:
    """``data`` in standard base64 (``Content-MD5``, SSE-C keys); ``binascii``, not the ``base64`` module,
    which costs ~1 ms at start-up."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def uri_encode(value: str, safe_slash: bool = False) -> str:
    """``value`` percent-encoded by the AWS rules (``/`` kept when ``safe_slash``)."""
    table = _TABLE_SLASH if safe_slash else _TABLE
    return "".join([table[b] for b in value.encode("utf-8")])


def encode_path(path: str) -> str:
    """The wire form of a decoded path such as ``/bucket/my key``."""
    return uri_encode(path, safe_slash=True)


def encode_query(pairs: Iterable[Tuple[str, str]]) -> str:
    """The wire form of decoded query pairs, in the order given.

    A pair with an empty value is sent as the bare name (``?uploads``), as S3
    clients do for sub-resources.
    """
    parts = []
    for name, value in pairs:
        parts.append(uri_encode(name) + ("=" + uri_encode(value) if value != "" else ""))
    return "&".join(parts)


def canonical_query(pairs: Iterable[Tuple[str, str]]) -> str:
    """SigV4's canonical query string: encoded pairs sorted by name then value."""
    encoded = sorted((uri_encode(name), uri_encode(value)) for name, value in pairs)
    return "&".join("%s=%s" % pair for pair in encoded)
