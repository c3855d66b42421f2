"""AWS Signature Version 4: header signing, presigned URLs, POST policies.

Every function here is pure: the time comes in as ``now`` and nothing reads a
clock, a socket or the environment, so a retry can re-sign a request simply
by calling :func:`sign_v4` again with a fresh ``now``.

S3 differs from the other AWS services in two ways that matter here: the path
is encoded exactly once (the canonical URI is the path as sent) and it is
never normalised (``//``, ``.`` and ``..`` are part of a key).  The
``double_encode_path`` and ``normalize_path`` switches give the generic
behaviour for other services and for AWS's own test suite.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import AbstractSet, Dict, FrozenSet, Iterable, List, Mapping, Sequence, Tuple

from aurora.core.credentials import Credentials
from aurora.core.encoding import canonical_query, encode_path, uri_encode
from aurora.core.http import HttpRequest
from aurora.core.limits import MAX_PRESIGN_EXPIRES, checked_presign_expires
from aurora.errors import InvalidArgumentError

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "UNSIGNED_PAYLOAD",
    "STREAMING_PAYLOAD",
    "STREAMING_PAYLOAD_TRAILER",
    "UNSIGNED_HEADERS",
    "MAX_PRESIGN_EXPIRES",
    "amz_date",
    "date_stamp",
    "scope",
    "normalized_path",
    "canonical_uri",
    "canonical_headers",
    "headers_to_sign",
    "canonical_request",
    "string_to_sign",
    "signing_key",
    "signature",
    "authorization_header",
    "sign_v4",
    "presign_v4",
    "post_policy_signature",
]

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256: str = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"

UNSIGNED_HEADERS: FrozenSet[str] = frozenset({"user-agent", "expect", "authorization"})
"""Lower-case header names never signed.

