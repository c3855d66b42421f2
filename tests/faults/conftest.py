"""Fixtures of the fault tier: a fault proxy in front of the server, and drivers on both sides of it.

Every module here runs against Ceph RGW only (``pytestmark = rgw_only()``).  The
driver under test (``proxied``) talks through the proxy; results are checked
on the server directly (``boto3_client``, or ``direct``, an aurora driver not
behind the proxy).
"""

from __future__ import annotations

import uuid
from contextlib import closing
from typing import Any, Callable, Iterator

import pytest
from faults.proxy import FaultProxy
from faults.support import fast_config, make_driver, remove_bucket

from aurora.drivers.s3 import BaseS3StorageDriver


@pytest.fixture(scope="session")
def _session_boto3(s3_server: Any, make_boto3_client: Callable[..., Any]) -> Any:
    return make_boto3_client(s3_server)


@pytest.fixture
def boto3_client(_session_boto3: Any) -> Any:
    """One boto3 client for the session (a client takes ~50 ms to build; it is thread-safe)."""
    return _session_boto3


@pytest.fixture
def bucket_name(s3_server: Any) -> Iterator[str]:
    """A fresh bucket name; the bucket, if made, is emptied and deleted after the test."""
    name = "t-" + uuid.uuid4().hex[:24]
    yield name
    with closing(make_driver(s3_server, s3_server.host, s3_server.port)) as cleaner:
        remove_bucket(cleaner, name)


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
