"""Property tests against RGW: any key S3 can carry round-trips byte for byte.

Hypothesis draws keys of 1 to 200 UTF-8 bytes from the characters XML 1.0 can
hold (listings are XML), uploads each, and checks ``get_object``, the listing
and the downloaded bytes.  Keys with control characters XML 1.0 cannot hold
get their own tests, which pin what aurora does with them today.  Runs are
derandomized, so every run draws the same examples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from faults.support import fast_config, make_driver, object_bytes, rgw_only
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import aurora
from aurora.drivers.s3 import BaseS3StorageDriver

pytestmark = rgw_only()


def xml_char(char: str) -> bool:
    """Whether XML 1.0 can carry ``char`` (its ``Char`` production)."""
    code = ord(char)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


KEYS = st.text(alphabet=st.characters(exclude_categories=["Cs"]).filter(xml_char), min_size=1, max_size=200).filter(
    lambda key: len(key.encode("utf-8")) <= 200
)

PROPERTY = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def driver(s3_server: Any) -> Iterator[BaseS3StorageDriver]:
    drv = make_driver(s3_server, s3_server.host, s3_server.port, fast_config())
    yield drv
    drv.close()


@pytest.fixture
def container(driver: BaseS3StorageDriver, bucket_name: str, boto3_client: Any) -> aurora.Container:
    boto3_client.create_bucket(Bucket=bucket_name)
    return driver.get_container(bucket_name)


def body_for(key: str) -> bytes:
    return b"<" + key.encode("utf-8") + b">"


def assert_round_trip(
    driver: BaseS3StorageDriver,
    container: aurora.Container,
    key: str,
    boto3_client: Any,
    scratch: Path,
    prefix_listing: bool = True,
) -> None:
    data = body_for(key)
    uploaded = driver.upload_object_via_stream(iter([data]), container, key)
    assert uploaded.name == key
    got = driver.get_object(container.name, key)
    assert (got.name, got.size, got.hash) == (key, len(data), uploaded.hash)
    assert [obj.name for obj in driver.list_container_objects(container)] == [key]
    if prefix_listing:
        assert key in [obj.name for obj in driver.list_container_objects(container, prefix=key)]
    assert b"".join(driver.download_object_as_stream(got)) == data
    target = scratch / "downloaded"
    assert driver.download_object(got, str(target), overwrite_existing=True) is True
    assert target.read_bytes() == data
    assert object_bytes(boto3_client, container.name, key) == data  # the server holds this very key
    assert driver.delete_object(got) is True
    assert driver.list_container_objects(container) == []


@PROPERTY
@given(key=KEYS)
@example(key=".")
@example(key="..")
@example(key="../up")
@example(key="a/./b")
@example(key="/lead")
@example(key="a//b")
@example(key="trailing/")
@example(key="sp ace+plus%25")
@example(key="tab\tnl\ncr\r")
@example(key="&amp;<tag>'\"")
@example(key="\U0001f389" * 50)
@example(key="\ufffd\ud7ff\ue000")
def test_xml_legal_unicode_keys_round_trip(
    driver: BaseS3StorageDriver, container: aurora.Container, boto3_client: Any, tmp_path: Path, key: str
) -> None:
    assert_round_trip(driver, container, key, boto3_client, tmp_path)


# -- keys XML 1.0 cannot carry -------------------------------------------------------------------

CONTROL_KEYS = ["a\x01b", "\x1f", "form\x0cfeed", "vertical\x0btab", "del\x7f", "non-char\ufffe", "\uffff"]


@pytest.mark.parametrize("key", CONTROL_KEYS, ids=[repr(key) for key in CONTROL_KEYS])
def test_control_character_keys_round_trip(
    driver: BaseS3StorageDriver, container: aurora.Container, boto3_client: Any, tmp_path: Path, key: str
) -> None:
    """What aurora does today: such keys are sent percent-encoded and listed with
    ``encoding-type=url``, so upload, get, listing and download all round-trip."""
    assert_round_trip(driver, container, key, boto3_client, tmp_path, prefix_listing=False)


@pytest.mark.parametrize(
    "key", [k for k in CONTROL_KEYS if k != "del\x7f"], ids=[repr(k) for k in CONTROL_KEYS if k != "del\x7f"]
)
def test_control_character_prefix_listing(
    driver: BaseS3StorageDriver, container: aurora.Container, boto3_client: Any, key: str
) -> None:
    boto3_client.put_object(Bucket=container.name, Key=key, Body=b"x")
    try:
        names = [obj.name for obj in driver.list_container_objects(container, prefix=key)]
    except aurora.InvalidArgumentError:
        return  # refused before sending: acceptable
    finally:  # one DELETE per key: a multi-object delete cannot carry this key in its XML
        boto3_client.delete_object(Bucket=container.name, Key=key)
    assert names == [key]


@pytest.mark.parametrize("key", ["nul\x00byte", "\x00"], ids=["inside", "alone"])
def test_nul_in_a_key_is_refused_before_sending(s3_server: Any, container: aurora.Container, key: str) -> None:
    closed = make_driver(s3_server, "127.0.0.1", 9, fast_config())  # nothing listens: any request would fail
    with pytest.raises(aurora.InvalidArgumentError):
        closed.upload_object_via_stream(iter([b"x"]), aurora.Container(container.name, {}, closed), key)
