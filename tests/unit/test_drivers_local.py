"""The local driver (Provider.LOCAL): libcloud's storage API on a folder under tmp_path."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aurora
from aurora import Provider, get_driver
from aurora.config import Config, TransferConfig
from aurora.drivers.base import Container, Object
from aurora.drivers.local import META_DIR, TEMP_PREFIX, LocalStorageDriver
from aurora.errors import InvalidObjectNameError, InvalidRange

ROOT = Path(__file__).resolve().parents[2]
SMALL_CHUNKS = Config(transfer=TransferConfig(io_chunk_size=1000))

ODD_KEYS = [
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
    "-leading-dash",
    "...dots",
    ".hidden",
    "x" * 255,
]

HOSTILE_KEYS = [
    "../escape",
    "a/../../escape",
    "/etc/passwd",
    "a//b",
    "trailing/",
    "./a",
    "a/./b",
    "a/..",
    "nul\0byte",
    ".aurora-meta/x",
    ".aurora-meta",
    "dir/.AURORA-tmp-0123",
    "x" * 256,
    "é" * 600,
]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    path.mkdir()
    return path


@pytest.fixture
def driver(base: Path) -> LocalStorageDriver:
    return LocalStorageDriver(str(base))


@pytest.fixture
def container(driver: LocalStorageDriver) -> Container:
    return driver.create_container("box")


def payload(size: int, seed: int = 0) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def tree(root: Path) -> List[str]:
    """Every file and folder below ``root``, relative, sorted."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


def temp_files(root: Path) -> List[str]:
    return [name for name in tree(root) if TEMP_PREFIX in name]


def put(driver: LocalStorageDriver, container: Container, key: str, data: bytes = b"x", **extra: Any) -> Object:
    return driver.upload_object_via_stream(iter([data]), container, key, extra=extra or None)


# -- construction --------------------------------------------------------------------------------


def test_get_driver_returns_the_local_driver(base: Path) -> None:
    cls = get_driver(Provider.LOCAL)
    assert cls is LocalStorageDriver
    driver = cls(str(base))
    assert driver.base_path == str(base)
    assert driver.type == "local" and driver.hash_type == "md5"
    assert str(base) in repr(driver)


def test_constructor_takes_libclouds_arguments_and_a_path_object(base: Path) -> None:
    driver = LocalStorageDriver(base, None, True, None, None, api_version="1", region="x", ex_use_locking=False)
    assert driver.base_path == str(base)


@pytest.mark.parametrize("missing", ["absent", "a-file"])
def test_base_folder_must_exist(tmp_path: Path, missing: str) -> None:
    (tmp_path / "a-file").write_bytes(b"")
    with pytest.raises(aurora.LibcloudError, match=missing):
        LocalStorageDriver(str(tmp_path / missing))


def test_unknown_keyword_and_bad_config_are_refused(base: Path) -> None:
    with pytest.raises(TypeError, match="ex_bogus"):
        LocalStorageDriver(str(base), ex_bogus=1)  # type: ignore[call-arg]
    with pytest.raises(aurora.InvalidArgumentError, match="ex_config"):
        LocalStorageDriver(str(base), ex_config={"part_size": 1})  # type: ignore[arg-type]


# -- containers ----------------------------------------------------------------------------------


def test_container_lifecycle(driver: LocalStorageDriver, base: Path) -> None:
    created = driver.create_container("photos")
    assert created.name == "photos" and created.driver is driver
    assert {"creation_time", "modify_time", "access_time"} <= set(created.extra)
    assert (base / "photos").is_dir()
    assert [c.name for c in driver.list_containers()] == ["photos"]
    assert driver.get_container("photos").name == "photos"
    assert driver.delete_container(created) is True
    assert not (base / "photos").exists()
    with pytest.raises(aurora.ContainerDoesNotExistError) as info:
        driver.get_container("photos")
    assert info.value.container_name == "photos" and info.value.driver is driver


def test_containers_are_listed_in_order_without_files_or_reserved_folders(
    driver: LocalStorageDriver, base: Path
) -> None:
    for name in ["zeta", "Alpha", "mid dle", "é"]:
        driver.create_container(name)
    (base / "stray-file").write_bytes(b"")
    (base / ".aurora-meta").mkdir()
    assert [c.name for c in driver.iterate_containers()] == ["Alpha", "mid dle", "zeta", "é"]


def test_creating_an_existing_container_fails(driver: LocalStorageDriver, container: Container) -> None:
    with pytest.raises(aurora.ContainerAlreadyExistsError) as info:
        driver.create_container("box")
    assert info.value.container_name == "box" and info.value.driver is driver


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a..b", "a\0b", ".aurora-meta", ".AURORA-x", "x" * 256])
def test_invalid_container_names_are_refused_before_the_disk(driver: LocalStorageDriver, base: Path, name: str) -> None:
    with pytest.raises(aurora.InvalidContainerNameError):
        driver.create_container(name)
    with pytest.raises(aurora.InvalidContainerNameError):
        driver.get_container(name)
    assert tree(base.parent) == ["store"]


