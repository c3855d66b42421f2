"""libcloud's storage API, method by method, on every store a driver serves.

Each test runs on every store of the ``store`` fixture (tests/conftest.py): each offered
S3 server (Ceph RGW, moto) in both signature versions, and ``Provider.LOCAL`` on a
temporary folder. ``@pytest.mark.stores(...)`` narrows a test to the stores where its
feature exists: S3's ``-N`` multipart ETags, multipart-upload listings and credentials
are S3's; keys a folder cannot hold faithfully (``a//b``, ``dir/``) are refused there.
Each test works in its own bucket, removed afterwards.
"""

from __future__ import annotations

import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any, Iterator

import pytest
from integration.payloads import chunks, payload

import aurora
from aurora import Provider, get_driver
from aurora.config import Config, MiB, TransferConfig
from aurora.drivers.s3 import BaseS3StorageDriver, S3MultipartUpload

# Keys every store holds, and keys only S3 holds (a folder cannot tell ``a//b`` from ``a/b``,
# nor hold a file named ``dir/``).
FOLDER_KEYS = [
    "with space.txt",
    "plus+sign",
    "per%cent",
    "tilde~name",
    "amp&ersand",
    "unicode-é-ß-日本-🎉",
    "dir/sub dir/file",
    "question?mark=1",
    "hash#tag",
    "semi;colon,comma",
    "quote'\"",
    "=equals&and=",
]
S3_ONLY_KEYS = ["double//slash", "trailing/"]

SMALL_PARTS = Config(transfer=TransferConfig(part_size=5 * MiB, multipart_threshold=5 * MiB, max_concurrency=3))


@pytest.fixture
def driver(store: Any) -> Iterator[Any]:
    """The driver under test: LOCAL on the store's folder, or an S3 driver on its server."""
    if store.folder is not None:
        yield get_driver(Provider.LOCAL)(str(store.folder))
        return
    server = store.server
    cls = get_driver(Provider.AURORAOBJECTS) if server.name == "rgw" else get_driver(Provider.S3)
    drv = cls(
        server.access_key,
        server.secret_key,
        secure=False,
        host=server.host,
        port=server.port,
        region=None if server.name == "rgw" else server.region,
        signature_version=store.signature_version,
        ex_config=SMALL_PARTS,
    )
    yield drv
    drv.close()


@pytest.fixture
def bucket_name(store_bucket_name: str) -> str:
    return store_bucket_name


@pytest.fixture
def container(driver: Any, bucket_name: str) -> aurora.Container:
    created: aurora.Container = driver.create_container(bucket_name)
    return created


def test_container_lifecycle(driver: Any, bucket_name: str) -> None:
    created = driver.create_container(bucket_name)
    assert created.name == bucket_name and created.driver is driver
    assert bucket_name in [c.name for c in driver.list_containers()]
    assert bucket_name in [c.name for c in driver.iterate_containers()]
    assert driver.get_container(bucket_name).name == bucket_name
    assert driver.delete_container(created) is True
    with pytest.raises(aurora.ContainerDoesNotExistError) as info:
        driver.get_container(bucket_name)
    assert info.value.container_name == bucket_name
    assert info.value.driver is driver


def test_missing_container_errors(driver: Any, bucket_name: str) -> None:
    ghost = aurora.Container(bucket_name, {}, driver)
    with pytest.raises(aurora.ContainerDoesNotExistError):
        driver.delete_container(ghost)
    with pytest.raises(aurora.ContainerDoesNotExistError):
        driver.list_container_objects(ghost)
    with pytest.raises(aurora.ContainerDoesNotExistError):
        driver.get_object(bucket_name, "key")


def test_delete_non_empty_container(driver: Any, container: aurora.Container) -> None:
    driver.upload_object_via_stream(iter([b"x"]), container, "keep")
    with pytest.raises(aurora.ContainerIsNotEmptyError) as info:
        driver.delete_container(container)
    assert info.value.container_name == container.name


