"""Versioning XML and ListObjectVersions pages, as AWS, Ceph RGW and moto send them."""

from __future__ import annotations

import pytest

from aurora.core.versions import parse_list_versions, parse_versioning, versioning_xml
from aurora.errors import XMLParseError

PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>
  <NextKeyMarker>doc%20b</NextKeyMarker><NextVersionIdMarker>v3</NextVersionIdMarker>
  <MaxKeys>3</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
  <DeleteMarker><Key>doc%20a</Key><VersionId>v9</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-01-02T00:00:00.000Z</LastModified><Owner><ID>o</ID><DisplayName>O</DisplayName></Owner></DeleteMarker>
  <Version><Key>doc%20a</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest>
    <LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>5</Size>
    <StorageClass>STANDARD</StorageClass></Version>
  <Version><Key>doc%20b</Key><VersionId>v3</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"def"</ETag><Size>0</Size></Version>
  <CommonPrefixes><Prefix>dir%2F</Prefix></CommonPrefixes>
</ListVersionsResult>"""


def test_page_keeps_order_and_reads_every_field() -> None:
    page = parse_list_versions(PAGE)
    assert [(v.key, v.version_id, v.is_latest, v.is_delete_marker) for v in page.versions] == [
        ("doc a", "v9", True, True),
        ("doc a", "v1", False, False),
        ("doc b", "v3", True, False),
    ]
    marker, old, empty = page.versions
    assert marker.size is None and marker.etag is None and marker.owner_name == "O"
    assert old.size == 5 and old.etag == "abc" and old.storage_class == "STANDARD"
    assert empty.size == 0 and empty.etag == "def"
    assert page.common_prefixes == ("dir/",)
    assert page.is_truncated and page.next_key_marker == "doc b" and page.next_version_id_marker == "v3"


def test_raw_next_key_marker_as_rgw_sends_it() -> None:
    raw = PAGE.replace(b"<NextKeyMarker>doc%20b</NextKeyMarker>", b"<NextKeyMarker>doc b</NextKeyMarker>")
    assert parse_list_versions(raw).next_key_marker == "doc b"


def test_without_namespace_or_encoding_and_any_root() -> None:
    body = (
        b"<ListObjectVersionsOutput><Version><Key>a+b</Key><VersionId>null</VersionId>"
        b"<IsLatest>true</IsLatest><Size>1</Size></Version></ListObjectVersionsOutput>"
    )
    page = parse_list_versions(body)
    assert [(v.key, v.version_id) for v in page.versions] == [("a+b", "null")]
    assert not page.is_truncated and page.next_key_marker is None


@pytest.mark.parametrize(
    "body",
    [
        b"<ListVersionsResult><Version><VersionId>v</VersionId><Size>1</Size></Version></ListVersionsResult>",
        b"<ListVersionsResult><Version><Key>k</Key><Size>1</Size></Version></ListVersionsResult>",
        b"<ListVersionsResult><Version><Key>k</Key><VersionId>v</VersionId><Size>-1</Size></Version></ListVersionsResult>",
        b"<ListVersionsResult><IsTruncated>maybe</IsTruncated></ListVersionsResult>",
        b"",
    ],
)
def test_malformed_pages_are_refused(body: bytes) -> None:
    with pytest.raises(XMLParseError):
        parse_list_versions(body)


def test_versioning_documents() -> None:
    assert versioning_xml(True).endswith(b"<Status>Enabled</Status></VersioningConfiguration>")
    assert versioning_xml(False).endswith(b"<Status>Suspended</Status></VersioningConfiguration>")
    assert parse_versioning(b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>') is None
    assert (
        parse_versioning(b"<GetBucketVersioningResponse><Status>Enabled</Status></GetBucketVersioningResponse>")
        == "Enabled"
    )
    assert (
        parse_versioning(b"<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>")
        == "Suspended"
    )
    with pytest.raises(XMLParseError):
        parse_versioning(b"<VersioningConfiguration><Status>Sometimes</Status></VersioningConfiguration>")


def test_delete_markers_sent_apart_are_put_back_in_place() -> None:
    """moto sends a page's delete markers after its versions."""
    body = (
        b"<ListVersionsResult>"
        b"<Version><Key>a</Key><VersionId>a1</VersionId><IsLatest>false</IsLatest>"
        b"<LastModified>2026-01-01T00:00:01.000Z</LastModified><Size>1</Size></Version>"
        b"<Version><Key>a</Key><VersionId>a2</VersionId><IsLatest>false</IsLatest>"
        b"<LastModified>2026-01-01T00:00:02.000Z</LastModified><Size>1</Size></Version>"
        b"<Version><Key>b</Key><VersionId>b1</VersionId><IsLatest>true</IsLatest>"
        b"<LastModified>2026-01-01T00:00:00.000Z</LastModified><Size>1</Size></Version>"
        b"<DeleteMarker><Key>a</Key><VersionId>a3</VersionId><IsLatest>true</IsLatest>"
        b"<LastModified>2026-01-01T00:00:02.000Z</LastModified></DeleteMarker>"
        b"</ListVersionsResult>"
    )
    assert [v.version_id for v in parse_list_versions(body).versions] == ["a3", "a2", "a1", "b1"]