def test_missing_container_errors(driver: LocalStorageDriver, tmp_path: Path) -> None:
    ghost = Container("ghost", {}, driver)
    source = tmp_path / "source"
    source.write_bytes(b"data")
    calls: List[Callable[[], object]] = [
        lambda: driver.delete_container(ghost),
        lambda: driver.list_container_objects(ghost),
        lambda: list(driver.ex_list_prefixes(ghost)),
        lambda: driver.get_object("ghost", "key"),
        lambda: driver.upload_object(str(source), ghost, "key"),
        lambda: put(driver, ghost, "key"),
        lambda: driver.get_container_cdn_url(ghost, check=True),
        lambda: driver.enable_container_cdn(ghost),
    ]
    for call in calls:
        with pytest.raises(aurora.ContainerDoesNotExistError) as info:
            call()
        assert info.value.container_name == "ghost"
    assert not os.path.exists(os.path.join(driver.base_path, "ghost"))


def test_delete_non_empty_container(driver: LocalStorageDriver, container: Container) -> None:
    put(driver, container, "deep/down/keep")
    with pytest.raises(aurora.ContainerIsNotEmptyError) as info:
        driver.delete_container(container)
    assert info.value.container_name == "box"
    assert driver.get_object("box", "deep/down/keep").size == 1


