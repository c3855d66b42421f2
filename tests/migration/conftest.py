"""The migration tier: the same libcloud user code runs on libcloud 3.9.1 and on aurora.

Each snippet takes an ``Api`` (the names a libcloud script imports: ``get_driver``,
``Provider`` and the exception classes) and returns plain data; ``same(snippet, ...)`` runs it
on both and asserts the outcomes are equal. An exception counts as the same outcome when aurora's
is caught by every class that catches libcloud's (so each ``except`` clause keeps working).

Fixtures: ``rgw`` (the shared Ceph RGW; the tier runs there and on the LOCAL driver),
``rgw_driver(api)`` and ``local_driver(api)`` factories, ``bucket_for(api)`` fresh bucket names
deleted after the test.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterator, Tuple

import pytest

import aurora

LIBCLOUD_VERSION = "3.9.1"
ROLES = (
    "LibcloudError",
    "ContainerError",
    "ContainerDoesNotExistError",
    "ContainerAlreadyExistsError",
    "ContainerIsNotEmptyError",
    "InvalidContainerNameError",
    "ObjectError",
    "ObjectDoesNotExistError",
    "ObjectHashMismatchError",
    "InvalidCredsError",
)
BUILTINS = (ValueError, AttributeError, TypeError, KeyError, OSError)


@dataclasses.dataclass(frozen=True)
class Api:
    """What a libcloud script imports, from one library."""

    name: str
    get_driver: Callable[[str], Any]
    Provider: Any
    errors: Dict[str, type]


def libcloud_api() -> Api:
    import libcloud
    from libcloud.common.types import InvalidCredsError, LibcloudError
    from libcloud.storage import types
    from libcloud.storage.providers import get_driver

    assert libcloud.__version__ == LIBCLOUD_VERSION, "the oracle must be libcloud %s" % LIBCLOUD_VERSION
    errors = {name: getattr(types, name, None) for name in ROLES}
    errors.update(LibcloudError=LibcloudError, InvalidCredsError=InvalidCredsError)
    return Api("libcloud", get_driver, types.Provider, {k: v for k, v in errors.items() if v is not None})


def aurora_api() -> Api:
    errors = {name: getattr(aurora, name, None) or getattr(aurora.errors, name) for name in ROLES}
    return Api("aurora", aurora.get_driver, aurora.Provider, errors)


APIS = (libcloud_api(), aurora_api())


Outcome = Tuple[str, Any]


def outcome(snippet: Callable[..., Any], api: Api, *args: Any) -> Outcome:
    """("ok", result) or ("raised", the names of the classes that catch the exception)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = snippet(api, *args)
    except Exception as error:  # the outcome under test
        roles = {name for name, cls in api.errors.items() if isinstance(error, cls)}
        roles.update(cls.__name__ for cls in BUILTINS if isinstance(error, cls))
        return "raised", frozenset(roles)
    categories = sorted({w.category.__name__ for w in caught if issubclass(w.category, DeprecationWarning)})
    return "ok", (result, categories) if categories else result


def same(snippet: Callable[..., Any], *per_api: Callable[[Api], Tuple[Any, ...]]) -> Any:
    """Run ``snippet(api, *args)`` on libcloud, then on aurora; assert equal outcomes; return libcloud's.

    ``per_api`` gives each library its own arguments (its driver, its bucket name...).
    """
    results = []
    for api in APIS:
        args: Tuple[Any, ...] = ()
        for make in per_api:
            args += make(api)
        results.append(outcome(snippet, api, *args))
    (lib_kind, lib_value), (our_kind, our_value) = results
    assert our_kind == lib_kind, "libcloud: %r, aurora: %r" % (results[0], results[1])
    if lib_kind == "raised":
        assert isinstance(lib_value, frozenset) and lib_value <= our_value, (
            "aurora's exception is not caught by %s" % sorted(lib_value - our_value)
        )
    else:
        assert our_value == lib_value
    return lib_value


@pytest.fixture
def rgw(s3_server: Any) -> Any:
    """The shared Ceph RGW (the migration tier's server, as in the issue)."""
    if s3_server.name != "rgw":
        pytest.skip("the migration tier compares libcloud and aurora on Ceph RGW and LOCAL")
    return s3_server


@pytest.fixture
def rgw_driver(rgw: Any) -> Iterator[Callable[[Api], Tuple[Any]]]:
    """``rgw_driver(api)``: (a driver of ``api`` on the RGW, libcloud's positional form,)."""
    made: Dict[str, Any] = {}

    def make(api: Api) -> Tuple[Any]:
        if api.name not in made:
            cls = api.get_driver(api.Provider.S3_RGW)
            made[api.name] = cls(rgw.access_key, rgw.secret_key, False, rgw.host, rgw.port, None, "default")
        return (made[api.name],)

    yield make
    for driver in made.values():
        if hasattr(driver, "close"):
            driver.close()


@pytest.fixture
def local_driver(tmp_path: Path) -> Callable[[Api], Tuple[Any]]:
    """``local_driver(api)``: (a LOCAL driver of ``api`` on its own folder,), libcloud's positional form."""
    made: Dict[str, Any] = {}

    def make(api: Api) -> Tuple[Any]:
        if api.name not in made:
            folder = tmp_path / ("store-" + api.name)
            folder.mkdir()
            cls = api.get_driver(api.Provider.LOCAL)
            made[api.name] = cls(str(folder), None, True, None, None, False)  # ex_use_locking=False
        return (made[api.name],)

    return make


@pytest.fixture
def bucket_for(s3_cleanup: Any) -> Callable[[Api], Tuple[str]]:
    """``bucket_for(api)``: (a fresh bucket name for ``api``, deleted after the test,)."""
    names: Dict[str, str] = {}

    def make(api: Api) -> Tuple[str]:
        if api.name not in names:
            names[api.name] = s3_cleanup.new_name()
        return (names[api.name],)

    return make


@pytest.fixture
def folder_for(tmp_path: Path) -> Callable[[Api], Tuple[Path]]:
    """``folder_for(api)``: (a scratch folder of ``api``'s own, for files to upload and download,)."""

    def make(api: Api) -> Tuple[Path]:
        folder = tmp_path / ("files-" + api.name)
        folder.mkdir(exist_ok=True)
        return (folder,)

    return make


def roles_of(error: BaseException, api: Api) -> FrozenSet[str]:
    return frozenset(name for name, cls in api.errors.items() if isinstance(error, cls))
