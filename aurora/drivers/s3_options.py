"""Helpers behind the S3 driver's ``extra`` options and ``ex_`` arguments.

SSE-C keys, checksums and presigned-URL lifetimes are turned into header
values here, without the network, so they can be tested against known values.
An SSE-C key is a secret: it is only ever put into header values, never into
a message (errors name the option, not the value).

Checksums (``x-amz-checksum-sha256`` / ``-crc32``) are computed before the
request, so they apply to objects sent in one PUT: a file up to the multipart
threshold, a stream up to one part (buffered to be hashed).  Larger objects
are refused rather than sent without the checksum the caller asked for.
"""

from __future__ import annotations

import binascii
import dataclasses
import os
import stat
import zlib
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, TypedDict, Union

from aurora.config import Config, Timeouts
from aurora.core.encoding import base64_text
from aurora.core.limits import ADDRESSING_STYLES, MAX_PRESIGN_EXPIRES
from aurora.drivers.base import DEFAULT_CONTENT_TYPE
from aurora.drivers.mime import guessed_type
from aurora.errors import InvalidArgumentError

if TYPE_CHECKING:
    from aurora.s3.client import TransportFactory
    from aurora.transfer.buffers import StreamSource

__all__ = [
    "DriverOptions",
    "SSE_C_PREFIX",
    "CHECKSUM_ALGORITHMS",
    "sse_customer_headers",
    "server_side_encryption_header",
    "ChecksumHasher",
    "checksum_headers",
    "file_checksum_headers",
    "stream_checksum_headers",
    "encryption_headers",
    "object_headers",
    "ContentTypeUnknownError",
    "meta_from_headers",
    "EXTRA_HEADERS",
    "presign_seconds",
    "addressing_style",
    "checked_callable",
    "driver_config",
    "driver_options",
]


class DriverOptions(TypedDict, total=False):
    """aurora's keyword-only options of every S3-family driver, with libcloud's base-driver keywords.

    The one list the named drivers forward to ``BaseS3StorageDriver``; a test
    checks it against that constructor's own keyword-only parameters.
    """

    name: Optional[str]
    signature_version: Optional[str]
    timeout: Optional[float]
    retry_delay: Optional[float]
    backoff: Optional[float]
    proxy_url: Optional[str]
    ex_config: Optional[Config]
    ex_ca_cert: Optional[str]
    ex_verify: Union[bool, str]
    ex_addressing_style: Optional[str]
    ex_endpoint_url: Optional[str]
    ex_profile: Optional[str]
    ex_transport_factory: Optional[TransportFactory]


def driver_options(arguments: Mapping[str, Any]) -> Dict[str, Any]:
    """The :class:`DriverOptions` among a named driver's constructor arguments (its ``locals()``).

    The named drivers spell every option out in their own signatures (so a
    type checker sees them) and forward them all with this, not one by one.
    """
    return {option: arguments[option] for option in DriverOptions.__annotations__}


SSE_C_PREFIX = "x-amz-server-side-encryption-customer-"
CHECKSUM_ALGORITHMS = ("SHA256", "CRC32")
KeyMaterial = Union[bytes, bytearray, str]


def _key_bytes(key: KeyMaterial) -> bytes:
    """The 32-byte AES-256 key from raw bytes or their base64 form."""
    if isinstance(key, (bytes, bytearray)) and len(key) == 32:
        return bytes(key)
    if not isinstance(key, (bytes, bytearray, str)):
        raise InvalidArgumentError(
            "ex_sse_customer_key must be 32 bytes or their base64 text, not a %s" % type(key).__name__
        )
    try:
        import base64  # for an SSE-C key given as text only

        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidArgumentError("ex_sse_customer_key must be 32 bytes (AES-256) or their base64 text")
    return raw


def sse_customer_headers(key: KeyMaterial) -> Dict[str, str]:
    """The three SSE-C headers for ``key`` (sent on PUT, every part, GET and HEAD)."""
    import hashlib  # on first use: making a driver needs no hashing

    raw = _key_bytes(key)
    return {
        SSE_C_PREFIX + "algorithm": "AES256",
        SSE_C_PREFIX + "key": base64_text(raw),
        SSE_C_PREFIX + "key-MD5": base64_text(hashlib.md5(raw).digest()),
    }


def server_side_encryption_header(value: Any) -> Dict[str, str]:
    """``x-amz-server-side-encryption`` for ``AES256`` (SSE-S3) or ``aws:kms``."""
    if value is None or value == "":
        return {}
    text = str(value)
    if text not in ("AES256", "aws:kms", "aws:kms:dsse"):
        raise InvalidArgumentError("ex_server_side_encryption must be 'AES256' or 'aws:kms', not %r" % (text,))
    return {"x-amz-server-side-encryption": text}