def test_delete_container_removes_sidecars_and_abandoned_temporary_files(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    put(driver, container, "a/b", meta_data={"k": "v"})
    (base / "box" / "a" / (TEMP_PREFIX + "abandoned")).write_bytes(b"half")
    (base / "box" / META_DIR / "orphan").write_bytes(b"{}")
    driver.delete_object(driver.get_object("box", "a/b"))
    assert driver.list_container_objects(container) == []
    assert driver.delete_container(container) is True
    assert tree(base) == []


def test_delete_container_never_deletes_files_that_are_not_objects(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    stray = os.path.join(os.fsencode(str(base / "box")), b"not-utf8-\xff")
    with open(stray, "wb") as handle:
        handle.write(b"user data")
    assert driver.list_container_objects(container) == []
    with pytest.raises(aurora.ContainerIsNotEmptyError):
        driver.delete_container(container)
    with open(stray, "rb") as handle:
        assert handle.read() == b"user data"


def test_container_cdn_url_is_its_folder(driver: LocalStorageDriver, container: Container, base: Path) -> None:
    assert driver.get_container_cdn_url(container) == str(base / "box")
    assert container.get_cdn_url() == str(base / "box")
    assert driver.enable_container_cdn(container) is True


# -- objects -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 1000, 4567])
def test_file_round_trip(driver: LocalStorageDriver, container: Container, tmp_path: Path, size: int) -> None:
    data = payload(size, seed=size)
    source = tmp_path / "source.txt"
    source.write_bytes(data)
    obj = driver.upload_object(
        str(source), container, "obj-%d" % size, extra={"meta_data": {"color": "blue"}}, ex_config=SMALL_CHUNKS
    )
    assert (obj.name, obj.size, obj.hash) == ("obj-%d" % size, size, md5(data))
    assert obj.extra["content_type"] == "text/plain"
    assert obj.meta_data == {"color": "blue"}
    fetched = driver.get_object("box", "obj-%d" % size)
    assert (fetched.size, fetched.hash, fetched.meta_data) == (size, md5(data), {"color": "blue"})
    assert fetched.extra["etag"] == md5(data)
    assert fetched.extra["content_type"] == "text/plain"
    assert fetched.extra["last_modified"].endswith("GMT")
    assert isinstance(fetched.extra["modify_time"], float)
    assert b"".join(driver.download_object_as_stream(fetched)) == data
    target = tmp_path / "target"
    assert driver.download_object(fetched, str(target)) is True
    assert target.read_bytes() == data
    assert Path(driver.get_object_cdn_url(fetched)).read_bytes() == data


@pytest.mark.parametrize("key", ODD_KEYS)
def test_odd_keys_round_trip(driver: LocalStorageDriver, container: Container, base: Path, key: str) -> None:
    data = key.encode("utf-8") * 3
    obj = put(driver, container, key, data)
    assert obj.name == key
    assert driver.get_object("box", key).size == len(data)
    assert b"".join(driver.download_object_as_stream(obj)) == data
    assert (base / "box" / key).read_bytes() == data
    listed = driver.list_container_objects(container)
    assert [o.name for o in listed] == [key]
    assert listed[0].hash == md5(data)
    assert [o.name for o in driver.list_container_objects(container, prefix=key[:3])] == [key]
    assert driver.delete_object(obj) is True
    assert driver.list_container_objects(container) == []
    assert tree(base) == ["box"]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_are_refused_before_the_disk(
    driver: LocalStorageDriver, container: Container, tmp_path: Path, key: str
) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"data")
    before = tree(tmp_path)
    obj = Object(key, 4, None, {}, {}, container, driver)
    calls: List[Callable[[], object]] = [
        lambda: put(driver, container, key, b"data"),
        lambda: driver.upload_object(str(source), container, key),
        lambda: driver.get_object("box", key),
        lambda: driver.delete_object(obj),
        lambda: driver.get_object_cdn_url(obj),
        lambda: list(driver.download_object_as_stream(obj)),
        lambda: driver.download_object(obj, str(tmp_path / "target")),
    ]
    for call in calls:
        with pytest.raises(InvalidObjectNameError) as info:
            call()
        assert info.value.object_name == key
        assert info.value.driver is driver
    assert tree(tmp_path) == before


@pytest.mark.parametrize("key", [None, 42, b"bytes"])
def test_keys_must_be_strings(driver: LocalStorageDriver, container: Container, key: Any) -> None:
    with pytest.raises(InvalidObjectNameError):
        put(driver, container, key)


def test_a_key_and_a_key_below_it_cannot_both_exist(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    put(driver, container, "a", b"file")
    with pytest.raises(InvalidObjectNameError, match="a/b"):
        put(driver, container, "a/b")
    put(driver, container, "c/d", b"nested")
    with pytest.raises(InvalidObjectNameError, match="'c'"):
        put(driver, container, "c")
    assert [o.name for o in driver.list_container_objects(container)] == ["a", "c/d"]
    assert b"".join(driver.get_object("box", "a").as_stream()) == b"file"
    assert temp_files(base) == []
    with pytest.raises(aurora.ObjectDoesNotExistError):
        driver.get_object("box", "c")  # a folder is not an object
    with pytest.raises(aurora.ObjectDoesNotExistError):
        driver.get_object("box", "a/b")  # below a file


@pytest.mark.parametrize("source", [iter([]), iter([b"", b""]), b"", io.BytesIO(b"")])
def test_zero_byte_objects(driver: LocalStorageDriver, container: Container, tmp_path: Path, source: Any) -> None:
    obj = driver.upload_object_via_stream(source, container, "empty")
    assert (obj.size, obj.hash) == (0, md5(b""))
    fetched = driver.get_object("box", "empty")
    assert (fetched.size, fetched.hash) == (0, md5(b""))
    assert list(driver.download_object_as_stream(fetched)) == []
    assert list(driver.download_object_range_as_stream(fetched, 0)) == []
    assert driver.download_object(fetched, str(tmp_path / "empty")) is True
    assert (tmp_path / "empty").read_bytes() == b""


@pytest.mark.parametrize(
    "source",
    [
        b"abcdef",
        bytearray(b"abcdef"),
        iter([b"ab", bytearray(b"cd"), memoryview(b"ef")]),
        io.BytesIO(b"abcdef"),
        (chunk for chunk in [b"abc", b"", b"def"]),
    ],
)
def test_stream_sources(driver: LocalStorageDriver, container: Container, source: Any) -> None:
    obj = driver.upload_object_via_stream(
        source, container, "s", ex_config=Config(transfer=TransferConfig(io_chunk_size=4))
    )
    assert (obj.size, obj.hash) == (6, md5(b"abcdef"))
    assert b"".join(obj.as_stream()) == b"abcdef"


@pytest.mark.parametrize("source", ["text", 12, iter(["text"]), iter([b"ok", 3])])
def test_bad_stream_sources_leave_nothing(
    driver: LocalStorageDriver, container: Container, base: Path, source: Any
) -> None:
    with pytest.raises(aurora.InvalidArgumentError):
        driver.upload_object_via_stream(source, container, "dir/s")
    assert tree(base) == ["box"]


def test_stream_chunk_size_is_honoured(driver: LocalStorageDriver, container: Container) -> None:
    data = payload(10_000)
    obj = put(driver, container, "chunked", data)
    parts = list(driver.download_object_as_stream(obj, chunk_size=3000))
    assert b"".join(parts) == data
    assert [len(p) for p in parts] == [3000, 3000, 3000, 1000]
    with pytest.raises(aurora.InvalidArgumentError):
        driver.download_object_as_stream(obj, chunk_size=0)


def test_object_not_found(driver: LocalStorageDriver, container: Container, tmp_path: Path) -> None:
    with pytest.raises(aurora.ObjectDoesNotExistError) as info:
        driver.get_object("box", "missing key")
    assert info.value.object_name == "missing key" and info.value.driver is driver
    ghost = Object("missing key", 3, None, {}, {}, container, driver)
    target = tmp_path / "out"
    target.mkdir()
    calls: List[Callable[[], object]] = [
        lambda: list(driver.download_object_as_stream(ghost)),
        lambda: list(driver.download_object_range_as_stream(ghost, 1)),
        lambda: driver.enable_object_cdn(ghost),
    ]
    for call in calls:
        with pytest.raises(aurora.ObjectDoesNotExistError):
            call()
    # libcloud's LOCAL driver answers False for these, and so does aurora's
    assert driver.download_object(ghost, str(target / "never")) is False
    assert driver.download_object_range(ghost, str(target / "never"), 0, 2) is False
    assert driver.delete_object(ghost) is False
    assert list(target.iterdir()) == []


def test_object_cdn_url_is_its_file(driver: LocalStorageDriver, container: Container, base: Path) -> None:
    obj = put(driver, container, "a/b.txt", b"hi")
    assert obj.get_cdn_url() == str(base / "box" / "a" / "b.txt")
    assert obj.enable_cdn() is True


def test_upload_of_a_missing_file_names_it_and_leaves_nothing(
    driver: LocalStorageDriver, container: Container, tmp_path: Path, base: Path
) -> None:
    with pytest.raises(aurora.LibcloudError, match="no-such-file"):
        driver.upload_object(str(tmp_path / "no-such-file"), container, "k")
    assert tree(base) == ["box"]


def test_deleting_the_container_during_an_upload_is_reported_as_such(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    def source() -> Iterator[bytes]:
        yield b"first half"
        assert driver.delete_container(container) is True  # only a write in progress: empty
        yield b"second half"

    with pytest.raises(aurora.ContainerDoesNotExistError) as info:
        driver.upload_object_via_stream(source(), container, "dir/k")
    assert info.value.container_name == "box" and info.value.driver is driver
    assert tree(base) == []


def test_a_temporary_file_removed_under_an_upload_is_an_aurora_error(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    def source() -> Iterator[bytes]:
        yield b"data"
        for path in (base / "box").rglob(TEMP_PREFIX + "*"):
            path.unlink()

    with pytest.raises(aurora.LibcloudError, match="cannot write 'k'"):
        driver.upload_object_via_stream(source(), container, "k")
    assert tree(base) == ["box"]


def test_objects_deleted_during_a_listing_are_skipped(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    for name in ["a", "b", "c"]:
        put(driver, container, name)
    listing = driver.iterate_container_objects(container)
    assert next(listing).name == "a"
    (base / "box" / "b").unlink()
    assert [o.name for o in listing] == ["c"]


def test_a_stale_sidecar_in_the_way_of_a_sidecar_folder_is_replaced(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    (base / "box" / META_DIR).mkdir()
    (base / "box" / META_DIR / "a").write_bytes(b"{}")  # left by a file 'a' removed by hand
    put(driver, container, "a/b", meta_data={"k": "v"})
    assert driver.get_object("box", "a/b").meta_data == {"k": "v"}


def test_a_folder_is_not_an_object_to_delete(driver: LocalStorageDriver, container: Container) -> None:
    put(driver, container, "a/b")
    assert driver.delete_object(Object("a", 0, None, {}, {}, container, driver)) is False
    assert driver.get_object("box", "a/b").size == 1


def test_odd_arguments_are_refused(driver: LocalStorageDriver, container: Container, tmp_path: Path) -> None:
    class NoneReader:
        def read(self, size: int) -> None:
            return None

    with pytest.raises(aurora.InvalidArgumentError, match="None"):
        driver.upload_object_via_stream(NoneReader(), container, "k")
    with pytest.raises(aurora.InvalidArgumentError, match="extra"):
        driver.upload_object_via_stream(iter([b""]), container, "k", extra=["content_type"])  # type: ignore[arg-type]
    with pytest.raises(aurora.InvalidContainerNameError):
        driver.get_container(None)  # type: ignore[arg-type]
    with pytest.raises(aurora.LibcloudError, match="base path"):
        LocalStorageDriver(None)  # type: ignore[arg-type]
    obj = put(driver, container, "k")
    with pytest.raises(aurora.LibcloudError, match="cannot write"):
        driver.download_object(obj, str(tmp_path / "no-such-folder" / "file"))


# -- metadata ------------------------------------------------------------------------------------


def test_metadata_round_trip(driver: LocalStorageDriver, container: Container, base: Path) -> None:
    extra = {
        "content_type": "application/json",
        "meta_data": {"Owner-Name": "ops", "count": 3},
        "cache_control": "no-cache",
        "content_disposition": "attachment",
    }
    obj = driver.upload_object_via_stream(iter([b"{}"]), container, "conf/data.json", extra=extra)
    for seen in (obj, driver.get_object("box", "conf/data.json"), driver.list_container_objects(container)[0]):
        assert seen.extra["content_type"] == "application/json"
        assert seen.meta_data == {"Owner-Name": "ops", "count": "3"}
        assert seen.extra["cache_control"] == "no-cache"
        assert seen.extra["content_disposition"] == "attachment"
    sidecar = json.loads((base / "box" / META_DIR / "conf" / "data.json").read_text())
    assert sidecar["md5"] == md5(b"{}")


def test_content_type_is_guessed_or_defaulted(driver: LocalStorageDriver, container: Container) -> None:
    assert put(driver, container, "page.html").extra["content_type"] == "text/html"
    assert put(driver, container, "blob").extra["content_type"] == "application/octet-stream"
    assert driver.get_object("box", "page.html").extra["content_type"] == "text/html"


def test_metadata_must_be_a_mapping_of_names(driver: LocalStorageDriver, container: Container, base: Path) -> None:
    for extra in ({"meta_data": ["a"]}, {"meta_data": {"": "x"}}, {"meta_data": {1: "x"}}):
        with pytest.raises(aurora.InvalidArgumentError):
            driver.upload_object_via_stream(iter([b"x"]), container, "k", extra=extra)
    assert tree(base) == ["box"]


def test_sidecars_never_show_in_listings(driver: LocalStorageDriver, container: Container) -> None:
    put(driver, container, "top", meta_data={"a": "b"})
    put(driver, container, "dir/inner", meta_data={"a": "b"})
    assert [o.name for o in driver.list_container_objects(container)] == ["dir/inner", "top"]
    assert list(driver.ex_list_prefixes(container)) == ["dir/"]
    assert driver.list_container_objects(container, prefix=".aurora") == []


def test_a_file_changed_by_hand_is_described_from_its_bytes(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    put(driver, container, "notes.txt", b"old", meta_data={"v": "1"})
    (base / "box" / "notes.txt").write_bytes(b"rewritten by hand")
    fetched = driver.get_object("box", "notes.txt")
    assert (fetched.size, fetched.hash) == (17, md5(b"rewritten by hand"))
    assert fetched.meta_data == {}  # the sidecar describes another version
    assert fetched.extra["content_type"] == "text/plain"


def test_files_placed_by_hand_are_objects(driver: LocalStorageDriver, container: Container, base: Path) -> None:
    (base / "box" / "hand").mkdir()
    (base / "box" / "hand" / "made.csv").write_bytes(b"a,b\n")
    (base / "box" / META_DIR).mkdir()
    (base / "box" / META_DIR / "broken").write_bytes(b"{not json")
    (base / "box" / "broken").write_bytes(b"data")
    listed = {o.name: o for o in driver.list_container_objects(container)}
    assert sorted(listed) == ["broken", "hand/made.csv"]
    assert listed["hand/made.csv"].hash == md5(b"a,b\n")
    assert listed["hand/made.csv"].extra["content_type"] == "text/csv"
    assert listed["broken"].hash == md5(b"data") and listed["broken"].meta_data == {}


# -- overwrite and delete ------------------------------------------------------------------------


def test_overwrite_replaces_data_and_metadata(driver: LocalStorageDriver, container: Container, base: Path) -> None:
    put(driver, container, "k.txt", b"first", meta_data={"v": "1"}, cache_control="no-cache")
    second = driver.upload_object_via_stream(
        iter([b"second!"]), container, "k.txt", extra={"content_type": "x/y", "meta_data": {"w": "2"}}
    )
    fetched = driver.get_object("box", "k.txt")
    for obj in (second, fetched):
        assert (obj.size, obj.hash, obj.meta_data) == (7, md5(b"second!"), {"w": "2"})
        assert obj.extra["content_type"] == "x/y"
        assert "cache_control" not in obj.extra
    assert [o.name for o in driver.list_container_objects(container)] == ["k.txt"]
    assert temp_files(base) == []


def test_a_failed_upload_leaves_the_old_version_and_no_trace(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    put(driver, container, "dir/k", b"old", meta_data={"v": "1"})
    before = tree(base)

    def broken() -> Iterator[bytes]:
        yield b"new data"
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError, match="source failed"):
        driver.upload_object_via_stream(broken(), container, "dir/k")
    with pytest.raises(RuntimeError):
        driver.upload_object_via_stream(broken(), container, "other/deeper/k")
    assert tree(base) == before
    fetched = driver.get_object("box", "dir/k")
    assert (b"".join(fetched.as_stream()), fetched.meta_data) == (b"old", {"v": "1"})


def test_delete_object_removes_empty_folders_but_not_the_container(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    keep = put(driver, container, "a/keep")
    gone = put(driver, container, "a/b/c/gone", meta_data={"x": "y"})
    assert driver.delete_object(gone) is True
    assert tree(base / "box") == sorted(["a", "a/keep", META_DIR, META_DIR + "/a", META_DIR + "/a/keep"])
    assert keep.delete() is True
    assert tree(base) == ["box"]
    assert driver.delete_object(gone) is False


# -- listing -------------------------------------------------------------------------------------


def test_listing_is_in_s3_key_order(driver: LocalStorageDriver, container: Container) -> None:
    names = ["a-b", "a/x", "a0", "a/b/c", "A", "b", "a.txt", "é", "z", "~", "a/b-c", "a/b.c", " space"]
    for name in names:
        put(driver, container, name)
    listed = [o.name for o in driver.iterate_container_objects(container)]
    assert listed == sorted(names, key=lambda name: name.encode("utf-8"))


def test_prefix_filters(driver: LocalStorageDriver, container: Container) -> None:
    for name in ["photos/2020/jan.jpg", "photos/2020/june.jpg", "photos/2021/x.jpg", "photosets", "docs/a"]:
        put(driver, container, name)
    assert [o.name for o in driver.list_container_objects(container, prefix="photos/2020/j")] == [
        "photos/2020/jan.jpg",
        "photos/2020/june.jpg",
    ]
    assert [o.name for o in driver.list_container_objects(container, prefix="photos")] == [
        "photos/2020/jan.jpg",
        "photos/2020/june.jpg",
        "photos/2021/x.jpg",
        "photosets",
    ]
    with pytest.warns(DeprecationWarning, match="ex_prefix"):
        assert [o.name for o in container.list_objects(prefix="photos", ex_prefix="doc")] == ["docs/a"]
    for nothing in ["nope/", "photos/2022/", "../", "photos//", "photos/2020/jan.jpg/"]:
        assert driver.list_container_objects(container, prefix=nothing) == []


def test_delimiter_lists_one_level(driver: LocalStorageDriver, container: Container) -> None:
    for name in ["top", "a/1", "a/2", "b/c/3", "b-side"]:
        put(driver, container, name)
    assert [o.name for o in driver.list_container_objects(container, ex_delimiter="/")] == ["b-side", "top"]
    assert list(driver.ex_list_prefixes(container)) == ["a/", "b/"]
    assert [o.name for o in driver.list_container_objects(container, prefix="a/", ex_delimiter="/")] == ["a/1", "a/2"]
    assert list(driver.ex_list_prefixes(container, prefix="b/")) == ["b/c/"]
    assert list(driver.ex_list_prefixes(container, prefix="b")) == ["b/"]
    assert list(driver.ex_list_prefixes(container, delimiter="-")) == ["b-"]


def test_folders_without_objects_are_not_prefixes(driver: LocalStorageDriver, container: Container, base: Path) -> None:
    put(driver, container, "real/file")
    (base / "box" / "empty" / "deeper").mkdir(parents=True)
    assert list(driver.ex_list_prefixes(container)) == ["real/"]
    assert [o.name for o in driver.list_container_objects(container)] == ["real/file"]


def s3_listing(keys: List[str], prefix: str, delimiter: Optional[str]) -> Tuple[List[str], List[str]]:
    """What S3's ListObjects answers, written from its documentation."""
    objects: List[str] = []
    prefixes: List[str] = []
    for key in sorted(keys, key=lambda k: k.encode("utf-8")):
        if not key.startswith(prefix):
            continue
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        if cut < 0:
            objects.append(key)
        elif key[: cut + len(delimiter or "")] not in prefixes:
            prefixes.append(key[: cut + len(delimiter or "")])
    return objects, prefixes


SEGMENTS = st.text(alphabet="ab-.é", min_size=1, max_size=3).filter(lambda s: s not in (".", ".."))
KEYS = st.lists(st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join), min_size=1, max_size=12, unique=True)


def storable(keys: List[str]) -> List[str]:
    """The keys that fit in one folder together (no key is a folder of another)."""
    kept: List[str] = []
    for key in keys:
        if not any(other.startswith(key + "/") or key.startswith(other + "/") for other in kept):
            kept.append(key)
    return kept


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=KEYS,
    prefix=st.text(alphabet="ab-./é", max_size=4),
    delimiter=st.sampled_from([None, "", "/", "-", "a", "b/", ".a", "é"]),
)
def test_listing_matches_s3_semantics(keys: List[str], prefix: str, delimiter: Optional[str]) -> None:
    keys = storable(keys)
    with tempfile.TemporaryDirectory() as folder:
        driver = LocalStorageDriver(folder, ex_fsync=False)
        container = driver.create_container("box")
        for key in keys:
            put(driver, container, key)
        objects, prefixes = s3_listing(keys, prefix, delimiter)
        listed = driver.list_container_objects(container, prefix=prefix, ex_delimiter=delimiter)
        assert [o.name for o in listed] == objects
        if delimiter:
            assert list(driver.ex_list_prefixes(container, prefix, delimiter)) == prefixes


# -- ranges and downloads ------------------------------------------------------------------------


def test_ranges_are_end_exclusive(driver: LocalStorageDriver, container: Container, tmp_path: Path) -> None:
    data = payload(1000, seed=3)
    obj = put(driver, container, "ranged", data)
    assert b"".join(driver.download_object_range_as_stream(obj, 10, 20)) == data[10:20]
    assert b"".join(driver.download_object_range_as_stream(obj, 990)) == data[990:]
    assert b"".join(driver.download_object_range_as_stream(obj, 990, 5000)) == data[990:]
    assert b"".join(obj.range_as_stream(0, 1)) == data[:1]
    parts = list(driver.download_object_range_as_stream(obj, 100, 350, chunk_size=100))
    assert [len(p) for p in parts] == [100, 100, 50] and b"".join(parts) == data[100:350]
    target = tmp_path / "part"
    assert driver.download_object_range(obj, str(target), 100, 350) is True
    assert target.read_bytes() == data[100:350]
    assert obj.download_range(str(target), 500, overwrite_existing=True) is True
    assert target.read_bytes() == data[500:]


@pytest.mark.parametrize("start, end", [(-1, None), (5, 5), (6, 5), ("0", None), (0, "9")])
def test_invalid_ranges_are_refused(
    driver: LocalStorageDriver, container: Container, tmp_path: Path, start: Any, end: Any
) -> None:
    obj = put(driver, container, "r", b"0123456789")
    with pytest.raises(aurora.InvalidArgumentError):
        driver.download_object_range_as_stream(obj, start, end)
    with pytest.raises(aurora.InvalidArgumentError):
        driver.download_object_range(obj, str(tmp_path / "t"), start, end)
    assert not (tmp_path / "t").exists()


def test_a_range_past_the_end_is_invalid(driver: LocalStorageDriver, container: Container, tmp_path: Path) -> None:
    obj = put(driver, container, "r", b"0123456789")
    with pytest.raises(InvalidRange) as info:
        list(driver.download_object_range_as_stream(obj, 10))
    assert isinstance(info.value, aurora.ObjectError) and info.value.object_name == "r"
    with pytest.raises(InvalidRange):
        driver.download_object_range(obj, str(tmp_path / "t"), 11, 20)
    assert list(tmp_path.iterdir()) == [tmp_path / "store"]


def test_download_refuses_to_overwrite(driver: LocalStorageDriver, container: Container, tmp_path: Path) -> None:
    obj = put(driver, container, "file", b"new")
    target = tmp_path / "file"
    target.write_bytes(b"old")
    with pytest.raises(aurora.LibcloudError, match="already exists"):
        driver.download_object(obj, str(target))
    assert target.read_bytes() == b"old"
    assert driver.download_object(obj, str(target), overwrite_existing=True) is True
    assert target.read_bytes() == b"new"


def test_download_into_a_directory_uses_the_key(
    driver: LocalStorageDriver, container: Container, tmp_path: Path
) -> None:
    obj = put(driver, container, "nested/name.txt", b"data")
    out = tmp_path / "out"
    out.mkdir()
    assert driver.download_object(obj, str(out) + os.sep) is True
    assert (out / "nested" / "name.txt").read_bytes() == b"data"
    assert tree(out) == ["nested", "nested/name.txt"]
    with pytest.raises(aurora.LibcloudError, match="does not exist"):
        driver.download_object(obj, str(tmp_path / "absent") + os.sep)


@pytest.mark.parametrize("key", ["../escape", "a/../../escape", "/etc/escape"])
def test_download_never_writes_outside_the_directory(
    driver: LocalStorageDriver, container: Container, tmp_path: Path, key: str
) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    obj = Object(key, 4, None, {}, {}, container, driver)
    with pytest.raises(aurora.InvalidArgumentError, match="outside"):
        driver.download_object(obj, str(inside) + os.sep)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inside", "store"]
    assert list(inside.iterdir()) == []


def test_download_of_a_replaced_object_fails_cleanly(
    driver: LocalStorageDriver, container: Container, tmp_path: Path
) -> None:
    stale = put(driver, container, "k", b"version one")
    put(driver, container, "k", b"version 2")  # another size
    assert driver.download_object(stale, str(tmp_path / "a")) is False
    same_size = put(driver, container, "k", b"version 3")
    put(driver, container, "k", b"version 4")  # same size, other bytes
    assert driver.download_object(same_size, str(tmp_path / "b")) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
    fresh = driver.get_object("box", "k")
    assert driver.download_object(fresh, str(tmp_path / "c")) is True
    assert (tmp_path / "c").read_bytes() == b"version 4"


def test_progress_is_reported(driver: LocalStorageDriver, container: Container, tmp_path: Path) -> None:
    data = payload(3500)
    source = tmp_path / "src"
    source.write_bytes(data)
    seen: List[Tuple[int, Optional[int]]] = []
    driver.upload_object(
        str(source), container, "p", ex_progress=lambda d, t: seen.append((d, t)), ex_config=SMALL_CHUNKS
    )
    assert seen == [(1000, 3500), (2000, 3500), (3000, 3500), (3500, 3500)]
    seen.clear()
    driver.upload_object_via_stream(
        iter([data[:2000], data[2000:]]), container, "q", ex_progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(2000, None), (3500, None)]
    seen.clear()
    obj = driver.get_object("box", "p")
    assert (
        driver.download_object(
            obj, str(tmp_path / "d"), ex_progress=lambda d, t: seen.append((d, t)), ex_config=SMALL_CHUNKS
        )
        is True
    )
    assert seen[-1] == (3500, 3500) and len(seen) == 4


def test_container_and_object_convenience_methods(
    driver: LocalStorageDriver, container: Container, tmp_path: Path
) -> None:
    source = tmp_path / "s.txt"
    source.write_bytes(b"hello")
    obj = container.upload_object(str(source), "s.txt")
    assert obj.extra["content_type"] == "text/plain"
    assert container.get_object("s.txt").size == 5
    assert [o.name for o in container.list_objects()] == ["s.txt"]
    assert b"".join(obj.as_stream()) == b"hello"
    assert obj.download(str(tmp_path / "d.txt")) is True
    assert container.upload_object_via_stream(iter([b"more"]), "t").size == 4
    assert container.delete_object(container.get_object("t")) is True
    assert obj.delete() is True
    assert container.delete() is True


# -- concurrency ---------------------------------------------------------------------------------


def test_concurrent_writers_of_one_key_leave_one_whole_version(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    payloads = {n: payload(20_000 + 1000 * (n % 4), seed=n) for n in range(16)}
    for _ in range(3):
        barrier = threading.Barrier(len(payloads))

        def write(n: int, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            driver.upload_object_via_stream(
                iter([payloads[n][:7000], payloads[n][7000:]]),
                container,
                "shared",
                extra={"meta_data": {"writer": str(n)}},
            )

        threads = [threading.Thread(target=write, args=(n,)) for n in payloads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        data = (base / "box" / "shared").read_bytes()
        assert data in payloads.values()
        fetched = driver.get_object("box", "shared")
        assert fetched.hash == md5(data) and fetched.size == len(data)
        assert payloads[int(fetched.meta_data["writer"])] == data  # data and metadata of the same writer
        assert temp_files(base) == []
        assert [o.name for o in driver.list_container_objects(container)] == ["shared"]


WRITER_SCRIPT = """
import sys
from aurora.drivers.local import LocalStorageDriver
driver = LocalStorageDriver(sys.argv[1])
container = driver.get_container("box")
writer = int(sys.argv[2])
for round in range(25):
    data = bytes([writer]) * (5000 + 100 * writer + round)
    extra = {"meta_data": {"writer": str(writer), "round": str(round)}}
    driver.upload_object_via_stream(iter([data]), container, "shared", extra=extra)
"""


def test_concurrent_processes_writing_one_key_leave_one_whole_version(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER_SCRIPT, str(base), str(n)], env=env) for n in range(1, 5)
    ]
    assert [process.wait(timeout=120) for process in processes] == [0, 0, 0, 0]
    data = (base / "box" / "shared").read_bytes()
    writer = data[0]
    round_ = len(data) - 5000 - 100 * writer
    assert data == bytes([writer]) * len(data) and 0 <= round_ < 25
    fetched = driver.get_object("box", "shared")
    assert fetched.hash == md5(data)
    assert fetched.meta_data in ({}, {"writer": str(writer), "round": str(round_)})  # never another version's
    assert temp_files(base) == []


def test_readers_never_see_a_partial_object(base: Path) -> None:
    driver = LocalStorageDriver(str(base), ex_config=SMALL_CHUNKS, ex_fsync=False)
    container = driver.create_container("box")
    versions = [b"A" * 150_000, b"B" * 250_000]
    put(driver, container, "k", versions[0])
    seen: List[bytes] = []

    def write(version: bytes) -> None:
        for _ in range(15):
            put(driver, container, "k", version)

    writers = [threading.Thread(target=write, args=(v,)) for v in versions]
    for thread in writers:
        thread.start()
    while any(thread.is_alive() for thread in writers) or len(seen) < 5:
        obj = driver.get_object("box", "k")
        data = b"".join(driver.download_object_as_stream(obj))
        assert data in versions
        assert obj.hash == md5(obj.size * (b"A" if obj.size == len(versions[0]) else b"B"))
        seen.append(data)
    for thread in writers:
        thread.join()
    assert temp_files(base) == []


def run_threads(count: int, target: Any) -> List[BaseException]:
    """Run ``target(n)`` in ``count`` threads; every exception they raised."""
    errors: List[BaseException] = []

    def guarded(n: int) -> None:
        try:
            target(n)
        except BaseException as error:  # noqa: B036 - reported to the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_deleting_a_container_under_writers_raises_only_aurora_errors(driver: LocalStorageDriver, base: Path) -> None:
    """Writers race a thread that empties, deletes and re-creates their container: no raw OSError escapes."""
    driver.create_container("box")
    box = Container("box", {}, driver)
    stored = threading.Condition()
    counts = {"stored": 0, "deleted": 0, "refused": 0}
    done = threading.Event()

    def writer(n: int) -> None:
        for i in range(5000):
            if done.is_set():
                return
            try:
                put(driver, box, "w%d/sub/k%d" % (n, i % 3))
            except aurora.LibcloudError:
                continue  # the container went away under this write: an aurora error, as promised
            with stored:
                counts["stored"] += 1
                stored.notify_all()

    def more_stored_than(seen: int) -> bool:
        return counts["stored"] > seen

    def deleter() -> None:
        for _ in range(40):
            with stored:
                seen = counts["stored"]
                assert stored.wait_for(functools.partial(more_stored_than, seen), timeout=60)
            try:
                for obj in driver.list_container_objects(box):
                    driver.delete_object(obj)
                driver.delete_container(box)
                counts["deleted"] += 1
            except (aurora.ContainerIsNotEmptyError, aurora.ObjectDoesNotExistError):
                counts["refused"] += 1
            try:
                driver.create_container("box")
            except aurora.ContainerAlreadyExistsError:
                pass
        done.set()

    errors = run_threads(5, lambda n: deleter() if n == 0 else writer(n))
    assert errors == []
    assert counts["deleted"] + counts["refused"] == 40 and counts["stored"] >= 40
    assert temp_files(base) == []


def test_concurrent_deletes_and_writes_in_shared_folders(
    driver: LocalStorageDriver, container: Container, base: Path
) -> None:
    def churn(n: int) -> None:
        for i in range(40):
            key = "shared/deep/k%d-%d" % (n, i)
            obj = put(driver, container, key, b"%d" % i)
            assert driver.get_object("box", key).hash == obj.hash
            driver.delete_object(obj)

    assert run_threads(8, churn) == []
    assert driver.list_container_objects(container) == []
    assert tree(base) == ["box"]
