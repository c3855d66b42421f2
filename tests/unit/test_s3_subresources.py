"""Sub-resource requests as sent, and the versions paginator's stop rules, with a recording client."""

from __future__ import annotations

from typing import Any, List, Tuple

import pytest

from aurora.errors import InvalidArgumentError, ProtocolError
from aurora.s3 import subresources


class Answer:
    def __init__(self, content: bytes) -> None:
        self.content = content


class RecordingClient:
    """Answers each request with the next body; records (method, bucket, key, query, body)."""

    def __init__(self, bodies: List[bytes]) -> None:
        self.bodies = list(bodies)
        self.sent: List[Tuple[Any, ...]] = []

    def request(self, method: str, bucket: Any = None, key: Any = None, **options: Any) -> Answer:
        self.sent.append((method, bucket, key, options.get("query", ()), options.get("body")))
        return Answer(self.bodies.pop(0) if self.bodies else b"")


def versions_page(truncated: bool, key_marker: str = "", version_marker: str = "", keys: str = "k") -> bytes:
    entries = "".join(
        "<Version><Key>%s</Key><VersionId>v</VersionId><Size>1</Size></Version>" % key for key in keys if key
    )
    return (
        "<ListVersionsResult><IsTruncated>%s</IsTruncated><NextKeyMarker>%s</NextKeyMarker>"
        "<NextVersionIdMarker>%s</NextVersionIdMarker>%s</ListVersionsResult>"
        % ("true" if truncated else "false", key_marker, version_marker, entries)
    ).encode()


def test_pages_follow_both_markers() -> None:
    client = RecordingClient(
        [versions_page(True, "a", "1", "a"), versions_page(True, "b", "", "b"), versions_page(False)]
    )
    pages = list(subresources.version_pages(client, "bkt", "p/", None))  # type: ignore[arg-type]
    assert len(pages) == 3
    queries = [dict(sent[3]) for sent in client.sent]
    assert all(
        query["versions"] == "" and query["prefix"] == "p/" and query["encoding-type"] == "url" for query in queries
    )
    assert "key-marker" not in queries[0]
    assert (queries[1]["key-marker"], queries[1]["version-id-marker"]) == ("a", "1")
    assert queries[2]["key-marker"] == "b" and "version-id-marker" not in queries[2]


@pytest.mark.parametrize(
    "bodies",
    [
        [versions_page(True, "a", "1"), versions_page(True, "b", "1"), versions_page(True, "a", "1")],
        [versions_page(True, "b", "1"), versions_page(True, "a", "1")],
        [versions_page(True, "", "")],
        [versions_page(True, "k%d" % i, "", "") for i in range(200)],
    ],
    ids=["repeated", "backwards", "no marker", "empty pages"],
)
def test_a_listing_that_would_never_end_is_refused(bodies: List[bytes]) -> None:
    client = RecordingClient(bodies)
    with pytest.raises(ProtocolError, match="ListObjectVersions of bucket bkt"):
        list(subresources.version_pages(client, "bkt", None, None))  # type: ignore[arg-type]


def test_tagging_requests() -> None:
    client = RecordingClient([b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>"])
    assert subresources.get_object_tagging(client, "b", "k", "v1") == {"a": "1"}  # type: ignore[arg-type]
    subresources.put_object_tagging(client, "b", "k", {"a": "1"})  # type: ignore[arg-type]
    subresources.delete_object_tagging(client, "b", "k")  # type: ignore[arg-type]
    assert [(sent[0], sent[3]) for sent in client.sent] == [
        ("GET", (("tagging", ""), ("versionId", "v1"))),
        ("PUT", (("tagging", ""),)),
        ("DELETE", (("tagging", ""),)),
    ]
    assert b"<Key>a</Key><Value>1</Value>" in client.sent[1][4]
    with pytest.raises(InvalidArgumentError):
        subresources.put_object_tagging(client, "b", "k", {"a": "x" * 257})  # type: ignore[arg-type]
    assert len(client.sent) == 3


def test_versioning_requests() -> None:
    client = RecordingClient([b"", b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"])
    subresources.put_bucket_versioning(client, "b", True)  # type: ignore[arg-type]
    assert subresources.get_bucket_versioning(client, "b") == "Enabled"  # type: ignore[arg-type]
    assert [(sent[0], sent[3]) for sent in client.sent] == [
        ("PUT", (("versioning", ""),)),
        ("GET", (("versioning", ""),)),
    ]
