"""Fixtures of the hostile tier: a crafted S3 server that lies (see ``hostile/server.py``).

``hostile_server`` is a fresh :class:`HostileServer` for each test, answering
404 until the test sets ``hostile_server.answer``; ``hostile_driver`` is an S3
driver pointed at it (plain HTTP, no retries).  Tests call the library through
:func:`hostile.server.bounded` and the command line through
:func:`hostile.server.run_cli`, both with a time limit, so a client caught in a
loop fails the test instead of hanging it.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from hostile.server import HostileServer, make_driver

from aurora.drivers.s3 import S3StorageDriver


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture
def hostile_driver(hostile_server: HostileServer) -> Iterator[S3StorageDriver]:
    driver = make_driver(hostile_server)
    yield driver
    driver.close()
