"""AWS Signature Version 2 for S3 (``Authorization: AWS key:signature``).

Still the only scheme some S3-compatible servers (older Ceph RGW, some
appliances) accept.  The signature is base64 HMAC-SHA1 of::

    VERB \\n Content-MD5 \\n Content-Type \\n Date-or-Expires \\n
    CanonicalizedAmzHeaders CanonicalizedResource

Pure functions: the time is an argument.  The canonical resource is the path
exactly as sent (encoded once by ``encode_path``), which is why a request
built here is signed and sent from the same value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timezone
from typing import Dict, FrozenSet, List, Optional, Tuple

from aurora.core.credentials import Credentials
from aurora.core.encoding import base64_text, encode_path
from aurora.core.http import HttpRequest
from aurora.errors import InvalidArgumentError

__all__ = [
    "SUBRESOURCES",
    "AMZ_PREFIX",
    "http_date",
    "canonical_resource",
    "canonical_amz_headers",
    "string_to_sign_v2",
    "signature_v2",
    "sign_v2",
    "presign_v2",
]

SUBRESOURCES: FrozenSet[str] = frozenset(
    {
        # The S3 developer guide's list (CanonicalizedResource, step 4).
        "acl", "lifecycle", "location", "logging", "notification", "partNumber", "policy",
        "requestPayment", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions",
        "website", "delete",
        "response-content-type", "response-content-language", "response-expires",
        "response-cache-control", "response-content-disposition", "response-content-encoding",
        # Added since by botocore (HmacV1Auth.QSAOfInterest).
        "accelerate", "cors", "defaultObjectAcl", "tagging", "restore", "storageClass",
        "replication", "analytics", "metrics", "inventory", "select", "select-type", "object-lock",
    }
)  # fmt: skip
"""Query parameters that are part of the signed resource (``?acl``, ``?uploadId=``...)."""

AMZ_PREFIX = "x-amz-"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FOLD = re.compile(r"\r?\n[ \t]+")


def http_date(now: datetime) -> str:
    """``now`` as an RFC 1123 date in GMT, independent of the locale.

    A naive datetime is taken to be UTC already.
    """
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc)
    day, month = _DAYS[now.weekday()], _MONTHS[now.month - 1]
    return f"{day}, {now.day:02d} {month} {now.year:04d} {now.hour:02d}:{now.minute:02d}:{now.second:02d} GMT"


def canonical_resource(request: HttpRequest, bucket_in_host: Optional[str] = None) -> str:
    """The signed resource: ``/bucket`` + encoded path + sorted sub-resources.

    With virtual-hosted addressing (``bucket.s3.example.com``) the bucket is
    not in the path but still starts the resource: pass it as
    ``bucket_in_host``.  Sub-resource values are signed decoded, as S3 wants.
    """
    resource = encode_path(request.path) or "/"
    if bucket_in_host is not None:
        resource = "/" + bucket_in_host + resource
    subresources = sorted((pair for pair in request.query if pair[0] in SUBRESOURCES), key=lambda pair: pair[0])
    if subresources:
        resource += "?" + "&".join(name if value == "" else name + "=" + value for name, value in subresources)
    return resource


def _unfolded(value: str) -> str:
    return _FOLD.sub(" ", value).strip()


def canonical_amz_headers(request: HttpRequest) -> str:
    """``name:value\\n`` for every ``x-amz-*`` header, sorted, repeats joined by ``,``."""
    values: Dict[str, List[str]] = {}
    for name, value in request.headers:
        lowered = name.strip().lower()
        if lowered.startswith(AMZ_PREFIX):
            values.setdefault(lowered, []).append(_unfolded(value))
    return "".join(f"{name}:{','.join(values[name])}\n" for name in sorted(values))


def string_to_sign_v2(
    request: HttpRequest,
    date_or_expires: str,
    *,
    bucket_in_host: Optional[str] = None,
    query_auth: bool = False,
) -> str:
    """The SigV2 string to sign.

    ``date_or_expires`` is the ``Date`` header value, or for a presigned URL
    (``query_auth``) the ``Expires`` epoch.  With header auth an
    ``x-amz-date`` header takes the place of ``Date``: the Date line is then
    empty and the time is signed among the ``x-amz-*`` headers.
    """
    date = date_or_expires
    if not query_auth and request.header("x-amz-date") is not None:
        date = ""
    lines = [
        request.method.upper(),
        (request.header("Content-MD5") or "").strip(),
        (request.header("Content-Type") or "").strip(),
        date,
        "",
    ]
    return "\n".join(lines) + canonical_amz_headers(request) + canonical_resource(request, bucket_in_host)


def signature_v2(secret_key: str, string_to_sign: str) -> str:
    """Base64 HMAC-SHA1 of ``string_to_sign``; also the SigV2 POST policy signature."""
    digest = hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64_text(digest)


def sign_v2(
    request: HttpRequest, credentials: Credentials, *, now: datetime, bucket_in_host: Optional[str] = None
) -> Dict[str, str]:
    """The headers to add to ``request``: ``Date``, ``Authorization`` and,
    with a session token, ``x-amz-security-token`` (which is then signed)."""
    added = {"Date": http_date(now)}
    if credentials.session_token:
        added["x-amz-security-token"] = credentials.session_token
    text = string_to_sign_v2(request.with_headers(added), added["Date"], bucket_in_host=bucket_in_host)
    added["Authorization"] = f"AWS {credentials.access_key}:{signature_v2(credentials.secret_key, text)}"
    return added


def presign_v2(
    request: HttpRequest, credentials: Credentials, *, expires_at: int, bucket_in_host: Optional[str] = None
) -> Tuple[Tuple[str, str], ...]:
    """The query pairs to append for a SigV2 presigned URL valid until ``expires_at``.

    ``expires_at`` is an absolute time in seconds since the epoch.  A session
    token is signed as an ``x-amz-security-token`` header and sent in the query.
    """
    if isinstance(expires_at, bool) or not isinstance(expires_at, int) or expires_at <= 0:
        raise InvalidArgumentError(f"expires_at must be a positive epoch time in seconds, got {expires_at!r}")
    signed = request
    if credentials.session_token:
        signed = request.with_headers({"x-amz-security-token": credentials.session_token})
    text = string_to_sign_v2(signed, str(expires_at), bucket_in_host=bucket_in_host, query_auth=True)
    pairs: Tuple[Tuple[str, str], ...] = (
        ("AWSAccessKeyId", credentials.access_key),
        ("Expires", str(expires_at)),
        ("Signature", signature_v2(credentials.secret_key, text)),
    )
    if credentials.session_token:
        pairs += (("x-amz-security-token", credentials.session_token),)
    return pairs
