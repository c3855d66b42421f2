"""Checks on caller input, made before any byte is sent."""

from __future__ import annotations

import os
import re
from typing import Mapping, Optional, Tuple

from aurora.errors import InvalidArgumentError, InvalidObjectNameError, RefusedContainerNameError

__all__ = [
    "validate_bucket_name",
    "validate_bucket_reference",
    "validate_key",
    "validate_prefix",
    "validate_headers",
    "validate_credential",
    "tls_verification",
    "MAX_KEY_BYTES",
]

MAX_KEY_BYTES = 1024
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Access keys, secrets and session tokens: printable ASCII, no space (AWS's are
# base64 or [A-Z0-9]; anything else would corrupt a header or a signature).
_CREDENTIAL_RE = re.compile("[\x21-\x7e]*")


MAX_BUCKET_REFERENCE_BYTES = 255
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_BAD_HEADER_NAME = re.compile("[\r\n:\x00 \t]")
_BAD_HEADER_VALUE = re.compile("[\r\n\x00]")


def validate_bucket_reference(name: object) -> str:
    """``name`` if a request can address it as an existing bucket, else raise.

    Only what cannot be sent is refused (empty, ``/``, control characters,
    over 255 bytes): legacy upper-case or underscore names and relaxed RGW
    names stay reachable, path-style, as boto3 reaches them.  The strict DNS
    rules of :func:`validate_bucket_name` apply where a bucket is made.

    Raises:
        RefusedContainerNameError: naming the value and what is wrong with it.
    """
    if not isinstance(name, str):
        raise RefusedContainerNameError("bucket name must be a string, not %r" % (name,), None, None)
    reason = None
    if not name:
        reason = "must not be empty"
    elif "/" in name:
        reason = "must not contain '/'"
    elif _CONTROL.search(name):
        reason = "must not contain control characters"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_BUCKET_REFERENCE_BYTES:
        reason = "must be at most %d bytes" % MAX_BUCKET_REFERENCE_BYTES
    if reason is not None:
        raise RefusedContainerNameError("Invalid bucket name %r: %s" % (name, reason), None, name)
    return name


def validate_bucket_name(name: object) -> str:
    """``name`` if it is a valid S3 bucket name (strict DNS rules), else raise.

    Raises:
        RefusedContainerNameError: naming the value and the rule it breaks.
    """
    if not isinstance(name, str):
        raise RefusedContainerNameError("bucket name must be a string, not %r" % (name,), None, None)
    reason = None
    if not 3 <= len(name) <= 63:
        reason = "must be 3 to 63 characters long"
    elif not _BUCKET_RE.match(name):
        reason = "may hold only lower-case letters, digits, '.' and '-', and must start and end with a letter or digit"
    elif ".." in name or ".-" in name or "-." in name:
        reason = "must not contain '..', '.-' or '-.'"
    elif _IP_RE.match(name):
        reason = "must not look like an IP address"
    elif name.startswith("xn--") or name.endswith("-s3alias"):
        reason = "must not use a reserved prefix or suffix"
    if reason:
        raise RefusedContainerNameError("invalid bucket name %r: %s" % (name, reason), None, name)
    return name


def validate_key(key: object) -> str:
    """``key`` if S3 can store it (1 to 1,024 UTF-8 bytes), else raise."""
    if not isinstance(key, str):
        raise InvalidObjectNameError("object name must be a string, not %r" % (key,), None, None)
    size = len(key.encode("utf-8", "surrogatepass"))
    if size == 0:
        raise InvalidObjectNameError("object name must not be empty", None, key)
    if size > MAX_KEY_BYTES:
        raise InvalidObjectNameError(
            "object name %r... is %d bytes long; S3 allows %d" % (key[:40], size, MAX_KEY_BYTES), None, key
        )
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidObjectNameError("object name %r is not valid Unicode text" % (key,), None, key) from None
    if "\0" in key:
        raise InvalidObjectNameError("object name %r holds a NUL character" % (key,), None, key)
    return key


def validate_prefix(prefix: Optional[str]) -> Optional[str]:
    """``prefix`` if a listing can carry it, else raise.

    Servers echo the prefix in the XML answer without encoding it, and XML 1.0
    cannot hold most control characters (nor U+FFFE/U+FFFF), so such a listing
    could never be read.
    """
    if prefix is None:
        return None
    bad = _XML_ILLEGAL.search(prefix)
    if bad:
        raise InvalidArgumentError(
            "prefix %r holds U+%04X, which an S3 listing answer cannot carry" % (prefix, ord(bad.group()))
        )
    return prefix


def validate_headers(headers: Mapping[str, str]) -> None:
    """Refuse header names or values that could split or corrupt the request."""
    for name, value in headers.items():
        if not isinstance(name, str) or not name or _BAD_HEADER_NAME.search(name):
            raise InvalidArgumentError("invalid header name %r" % (name,))
        if not isinstance(value, str):
            raise InvalidArgumentError("header %s must be a string, not %s" % (name, type(value).__name__))
        if _BAD_HEADER_VALUE.search(value):
            raise InvalidArgumentError("header %s has a CR, LF or NUL in its value" % (name,))
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidArgumentError("header %s has characters HTTP cannot carry: %r" % (name, value[:60])) from None


def validate_credential(field_name: str, value: object) -> str:
    """``value`` if it can be an access key, secret or session token, else raise.

    Printable ASCII without spaces: a NUL, a control byte, a space or a
    non-ASCII letter would go out in a header or corrupt a signature.

    Raises:
        InvalidArgumentError: naming ``field_name`` and what is wrong, never the value.
    """
    if not isinstance(value, str):
        raise InvalidArgumentError("%s must be a string, not %s" % (field_name, type(value).__name__))
    if _CREDENTIAL_RE.fullmatch(value):
        return value
    if any(ord(char) > 0x7E for char in value):
        kind = "a character outside printable ASCII"
    elif " " in value:
        kind = "a space"
    else:
        kind = "a control character"
    raise InvalidArgumentError(
        "%s holds %s; credentials are printable ASCII without spaces (the value is not shown)" % (field_name, kind)
    )


def tls_verification(value: object) -> Tuple[bool, Optional[str]]:
    """``(verify, ca_file)`` from an ``ex_verify`` value: True, False or a CA-bundle path.

    Nothing else is taken, so that None, 0 or "" (a missing setting, a typo)
    cannot turn certificate checks off by being falsy.

    Raises:
        InvalidArgumentError: for any other value.
    """
    if value is True or value is False:
        return value, None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str) and value and not any(ord(char) < 0x20 for char in value):
        return True, value
    raise InvalidArgumentError(
        "ex_verify must be True, False or the path of a CA bundle, not %r; "
        "only False turns TLS certificate verification off" % (value,)
    )
