"""Turn an S3 error response into an aurora exception, once, with plain data."""

from __future__ import annotations

from typing import Optional

from aurora.core.xml import parse_error
from aurora.errors import AuroraError, error_class_for_code

__all__ = ["error_from_response", "parse_retry_after"]

_STATUS_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "AccessDenied",
    405: "MethodNotAllowed",
    409: "Conflict",
    412: "PreconditionFailed",
    416: "InvalidRange",
    500: "InternalError",
    501: "NotImplemented",
    503: "ServiceUnavailable",
}


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a ``Retry-After`` header given in seconds; dates are ignored."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _code_for_bodiless(status: int, bucket: Optional[str], key: Optional[str]) -> Optional[str]:
    """HEAD answers carry no body: infer the code the body would have held."""
    if status == 404:
        return "NoSuchKey" if key else "NoSuchBucket"
    return _STATUS_CODES.get(status)


def error_from_response(
    *,
    status: int,
    reason: str,
    body: bytes,
    method: str,
    bucket: Optional[str],
    key: Optional[str],
    request_id: Optional[str] = None,
    retry_after: Optional[str] = None,
    upload_id: Optional[str] = None,
) -> AuroraError:
    """The exception for an error answer to ``method`` on ``bucket``/``key``."""
    document = parse_error(body) if body else None
    code = document.code if document and document.code else _code_for_bodiless(status, bucket, key)
    message = document.message if document and document.message else reason or "HTTP %d" % status
    target = "/" + (bucket or "") + ("/" + key if key is not None else "")
    text = "%s: %s (%s %s)" % (code or status, message, method, target)
    cls = error_class_for_code(code, status)
    return cls(
        text,
        None,
        status=status,
        code=code,
        request_id=(document.request_id if document and document.request_id else request_id),
        container_name=bucket,
        object_name=key,
        upload_id=upload_id,
        retry_after=parse_retry_after(retry_after),
    )
