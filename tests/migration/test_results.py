"""Typical libcloud user code, run on libcloud 3.9.1 and on aurora against Ceph RGW and LOCAL: same outcomes.

Each snippet is a piece of a libcloud script as people write them (create, upload with
metadata, list with prefixes, download every way, delete, handle the libcloud exceptions).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable, List, Tuple, Type

import pytest
from migration.oracle import APIS, Api, outcome, same

DATA = b"hello migration world\n" * 100


def _container(driver: Any, name: str) -> Any:
    return driver.create_container(name)


def _file(folder: Path, name: str, data: bytes = DATA) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def upload_with_metadata(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    meta = {"Mixed-Case": "V", "owner": "ops"}
    obj = driver.upload_object(_file(folder, "hello.txt"), container, "dir/hello.txt", extra={"meta_data": meta})
    got = driver.get_object(name, "dir/hello.txt")
    # the hash itself differs on LOCAL by design (libcloud hashes the file's stat, aurora its bytes)
    return (type(obj).__name__, obj.name, obj.size, obj.hash == got.hash, obj.meta_data, got.name, got.size)


def upload_from_a_stream(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    obj = driver.upload_object_via_stream(iter([b"abc", b"def" * 1000]), container, "streamed")
    got = driver.get_object(name, "streamed")
    return (obj.name, obj.size, got.size, b"".join(driver.download_object_as_stream(got)) == b"abc" + b"def" * 1000)


def list_with_prefixes(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    for key in ("a/1", "a/2", "b/1", "c"):
        driver.upload_object(_file(folder, "f"), container, key)
    every = sorted(o.name for o in driver.list_container_objects(container))
    under_a = sorted(o.name for o in driver.list_container_objects(container, prefix="a/"))
    from_container = sorted(o.name for o in container.list_objects(prefix="b/"))
    iterated = sorted(o.name for o in driver.iterate_container_objects(container, prefix="a/"))
    return every, under_a, from_container, iterated


def ex_prefix_wins_with_a_deprecation_warning(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    for key in ("a/1", "b/1"):
        driver.upload_object(_file(folder, "f"), container, key)
    return sorted(o.name for o in driver.list_container_objects(container, prefix="a/", ex_prefix="b/"))


def download_every_way(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    obj = driver.upload_object(_file(folder, "src"), container, "obj.bin")
    target = folder / "out.bin"
    whole = driver.download_object(obj, str(target))
    again = obj.download(str(target), overwrite_existing=True)
    streamed = b"".join(driver.download_object_as_stream(obj, chunk_size=7))
    ranged = b"".join(driver.download_object_range_as_stream(obj, 5, 50))
    range_file = folder / "range.bin"
    ranged_ok = driver.download_object_range(obj, str(range_file), 10, 20)
    return (
        whole,
        again,
        target.read_bytes() == DATA,
        streamed == DATA,
        ranged == DATA[5:50],
        ranged_ok,
        range_file.read_bytes() == DATA[10:20],
    )


def short_download_kept_or_deleted(api: Api, driver: Any, name: str, folder: Path) -> Any:
    """An object listed at another size than it has: the download is short, False either way."""
    container = _container(driver, name)
    obj = driver.upload_object(_file(folder, "src"), container, "obj")
    stale = type(obj)(obj.name, obj.size + 10, obj.hash, {}, {}, container, driver)
    results = []
    for delete_on_failure in (True, False):
        target = folder / ("short-%s" % delete_on_failure)
        done = driver.download_object(stale, str(target), delete_on_failure=delete_on_failure)
        results.append((done, target.exists() and target.read_bytes() == DATA))
    return results


def download_onto_an_existing_file(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    obj = driver.upload_object(_file(folder, "src"), container, "obj")
    (folder / "exists").write_bytes(b"old")
    driver.download_object(obj, str(folder / "exists"))


def missing_container(api: Api, driver: Any, name: str, folder: Path) -> Any:
    driver.get_container(name)


def missing_container_with_a_legacy_name(api: Api, driver: Any, name: str, folder: Path) -> Any:
    driver.get_container("Legacy_Upper_" + uuid.uuid4().hex[:8])


def missing_object(api: Api, driver: Any, name: str, folder: Path) -> Any:
    _container(driver, name)
    driver.get_object(name, "no such key")


def errors_carry_value_and_driver(api: Api, driver: Any, name: str, folder: Path) -> Any:
    _container(driver, name)
    caught: List[Any] = []
    calls: Tuple[Callable[[], object], ...] = (
        lambda: driver.get_object(name, "absent"),
        lambda: driver.get_container(name + "-absent"),
    )
    libcloud_error: Type[BaseException] = api.errors["LibcloudError"]
    for call in calls:
        try:
            call()
        except libcloud_error as error:
            caught.append((hasattr(error, "value"), getattr(error, "driver", None) is driver))
    return caught


def strict_mode_needs_a_content_type(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    driver.strict_mode = True
    try:
        driver.upload_object(_file(folder, "no-extension"), container, "no-extension")
    finally:
        driver.strict_mode = False


def delete_objects_and_container(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    obj = driver.upload_object(_file(folder, "f"), container, "k")
    results = [driver.delete_object(obj)]
    results.append([o.name for o in driver.list_container_objects(container)])
    results.append(driver.delete_container(container))
    return results


def delete_a_non_empty_container(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    driver.upload_object(_file(folder, "f"), container, "k")
    try:
        driver.delete_container(container)
    finally:
        for obj in driver.list_container_objects(container):
            driver.delete_object(obj)


def create_an_existing_container(api: Api, driver: Any, name: str, folder: Path) -> Any:
    _container(driver, name)
    driver.create_container(name)


def containers_are_listed(api: Api, driver: Any, name: str, folder: Path) -> Any:
    _container(driver, name)
    found = [c for c in driver.list_containers() if c.name == name]
    return [(type(c).__name__, c.name == name, c.driver is driver) for c in found]


SNIPPETS: List[Callable[..., Any]] = [
    upload_with_metadata,
    upload_from_a_stream,
    list_with_prefixes,
    ex_prefix_wins_with_a_deprecation_warning,
    download_every_way,
    download_onto_an_existing_file,
    missing_container,
    missing_container_with_a_legacy_name,
    missing_object,
    errors_carry_value_and_driver,
    strict_mode_needs_a_content_type,
    delete_objects_and_container,
    delete_a_non_empty_container,
    create_an_existing_container,
    containers_are_listed,
]


def upload_with_metadata_read_back(api: Api, driver: Any, name: str, folder: Path) -> Any:
    result = upload_with_metadata(api, driver, name, folder)
    return result[:4] + result[5:]  # all but the upload's meta_data


RAISING = {
    download_onto_an_existing_file,
    missing_container,
    missing_container_with_a_legacy_name,
    missing_object,
    strict_mode_needs_a_content_type,
    delete_a_non_empty_container,
    create_an_existing_container,
}
"""Snippets whose outcome (on libcloud, hence on aurora) is an exception; every other one must succeed."""
RAISING_ON_RGW = RAISING - {create_an_existing_container}  # RGW answers 200 to its owner, as us-east-1 does
RAISING_ON_LOCAL = RAISING - {strict_mode_needs_a_content_type}  # libcloud's LOCAL driver sends no type

# Where aurora deliberately differs (README, "Migrating from libcloud"), the snippet is left out of
# the equal-outcome run on that store and its difference is asserted below instead.
ON_RGW = [s for s in SNIPPETS if s is not upload_from_a_stream]  # libcloud's SigV2 multipart is refused
ON_RGW.append(short_download_kept_or_deleted)  # LOCAL: libcloud copies the file whatever its size
ON_LOCAL = [s for s in SNIPPETS if s is not upload_with_metadata]  # aurora's LOCAL keeps metadata


@pytest.mark.parametrize("snippet", ON_RGW, ids=lambda s: s.__name__)
def test_on_rgw(snippet: Callable[..., Any], rgw_driver: Any, bucket_for: Any, folder_for: Any) -> None:
    result = same(snippet, rgw_driver, bucket_for, folder_for)
    assert isinstance(result, frozenset) == (snippet in RAISING_ON_RGW), result
    if snippet is short_download_kept_or_deleted:
        assert result == [(False, False), (False, True)]


def test_on_rgw_libclouds_sigv2_multipart_is_refused_where_aurora_uploads(
    rgw_driver: Any, bucket_for: Any, folder_for: Any
) -> None:
    libcloud, ours = (
        outcome(upload_from_a_stream, api, *rgw_driver(api), *bucket_for(api), *folder_for(api)) for api in APIS
    )
    assert libcloud == ("raised", frozenset({"InvalidCredsError", "LibcloudError"}))  # SignatureDoesNotMatch
    assert ours == ("ok", ("streamed", 3003, 3003, True))


def _local_name(api: Api) -> Tuple[str]:
    return ("box-" + api.name,)


@pytest.mark.parametrize("snippet", ON_LOCAL + [upload_with_metadata_read_back], ids=lambda s: s.__name__)
def test_on_local(snippet: Callable[..., Any], local_driver: Any, folder_for: Any) -> None:
    result = same(snippet, local_driver, _local_name, folder_for)
    assert isinstance(result, frozenset) == (snippet in RAISING_ON_LOCAL), result


def local_missing_objects_give_false(api: Api, driver: Any, name: str, folder: Path) -> Any:
    container = _container(driver, name)
    obj = driver.upload_object(_file(folder, "f"), container, "k")
    assert driver.delete_object(obj) is True
    return driver.delete_object(obj), driver.download_object(obj, str(folder / "never")), (folder / "never").exists()


def test_local_missing_objects_give_false(local_driver: Any, folder_for: Any) -> None:
    assert same(local_missing_objects_give_false, local_driver, _local_name, folder_for) == (False, False, False)


def test_on_local_aurora_keeps_the_metadata_libcloud_drops(local_driver: Any, folder_for: Any) -> None:
    libcloud, ours = (
        outcome(upload_with_metadata, api, *local_driver(api), *_local_name(api), *folder_for(api)) for api in APIS
    )
    assert libcloud[0] == ours[0] == "ok"
    assert libcloud[1][4] == {} and ours[1][4] == {"Mixed-Case": "V", "owner": "ops"}
