"""Server-side copies: one CopyObject up to the threshold, parallel UploadPartCopy above it.

No byte of the object passes through the client.  S3 refuses a single
CopyObject of more than 5 GiB, so a larger source (or one above
``TransferConfig.multipart_copy_threshold``) is copied as a multipart upload
whose parts are ranges of the source, ``max_concurrency`` at a time.  Every
part is pinned to the source's ETag (``x-amz-copy-source-if-match``), so a
source replaced mid-copy fails the copy instead of mixing two versions; on
any failure the upload is aborted and the error carries its ``upload_id``.

A multipart copy does not copy metadata by itself (the new object gets the
headers of CreateMultipartUpload), so with the ``COPY`` directive the source's
content headers and ``x-amz-meta-*`` are read with a HEAD and sent along, and
the tags (when the HEAD counts some) with a GetObjectTagging.

An SSE-C source is read with its key (``source_sse``: the plain SSE-C
headers, sent as ``x-amz-copy-source-server-side-encryption-customer-*``);
an SSE-C destination gets its key from ``headers``, repeated on every part.

A source key holding ``%`` is copied with one CopyObject whenever S3 allows
(up to 5 GiB), whatever the threshold: Ceph RGW (Pacific) decodes the
``x-amz-copy-source`` of UploadPartCopy twice, answering NoSuchKey or even
crashing the gateway, while its CopyObject reads the same header correctly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Mapping, Optional, Tuple

from aurora.config import MAX_PART_SIZE, TransferConfig
from aurora.core.numbers import server_size
from aurora.core.parts import Part, plan_parts
from aurora.core.tagging import TAGGING_HEADER
from aurora.errors import InvalidArgumentError
from aurora.transfer.multipart import aborting_on_failure, part_headers, retag, server_etag
from aurora.transfer.reader import quoted_etag
from aurora.transfer.workers import PartRunner

if TYPE_CHECKING:
    from aurora.s3.client import S3Client
    from aurora.transport.response import Headers

__all__ = ["CopyOutcome", "copy_object", "carried_headers", "copy_source_headers", "COPIED_HEADERS"]

COPIED_HEADERS = (
    "Content-Type",
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Expires",
    "x-amz-website-redirect-location",
)
"""The source headers a multipart copy repeats under the ``COPY`` directive, with ``x-amz-meta-*``."""

Source = Tuple[str, str, Optional[str]]
"""Bucket, key and version id (None: the latest) of a copy's source."""


@dataclass(frozen=True)
class CopyOutcome:
    """What a copy produced.

    Attributes:
        etag: the new object's ETag, without quotes.
        upload_id: the multipart upload's id, None for a single CopyObject.
        part_count: number of parts copied, 0 for a single CopyObject.
    """

    etag: str
    upload_id: Optional[str]
    part_count: int


def carried_headers(source: Headers) -> Dict[str, str]:
    """The headers that give a multipart copy the source's metadata."""
    out: Dict[str, str] = {}
    for name in COPIED_HEADERS:
        value = source.get(name)
        if value is not None:
            out[name] = value
    for name in source:
        if name.lower().startswith("x-amz-meta-"):
            out[name.lower()] = source[name]
    return out


def copy_object(
    client: S3Client,
    src_bucket: str,
    src_key: str,
    bucket: str,
    key: str,
    *,
    config: TransferConfig,
    size: Optional[int] = None,
    headers: Optional[Mapping[str, str]] = None,
    source_sse: Optional[Mapping[str, str]] = None,
    source_version_id: Optional[str] = None,
) -> CopyOutcome:
    """Copy ``src_bucket/src_key`` to ``bucket/key`` on the server.

    Args:
        size: the source's size if known; None (or a size above the threshold,
            which is then checked) costs a HEAD of the source.
        headers: None to keep the source's metadata (``COPY``); otherwise the
            new object's headers (Content-Type, x-amz-meta-*...), which replace
            it (``REPLACE``).
        source_sse: the SSE-C headers (``x-amz-server-side-encryption-customer-*``)
            that read an SSE-C source.
        source_version_id: the version of the source to copy (None: the latest).

    Raises:
        MultipartUploadError: a multipart copy failed and was aborted (aurora
            errors raised by a part carry ``upload_id`` instead).
    """
    threshold = MAX_PART_SIZE if "%" in src_key else config.multipart_copy_threshold
    reading = copy_source_headers(source_sse or {})
    source = (src_bucket, src_key, source_version_id)
    if size is not None and size <= threshold:
        return _single_copy(client, source, bucket, key, headers, reading)
    head = client.with_version_id(source_version_id).head_object(src_bucket, src_key, headers=source_sse or None)
    actual = server_size(head.get("Content-Length")) or 0
    if actual <= threshold:
        return _single_copy(client, source, bucket, key, headers, reading)
    object_headers = dict(headers) if headers is not None else carried_headers(head)
    if headers is None and (head.get("x-amz-tagging-count") or "0") != "0":
        object_headers[TAGGING_HEADER] = _source_tags(client, source, source_sse)
    pin = dict(reading)
    pin["x-amz-copy-source-if-match"] = quoted_etag(head.get("ETag") or "")
    return _multipart_copy(client, source, bucket, key, actual, pin, object_headers, config)


