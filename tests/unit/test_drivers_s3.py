"""The facade's construction and argument checks; nothing here reaches a server."""

from __future__ import annotations

import pickle
import socket

import pytest

import aurora
from aurora import LibcloudError, Provider, get_driver
from aurora.drivers.base import Container, Object

SECRET = "sEcReT/Key+ThatMustNeverShow"


def closed_port() -> int:
    """A local port nothing listens on: any request sent there would fail to connect."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def offline_driver(provider: str = Provider.S3_RGW, **kwargs: object):
    return get_driver(provider)("AKIDEXAMPLE", SECRET, secure=False, host="127.0.0.1", port=closed_port(), **kwargs)


def test_auroraobjects_defaults_to_its_eu_endpoint() -> None:
    driver = get_driver(Provider.AURORAOBJECTS)("key", SECRET)
    assert driver.host == "o.auroraobjects.eu"
    assert driver.port == 443 and driver.secure
    assert driver.signature_version == "4"


def test_s3_driver_picks_the_regional_endpoint() -> None:
    assert get_driver(Provider.S3)("key", SECRET).host == "s3.amazonaws.com"
    assert get_driver(Provider.S3)("key", SECRET, region="eu-west-1").host == "s3.eu-west-1.amazonaws.com"
    assert get_driver(Provider.S3)("key", SECRET, region="eu-central-2").host == "s3.eu-central-2.amazonaws.com"


@pytest.mark.parametrize("provider", [Provider.S3_RGW, Provider.MINIO])
def test_rgw_and_minio_require_a_host(provider: str) -> None:
    with pytest.raises(LibcloudError, match="host required"):
        get_driver(provider)("key", SECRET)


def test_constructor_takes_libclouds_positional_arguments() -> None:
    cls = get_driver(Provider.S3_RGW)
    driver = cls("key", SECRET, False, "127.0.0.1", 7480, None, "default", signature_version="2")
    assert (driver.host, driver.port, driver.secure, driver.region) == ("127.0.0.1", 7480, False, "default")
    assert driver.signature_version == "2"


def test_bad_signature_version_is_refused() -> None:
    with pytest.raises(ValueError, match="signature_version"):
        offline_driver(signature_version="3")


def test_unknown_keyword_is_refused_by_name() -> None:
    with pytest.raises(aurora.InvalidArgumentError, match="ex_bogus"):
        offline_driver(ex_bogus=1)


def test_unknown_provider_names_itself() -> None:
    with pytest.raises(LibcloudError, match="nope"):
        get_driver("nope")


def test_secret_never_shows_in_repr_or_str() -> None:
    driver = offline_driver()
    container = Container("bucket", {}, driver)
    obj = Object("key", 1, "abc", {}, {}, container, driver)
    for value in (driver, driver.client, driver.transport, container, obj, driver._credentials):
        assert SECRET not in repr(value)
        assert SECRET not in str(value)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "ab",
        "A" * 3,
        "has_underscore",
        "-leading",
        "trailing-",
        "a..b",
        "192.168.1.1",
        "x" * 64,
        "UPPER",
        "bad/slash",
    ],
)
def test_invalid_bucket_names_are_refused_before_any_request(name: str) -> None:
    driver = offline_driver()
    with pytest.raises(aurora.InvalidContainerNameError) as info:
        driver.create_container(name)
    assert repr(name) in str(info.value)
    with pytest.raises(aurora.InvalidContainerNameError):
        driver.get_container(name)


def test_overlong_key_is_refused_before_any_request(tmp_path) -> None:
    driver = offline_driver()
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with pytest.raises(aurora.ObjectError, match="1025 bytes"):
        driver.upload_object(str(path), Container("bucket", {}, driver), "k" * 1025)


def test_header_injection_is_refused_before_any_request(tmp_path) -> None:
    driver = offline_driver()
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with pytest.raises(aurora.InvalidArgumentError, match="CR, LF"):
        driver.upload_object(str(path), Container("bucket", {}, driver), "k", extra={"meta_data": {"a": "b\r\nX: y"}})


@pytest.mark.parametrize("start,end", [(-1, None), (5, 5), (6, 5)])
def test_bad_byte_ranges_are_refused(start: int, end: object) -> None:
    driver = offline_driver()
    obj = Object("key", 10, None, {}, {}, Container("bucket", {}, driver), driver)
    with pytest.raises(ValueError):
        driver.download_object_range_as_stream(obj, start, end)


def test_auroraobjects_has_no_cdn_whatever_the_arguments() -> None:
    driver = get_driver(Provider.AURORAOBJECTS)("key", SECRET)
    container = Container("bucket", {}, driver)
    obj = Object("key", 1, None, {}, {}, container, driver)
    calls = [
        lambda: driver.enable_container_cdn(container),
        lambda: driver.enable_object_cdn(obj),
        lambda: driver.get_container_cdn_url(container),
        lambda: driver.get_object_cdn_url(obj),
        lambda: driver.get_object_cdn_url(obj, ex_expiry=1.0, ex_method="PUT"),
        lambda: driver.get_container_cdn_url(),
        lambda: obj.get_cdn_url(),
    ]
    for call in calls:
        with pytest.raises(LibcloudError, match="CDN is not supported"):
            call()


def test_errors_pickle_without_the_driver() -> None:
    driver = offline_driver()
    error = aurora.ContainerDoesNotExistError("gone", driver, "bucket")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is aurora.ContainerDoesNotExistError
    assert copy.container_name == "bucket" and copy.driver is None


def test_credentials_and_endpoint_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    driver = get_driver(Provider.S3)()
    assert (driver.key, driver.secure, driver.host, driver.port) == ("ENVKEY", False, "127.0.0.1", 9999)
    assert driver.region == "eu-west-3"
    assert SECRET not in repr(driver)


def test_a_profile_of_the_shared_credentials_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "credentials").write_text("[work]\naws_access_key_id = FILEKEY\naws_secret_access_key = %s\n" % SECRET)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    driver = get_driver(Provider.AURORAOBJECTS)(ex_profile="work")
    assert driver.key == "FILEKEY" and driver.host == "o.auroraobjects.eu"
    assert driver.secret == SECRET


def test_no_credentials_anywhere_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(aurora.InvalidCredsError, match="no credentials"):
        get_driver(Provider.S3)()


def test_explicit_host_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://elsewhere.example:1234")
    driver = get_driver(Provider.S3_RGW)("key", SECRET, secure=False, host="127.0.0.1", port=7480)
    assert (driver.host, driver.port, driver.secure) == ("127.0.0.1", 7480, False)
