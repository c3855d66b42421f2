"""The migration tier: the same libcloud user code runs on libcloud 3.9.1 and on aurora.

The comparison lives in ``migration/oracle.py``. Fixtures: ``rgw`` (the shared Ceph RGW; the
tier runs there and on the LOCAL driver), ``rgw_driver(api)`` and ``local_driver(api)`` driver
factories, ``bucket_for(api)`` fresh bucket names deleted after the test, ``folder_for(api)``
scratch folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Tuple

import pytest
from migration.oracle import Api


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
