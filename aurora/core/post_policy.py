"""Browser POST uploads: the policy document and the form fields that sign it.

Pure, like the signers beside it: the time comes in as ``now``.  The result
has the shape of boto3's ``generate_presigned_post`` (the same field names,
the same policy layout), so a web page written for one works with the other:

* the caller's conditions come first, then ``{"bucket": ...}``, then the key
  (``["starts-with", "$key", prefix]`` when the key ends in ``${filename}``,
  which the server replaces with the uploaded file's name, else
  ``{"key": ...}``), then the signing fields;
* a field given in ``fields`` is sent with the form but is not added to the
  conditions by itself (as in boto3): the server refuses any form field the
  policy does not allow, so each needs a condition too.

The policy is the base64 of compact JSON (``", "`` and ``": "`` separators, as
``json.dumps`` writes by default); SigV4 signs that base64 text with the
day's signing key, SigV2 with HMAC-SHA1 of the secret.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence

from aurora.core.credentials import Credentials
from aurora.core.encoding import base64_text
from aurora.core.limits import checked_presign_expires
from aurora.core.signing_v2 import signature_v2
from aurora.core.signing_v4 import (
    ALGORITHM,
    amz_date,
    post_policy_signature,
    scope,
)
from aurora.errors import InvalidArgumentError

__all__ = [
    "FILENAME_VARIABLE",
    "MATCH_OPERATORS",
    "Condition",
    "validate_condition",
    "policy_conditions",
    "expiration",
    "policy_document",
    "policy_signature",
    "presigned_post_fields",
]

FILENAME_VARIABLE = "${filename}"
"""The key suffix the server replaces with the uploaded file's name."""

MATCH_OPERATORS = ("eq", "starts-with")
"""The two matching operators of a ``[op, "$field", value]`` condition."""

Condition = Any  # {"field": "value"} or [op, "$field", value] or ["content-length-range", min, max]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_condition(condition: Condition) -> None:
    """Raise InvalidArgumentError unless ``condition`` is one of the three shapes S3 accepts."""
    if isinstance(condition, Mapping):
        if len(condition) != 1 or not all(isinstance(v, str) for v in condition.values()):
            raise InvalidArgumentError("a POST condition mapping must be one field to a string, not %r" % (condition,))
        return
    if not isinstance(condition, (list, tuple)) or len(condition) != 3:
        raise InvalidArgumentError("a POST condition must be a mapping or a 3-item list, not %r" % (condition,))
    operator, first, second = condition
    if operator == "content-length-range":
        if not (_is_int(first) and _is_int(second) and 0 <= first <= second):
            raise InvalidArgumentError("content-length-range needs two integers 0 <= min <= max, not %r" % (condition,))
        return
    if operator not in MATCH_OPERATORS:
        raise InvalidArgumentError("a POST condition operator must be eq, starts-with or content-length-range")
    if not (isinstance(first, str) and first.startswith("$") and len(first) > 1 and isinstance(second, str)):
        raise InvalidArgumentError("a %s condition needs a '$field' and a string, not %r" % (operator, condition))


def _key_condition(key: str) -> Condition:
    if key.endswith(FILENAME_VARIABLE):
        return ["starts-with", "$key", key[: -len(FILENAME_VARIABLE)]]
    return {"key": key}


def policy_conditions(bucket: str, key: str, conditions: Optional[Sequence[Condition]]) -> List[Condition]:
    """The caller's conditions (checked and copied), then the bucket's and the key's."""
    out: List[Condition] = []
    for condition in conditions or ():
        validate_condition(condition)
        out.append(dict(condition) if isinstance(condition, Mapping) else list(condition))
    out.append({"bucket": bucket})
    out.append(_key_condition(key))
    return out


def expiration(now: datetime, expires: int) -> str:
    """The policy's ``expiration``: ``now`` + ``expires`` seconds, in UTC, to the second."""
    checked_presign_expires(expires)
    moment = now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)
    return (moment.astimezone(timezone.utc) + timedelta(seconds=expires)).strftime("%Y-%m-%dT%H:%M:%SZ")


def policy_document(expires_at: str, conditions: Sequence[Condition]) -> str:
    """The base64 policy: JSON with ``expiration`` first, as boto3 writes it."""
    text = json.dumps({"expiration": expires_at, "conditions": list(conditions)})
    return base64_text(text.encode("utf-8"))


def policy_signature(
    policy_base64: str, credentials: Credentials, *, now: datetime, region: str, signature_version: str
) -> str:
    """The signature field of a POST form: of the base64 policy text itself, byte for byte."""
    if signature_version == "2":
        return signature_v2(credentials.secret_key, policy_base64)
    return post_policy_signature(credentials, now=now, region=region, policy_base64=policy_base64)


def presigned_post_fields(
    bucket: str,
    key: str,
    credentials: Credentials,
    *,
    now: datetime,
    expires: int,
    signature_version: str = "4",
    region: str = "us-east-1",
    conditions: Optional[Sequence[Condition]] = None,
    fields: Optional[Mapping[str, str]] = None,
) -> Dict[str, str]:
    """The form fields of a presigned POST, in boto3's order: the caller's, ``key``, signing, ``policy``, signature."""
    if signature_version not in ("2", "4"):
        raise InvalidArgumentError("signature_version must be '2' or '4', not %r" % (signature_version,))
    out: Dict[str, str] = {str(name): str(value) for name, value in (fields or {}).items()}
    out["key"] = key
    policy = policy_conditions(bucket, key, conditions)
    expires_at = expiration(now, expires)
    if signature_version == "2":
        out["AWSAccessKeyId"] = credentials.access_key
        if credentials.session_token:
            out["x-amz-security-token"] = credentials.session_token
            policy.append({"x-amz-security-token": credentials.session_token})
        out["policy"] = policy_document(expires_at, policy)
        out["signature"] = policy_signature(out["policy"], credentials, now=now, region=region, signature_version="2")
        return out
    signing = {
        "x-amz-algorithm": ALGORITHM,
        "x-amz-credential": "%s/%s" % (credentials.access_key, scope(now, region, "s3")),
        "x-amz-date": amz_date(now),
    }
    if credentials.session_token:
        signing["x-amz-security-token"] = credentials.session_token
    for name, value in signing.items():
        out[name] = value
        policy.append({name: value})
    out["policy"] = policy_document(expires_at, policy)
    out["x-amz-signature"] = policy_signature(out["policy"], credentials, now=now, region=region, signature_version="4")
    return out
