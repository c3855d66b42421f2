"""Bucket versioning: the ``VersioningConfiguration`` XML and ListObjectVersions pages.

A versions page interleaves ``<Version>`` and ``<DeleteMarker>`` elements in
key order (newest version of a key first); the parser returns them in that
order whatever order they came in, so a caller sees each key's history from
the latest down.  The page's markers
(``NextKeyMarker``, ``NextVersionIdMarker``) are read like ListObjects' next
marker: url-decoded unless the server left the key raw (Ceph RGW does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Tuple
from xml.etree import ElementTree as ET

from aurora.core.xml import (
    Decoder,
    _bool,
    _common_prefixes,
    _decoder,
    _echoed_marker,
    _etag,
    _int,
    _local,
    _none_if_empty,
    _parse_root,
    _path_text,
    _required,
    _text,
)
from aurora.core.xml_build import _document
from aurora.errors import XMLParseError

__all__ = [
    "VERSIONING_STATES",
    "ObjectVersion",
    "ListVersionsResult",
    "versioning_xml",
    "parse_versioning",
    "parse_list_versions",
]

VERSIONING_STATES = ("Enabled", "Suspended")


@dataclass(frozen=True)
class ObjectVersion:
    """One version of an object, or a delete marker (which has no size or ETag)."""

    key: str
    version_id: str
    is_latest: bool
    is_delete_marker: bool
    size: Optional[int]
    etag: Optional[str]
    last_modified: Optional[str]
    storage_class: Optional[str] = None
    owner_id: Optional[str] = None
    owner_name: Optional[str] = None


@dataclass(frozen=True)
class ListVersionsResult:
    """One page of ListObjectVersions."""

    versions: Tuple[ObjectVersion, ...] = ()
    common_prefixes: Tuple[str, ...] = ()
    is_truncated: bool = False
    next_key_marker: Optional[str] = None
    next_version_id_marker: Optional[str] = None


def versioning_xml(enabled: bool) -> bytes:
    """The PutBucketVersioning body: ``Enabled``, or ``Suspended`` (a bucket cannot go back to never)."""
    status = "Enabled" if enabled else "Suspended"
    return _document("VersioningConfiguration", "<Status>%s</Status>" % status)


def parse_versioning(body: bytes) -> Optional[str]:
    """``"Enabled"``, ``"Suspended"``, or None for a bucket that never had versioning."""
    status = (_text(_parse_root(body), "Status") or "").strip()  # moto names the root GetBucketVersioningResponse
    if not status:
        return None
    if status not in VERSIONING_STATES:
        raise XMLParseError("unknown versioning status %r" % (status[:40],))
    return status


def _version(node: ET.Element, decode: Decoder, marker: bool) -> ObjectVersion:
    size = None if marker else _int(_text(node, "Size"), "Size")
    return ObjectVersion(
        key=decode(_required(node, "Key")),
        version_id=_required(node, "VersionId").strip(),
        is_latest=_bool(node, "IsLatest"),
        is_delete_marker=marker,
        size=size,
        etag=None if marker else _etag(_text(node, "ETag")),
        last_modified=_text(node, "LastModified"),
        storage_class=None if marker else _text(node, "StorageClass"),
        owner_id=_path_text(node, "Owner", "ID"),
        owner_name=_path_text(node, "Owner", "DisplayName"),
    )


def _newest_first(versions: Iterable[ObjectVersion]) -> Tuple[ObjectVersion, ...]:
    """Key order, and each key's versions from the latest down.

    S3 and RGW send them so; moto sends a page's delete markers after its
    versions, which this puts back in place (by IsLatest, then LastModified).
    """
    by_time = sorted(versions, key=lambda v: v.last_modified or "", reverse=True)
    return tuple(sorted(by_time, key=lambda v: (v.key, not v.is_latest)))


def parse_list_versions(body: bytes, *, url_encoded: Optional[bool] = None) -> ListVersionsResult:
    """One page of ListObjectVersions (``ListVersionsResult``), versions and delete markers in order."""
    root = _parse_root(body)  # ListVersionsResult, whatever a server calls it
    decode = _decoder(root, url_encoded)
    versions = _newest_first(
        _version(node, decode, _local(node.tag) == "DeleteMarker")
        for node in root
        if _local(node.tag) in ("Version", "DeleteMarker")
    )
    prefixes = _common_prefixes(root, decode)
    ends = tuple(v.key for v in versions[-1:]) + prefixes[-1:]
    return ListVersionsResult(
        versions=versions,
        common_prefixes=prefixes,
        is_truncated=_bool(root, "IsTruncated"),
        next_key_marker=_echoed_marker(_none_if_empty(_text(root, "NextKeyMarker")), decode, ends),
        next_version_id_marker=_none_if_empty(_text(root, "NextVersionIdMarker")),
    )