@pytest.mark.stores("rgw")  # moto accepts any signature; a folder has no credentials
def test_bad_credentials(store: Any, driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    s3_server = store.server
    wrong = get_driver(Provider.AURORAOBJECTS)(
        s3_server.access_key,
        "not-the-secret",
        secure=False,
        host=s3_server.host,
        port=s3_server.port,
        signature_version=driver.signature_version,
    )
    with closing(wrong), pytest.raises(aurora.InvalidCredsError) as info:
        wrong.list_containers()
    assert "not-the-secret" not in str(info.value)
    assert info.value.status == 403


@pytest.mark.parametrize("size", [0, 1, 1000])
def test_small_objects_round_trip(driver: Any, container: aurora.Container, size: int, tmp_path: Path) -> None:
    data = payload(size)
    source = tmp_path / "source"
    source.write_bytes(data)
    obj = driver.upload_object(str(source), container, "obj-%d" % size, extra={"meta_data": {"color": "blue"}})
    assert obj.size == size
    assert obj.hash == hashlib.md5(data).hexdigest()
    fetched = driver.get_object(container.name, "obj-%d" % size)
    assert fetched.size == size
    assert fetched.hash == hashlib.md5(data).hexdigest()
    assert fetched.meta_data == {"color": "blue"}
    assert fetched.extra["content_type"]
    assert fetched.extra["last_modified"]
    assert b"".join(driver.download_object_as_stream(fetched)) == data
    target = tmp_path / "target"
    assert driver.download_object(fetched, str(target)) is True
    assert target.read_bytes() == data


@pytest.mark.parametrize("key", FOLDER_KEYS)
def test_odd_keys_round_trip(driver: Any, container: aurora.Container, key: str) -> None:
    _round_trip(driver, container, key)


@pytest.mark.stores("rgw", "moto")
@pytest.mark.parametrize("key", S3_ONLY_KEYS)
def test_keys_only_s3_holds_round_trip(driver: Any, container: aurora.Container, key: str) -> None:
    _round_trip(driver, container, key)


@pytest.mark.stores("local")
@pytest.mark.parametrize("key", S3_ONLY_KEYS)
def test_keys_a_folder_cannot_hold_are_refused(driver: Any, container: aurora.Container, key: str) -> None:
    with pytest.raises(aurora.ObjectError, match="name"):
        driver.upload_object_via_stream(iter([b"x"]), container, key)
    assert driver.list_container_objects(container) == []


def _round_trip(driver: Any, container: aurora.Container, key: str) -> None:
    """Upload, get, stream, list (whole and by prefix) and delete one object named `key`."""
    data = key.encode("utf-8") * 3
    obj = driver.upload_object_via_stream(iter([data]), container, key)
    assert obj.name == key
    assert driver.get_object(container.name, key).size == len(data)
    assert b"".join(driver.download_object_as_stream(obj)) == data
    listed = driver.list_container_objects(container)
    assert [o.name for o in listed] == [key]
    assert listed[0].hash == hashlib.md5(data).hexdigest()
    assert driver.list_container_objects(container, prefix=key[:3])[0].name == key
    assert driver.delete_object(obj) is True
    assert driver.list_container_objects(container) == []


def test_object_not_found(driver: Any, container: aurora.Container, tmp_path: Path) -> None:
    with pytest.raises(aurora.ObjectDoesNotExistError) as info:
        driver.get_object(container.name, "missing key")
    assert info.value.object_name == "missing key"
    ghost = aurora.Object("missing key", 3, None, {}, {}, container, driver)
    with pytest.raises(aurora.ObjectDoesNotExistError):
        list(driver.download_object_as_stream(ghost))
    if driver.type == aurora.Provider.LOCAL:
        assert driver.download_object(ghost, str(tmp_path / "never")) is False  # libcloud's LOCAL answer
    else:
        with pytest.raises(aurora.ObjectDoesNotExistError):
            driver.download_object(ghost, str(tmp_path / "never"))
    assert not (tmp_path / "never").exists()
    assert os.listdir(tmp_path) == []


def test_ranges_are_end_exclusive(driver: Any, container: aurora.Container, tmp_path: Path) -> None:
    data = payload(1000, seed=3)
    obj = driver.upload_object_via_stream(iter([data]), container, "ranged")
    assert b"".join(driver.download_object_range_as_stream(obj, 10, 20)) == data[10:20]
    assert b"".join(driver.download_object_range_as_stream(obj, 990)) == data[990:]
    assert b"".join(obj.range_as_stream(0, 1)) == data[:1]
    target = tmp_path / "part"
    assert driver.download_object_range(obj, str(target), 100, 350) is True
    assert target.read_bytes() == data[100:350]
    assert obj.download_range(str(target), 500, overwrite_existing=True) is True
    assert target.read_bytes() == data[500:]


def test_stream_chunk_size_is_honoured(driver: Any, container: aurora.Container) -> None:
    data = payload(10_000)
    obj = driver.upload_object_via_stream(iter([data]), container, "chunked")
    parts = list(driver.download_object_as_stream(obj, chunk_size=3000))
    assert b"".join(parts) == data
    assert all(len(p) <= 3000 for p in parts)


def test_download_refuses_to_overwrite(driver: Any, container: aurora.Container, tmp_path: Path) -> None:
    obj = driver.upload_object_via_stream(iter([b"new"]), container, "file")
    target = tmp_path / "file"
    target.write_bytes(b"old")
    with pytest.raises(aurora.LibcloudError, match="already exists"):
        driver.download_object(obj, str(target))
    assert target.read_bytes() == b"old"
    assert driver.download_object(obj, str(target), overwrite_existing=True) is True
    assert target.read_bytes() == b"new"


def test_download_into_a_directory_uses_the_key(driver: Any, container: aurora.Container, tmp_path: Path) -> None:
    obj = driver.upload_object_via_stream(iter([b"data"]), container, "nested/name.txt")
    assert driver.download_object(obj, str(tmp_path) + os.sep) is True
    assert (tmp_path / "nested" / "name.txt").read_bytes() == b"data"


@pytest.mark.parametrize("key", ["../escape", "a/../../escape", "/etc/escape"])
def test_download_never_writes_outside_the_directory(
    driver: Any, container: aurora.Container, tmp_path: Path, key: str
) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    obj = aurora.Object(key, 4, None, {}, {}, container, driver)
    with pytest.raises(aurora.InvalidArgumentError, match="outside"):
        driver.download_object(obj, str(inside) + os.sep)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inside"]
    assert list(inside.iterdir()) == []


@pytest.mark.stores("rgw", "moto")
def test_multipart_file_upload(driver: BaseS3StorageDriver, container: aurora.Container, tmp_path: Path) -> None:
    data = payload(12 * MiB + 12345, seed=7)
    source = tmp_path / "big"
    source.write_bytes(data)
    seen = []
    obj = driver.upload_object(str(source), container, "big object", ex_progress=lambda done, total: seen.append(done))
    assert obj.size == len(data)
    assert obj.hash is not None and obj.hash.endswith("-3")
    assert seen and seen[-1] == len(data)
    fetched = driver.get_object(container.name, "big object")
    assert fetched.size == len(data)
    target = tmp_path / "copy"
    assert driver.download_object(fetched, str(target)) is True
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert list(driver.ex_iterate_multipart_uploads(container)) == []


def test_stream_upload_shorter_than_a_part_is_a_single_put(driver: Any, container: aurora.Container) -> None:
    data = payload(3 * MiB)
    obj = driver.upload_object_via_stream(chunks(data, 7777), container, "single")
    assert obj.hash == hashlib.md5(data).hexdigest()
    assert driver.get_object(container.name, "single").size == len(data)


@pytest.mark.stores("rgw", "moto")
def test_stream_upload_in_parts(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    data = payload(11 * MiB + 1, seed=9)
    obj = driver.upload_object_via_stream(chunks(data, 65_537), container, "streamed")
    assert obj.size == len(data)
    assert obj.hash is not None and obj.hash.endswith("-3")
    assert b"".join(driver.download_object_as_stream(driver.get_object(container.name, "streamed"))) == data
    file_obj = driver.upload_object_via_stream(io.BytesIO(data), container, "from-file-object")
    assert file_obj.size == len(data)


def test_zero_byte_stream(driver: Any, container: aurora.Container, tmp_path: Path) -> None:
    obj = driver.upload_object_via_stream(iter([]), container, "empty")
    assert obj.size == 0
    assert driver.get_object(container.name, "empty").size == 0
    assert list(driver.download_object_as_stream(obj)) in ([], [b""])
    assert driver.download_object(obj, str(tmp_path / "empty")) is True
    assert (tmp_path / "empty").read_bytes() == b""


def test_listing_pages_past_a_thousand_keys(driver: Any, container: aurora.Container) -> None:
    names = ["k/%04d" % i for i in range(1005)] + ["other"]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: driver.upload_object_via_stream(iter([b""]), container, name), names))
    listed = [obj.name for obj in driver.iterate_container_objects(container)]
    assert listed == sorted(names)
    assert len(driver.list_container_objects(container, prefix="k/")) == 1005
    assert [o.name for o in container.list_objects(prefix="oth")] == ["other"]


