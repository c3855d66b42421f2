"""Versions, tags and metadata edits in place, through the driver, against RGW and moto.

Each test runs on every offered server, signed with SigV4 and SigV2, in its own
bucket.  Sizes are small; the multipart paths are reached by the low thresholds
of CONFIG (5 MiB parts, 8 MiB copy threshold).
"""

from __future__ import annotations

import io
import os
from typing import Any, Dict, Iterator, List

import pytest

import aurora
from aurora import Provider, get_driver
from aurora.config import Config, MiB, TransferConfig
from aurora.drivers.s3 import BaseS3StorageDriver
from aurora.errors import InvalidArgumentError, ObjectDoesNotExistError

CONFIG = Config(
    transfer=TransferConfig(
        part_size=5 * MiB,
        multipart_threshold=5 * MiB,
        max_concurrency=3,
        multipart_copy_threshold=8 * MiB,
        multipart_copy_part_size=5 * MiB,
    )
)
SSE_KEY = bytes(range(32))


def make_driver(server: Any, signature_version: str) -> BaseS3StorageDriver:
    cls = get_driver(Provider.S3_RGW) if server.name == "rgw" else get_driver(Provider.S3)
    return cls(
        server.access_key,
        server.secret_key,
        secure=False,
        host=server.host,
        port=server.port,
        region=server.region,
        signature_version=signature_version,
        ex_config=CONFIG,
    )


@pytest.fixture(params=["4", "2"], ids=["sigv4", "sigv2"])
def driver(request: pytest.FixtureRequest, s3_server: Any) -> Iterator[BaseS3StorageDriver]:
    drv = make_driver(s3_server, request.param)
    yield drv
    drv.close()


@pytest.fixture
def container(driver: BaseS3StorageDriver, bucket_name: str) -> aurora.Container:
    return driver.create_container(bucket_name)


@pytest.fixture
def versioned(driver: BaseS3StorageDriver, container: aurora.Container) -> aurora.Container:
    driver.ex_set_container_versioning(container, True)
    return container


def put(driver: BaseS3StorageDriver, container: aurora.Container, key: str, data: bytes) -> aurora.Object:
    return driver.upload_object_via_stream(iter([data]), container, key)


def read(driver: BaseS3StorageDriver, obj: aurora.Object, version_id: Any = None) -> bytes:
    return b"".join(driver.download_object_as_stream(obj, ex_version_id=version_id))


def versions_of(driver: BaseS3StorageDriver, container: aurora.Container, key: str) -> List[aurora.Object]:
    return [v for v in driver.ex_iterate_object_versions(container, prefix=key) if v.name == key]


# -- versioning ----------------------------------------------------------------------