``user-agent`` and ``expect`` may be rewritten by proxies or dropped by the
HTTP layer, which would break the signature; ``authorization`` is the
signature itself (a stale one must not be folded into a re-signed request).
"""

_WHITESPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")


def _utc(now: datetime) -> datetime:
    """``now`` in UTC (still aware: only its fields are formatted); a naive datetime is taken to be UTC already."""
    if now.tzinfo is None:
        return now
    return now.astimezone(timezone.utc)


def amz_date(now: datetime) -> str:
    """The ``X-Amz-Date`` form of ``now``: ``YYYYMMDDTHHMMSSZ``."""
    utc = _utc(now)
    if utc.year < 1000:  # strftime does not pad such a year on every platform: its answer is the rule
        return utc.strftime("%Y%m%dT%H%M%SZ")
    # What strftime gives for any other year, in a third of its time.
    return "%04d%02d%02dT%02d%02d%02dZ" % (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)


def date_stamp(now: datetime) -> str:
    """The ``YYYYMMDD`` date that keys the signing key and the scope."""
    return _utc(now).strftime("%Y%m%d")


def scope(now: datetime, region: str, service: str) -> str:
    """The credential scope ``date/region/service/aws4_request``."""
    return _scope(date_stamp(now), region, service)


def _scope(day: str, region: str, service: str) -> str:
    return f"{day}/{region}/{service}/aws4_request"


def _day(amz: str) -> str:
    """The ``date_stamp`` inside an ``amz_date``, so that a request formats its time once."""
    return amz.partition("T")[0]


def normalized_path(path: str) -> str:
    """``path`` with dot segments removed and slash runs collapsed.

    Only for non-S3 services: S3 keys may legitimately contain ``//``, ``.``
    and ``..``, so S3 signs the path untouched.
    """
    segments: List[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    result = "/" + "/".join(segments)
    if segments and path.endswith(("/", "/.", "/..")):
        result += "/"
    return result


def canonical_uri(path: str, *, double_encode_path: bool = False, normalize_path: bool = False) -> str:
    """The canonical URI for a *decoded* path.

    S3 (the default) signs ``encode_path(path)``, exactly what goes on the
    wire.  Other services sign the wire path encoded once more, so a space
    becomes ``%2520`` (AWS's ``/documents and settings/`` example).
    """
    if normalize_path:
        path = normalized_path(path)
    encoded = encode_path(path) or "/"
    if double_encode_path:
        encoded = uri_encode(encoded, safe_slash=True)
    return encoded


def _header_value(value: str) -> str:
    """A header value trimmed, with inner whitespace runs folded to one space."""
    if "  " not in value and value.isprintable():
        # No tab, CR, LF, FF or VT (none is printable) and no two spaces in a
        # row: every run is one space already, so the regex would change nothing.
        return value.strip(" ")
    return _WHITESPACE_RUN.sub(" ", value).strip(" ")


def canonical_headers(request: HttpRequest, signed_headers: Sequence[str]) -> str:
    """``name:value\\n`` for each signed header; repeated headers joined by ``,``."""
    return _header_lines(_header_values(request.headers), signed_headers)


def _header_values(headers: Iterable[Tuple[str, str]]) -> Dict[str, List[str]]:
    """Each lower-case header name with its canonical values, in request order."""
    values: Dict[str, List[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(_header_value(value))
    return values


def _header_lines(values: Mapping[str, List[str]], signed_headers: Sequence[str]) -> str:
    lines = []
    for name in signed_headers:
        if name not in values:
            raise InvalidArgumentError(f"signed header {name!r} is not on the request")
        lines.append(f"{name}:{','.join(values[name])}\n")
    return "".join(lines)


def headers_to_sign(request: HttpRequest) -> Tuple[str, ...]:
    """Lower-case, sorted names of the request's headers that get signed."""
    return _signed_names({name.lower() for name, _ in request.headers})


def _signed_names(names: AbstractSet[str]) -> Tuple[str, ...]:
    """The sorted lower-case ``names`` that get signed; ``host`` must be one."""
    if "host" not in names:
        raise InvalidArgumentError("a request to sign needs a Host header")
    return tuple(sorted(names - UNSIGNED_HEADERS))


def canonical_request(
    request: HttpRequest,
    signed_headers: Sequence[str],
    payload_hash: str,
    *,
    double_encode_path: bool = False,
    normalize_path: bool = False,
) -> str:
    """SigV4's canonical request, the text whose hash is signed."""
    return _canonical_request(
        request,
        request.query,
        _header_values(request.headers),
        signed_headers,
        payload_hash,
        double_encode_path,
        normalize_path,
    )


def _canonical_request(
    request: HttpRequest,
    query: Iterable[Tuple[str, str]],
    header_values: Mapping[str, List[str]],
    signed_headers: Sequence[str],
    payload_hash: str,
    double_encode_path: bool,
    normalize_path: bool,
) -> str:
    """:func:`canonical_request` of ``request`` with ``query`` and the headers
    already lower-cased and canonicalised, so a signer need not copy the request
    to add its own."""
    return "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.path, double_encode_path=double_encode_path, normalize_path=normalize_path),
            canonical_query(query),
            _header_lines(header_values, signed_headers),
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def string_to_sign(canonical_request: str, now: datetime, region: str, service: str) -> str:
    """The string the signing key signs: algorithm, time, scope, request hash."""
    amz = amz_date(now)
    return _string_to_sign(canonical_request, amz, _scope(_day(amz), region, service))


def _string_to_sign(canonical_request: str, amz: str, credential_scope: str) -> str:
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return "\n".join([ALGORITHM, amz, credential_scope, digest])


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _derive_signing_key(secret_key: str, date_stamp: str, region: str, service: str) -> bytes:
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), date_stamp)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


# A client signs with one secret, day, region and service for hours on end:
# the four HMACs of the derivation are done once per combination, not per
# request.  Bounded, so a rotating credential or many regions cannot grow it;
# an lru_cache never shows its keys (the secret) in a repr or a log.
_cached_signing_key = lru_cache(maxsize=16)(_derive_signing_key)


def signing_key(secret_key: str, date_stamp: str, region: str, service: str) -> bytes:
    """The day-, region- and service-bound key derived from the secret (memoised)."""
    return _cached_signing_key(secret_key, date_stamp, region, service)