def _source_tags(client: S3Client, source: Source, source_sse: Optional[Mapping[str, str]]) -> str:
    """The source's tags as an ``x-amz-tagging`` value, which a multipart copy must send itself."""
    from aurora.core.tagging import tagging_header
    from aurora.s3.subresources import get_object_tagging

    return tagging_header(get_object_tagging(client, source[0], source[1], source[2]))


def copy_source_headers(sse_headers: Mapping[str, str]) -> Dict[str, str]:
    """``x-amz-server-side-encryption-customer-*`` renamed ``x-amz-copy-source-server-side-...``."""
    return {"x-amz-copy-source-" + name[len("x-amz-") :]: value for name, value in sse_headers.items()}


def _single_copy(
    client: S3Client,
    source: Source,
    bucket: str,
    key: str,
    headers: Optional[Mapping[str, str]],
    reading: Mapping[str, str],
) -> CopyOutcome:
    extra: Dict[str, str] = {"x-amz-metadata-directive": "COPY" if headers is None else "REPLACE"}
    extra.update(headers or {})
    if TAGGING_HEADER in extra:  # the new tags replace the source's, as the headers replace its metadata
        extra["x-amz-tagging-directive"] = "REPLACE"
    extra.update(reading)
    result = client.copy_object(source[0], source[1], bucket, key, headers=extra, src_version_id=source[2])
    retag(client, bucket, key, headers or {})  # RGW (Pacific) drops the tags of a CopyObject
    return CopyOutcome(etag=result.etag, upload_id=None, part_count=0)


def _multipart_copy(
    client: S3Client,
    source: Source,
    bucket: str,
    key: str,
    size: int,
    pin: Mapping[str, str],
    headers: Mapping[str, str],
    config: TransferConfig,
) -> CopyOutcome:
    """Parts copied with ``pin`` (the source's ETag and SSE-C key) and the destination's SSE-C headers."""
    if pin["x-amz-copy-source-if-match"] == '""':
        raise InvalidArgumentError("%s/%s has no ETag to pin a multipart copy to" % source[:2])
    parts = plan_parts(size, config.multipart_copy_part_size)
    pin = {**pin, **part_headers(headers)}
    upload_id = client.create_multipart_upload(bucket, key, headers=headers)
    with aborting_on_failure(client, bucket, key, upload_id):
        with PartRunner[Tuple[int, str]](config.max_concurrency, "aurora-copy") as runner:
            for part in parts:
                runner.submit(_copy_part, client, source, bucket, key, upload_id, part, pin)
            copied = runner.results()
        completed = client.complete_multipart_upload(bucket, key, upload_id, copied)
    final, _ = server_etag(client, bucket, key, completed.etag, headers)
    retag(client, bucket, key, headers)
    return CopyOutcome(etag=final, upload_id=upload_id, part_count=len(copied))


def _copy_part(
    client: S3Client,
    source: Source,
    bucket: str,
    key: str,
    upload_id: str,
    part: Part,
    pin: Mapping[str, str],
) -> Tuple[int, str]:
    """Copy one range of the source as one part (on a worker thread)."""
    byte_range = (part.offset, part.offset + part.size - 1)
    result = client.upload_part_copy(
        source[0], source[1], bucket, key, upload_id, part.number, byte_range, headers=pin, src_version_id=source[2]
    )
    return part.number, result.etag
