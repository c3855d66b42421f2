"""Frozen values parsed from (or built into) S3 XML bodies.

ETags are kept as the server sent them minus the surrounding quotes.
Timestamps are kept as the ISO-8601 strings the server sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

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


@dataclass(frozen=True)
class BucketInfo:
    name: str
    creation_date: Optional[str] = None


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    last_modified: Optional[str] = None
    storage_class: Optional[str] = None
    owner_id: Optional[str] = None
    owner_name: Optional[str] = None


@dataclass(frozen=True)
class ListObjectsResult:
    """One page of ListObjects (V1 or V2)."""

    objects: Tuple[ObjectInfo, ...] = ()
    common_prefixes: Tuple[str, ...] = ()
    is_truncated: bool = False
    next_marker: Optional[str] = None
    next_continuation_token: Optional[str] = None
    name: Optional[str] = None
    prefix: Optional[str] = None


@dataclass(frozen=True)
class MultipartUploadInfo:
    key: str
    upload_id: str
    initiated: Optional[str] = None
    initiator_id: Optional[str] = None
    initiator_name: Optional[str] = None
    owner_id: Optional[str] = None
    owner_name: Optional[str] = None
    storage_class: Optional[str] = None


@dataclass(frozen=True)
class ListMultipartUploadsResult:
    uploads: Tuple[MultipartUploadInfo, ...] = ()
    common_prefixes: Tuple[str, ...] = ()
    is_truncated: bool = False
    next_key_marker: Optional[str] = None
    next_upload_id_marker: Optional[str] = None


@dataclass(frozen=True)
class InitiateMultipartResult:
    bucket: str
    key: str
    upload_id: str


@dataclass(frozen=True)
class CompleteMultipartResult:
    location: Optional[str]
    bucket: Optional[str]
    key: Optional[str]
    etag: str
    version_id: Optional[str] = None


@dataclass(frozen=True)
class PartInfo:
    part_number: int
    etag: str
    size: int = 0
    last_modified: Optional[str] = None


@dataclass(frozen=True)
class ListPartsResult:
    parts: Tuple[PartInfo, ...] = ()
    is_truncated: bool = False
    next_part_number_marker: Optional[int] = None


@dataclass(frozen=True)
class CopyResult:
    """CopyObject or UploadPartCopy answer."""

    etag: str
    last_modified: Optional[str] = None


@dataclass(frozen=True)
class ErrorDocument:
    """An S3 ``<Error>`` body."""

    code: Optional[str] = None
    message: Optional[str] = None
    request_id: Optional[str] = None
    host_id: Optional[str] = None
    resource: Optional[str] = None
    bucket_name: Optional[str] = None
    key: Optional[str] = None
    extra: Tuple[Tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class DeleteError:
    key: str
    code: Optional[str] = None
    message: Optional[str] = None


@dataclass(frozen=True)
class DeleteObjectsResult:
    deleted: Tuple[str, ...] = ()
    errors: Tuple[DeleteError, ...] = ()