def signature(signing_key: bytes, string_to_sign: str) -> str:
    """Hex HMAC-SHA256 of ``string_to_sign`` under ``signing_key``."""
    return hmac.new(signing_key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization_header(access_key: str, credential_scope: str, signed_headers: Sequence[str], sig: str) -> str:
    """The ``Authorization`` value, parts separated by ``", "`` as SDKs send it."""
    names = ";".join(signed_headers)
    return f"{ALGORITHM} Credential={access_key}/{credential_scope}, SignedHeaders={names}, Signature={sig}"


def sign_v4(
    request: HttpRequest,
    credentials: Credentials,
    *,
    region: str,
    service: str = "s3",
    now: datetime,
    payload_hash: str,
    double_encode_path: bool = False,
    normalize_path: bool = False,
) -> Dict[str, str]:
    """The headers to add to ``request`` so that it carries a SigV4 signature.

    Every header already on the request is signed (except
    :data:`UNSIGNED_HEADERS`), together with the ones returned here:
    ``X-Amz-Date``, ``X-Amz-Content-SHA256`` (S3 only) and
    ``X-Amz-Security-Token`` when the credentials have a session token.
    Header values returned replace same-named ones on the request.
    """
    amz = amz_date(now)
    day = _day(amz)
    credential_scope = _scope(day, region, service)
    added = {"X-Amz-Date": amz}
    if service == "s3":
        added["X-Amz-Content-SHA256"] = payload_hash
    if credentials.session_token:
        added["X-Amz-Security-Token"] = credentials.session_token
    # The headers of request.with_headers(added), each name lower-cased once.
    replaced = {name.lower() for name in added}
    values: Dict[str, List[str]] = {}
    for name, value in request.headers:
        lowered = name.lower()
        if lowered not in replaced:
            values.setdefault(lowered, []).append(_header_value(value))
    for name, value in added.items():
        values[name.lower()] = [_header_value(value)]
    names = _signed_names(values.keys())
    creq = _canonical_request(request, request.query, values, names, payload_hash, double_encode_path, normalize_path)
    key = signing_key(credentials.secret_key, day, region, service)
    sig = signature(key, _string_to_sign(creq, amz, credential_scope))
    added["Authorization"] = authorization_header(credentials.access_key, credential_scope, names, sig)
    return added


def presign_v4(
    request: HttpRequest,
    credentials: Credentials,
    *,
    region: str,
    service: str = "s3",
    now: datetime,
    expires: int,
    double_encode_path: bool = False,
    normalize_path: bool = False,
) -> Tuple[Tuple[str, str], ...]:
    """The query pairs to append to ``request`` to make a presigned URL.

    The payload is not signed (``UNSIGNED-PAYLOAD``); the signed headers are
    ``host`` and any other header on the request, which whoever uses the URL
    must then send too.  ``X-Amz-Signature`` comes last.
    """
    checked_presign_expires(expires)
    values = _header_values(request.headers)
    names = _signed_names(values.keys())
    amz = amz_date(now)
    day = _day(amz)
    credential_scope = _scope(day, region, service)
    pairs: Tuple[Tuple[str, str], ...] = (
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key}/{credential_scope}"),
        ("X-Amz-Date", amz),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", ";".join(names)),
    )
    if credentials.session_token:
        pairs += (("X-Amz-Security-Token", credentials.session_token),)
    creq = _canonical_request(
        request, request.query + pairs, values, names, UNSIGNED_PAYLOAD, double_encode_path, normalize_path
    )
    key = signing_key(credentials.secret_key, day, region, service)
    return pairs + (("X-Amz-Signature", signature(key, _string_to_sign(creq, amz, credential_scope))),)


def post_policy_signature(
    credentials: Credentials, *, now: datetime, region: str, policy_base64: str, service: str = "s3"
) -> str:
    """The ``x-amz-signature`` form field of a browser POST upload.

    The string to sign is the base64 policy itself, byte for byte, so the
    policy must be sent exactly as it was signed.
    """
    return signature(signing_key(credentials.secret_key, date_stamp(now), region, service), policy_base64)
