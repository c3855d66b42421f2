"""The facade's construction and argument checks; nothing here reaches a server."""

from __future__ import annotations

import pickle
import socket
from pathlib import Path
from typing import Any, Callable, List, Optional, Type

import pytest

import aurora
from aurora import LibcloudError, Provider, get_driver
from aurora.drivers.base import Container, Object
from aurora.drivers.s3 import BaseS3StorageDriver

SECRET = "sEcReT/Key+ThatMustNeverShow"


def closed_port() -> int:
    """A local port nothing listens on: any request sent there would fail to connect."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def s3_class(provider: str) -> Type[BaseS3StorageDriver]:
    """The driver class of an S3-family provider, checked to be one."""
    cls = get_driver(provider)
    assert issubclass(cls, BaseS3StorageDriver)
    return cls


def offline_driver(provider: str = Provider.S3_RGW, **kwargs: Any) -> BaseS3StorageDriver:
    return s3_class(provider)("AKIDEXAMPLE", SECRET, secure=False, host="127.0.0.1", port=closed_port(), **kwargs)


def test_auroraobjects_defaults_to_its_eu_endpoint() -> None:
    driver = get_driver(Provider.AURORAOBJECTS)("key", SECRET)
    assert driver.host == "o.auroraobjects.eu"
    assert driver.port == 443 and driver.secure
    assert driver.signature_version == "4"


def test_s3_driver_picks_the_regional_endpoint() -> None:
    assert get_driver(Provider.S3)("key", SECRET).host == "s3.amazonaws.com"
    assert get_driver(Provider.S3)("key", SECRET, region="eu-west-1").host == "s3-eu-west-1.amazonaws.com"
    assert get_driver(Provider.S3)("key", SECRET, region="eu-central-2").host == "s3.eu-central-2.amazonaws.com"


@pytest.mark.parametrize("provider", [Provider.S3_RGW, Provider.MINIO])
def test_rgw_and_minio_require_a_host(provider: str) -> None:
    with pytest.raises(LibcloudError, match="host (argument is )?required"):
        s3_class(provider)("key", SECRET)


def test_constructor_takes_libclouds_positional_arguments() -> None:
    cls = get_driver(Provider.S3_RGW)
    driver = cls("key", SECRET, False, "127.0.0.1", 7480, None, "default", signature_version="2")
    assert (driver.host, driver.port, driver.secure, driver.region) == ("127.0.0.1", 7480, False, "default")
    assert driver.signature_version == "2"


def test_bad_signature_version_is_refused() -> None:
    with pytest.raises(ValueError, match="signature_version"):
        offline_driver(signature_version="3")


def test_unknown_keyword_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="ex_bogus"):
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
def test_invalid_bucket_names_are_refused_before_a_bucket_is_made(name: str) -> None:
    driver = offline_driver()
    with pytest.raises(aurora.InvalidContainerNameError) as info:
        driver.create_container(name)
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("name", ["", "bad/slash", "tab\there", "nul\x00", "x" * 256])
def test_names_no_request_can_carry_are_refused_everywhere(name: str) -> None:
    driver = offline_driver()
    container = Container(name, {}, driver)
    calls: List[Callable[[], object]] = [
        lambda: driver.get_container(name),
        lambda: driver.get_object(name, "key"),
        lambda: driver.list_container_objects(container),
        lambda: driver.delete_container(container),
    ]
    for call in calls:
        with pytest.raises(aurora.InvalidContainerNameError):
            call()


@pytest.mark.parametrize("name", ["UPPER", "has_underscore", "ab", "x" * 64, "192.168.1.1"])
def test_names_that_break_only_dns_rules_are_sent_path_style(name: str) -> None:
    from aurora.s3.client import uses_virtual_host

    driver = offline_driver(retry_delay=0)
    with pytest.raises(aurora.TransportError):  # sent: the closed port refuses the connection
        driver.get_container(name)
    assert not uses_virtual_host("virtual", name, "s3.example.com")


def test_overlong_key_is_refused_before_any_request(tmp_path: Path) -> None:
    driver = offline_driver()
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with pytest.raises(aurora.ObjectError, match="1025 bytes"):
        driver.upload_object(str(path), Container("bucket", {}, driver), "k" * 1025)


def test_header_injection_is_refused_before_any_request(tmp_path: Path) -> None:
    driver = offline_driver()
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with pytest.raises(aurora.InvalidArgumentError, match="CR, LF"):
        driver.upload_object(str(path), Container("bucket", {}, driver), "k", extra={"meta_data": {"a": "b\r\nX: y"}})


@pytest.mark.parametrize("start,end", [(-1, None), (5, 5), (6, 5)])
def test_bad_byte_ranges_are_refused(start: int, end: Optional[int]) -> None:
    driver = offline_driver()
    obj = Object("key", 10, None, {}, {}, Container("bucket", {}, driver), driver)
    with pytest.raises(ValueError):
        driver.download_object_range_as_stream(obj, start, end)


def test_auroraobjects_has_no_cdn_whatever_the_arguments() -> None:
    driver = get_driver(Provider.AURORAOBJECTS)("key", SECRET)
    container = Container("bucket", {}, driver)
    obj = Object("key", 1, None, {}, {}, container, driver)
    calls: List[Callable[[], object]] = [
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


def test_credentials_and_endpoint_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    driver = get_driver(Provider.S3)()
    assert (driver.key, driver.secure, driver.host, driver.port) == ("ENVKEY", False, "127.0.0.1", 9999)
    assert driver.region == "eu-west-3"
    assert SECRET not in repr(driver)


def test_a_profile_of_the_shared_credentials_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "credentials").write_text("[work]\naws_access_key_id = FILEKEY\naws_secret_access_key = %s\n" % SECRET)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    driver = get_driver(Provider.AURORAOBJECTS)(ex_profile="work")
    assert driver.key == "FILEKEY" and driver.host == "o.auroraobjects.eu"
    assert driver.secret == SECRET


def test_no_credentials_anywhere_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
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


# -- libcloud's constructors, keywords and attributes ------------------------------


def clean_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))


def test_s3_takes_region_and_token_in_libclouds_positions() -> None:
    driver = get_driver(Provider.S3)("key", SECRET, True, None, None, "eu-west-1", "session-token")
    assert (driver.region, driver.region_name, driver.host) == ("eu-west-1", "eu-west-1", "s3-eu-west-1.amazonaws.com")
    assert driver._credentials.session_token == "session-token"
    assert driver.name == "Amazon S3 (eu-west-1)"


def test_the_driver_options_list_is_the_base_constructors() -> None:
    import inspect

    from aurora.drivers.s3 import BaseS3StorageDriver
    from aurora.drivers.s3_options import DriverOptions

    parameters = inspect.signature(BaseS3StorageDriver.__init__).parameters.values()
    keyword_only = {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert keyword_only == set(DriverOptions.__annotations__) | {"token"}


@pytest.mark.parametrize("provider", ["S3", "S3_EU_WEST", "MINIO", "OVH", "SCALEWAY", "GOOGLE_STORAGE", "S3_RGW"])
def test_every_named_driver_spells_out_every_option_with_the_base_default(provider: str) -> None:
    import inspect

    from aurora.drivers.s3 import BaseS3StorageDriver
    from aurora.drivers.s3_options import DriverOptions

    base = inspect.signature(BaseS3StorageDriver.__init__).parameters
    own = inspect.signature(get_driver(getattr(Provider, provider)).__init__).parameters
    for option in DriverOptions.__annotations__:
        assert own[option].kind is inspect.Parameter.KEYWORD_ONLY, option
        assert own[option].default == base[option].default, option
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in own.values())


def test_a_named_driver_forwards_the_options_it_is_given() -> None:
    driver = get_driver(Provider.MINIO)(
        "key", SECRET, False, "127.0.0.1", 9000, signature_version="2", timeout=3, ex_addressing_style="path"
    )
    assert (driver.signature_version, driver.config.timeouts.read) == ("2", 3.0)
    assert driver.client.addressing_style == "path"
    with pytest.raises(TypeError, match="ex_confg"):
        get_driver(Provider.SCALEWAY)("key", SECRET, ex_confg=None)  # type: ignore[call-arg]


def test_libclouds_base_keywords_reach_the_timeouts_and_the_retry_policy() -> None:
    driver = offline_driver(timeout=7, retry_delay=0.5, backoff=3, proxy_url="http://127.0.0.1:1")
    assert (driver.config.timeouts.connect, driver.config.timeouts.read) == (7.0, 7.0)
    assert (driver.config.retry.backoff_base, driver.config.retry.backoff_multiplier) == (0.5, 3.0)
    assert driver.transport._proxy is not None and "127.0.0.1:1" in driver.transport._proxy.label


def test_attributes_libcloud_code_reads() -> None:
    driver = offline_driver()
    assert driver.connection.host == "127.0.0.1" and driver.connection.secure is False
    assert driver.connection.port == driver.port
    assert driver.namespace == "http://s3.amazonaws.com/doc/2006-03-01/"
    assert (driver.http_vendor_prefix, driver.hash_type) == ("x-amz", "md5")
    assert driver.supports_s3_multipart_upload and not driver.supports_chunked_encoding
    assert driver.region_name == driver.region == "default" and driver.name == "Ceph RGW S3 (default)"
    with pytest.raises(AttributeError):
        driver.connection.host = "elsewhere"  # type: ignore[misc]


@pytest.mark.parametrize(
    "provider,host,region,name",
    [
        (Provider.S3_EU_WEST, "s3-eu-west-1.amazonaws.com", "eu-west-1", "Amazon S3 (eu-west-1)"),
        (Provider.S3_AP_NORTHEAST, "s3-ap-northeast-1.amazonaws.com", "ap-northeast-1", "Amazon S3 (ap-northeast-1)"),
        (Provider.DIGITALOCEAN_SPACES, "nyc3.digitaloceanspaces.com", "nyc3", "DigitalOcean Spaces (nyc3)"),
        (Provider.OVH, "s3.sbg.perf.cloud.ovh.net", "sbg", "Ovh Object Storage (sbg)"),
        (Provider.SCALEWAY, "s3.fr-par.scw.cloud", "fr-par", "Scaleway Object Storage (fr-par)"),
        (Provider.S3_RGW_OUTSCALE, "osu.eu-west-2.outscale.com", "eu-west-2", "OUTSCALE Ceph RGW S3 (eu-west-2)"),
    ],
)
def test_region_providers_default_as_libcloud(provider: str, host: str, region: str, name: str) -> None:
    driver = s3_class(provider)("key", SECRET)
    assert (driver.host, driver.region, driver.name) == (host, region, name)


def test_unknown_regions_are_refused_as_libcloud_refuses_them() -> None:
    with pytest.raises(LibcloudError, match=r"Unknown region \(mars\)"):
        get_driver(Provider.DIGITALOCEAN_SPACES)("key", SECRET, region="mars")
    with pytest.raises(ValueError, match="Invalid or unsupported region: mars"):
        get_driver(Provider.OVH)("key", SECRET, True, None, None, "mars")


def test_google_storage_takes_hmac_keys_and_names_them_for_oauth2_forms() -> None:
    driver = get_driver(Provider.GOOGLE_STORAGE)("GOOG1EXAMPLE", SECRET, "my-project")
    assert (driver.host, driver.project, driver.signature_version) == ("storage.googleapis.com", "my-project", "4")
    for key in ("robot@my-project.iam.gserviceaccount.com", "123-abc.apps.googleusercontent.com"):
        with pytest.raises(aurora.InvalidCredsError, match="HMAC") as caught:
            get_driver(Provider.GOOGLE_STORAGE)(key, SECRET)
        assert key not in str(caught.value)


def test_unknown_provider_is_an_attribute_error_as_in_libcloud() -> None:
    with pytest.raises(AttributeError, match="nope"):
        get_driver("nope")


def test_explicit_keys_for_a_provider_with_its_own_endpoint_ignore_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_aws_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://collector.example:9999")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    aurora_objects = get_driver(Provider.AURORAOBJECTS)("key", SECRET)
    assert (aurora_objects.host, aurora_objects.region) == ("o.auroraobjects.eu", "us-east-1")
    assert get_driver(Provider.DIGITALOCEAN_SPACES)("key", SECRET).host == "nyc3.digitaloceanspaces.com"
    with pytest.raises(LibcloudError, match="host required"):
        get_driver(Provider.S3_RGW)("key", SECRET)
    amazon = get_driver(Provider.S3)("key", SECRET)
    assert (amazon.host, amazon.port, amazon.region) == ("collector.example", 9999, "eu-west-3")


def test_key_none_or_a_profile_takes_the_environment_for_any_provider(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_aws_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9999")
    driver = get_driver(Provider.S3_RGW)()
    assert (driver.key, driver.host, driver.port) == ("ENVKEY", "127.0.0.1", 9999)


def test_errors_are_bound_to_the_driver_by_one_helper() -> None:
    """``bound_errors`` is the one place a driver attaches itself to an error raised below it."""
    import pathlib

    import aurora.drivers

    folder = pathlib.Path(aurora.drivers.__file__).parent
    for module in sorted(folder.glob("*.py")):
        text = module.read_text(encoding="utf-8")
        assert "raise self._bind(" not in text, module.name
    driver = offline_driver(retry_delay=0)
    with pytest.raises(aurora.TransportError) as info:
        driver.get_container("bucket")
    assert info.value.driver is driver and info.value.__cause__ is None