def test_delimiter_lists_one_level(driver: Any, container: aurora.Container) -> None:
    for name in ["top", "a/1", "a/2", "b/c/3"]:
        driver.upload_object_via_stream(iter([b"x"]), container, name)
    assert [o.name for o in driver.list_container_objects(container, ex_delimiter="/")] == ["top"]
    assert list(driver.ex_list_prefixes(container)) == ["a/", "b/"]
    assert [o.name for o in driver.list_container_objects(container, prefix="a/", ex_delimiter="/")] == ["a/1", "a/2"]


def test_batch_delete_goes_1000_keys_a_request_and_counts_a_missing_key_as_deleted(
    driver: Any, container: aurora.Container
) -> None:
    names = ["d/%04d" % i for i in range(1003)] + ["keep"]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: driver.upload_object_via_stream(iter([b"x"]), container, name), names))
    doomed = [obj for obj in driver.iterate_container_objects(container, prefix="d/")]
    assert driver.ex_delete_objects(container, doomed[:3] + [obj.name for obj in doomed[3:]] + ["never-was"]) == {}
    assert [obj.name for obj in driver.iterate_container_objects(container)] == ["keep"]


@pytest.mark.stores("rgw", "moto")
def test_entries_give_prefixes_and_objects_in_one_listing(driver: Any, container: aurora.Container) -> None:
    for name in ["top", "a/1", "b/c/3"]:
        driver.upload_object_via_stream(iter([b"x"]), container, name)
    entries = list(driver.ex_iterate_entries(container, delimiter="/"))
    assert [e if isinstance(e, str) else e.name for e in entries] == ["a/", "b/", "top"]


