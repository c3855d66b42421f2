"""Objects that change under you, on Ceph RGW: a download fetches the object as it is now (as
libcloud does), whatever the Object in hand says; a stream does too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from faults.support import fast_config, make_driver, payload, rgw_only

pytestmark = rgw_only()


@pytest.mark.parametrize("size", [3000, 12 * 1024 * 1024], ids=["single", "ranges"])
def test_an_object_overwritten_since_it_was_listed_downloads_as_it_is_now(
    s3_server: Any, bucket_name: str, tmp_path: Path, size: int
) -> None:
    old, new = payload(size, seed=1), payload(size, seed=2)
    config = fast_config(multipart_download_threshold=8 * 1024 * 1024, download_part_size=5 * 1024 * 1024)
    driver = make_driver(s3_server, s3_server.host, s3_server.port, config)
    container = driver.create_container(bucket_name)
    driver.upload_object_via_stream(iter([old]), container, "k")
    listed = driver.get_object(bucket_name, "k")
    driver.upload_object_via_stream(iter([new]), container, "k")
    assert listed.hash != driver.get_object(bucket_name, "k").hash  # the Object in hand is stale
    assert driver.download_object(listed, str(tmp_path / "o"), overwrite_existing=True) is True
    assert (tmp_path / "o").read_bytes() == new
    assert b"".join(driver.download_object_as_stream(listed)) == new
    assert b"".join(driver.download_object_range_as_stream(listed, 10, 20)) == new[10:20]


def test_an_object_that_changed_size_is_libclouds_false_and_its_stream_the_new_bytes(
    s3_server: Any, bucket_name: str, tmp_path: Path
) -> None:
    driver = make_driver(s3_server, s3_server.host, s3_server.port)
    container = driver.create_container(bucket_name)
    driver.upload_object_via_stream(iter([b"old bytes"]), container, "k")
    listed = driver.get_object(bucket_name, "k")
    driver.upload_object_via_stream(iter([b"newer, longer bytes"]), container, "k")
    assert driver.download_object(listed, str(tmp_path / "o")) is False  # libcloud: the size differs
    assert not (tmp_path / "o").exists()
    assert b"".join(driver.download_object_as_stream(listed)) == b"newer, longer bytes"