def test_versioning_state(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    assert driver.ex_get_container_versioning(container) is None
    driver.ex_set_container_versioning(container, True)
    assert driver.ex_get_container_versioning(container) == "Enabled"
    driver.ex_set_container_versioning(container, False)
    assert driver.ex_get_container_versioning(container) == "Suspended"


def test_versions_listed_read_restored_and_deleted(
    driver: BaseS3StorageDriver, versioned: aurora.Container, tmp_path: Any
) -> None:
    first = put(driver, versioned, "doc.txt", b"first")
    second = put(driver, versioned, "doc.txt", b"second, longer")
    assert first.extra["version_id"] and second.extra["version_id"]
    assert first.extra["version_id"] != second.extra["version_id"]
    listed = versions_of(driver, versioned, "doc.txt")
    assert [v.extra["version_id"] for v in listed] == [second.extra["version_id"], first.extra["version_id"]]
    assert [v.extra["is_latest"] for v in listed] == [True, False]
    assert [v.size for v in listed] == [14, 5]
    assert listed[1].hash == first.hash and listed[1].extra["last_modified"]
    assert not any(v.extra["is_delete_marker"] for v in listed)
    latest = driver.get_object(versioned.name, "doc.txt")
    assert latest.extra["version_id"] == second.extra["version_id"]
    old_id = first.extra["version_id"]
    # read the old version every way
    assert driver.get_object(versioned.name, "doc.txt", ex_version_id=old_id).size == 5
    assert read(driver, latest, old_id) == b"first"
    assert b"".join(driver.download_object_range_as_stream(latest, 1, 4, ex_version_id=old_id)) == b"irs"
    target = str(tmp_path / "old.txt")
    assert driver.download_object(latest, target, ex_version_id=old_id)
    assert (tmp_path / "old.txt").read_bytes() == b"first"
    assert driver.download_object_range(latest, str(tmp_path / "part"), 0, 2, ex_version_id=old_id)
    assert (tmp_path / "part").read_bytes() == b"fi"
    # restore by copying the old version onto the key
    restored = driver.ex_copy_object(latest, versioned, "doc.txt", ex_version_id=old_id)
    assert read(driver, restored) == b"first"
    assert restored.extra["version_id"] not in (old_id, second.extra["version_id"])
    assert len(versions_of(driver, versioned, "doc.txt")) == 3
    # delete: a marker first, then each version for good
    driver.delete_object(restored)
    with pytest.raises(ObjectDoesNotExistError):
        driver.get_object(versioned.name, "doc.txt")
    listed = versions_of(driver, versioned, "doc.txt")
    markers = [v for v in listed if v.extra["is_delete_marker"]]
    assert len(markers) == 1 and markers[0].extra["is_latest"] and markers[0].hash is None
    for version in listed:
        driver.delete_object(version, ex_version_id=version.extra["version_id"])
    assert versions_of(driver, versioned, "doc.txt") == []


def test_versions_listing_pages_and_delimiter(driver: BaseS3StorageDriver, versioned: aurora.Container) -> None:
    client = driver.client
    for index in range(3):
        for round_ in range(2):
            put(driver, versioned, "dir/k%d" % index, b"%d-%d" % (index, round_))
    put(driver, versioned, "top", b"t")
    from aurora.s3 import subresources

    pages: List[Any] = []
    original = subresources.list_object_versions

    def small_pages(*args: Any, **kwargs: Any) -> Any:
        kwargs["max_keys"] = 2
        page = original(*args, **kwargs)
        pages.append(page)
        return page

    subresources.list_object_versions = small_pages
    try:
        everything = list(driver.ex_iterate_object_versions(versioned))
    finally:
        subresources.list_object_versions = original
    assert len(pages) >= 4
    assert [v.name for v in everything] == ["dir/k0"] * 2 + ["dir/k1"] * 2 + ["dir/k2"] * 2 + ["top"]
    assert len({v.extra["version_id"] for v in everything}) == 7
    assert client is driver.client
    top_level = list(driver.ex_iterate_object_versions(versioned, ex_delimiter="/"))
    assert [v.name for v in top_level] == ["top"]


def test_unversioned_bucket_lists_null_versions(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    put(driver, container, "plain", b"x")
    listed = list(driver.ex_iterate_object_versions(container))
    assert [(v.name, v.extra["version_id"], v.extra["is_latest"]) for v in listed] == [("plain", "null", True)]


# -- tags ------------------------------------------------------------------------------

TAGS = {"project": "aurora", "owner": "ann+bob@example.org", "empty": "", "unicode é": "値=1/2 :-_."}


def upload_paths(driver: BaseS3StorageDriver, container: aurora.Container, tmp_path: Any) -> Dict[str, Any]:
    small = tmp_path / "small"
    small.write_bytes(b"s" * 1000)
    big = tmp_path / "big"
    big.write_bytes(os.urandom(6 * MiB))
    extra = {"tags": TAGS}
    return {
        "single put": driver.upload_object(str(small), container, "put", extra=extra),
        "multipart file": driver.upload_object(str(big), container, "multi", extra=extra),
        "stream": driver.upload_object_via_stream(io.BytesIO(b"x" * 100), container, "stream", extra=extra),
        "multipart stream": driver.upload_object_via_stream(
            io.BytesIO(os.urandom(11 * MiB)), container, "mstream", extra=extra
        ),
    }


def test_tags_on_every_upload_path(driver: BaseS3StorageDriver, container: aurora.Container, tmp_path: Any) -> None:
    for path, obj in upload_paths(driver, container, tmp_path).items():
        assert driver.ex_get_object_tags(obj) == TAGS, path


def test_tags_set_get_delete(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    obj = put(driver, container, "t", b"t")
    assert driver.ex_get_object_tags(obj) == {}
    assert driver.ex_set_object_tags(obj, {"a": "1"})
    assert driver.ex_get_object_tags(obj) == {"a": "1"}
    ten = {"k%d" % i: "v" * 256 for i in range(9)}
    ten["x" * 128] = ""
    driver.ex_set_object_tags(obj, ten)
    assert driver.ex_get_object_tags(obj) == ten
    assert driver.ex_delete_object_tags(obj)
    assert driver.ex_get_object_tags(obj) == {}


@pytest.mark.parametrize(
    "tags",
    [
        {"k%d" % i: "v" for i in range(11)},
        {"x" * 129: "v"},
        {"k": "v" * 257},
        {"": "v"},
        {"k": 1},
        ["k", "v"],
        {"k": "a&b"},
        {"k?": "v"},
    ],
    ids=["eleven", "long key", "long value", "empty key", "not str", "not a mapping", "ampersand", "question mark"],
)
def test_tags_beyond_s3_limits_are_refused_before_sending(
    driver: BaseS3StorageDriver, container: aurora.Container, tags: Any
) -> None:
    obj = put(driver, container, "t", b"t")
    with pytest.raises(InvalidArgumentError):
        driver.ex_set_object_tags(obj, tags)
    with pytest.raises(InvalidArgumentError):
        driver.upload_object_via_stream(iter([b"x"]), container, "u", extra={"tags": tags})
    assert [o.name for o in driver.list_container_objects(container)] == ["t"]


def test_tags_on_copy(driver: BaseS3StorageDriver, container: aurora.Container, tmp_path: Any) -> None:
    source = put(driver, container, "src", b"data")
    driver.ex_set_object_tags(source, {"a": "1"})
    kept = driver.ex_copy_object(source, container, "kept")
    assert driver.ex_get_object_tags(kept) == {"a": "1"}
    replaced = driver.ex_copy_object(source, container, "replaced", extra={"tags": {"b": "2"}})
    assert driver.ex_get_object_tags(replaced) == {"b": "2"}
    big = tmp_path / "big"
    big.write_bytes(os.urandom(9 * MiB))  # above the 8 MiB copy threshold: a multipart copy
    large = driver.upload_object(str(big), container, "large", extra={"tags": {"c": "3"}})
    assert driver.ex_get_object_tags(driver.ex_copy_object(large, container, "large-kept")) == {"c": "3"}
    large_replaced = driver.ex_copy_object(large, container, "large-replaced", extra={"tags": {"d": "4"}})
    assert driver.ex_get_object_tags(large_replaced) == {"d": "4"}


# -- metadata edits in place -----------------------------------------------------------

FULL = {
    "content_type": "text/csv",
    "meta_data": {"owner": "ann", "stage": "raw"},
    "cache_control": "max-age=60",
    "content_disposition": 'attachment; filename="a.csv"',
    "content_encoding": "identity",
    "content_language": "fr",
    "tags": {"keep": "me"},
}


def described(obj: aurora.Object) -> Dict[str, Any]:
    fields = ("content_type", "cache_control", "content_disposition", "content_encoding", "content_language")
    return {**{name: obj.extra.get(name) for name in fields}, "meta": obj.meta_data}


@pytest.mark.parametrize("size", [100, 9 * MiB], ids=["copy", "multipart copy"])
def test_metadata_edit_keeps_everything_else(
    driver: BaseS3StorageDriver, container: aurora.Container, tmp_path: Any, size: int
) -> None:
    path = tmp_path / "f"
    data = os.urandom(size)
    path.write_bytes(data)
    obj = driver.upload_object(str(path), container, "report.csv", extra=FULL)
    before = described(driver.get_object(container.name, "report.csv"))
    edited = driver.ex_update_object_metadata(obj, meta_data={"owner": "bob"})
    after = described(edited)
    assert after == {**before, "meta": {"owner": "bob"}}
    assert driver.ex_get_object_tags(edited) == {"keep": "me"}
    edited = driver.ex_update_object_metadata(edited, content_type="text/plain")
    assert described(edited) == {**before, "meta": {"owner": "bob"}, "content_type": "text/plain"}
    edited = driver.ex_update_object_metadata(edited, extra={"cache_control": "no-store", "tags": {"new": "1"}})
    assert edited.extra["cache_control"] == "no-store"
    assert edited.extra["content_disposition"] == FULL["content_disposition"]
    assert driver.ex_get_object_tags(edited) == {"new": "1"}
    assert read(driver, edited) == data


def test_metadata_edit_of_an_sse_c_object(
    s3_server: Any, driver: BaseS3StorageDriver, container: aurora.Container
) -> None:
    extra = {"content_type": "text/plain", "meta_data": {"a": "1"}, "ex_sse_customer_key": SSE_KEY}
    obj = driver.upload_object_via_stream(iter([b"secret"]), container, "s", extra=extra)
    edited = driver.ex_update_object_metadata(obj, meta_data={"a": "2"}, extra={"ex_sse_customer_key": SSE_KEY})
    assert edited.meta_data == {"a": "2"} and edited.extra["content_type"] == "text/plain"
    assert b"".join(driver.download_object_as_stream(edited, ex_sse_customer_key=SSE_KEY)) == b"secret"
