"""What every multipart upload shares: abort on failure, and the final ETag check.

A failed multipart upload must not be left behind on the server (it is billed
and invisible), so the upload is aborted whatever went wrong, and the error
raised says which upload it was.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, Mapping, Optional, Sequence, Tuple

from aurora._log import Log
from aurora.core.encoding import base64_text
from aurora.core.parts import multipart_etag
from aurora.errors import AuroraError, MultipartUploadError, ObjectHashMismatchError

if TYPE_CHECKING:
    from aurora.s3.client import S3Client
    from aurora.transport.response import Headers

__all__ = [
    "aborting_on_failure",
    "abort_quietly",
    "is_encrypted",
    "server_etag",
    "check_multipart_etag",
    "check_single_etag",
    "b64",
    "part_headers",
    "retag",
]

log = Log("aurora.transfer")

SSE_HEADER = "x-amz-server-side-encryption"
SSE_C_HEADER = "x-amz-server-side-encryption-customer-algorithm"
SSE_C_PREFIX = "x-amz-server-side-encryption-customer-"


def b64(digest: bytes) -> str:
    """A binary digest as a ``Content-MD5`` header value."""
    return base64_text(digest)


def _lower(headers: Optional[Mapping[str, str]]) -> Mapping[str, str]:
    return {name.lower(): value for name, value in (headers or {}).items()}


def is_encrypted(*header_sets: Optional[Mapping[str, str]]) -> bool:
    """Whether SSE-KMS or SSE-C applies, so the ETag is not an MD5 of the data."""
    for headers in header_sets:
        lowered = _lower(headers)
        if lowered.get(SSE_HEADER, "").lower().startswith("aws:kms") or SSE_C_HEADER in lowered:
            return True
    return False


def part_headers(object_headers: Mapping[str, str]) -> Mapping[str, str]:
    """The SSE-C headers every part must repeat (the object's other headers are not sent)."""
    return {name: value for name, value in object_headers.items() if name.lower().startswith(SSE_C_PREFIX)}


def retag(client: S3Client, bucket: str, key: str, object_headers: Mapping[str, str]) -> None:
    """Tag a completed multipart object with the ``x-amz-tagging`` it was created with.

    S3 applies the tags given to CreateMultipartUpload; Ceph RGW (Pacific)
    accepts them and drops them, so they are set again once the object exists.
    """
    from urllib.parse import parse_qsl

    from aurora.core.tagging import TAGGING_HEADER
    from aurora.s3.subresources import put_object_tagging

    value = _lower(object_headers).get(TAGGING_HEADER)
    if value:
        put_object_tagging(client, bucket, key, dict(parse_qsl(value, keep_blank_values=True, strict_parsing=True)))


def abort_quietly(client: S3Client, bucket: str, key: str, upload_id: str) -> None:
    """Abort an upload; a failure is logged, since the caller is raising another error."""
    try:
        client.abort_multipart_upload(bucket, key, upload_id)
    except Exception as exc:  # noqa: BLE001 - never hide the original failure
        log.warning("could not abort multipart upload %s of %s/%s: %s", upload_id, bucket, key, exc)
    else:
        log.info("aborted multipart upload %s of %s/%s", upload_id, bucket, key)


@contextmanager
def aborting_on_failure(client: S3Client, bucket: str, key: str, upload_id: str) -> Iterator[None]:
    """Abort ``upload_id`` if the block raises, and name it on the error.

    aurora errors are re-raised with ``upload_id`` set; other exceptions are
    wrapped in :class:`MultipartUploadError` (the original as ``__cause__``).
    ``KeyboardInterrupt`` and ``SystemExit`` are re-raised unchanged after the
    abort, so an interrupt still stops the program.
    """
    try:
        yield
    except BaseException as exc:
        abort_quietly(client, bucket, key, upload_id)
        if isinstance(exc, AuroraError):
            if exc.upload_id is None:
                exc.upload_id = upload_id
            raise
        if not isinstance(exc, Exception):
            raise
        raise MultipartUploadError(
            "multipart upload of %s/%s failed and was aborted: %s: %s" % (bucket, key, type(exc).__name__, exc),
            container_name=bucket,
            object_name=key,
            upload_id=upload_id,
        ) from exc


def server_etag(
    client: S3Client, bucket: str, key: str, given: str, object_headers: Mapping[str, str]
) -> Tuple[str, Optional[Headers]]:
    """The object's ETag (no quotes): ``given``, or from a HEAD when the server sent none.

    Ceph RGW answers CompleteMultipartUpload with an empty ``<ETag/>``.  The
    HEAD repeats the SSE-C headers, without which an SSE-C object cannot be read.
    """
    etag = given.strip().strip('"')
    if etag:
        return etag, None
    headers = client.head_object(bucket, key, headers=part_headers(object_headers) or None)
    return (headers.get("ETag") or "").strip().strip('"'), headers


def check_multipart_etag(
    client: S3Client,
    bucket: str,
    key: str,
    upload_id: str,
    etag: str,
    part_md5s: Optional[Sequence[bytes]],
    headers: Sequence[Optional[Mapping[str, str]]],
) -> None:
    """Raise when the completed object's ETag is not the MD5 of the parts' MD5s.

    ``part_md5s`` None means the parts' MD5s are unknown (a part ETag that is
    not an MD5), which only an encrypted object explains.  A KMS- or
    SSE-C-encrypted object has a different ETag, so a mismatch is only
    reported after a HEAD confirms the object is not encrypted that way.
    """
    expected = multipart_etag(part_md5s) if part_md5s else None
    if (expected is not None and etag.lower() == expected.lower()) or is_encrypted(*headers):
        return
    if is_encrypted(client.head_object(bucket, key)):
        return
    reason = (
        "differs from %s computed from the parts sent" % expected
        if expected
        else ("cannot be checked: the server's part ETags are not MD5s")
    )
    raise ObjectHashMismatchError(
        "multipart upload %s of %s/%s completed, so the object now exists, but its ETag %s %s"
        % (upload_id, bucket, key, etag, reason),
        None,
        key,
        container_name=bucket,
        upload_id=upload_id,
    )


def check_single_etag(
    bucket: str, key: str, etag: str, md5_hex: str, headers: Sequence[Optional[Mapping[str, str]]]
) -> None:
    """Raise when a single PUT's ETag is not the MD5 sent (unless KMS or SSE-C apply)."""
    if etag.lower() == md5_hex or is_encrypted(*headers):
        return
    raise ObjectHashMismatchError(
        "object %s/%s was stored but its ETag %s differs from the MD5 %s of the data sent"
        % (bucket, key, etag, md5_hex),
        None,
        key,
        container_name=bucket,
    )