@pytest.mark.stores("rgw", "moto")
def test_parts_of_an_upload_in_progress_are_listed(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    upload_id = driver.client.create_multipart_upload(container.name, "big")
    try:
        for number in (1, 2):
            driver.client.upload_part(container.name, "big", upload_id, number, b"p" * (5 * 1024 * 1024))
        parts = list(driver.ex_iterate_parts(container, "big", upload_id))
        assert [(part.part_number, part.size) for part in parts] == [(1, 5 * 1024 * 1024), (2, 5 * 1024 * 1024)]
    finally:
        driver.ex_cleanup_all_multipart_uploads(container)


@pytest.mark.stores("rgw", "moto")
def test_multipart_uploads_can_be_listed_and_cleaned(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    started = [driver.client.create_multipart_upload(container.name, "pending %d" % i) for i in range(3)]
    uploads = list(driver.ex_iterate_multipart_uploads(container))
    assert sorted(u.id for u in uploads) == sorted(started)
    assert all(isinstance(u, S3MultipartUpload) for u in uploads)
    assert sorted(u.key for u in uploads) == ["pending 0", "pending 1", "pending 2"]
    assert all(u.created_at for u in uploads)
    assert [u.key for u in driver.ex_iterate_multipart_uploads(container, prefix="pending 1")] == ["pending 1"]
    driver.ex_cleanup_all_multipart_uploads(container)
    assert list(driver.ex_iterate_multipart_uploads(container)) == []


def test_container_and_object_convenience_methods(driver: Any, container: aurora.Container, tmp_path: Path) -> None:
    source = tmp_path / "s.txt"
    source.write_bytes(b"hello")
    obj = container.upload_object(str(source), "s.txt")
    assert obj.extra["content_type"] == "text/plain"
    assert container.get_object("s.txt").size == 5
    assert b"".join(obj.as_stream()) == b"hello"
    assert obj.download(str(tmp_path / "d.txt")) is True
    assert obj.delete() is True
    assert container.delete() is True


def test_content_type_and_headers(driver: Any, container: aurora.Container) -> None:
    obj = driver.upload_object_via_stream(
        iter([b"{}"]),
        container,
        "data.json",
        extra={"content_type": "application/json", "meta_data": {"Owner-Name": "ops"}},
    )
    fetched = driver.get_object(container.name, obj.name)
    assert fetched.extra["content_type"] == "application/json"
    assert {k.lower(): v for k, v in fetched.meta_data.items()} == {"owner-name": "ops"}
