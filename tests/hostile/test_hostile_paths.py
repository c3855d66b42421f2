"""A booby-trapped local folder: symlinks never carry a write or a read out of where it belongs.

Downloads (driver and CLI) into a folder holding a link to elsewhere refuse
the keys that would go through it, name them, and go on with the rest; a link
at a file's own name is replaced, not written through.  The LOCAL driver
never follows a link out of its root.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Tuple

import pytest
from hostile.server import HostileServer, Reply, Request, list_v2_page, run_cli, xml_reply

import aurora
from aurora.drivers.base import Container, Object
from aurora.drivers.local import LocalStorageDriver
from aurora.drivers.s3 import S3StorageDriver
from aurora.errors import InvalidArgumentError, InvalidObjectNameError, ObjectDoesNotExistError

BODY = b"hello"
ETAG = '"5d41402abc4b2a76b9719d911017c592"'


def bucket_of(*keys: str):  # type: ignore[no-untyped-def]
    def answer(request: Request) -> Reply:
        if request.method == "GET" and not request.key:
            return xml_reply(list_v2_page(list(keys), size=len(BODY)))
        if request.key in keys:
            return Reply(200, BODY, (("ETag", ETAG),))
        return Reply(404, reason="Not Found")

    return answer


@pytest.fixture
def trapped(tmp_path: Path) -> Tuple[Path, Path]:
    """``dest/`` holding ``lnk -> outside/`` and ``file -> outside/secret``."""
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (outside / "secret").write_bytes(b"keep me")
    (dest / "lnk").symlink_to(outside, target_is_directory=True)
    (dest / "file").symlink_to(outside / "secret")
    return dest, outside


def outside_is_untouched(outside: Path) -> bool:
    return sorted(p.name for p in outside.iterdir()) == ["secret"] and (outside / "secret").read_bytes() == b"keep me"


@pytest.mark.parametrize("command", ["cp", "sync"])
def test_cli_refuses_keys_through_a_link_and_goes_on(
    hostile_server: HostileServer, trapped: Tuple[Path, Path], tmp_path: Path, command: str
) -> None:
    dest, outside = trapped
    hostile_server.answer = bucket_of("a", "lnk/x", "z")
    args = ("cp", "-r") if command == "cp" else ("sync",)
    result = run_cli(hostile_server, *args, "s3://bkt/", str(dest), cwd=str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.decode().count("\n") == 1
    assert "'lnk/x' would be written outside" in result.stderr.decode()
    assert (dest / "a").read_bytes() == BODY and (dest / "z").read_bytes() == BODY
    assert outside_is_untouched(outside)
    assert not any(request.key == "lnk/x" and request.method == "GET" for request in hostile_server.requests)


def test_cli_replaces_a_link_at_the_files_own_name(
    hostile_server: HostileServer, trapped: Tuple[Path, Path], tmp_path: Path
) -> None:
    dest, outside = trapped
    hostile_server.answer = bucket_of("file")
    result = run_cli(hostile_server, "cp", "-r", "s3://bkt/", str(dest), cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert not (dest / "file").is_symlink() and (dest / "file").read_bytes() == BODY
    assert outside_is_untouched(outside)


def test_driver_download_refuses_a_key_through_a_link_before_any_request(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver, trapped: Tuple[Path, Path]
) -> None:
    dest, outside = trapped
    hostile_server.answer = bucket_of("lnk/x")
    obj = Object("lnk/x", len(BODY), None, {}, {}, Container("bkt", {}, hostile_driver), hostile_driver)
    with pytest.raises(InvalidArgumentError, match="'lnk/x' would be written outside"):
        hostile_driver.download_object(obj, str(dest) + os.sep)
    assert hostile_server.requests == [] and outside_is_untouched(outside)


def test_driver_download_replaces_a_link_at_the_files_own_name(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver, trapped: Tuple[Path, Path]
) -> None:
    dest, outside = trapped
    hostile_server.answer = bucket_of("file")
    obj = Object("file", len(BODY), None, {}, {}, Container("bkt", {}, hostile_driver), hostile_driver)
    assert hostile_driver.download_object(obj, str(dest) + os.sep, overwrite_existing=True) is True
    assert not (dest / "file").is_symlink() and (dest / "file").read_bytes() == BODY
    assert outside_is_untouched(outside)


# -- the LOCAL driver's root -----------------------------------------------------------------


@pytest.fixture
def local_root(tmp_path: Path) -> Tuple[LocalStorageDriver, Path]:
    """A LOCAL root with container ``c`` holding ``real``, links in and out, and a container link out."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "c").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret").write_bytes(b"keep me")
    (root / "c" / "real").write_bytes(b"inside")
    (root / "c" / "to-real").symlink_to(root / "c" / "real")
    (root / "c" / "to-secret").symlink_to(outside / "secret")
    (root / "c" / "out").symlink_to(outside, target_is_directory=True)
    (root / "elsewhere").symlink_to(outside, target_is_directory=True)
    return LocalStorageDriver(str(root)), outside


def test_local_lists_neither_containers_nor_files_that_lead_out(local_root: Tuple[LocalStorageDriver, Path]) -> None:
    driver, outside = local_root
    assert [container.name for container in driver.list_containers()] == ["c"]
    container = driver.get_container("c")
    assert [obj.name for obj in driver.list_container_objects(container)] == ["real", "to-real"]
    with pytest.raises(aurora.ContainerDoesNotExistError):
        driver.get_container("elsewhere")


def test_local_reads_a_link_inside_the_root_but_not_one_leading_out(
    local_root: Tuple[LocalStorageDriver, Path],
) -> None:
    driver, outside = local_root
    assert b"".join(driver.download_object_as_stream(driver.get_object("c", "to-real"))) == b"inside"
    with pytest.raises(ObjectDoesNotExistError, match="outside"):
        driver.get_object("c", "to-secret")
    forged = Object("to-secret", 7, None, {}, {}, driver.get_container("c"), driver)
    with pytest.raises(ObjectDoesNotExistError, match="outside"):
        b"".join(driver.download_object_as_stream(forged))
    assert driver.delete_object(forged) is False  # no such object here (libcloud's answer), and the link stays
    assert os.path.islink(driver.base_path + "/c/to-secret")
    assert outside_is_untouched(outside)


def test_local_refuses_writes_through_a_link_leading_out(local_root: Tuple[LocalStorageDriver, Path]) -> None:
    driver, outside = local_root
    container = driver.get_container("c")
    with pytest.raises(InvalidObjectNameError, match="'out/x'"):
        driver.upload_object_via_stream(iter([b"data"]), container, "out/x")
    assert outside_is_untouched(outside)


def test_local_replaces_a_link_at_the_objects_own_name(
    local_root: Tuple[LocalStorageDriver, Path], tmp_path: Path
) -> None:
    driver, outside = local_root
    driver.upload_object_via_stream(iter([b"new"]), driver.get_container("c"), "to-secret")
    assert not (tmp_path / "root" / "c" / "to-secret").is_symlink()
    assert b"".join(driver.download_object_as_stream(driver.get_object("c", "to-secret"))) == b"new"
    assert outside_is_untouched(outside)
