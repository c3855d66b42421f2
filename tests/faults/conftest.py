"""Fixtures of the fault tier: a fault proxy in front of the server, and drivers on both sides of it.

Every module here runs against Ceph RGW only (``pytestmark = rgw_only()``).  The
driver under test (``proxied``) talks through the proxy; results are checked
on the server directly (``boto3_client``, or ``direct``, an aurora driver not
behind the proxy).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from faults.proxy import FaultProxy
from faults.support import fast_config, make_driver

from aurora.drivers.s3 import BaseS3StorageDriver


@pytest.fixture
def proxy(s3_server: Any) -> Iterator[FaultProxy]:
    """A fault proxy in front of the server, with no rules yet."""
    with FaultProxy(s3_server.host, s3_server.port) as fault_proxy:
        yield fault_proxy


@pytest.fixture
def bucket(bucket_name: str, boto3_client: Any) -> str:
    """A fresh bucket, created on the server directly (deleted after the test)."""
    boto3_client.create_bucket(Bucket=bucket_name)
    return bucket_name


@pytest.fixture
def proxied(s3_server: Any, proxy: FaultProxy) -> Iterator[BaseS3StorageDriver]:
    """The driver under test: through the proxy, four fast attempts, 5 s read timeout."""
    driver = make_driver(s3_server, proxy.host, proxy.port, fast_config())
    yield driver
    driver.close()


@pytest.fixture
def direct(s3_server: Any) -> Iterator[BaseS3StorageDriver]:
    """An aurora driver straight to the server, to set up and check state."""
    driver = make_driver(s3_server, s3_server.host, s3_server.port, fast_config())
    yield driver
    driver.close()
