"""S3 operations on sub-resources: bucket versioning, object versions, object tags.

One thin function per operation, each sending through :meth:`S3Client.request`
(so signed afresh and retried like every other request) and parsing with the
pure parsers of ``aurora.core``.  They live beside the client, not in it, to
keep the client about objects and multipart uploads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional, Tuple

from aurora.s3.client import content_md5, given_pairs

if TYPE_CHECKING:
    from aurora.core.versions import ListVersionsResult
    from aurora.s3.client import S3Client

__all__ = [
    "version_query",
    "get_bucket_versioning",
    "put_bucket_versioning",
    "list_object_versions",
    "version_pages",
    "get_object_tagging",
    "put_object_tagging",
    "delete_object_tagging",
]

Query = Tuple[Tuple[str, str], ...]


def version_query(version_id: Optional[str]) -> Query:
    """``versionId=...`` for a version, nothing for the latest."""
    return (("versionId", version_id),) if version_id else ()


def get_bucket_versioning(client: S3Client, bucket: str) -> Optional[str]:
    """``"Enabled"``, ``"Suspended"``, or None for a bucket that never had versioning."""
    from aurora.core.versions import parse_versioning

    return parse_versioning(client.request("GET", bucket, query=(("versioning", ""),)).content)


def put_bucket_versioning(client: S3Client, bucket: str, enabled: bool) -> None:
    from aurora.core.versions import versioning_xml

    body = versioning_xml(enabled)
    client.request("PUT", bucket, query=(("versioning", ""),), body=body, headers={"Content-MD5": content_md5(body)})


def list_object_versions(
    client: S3Client,
    bucket: str,
    *,
    prefix: Optional[str] = None,
    delimiter: Optional[str] = None,
    key_marker: Optional[str] = None,
    version_id_marker: Optional[str] = None,
    max_keys: Optional[int] = None,
) -> ListVersionsResult:
    """One page of ListObjectVersions; keys url-encoded on the wire."""
    from aurora.core.versions import parse_list_versions

    query = given_pairs(
        ("prefix", prefix),
        ("delimiter", delimiter),
        ("key-marker", key_marker),
        ("version-id-marker", version_id_marker if key_marker else None),
        ("max-keys", str(max_keys) if max_keys is not None else None),
    )
    return parse_list_versions(
        client.request("GET", bucket, query=(("versions", ""),) + query + (("encoding-type", "url"),)).content
    )


def version_pages(
    client: S3Client, bucket: str, prefix: Optional[str], delimiter: Optional[str]
) -> Iterator[ListVersionsResult]:
    """Every page of ListObjectVersions, bounded like every listing (:func:`~aurora.s3.paginators.keyed_pages`)."""
    from aurora.s3.paginators import KeyedNext, PageGuard, keyed_pages

    def fetch(key_marker: Optional[str], version_marker: Optional[str]) -> ListVersionsResult:
        return list_object_versions(
            client, bucket, prefix=prefix, delimiter=delimiter, key_marker=key_marker, version_id_marker=version_marker
        )

    def next_of(page: ListVersionsResult) -> KeyedNext:
        return page.next_key_marker, page.next_version_id_marker, len(page.versions) + len(page.common_prefixes)

    return keyed_pages(PageGuard(bucket, "ListObjectVersions"), fetch, next_of)


def _tagging_query(version_id: Optional[str]) -> Query:
    return (("tagging", ""),) + version_query(version_id)


def get_object_tagging(client: S3Client, bucket: str, key: str, version_id: Optional[str] = None) -> Dict[str, str]:
    from aurora.core.tagging import parse_tagging

    return parse_tagging(client.request("GET", bucket, key, query=_tagging_query(version_id)).content)


def put_object_tagging(client: S3Client, bucket: str, key: str, tags: Any, version_id: Optional[str] = None) -> None:
    """Replace the object's tags with ``tags`` (checked against S3's limits before sending)."""
    from aurora.core.tagging import tagging_xml

    body = tagging_xml(tags)
    headers = {"Content-MD5": content_md5(body)}
    client.request("PUT", bucket, key, query=_tagging_query(version_id), body=body, headers=headers)


def delete_object_tagging(client: S3Client, bucket: str, key: str, version_id: Optional[str] = None) -> None:
    client.request("DELETE", bucket, key, query=_tagging_query(version_id))
