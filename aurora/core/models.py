"""Frozen values parsed from (or built into) S3 XML bodies.

ETags are kept as the server sent them minus the surrounding quotes.
Timestamps are kept as the ISO-8601 strings the server sent.

They are named tuples: making one is several times cheaper than making a
frozen dataclass (a listing makes one per key), and defining the thirteen
of them costs a tenth of what the dataclass machinery costs at start-up.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple

__all__ = [
    "BucketInfo",
    "ObjectInfo",
    "ListObjectsResult",
    "MultipartUploadInfo",
    "ListMultipartUploadsResult",
    "InitiateMultipartResult",
    "CompleteMultipartResult",
    "PartInfo",
    "ListPartsResult",
    "CopyResult",
    "ErrorDocument",
    "DeleteError",
    "DeleteObjectsResult",
]


class BucketInfo(NamedTuple):
    name: str
    creation_date: Optional[str] = None


class ObjectInfo(NamedTuple):
    key: str
    size: int
    etag: str
    last_modified: Optional[str] = None
    storage_class: Optional[str] = None
    owner_id: Optional[str] = None
    owner_name: Optional[str] = None


class ListObjectsResult(NamedTuple):
    """One page of ListObjects (V1 or V2)."""

    objects: Tuple[ObjectInfo, ...] = ()
    common_prefixes: Tuple[str, ...] = ()
    is_truncated: bool = False
    next_marker: Optional[str] = None
    next_continuation_token: Optional[str] = None
    name: Optional[str] = None
    prefix: Optional[str] = None


class MultipartUploadInfo(NamedTuple):
    key: str
    upload_id: str
    initiated: Optional[str] = None
    initiator_id: Optional[str] = None
    initiator_name: Optional[str] = None
    owner_id: Optional[str] = None
    owner_name: Optional[str] = None
    storage_class: Optional[str] = None


class ListMultipartUploadsResult(NamedTuple):
    uploads: Tuple[MultipartUploadInfo, ...] = ()
    common_prefixes: Tuple[str, ...] = ()
    is_truncated: bool = False
    next_key_marker: Optional[str] = None
    next_upload_id_marker: Optional[str] = None


class InitiateMultipartResult(NamedTuple):
    bucket: str
    key: str
    upload_id: str


class CompleteMultipartResult(NamedTuple):
    location: Optional[str]
    bucket: Optional[str]
    key: Optional[str]
    etag: str
    version_id: Optional[str] = None


class PartInfo(NamedTuple):
    part_number: int
    etag: str
    size: int = 0
    last_modified: Optional[str] = None


class ListPartsResult(NamedTuple):
    parts: Tuple[PartInfo, ...] = ()
    is_truncated: bool = False
    next_part_number_marker: Optional[int] = None


class CopyResult(NamedTuple):
    """CopyObject or UploadPartCopy answer."""

    etag: str
    last_modified: Optional[str] = None


class ErrorDocument(NamedTuple):
    """An S3 ``<Error>`` body."""

    code: Optional[str] = None
    message: Optional[str] = None
    request_id: Optional[str] = None
    host_id: Optional[str] = None
    resource: Optional[str] = None
    bucket_name: Optional[str] = None
    key: Optional[str] = None
    extra: Tuple[Tuple[str, str], ...] = ()


class DeleteError(NamedTuple):
    key: str
    code: Optional[str] = None
    message: Optional[str] = None


class DeleteObjectsResult(NamedTuple):
    deleted: Tuple[str, ...] = ()
    errors: Tuple[DeleteError, ...] = ()