class ChecksumHasher:
    """A running SHA-256 or CRC32 of the bytes fed to it, in S3's header form."""

    def __init__(self, algorithm: str) -> None:
        name = str(algorithm).upper()
        if name not in CHECKSUM_ALGORITHMS:
            raise InvalidArgumentError("ex_checksum_algorithm must be 'SHA256' or 'CRC32', not %r" % (algorithm,))
        self.algorithm = name
        import hashlib

        self._sha = hashlib.sha256() if name == "SHA256" else None
        self._crc = 0

    def update(self, data: Union[bytes, bytearray, memoryview]) -> None:
        if self._sha is not None:
            self._sha.update(data)
        else:
            self._crc = zlib.crc32(data, self._crc)

    def value(self) -> str:
        """Base64 of the SHA-256 digest, or of the CRC32 as 4 big-endian bytes."""
        digest = self._sha.digest() if self._sha is not None else (self._crc & 0xFFFFFFFF).to_bytes(4, "big")
        return base64_text(digest)

    def headers(self) -> Dict[str, str]:
        """``x-amz-checksum-<alg>`` and the ``x-amz-sdk-checksum-algorithm`` that names it."""
        return {
            "x-amz-checksum-%s" % self.algorithm.lower(): self.value(),
            "x-amz-sdk-checksum-algorithm": self.algorithm,
        }


def checksum_headers(algorithm: str, chunks: Iterable[Union[bytes, bytearray, memoryview]]) -> Dict[str, str]:
    """The checksum headers of the bytes in ``chunks``."""
    hasher = ChecksumHasher(algorithm)
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.headers()


def file_checksum_headers(path: str, algorithm: str, limit: int, chunk_size: int = 1024 * 1024) -> Dict[str, str]:
    """The checksum headers of the file at ``path``, which must go in one PUT (``limit`` bytes)."""
    hasher = ChecksumHasher(algorithm)
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        raise InvalidArgumentError(
            "ex_checksum_algorithm needs a regular file of at most %d bytes (one PUT; raise "
            "multipart_threshold for larger files); %s is not one" % (limit, path)
        )
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.headers()


def stream_checksum_headers(stream: StreamSource, algorithm: str, limit: int) -> Tuple[bytes, Dict[str, str]]:
    """The stream's bytes (at most ``limit``, held in memory) and their checksum headers."""
    from aurora.transfer.buffers import stream_filler

    hasher = ChecksumHasher(algorithm)
    buffer = bytearray(limit + 1)
    filled = stream_filler(stream)(memoryview(buffer))
    if filled > limit:
        raise InvalidArgumentError(
            "ex_checksum_algorithm applies to streams of at most one part (%d bytes); this one is longer" % limit
        )
    data = bytes(memoryview(buffer)[:filled])
    hasher.update(data)
    return data, hasher.headers()


def encryption_headers(extra: Mapping[str, Any]) -> Dict[str, str]:
    """SSE-C headers for ``extra["ex_sse_customer_key"]``, or SSE-S3/KMS for ``ex_server_side_encryption``."""
    key = extra.get("ex_sse_customer_key")
    sse = extra.get("ex_server_side_encryption")
    if key is not None and sse:
        raise InvalidArgumentError("ex_sse_customer_key and ex_server_side_encryption cannot be combined")
    return sse_customer_headers(key) if key is not None else server_side_encryption_header(sse)


_STORAGE_CLASSES = (
    "standard",
    "reduced_redundancy",
    "standard_ia",
    "onezone_ia",
    "intelligent_tiering",
    "glacier",
    "deep_archive",
    "glacier_ir",
)

EXTRA_HEADERS = {
    "cache_control": "Cache-Control",
    "content_disposition": "Content-Disposition",
    "content_encoding": "Content-Encoding",
    "content_language": "Content-Language",
    "expires": "Expires",
}


def meta_from_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    """User metadata from lower-cased response headers (``x-amz-meta-*`` without the prefix)."""
    prefix = "x-amz-meta-"
    return {name[len(prefix) :]: value for name, value in headers.items() if name.startswith(prefix)}


class ContentTypeUnknownError(InvalidArgumentError, AttributeError):
    """``strict_mode`` is on and no content type was given or could be guessed (libcloud's AttributeError)."""


