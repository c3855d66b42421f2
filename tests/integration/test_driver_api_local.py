"""The driver API module, run again on ``Provider.LOCAL`` where the feature exists on both.

The test functions are those of ``test_driver_api``; only the fixtures differ:
the driver is the local one on a temporary folder.  Tests that need S3 itself
(signatures, multipart ETags, multipart-upload listings) and keys a folder cannot
hold (``a//b``, ``dir/``) are left out, each for the reason given below.
"""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
from test_driver_api import (  # type: ignore[import-not-found]
    ODD_KEYS,
    test_container_and_object_convenience_methods,
    test_container_lifecycle,
    test_content_type_and_headers,
    test_delete_non_empty_container,
    test_delimiter_lists_one_level,
    test_download_into_a_directory_uses_the_key,
    test_download_never_writes_outside_the_directory,
    test_download_refuses_to_overwrite,
    test_listing_pages_past_a_thousand_keys,
    test_missing_container_errors,
    test_object_not_found,
    test_ranges_are_end_exclusive,
    test_small_objects_round_trip,
    test_stream_chunk_size_is_honoured,
    test_stream_upload_shorter_than_a_part_is_a_single_put,
    test_zero_byte_stream,
)
from test_driver_api import test_odd_keys_round_trip as _odd_keys_round_trip  # type: ignore[import-not-found]

import aurora
from aurora import Provider, get_driver

# Not run here: test_bad_credentials (no credentials on a folder), test_multipart_file_upload and
# test_stream_upload_in_parts (they check S3's "-N" multipart ETags; the local driver's hash is the
# MD5 of the content), test_multipart_uploads_can_be_listed_and_cleaned (no multipart uploads).
FOLDER_KEYS = [key for key in ODD_KEYS if "//" not in key and not key.endswith("/")]

__all__ = [
    "test_container_and_object_convenience_methods",
    "test_container_lifecycle",
    "test_content_type_and_headers",
    "test_delete_non_empty_container",
    "test_delimiter_lists_one_level",
    "test_download_into_a_directory_uses_the_key",
    "test_download_never_writes_outside_the_directory",
    "test_download_refuses_to_overwrite",
    "test_listing_pages_past_a_thousand_keys",
    "test_missing_container_errors",
    "test_object_not_found",
    "test_ranges_are_end_exclusive",
    "test_small_objects_round_trip",
    "test_stream_chunk_size_is_honoured",
    "test_stream_upload_shorter_than_a_part_is_a_single_put",
    "test_zero_byte_stream",
]


@pytest.fixture
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[aurora.StorageDriver]:
    yield get_driver(Provider.LOCAL)(str(tmp_path_factory.mktemp("local-store")))


@pytest.fixture
def bucket_name() -> str:
    return "t-%s" % uuid.uuid4().hex[:12]


@pytest.fixture
def container(driver: aurora.StorageDriver, bucket_name: str) -> aurora.Container:
    return driver.create_container(bucket_name)


@pytest.mark.parametrize("key", FOLDER_KEYS)
def test_odd_keys_round_trip(driver: aurora.StorageDriver, container: aurora.Container, key: str) -> None:
    _odd_keys_round_trip(driver, container, key)


@pytest.mark.parametrize("key", sorted(set(ODD_KEYS) - set(FOLDER_KEYS)))
def test_keys_a_folder_cannot_hold_are_refused(driver: aurora.StorageDriver, container: aurora.Container, key: str):
    with pytest.raises(aurora.ObjectError, match="name"):
        driver.upload_object_via_stream(iter([b"x"]), container, key)
    assert driver.list_container_objects(container) == []
