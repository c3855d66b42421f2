"""Each libcloud constructor form, keyword and attribute, on libcloud 3.9.1 and on aurora: same outcomes.

Nothing here reaches a server: making a driver sends nothing in either library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Tuple

import pytest
from migration.oracle import APIS, Api, same

KEY, SECRET = "AKIDEXAMPLE", "secret/Key+Example"
GOOGLE_KEY = "GOOG1EXAMPLEEXAMPLEEXAMPLE"
ATTRIBUTES = (
    "name",
    "website",
    "region_name",
    "namespace",
    "http_vendor_prefix",
    "hash_type",
    "supports_chunked_encoding",
    "supports_s3_multipart_upload",
    "ex_location_name",
)
MISSING = "<missing>"

# (provider, positional arguments, keywords): libcloud's documented forms, positional order included.
FORMS: Dict[str, Tuple[str, Tuple[Any, ...], Dict[str, Any]]] = {
    "s3": ("S3", (KEY, SECRET), {}),
    "s3-region-token": ("S3", (KEY, SECRET, True, None, None, "eu-west-1", "session-token"), {}),
    "s3-keywords": ("S3", (KEY, SECRET), {"region": "ap-northeast-1", "token": "t", "secure": False}),
    "s3-host-port": ("S3", (KEY, SECRET, False, "127.0.0.1", 9000), {}),
    "s3-eu-west": ("S3_EU_WEST", (KEY, SECRET), {}),
    "s3-us-west-oregon": ("S3_US_WEST_OREGON", (KEY, SECRET), {}),
    "s3-ap-northeast": ("S3_AP_NORTHEAST", (KEY, SECRET), {}),
    "s3-cn-north": ("S3_CN_NORTH", (KEY, SECRET), {}),
    "s3-us-gov-west": ("S3_US_GOV_WEST", (KEY, SECRET), {}),
    "rgw": ("S3_RGW", (KEY, SECRET, False, "rgw.example", 7480), {}),
    "rgw-region": ("S3_RGW", (KEY, SECRET, True, "rgw.example", None, None, "zg1"), {}),
    "rgw-name": ("S3_RGW", (KEY, SECRET), {"host": "rgw.example", "name": "My RGW", "signature_version": "4"}),
    "outscale": ("S3_RGW_OUTSCALE", (KEY, SECRET), {}),
    "outscale-region": ("S3_RGW_OUTSCALE", (KEY, SECRET, True, None, None, None, "us-east-2"), {}),
    "auroraobjects": ("AURORAOBJECTS", (KEY, SECRET), {}),
    "auroraobjects-plain": ("AURORAOBJECTS", (KEY, SECRET, False, "objects.example", 8080), {}),
    "minio": ("MINIO", (KEY, SECRET, False, "minio.local", 9000), {}),
    "digitalocean": ("DIGITALOCEAN_SPACES", (KEY, SECRET), {}),
    "digitalocean-region": ("DIGITALOCEAN_SPACES", (KEY, SECRET, True, None, None, None, "ams3"), {}),
    "ovh": ("OVH", (KEY, SECRET), {}),
    "ovh-region": ("OVH", (KEY, SECRET, True, None, None, "gra"), {}),
    "ovh-host": ("OVH", (KEY, SECRET, True, "s3.example", 8443, "sbg"), {}),
    "scaleway": ("SCALEWAY", (KEY, SECRET), {}),
    "scaleway-region": ("SCALEWAY", (KEY, SECRET), {"region": "pl-waw"}),
    "google-hmac": ("GOOGLE_STORAGE", (GOOGLE_KEY, SECRET, "my-project"), {}),
    "base-keywords": ("S3_RGW", (KEY, SECRET), {"host": "h.example", "timeout": 5, "retry_delay": 1, "backoff": 2}),
    "proxy-url": ("S3", (KEY, SECRET), {"proxy_url": "http://127.0.0.1:3128"}),
}

# Attributes aurora deliberately gives where libcloud has none or another value (README, migration).
AURORA_ADDS = {
    ("auroraobjects", "region_name"),  # libcloud's AuroraObjects driver has no region_name
    ("auroraobjects-plain", "region_name"),
    ("google-hmac", "region_name"),  # nor its Google driver ("auto": the SigV4 region Cloud Storage takes)
    # S3(region=...) outside us-east-1: libcloud sends no LocationConstraint (AWS then refuses the
    # bucket); aurora sends the region, as the per-region classes of both libraries do
    ("s3-region-token", "ex_location_name"),
    ("s3-keywords", "ex_location_name"),
}
GOOGLE_DIFFERS = {"http_vendor_prefix", "supports_s3_multipart_upload"}  # x-amz headers, XML API multipart


def describe(api: Api, provider: str, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    driver = api.get_driver(getattr(api.Provider, provider))(*args, **kwargs)
    found = {name: getattr(driver, name, MISSING) for name in ATTRIBUTES}
    found["class"] = type(driver).__name__
    found["key"] = driver.key
    found["secure"] = driver.secure
    found["connection"] = (driver.connection.host, driver.connection.port, driver.connection.secure)
    return found


@pytest.mark.parametrize("form", sorted(FORMS))
def test_constructor_form(form: str) -> None:
    provider, args, kwargs = FORMS[form]
    seen = {}
    for api in APIS:
        seen[api.name] = describe(api, provider, args, kwargs)
    libcloud, ours = seen["libcloud"], seen["aurora"]
    for name in set(libcloud):
        if (form, name) in AURORA_ADDS or (provider == "GOOGLE_STORAGE" and name in GOOGLE_DIFFERS):
            continue
        assert ours[name] == libcloud[name], "%s: %s" % (form, name)


def make(provider: str, *args: Any, **kwargs: Any) -> Callable[[Api], Any]:
    def snippet(api: Api) -> Any:
        driver = api.get_driver(getattr(api.Provider, provider))(*args, **kwargs)
        return type(driver).__name__

    snippet.__name__ = "make_%s" % provider
    return snippet


@pytest.mark.parametrize(
    "snippet",
    [
        make("S3_RGW", KEY, SECRET),  # host required
        make("MINIO", KEY, SECRET),  # host argument is required
        make("S3_RGW_OUTSCALE", KEY, SECRET, region="mars"),
        make("DIGITALOCEAN_SPACES", KEY, SECRET, region="mars"),
        make("OVH", KEY, SECRET, True, None, None, "mars"),
        make("SCALEWAY", KEY, SECRET, region="mars"),
        make("S3", KEY, SECRET, signature_version="3")
        if False
        else make("S3_RGW", KEY, SECRET, host="h", signature_version="3"),
    ],
    ids=lambda s: s.__name__,
)
def test_constructor_refusals(snippet: Callable[[Api], Any]) -> None:
    assert isinstance(same(snippet), frozenset)


def test_an_unknown_provider_is_an_attribute_error() -> None:
    def snippet(api: Api) -> Any:
        return api.get_driver("no_such_provider")

    assert "AttributeError" in same(snippet)


def test_the_s3_provider_family_resolves_to_the_same_classes() -> None:
    libcloud, ours = APIS
    names = [name for name in dir(ours.Provider) if not name.startswith("_")]
    for name in names:
        if name == "S3_EU_WEST3":  # a libcloud constant without a driver; aurora serves it
            continue
        lib_class = libcloud.get_driver(getattr(libcloud.Provider, name))
        our_class = ours.get_driver(getattr(ours.Provider, name))
        assert getattr(ours.Provider, name) == getattr(libcloud.Provider, name)
        assert our_class.__name__ == lib_class.__name__, name


def test_local_takes_ex_use_locking_in_libclouds_position(tmp_path: Path) -> None:
    def snippet(api: Api, folder: Path) -> Any:
        driver = api.get_driver(api.Provider.LOCAL)(str(folder), None, True, None, None, False)
        return type(driver).__name__, driver.name, driver.hash_type, driver.base_path == str(folder)

    same(snippet, lambda api: (tmp_path,))


def test_google_oauth2_key_forms_are_refused_naming_hmac() -> None:
    import aurora

    for key in ("robot@project.iam.gserviceaccount.com", "1234-abc.apps.googleusercontent.com"):
        with pytest.raises(aurora.InvalidCredsError, match="HMAC"):
            aurora.get_driver(aurora.Provider.GOOGLE_STORAGE)(key, SECRET)