def object_headers(
    object_name: str,
    extra: Optional[Mapping[str, Any]],
    headers: Optional[Mapping[str, str]],
    storage_class: Optional[str],
    file_path: Optional[str] = None,
    strict: bool = False,
) -> Dict[str, str]:
    """The request headers that describe a new object, from libcloud's ``extra`` and the ``ex_`` options.

    The caller's ``headers`` are merged without regard to case, so each header
    goes once: what ``extra`` sets wins, then the caller's header, then a
    guess (the Content-Type from the file name).  With ``strict`` (libcloud's
    ``strict_mode``) a content type that is neither given nor guessed raises.
    """
    options: Mapping[str, Any] = extra or {}
    out: Dict[str, str] = dict(headers or {})
    given_type = _pop_header(out, "Content-Type")
    name = file_path or object_name
    content_type = options.get("content_type") or given_type or guessed_type(name)
    if strict and not content_type:
        raise ContentTypeUnknownError(
            'File content-type could not be guessed for "%s" and no content_type value is provided' % (name,)
        )
    added: Dict[str, str] = {"Content-Type": content_type or DEFAULT_CONTENT_TYPE}
    for meta_name, value in (options.get("meta_data") or {}).items():
        added["x-amz-meta-%s" % meta_name] = str(value)
    if options.get("acl"):
        added["x-amz-acl"] = str(options["acl"])
    for field, header in EXTRA_HEADERS.items():
        if options.get(field):
            added[header] = str(options[field])
    storage_class = storage_class or options.get("storage_class")
    if storage_class:
        if str(storage_class).lower() not in _STORAGE_CLASSES:
            raise InvalidArgumentError("Invalid storage class value: %s" % (storage_class,))
        added["x-amz-storage-class"] = str(storage_class).upper()
    if options.get("tags") is not None:
        from aurora.core.tagging import TAGGING_HEADER, tagging_header

        added[TAGGING_HEADER] = tagging_header(options["tags"])
    added.update(encryption_headers(options))
    for header, value in added.items():
        _pop_header(out, header)
        out[header] = value
    return out


def _pop_header(headers: Dict[str, str], name: str) -> Optional[str]:
    """Remove every spelling of ``name`` from ``headers``; the last value removed, or None."""
    found: Optional[str] = None
    for key in [key for key in headers if key.lower() == name.lower()]:
        found = headers.pop(key)
    return found


def presign_seconds(hours: Any) -> int:
    """libcloud's ``ex_expiry`` (hours) as whole seconds, 1 s to 7 days."""
    if isinstance(hours, bool) or not isinstance(hours, (int, float)):
        raise InvalidArgumentError("ex_expiry must be a number of hours, not %r" % (hours,))
    seconds = int(round(hours * 3600))
    if not 1 <= seconds <= MAX_PRESIGN_EXPIRES:
        raise InvalidArgumentError("ex_expiry must be between 1 second and 168 hours (7 days), not %r hours" % (hours,))
    return seconds


def addressing_style(value: Optional[str], configured: Optional[str]) -> str:
    """The addressing style: the argument, else the AWS config file's ``s3.addressing_style``, else path."""
    style = value or configured or "path"
    style = str(style).strip().lower()
    if style not in ADDRESSING_STYLES:
        raise InvalidArgumentError("ex_addressing_style must be 'path', 'virtual' or 'auto', not %r" % (style,))
    return style


def checked_callable(name: str, value: Optional[Callable[..., Any]]) -> Optional[Callable[..., Any]]:
    """``value`` checked to be callable (or None); ``name`` is the option, for the message."""
    if value is not None and not callable(value):
        raise InvalidArgumentError("%s must be callable" % (name,))
    return value


def driver_config(
    config: Optional[Config], timeout: Optional[float], retry_delay: Optional[float], backoff: Optional[float]
) -> Config:
    """``ex_config`` with libcloud's ``timeout``, ``retry_delay`` and ``backoff`` laid over it.

    ``timeout`` bounds both connecting and each read; ``retry_delay`` is the
    wait before the first retry and ``backoff`` the factor each further wait
    grows by, as in libcloud's retry loop.
    """
    config = config or Config()
    if not isinstance(config, Config):
        raise InvalidArgumentError("ex_config must be an aurora.config.Config, not %r" % (config,))
    if timeout is not None:
        config = config.replace(timeouts=Timeouts(connect=_number("timeout", timeout), read=float(timeout)))
    if retry_delay is not None or backoff is not None:
        retry = config.retry
        if retry_delay is not None:
            retry = dataclasses.replace(retry, backoff_base=_number("retry_delay", retry_delay))
        if backoff is not None:
            retry = dataclasses.replace(retry, backoff_multiplier=_number("backoff", backoff))
        config = config.replace(retry=retry)
    return config


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError("%s must be a number of seconds, not %r" % (name, value))
    return float(value)
