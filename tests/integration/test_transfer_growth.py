"""Growing part sizes of a stream, proven on a real server.

A stream of unknown length grows its part size (``stream_part_size``) so that
5 TiB fits in 10,000 parts; with 5 MiB parts the first growth comes after
~4.9 GiB, far too much for a test.  moto reads ``S3_UPLOAD_PART_MIN_SIZE``
from its environment, so this module starts a moto of its own that accepts
tiny parts, uploads a stream through the real engine from a 1 KiB base part
size (``allow_small``, the test-only path of ``stream_part_size``), and reads
back from the server the size of every part of the completed object
(``HEAD ?partNumber=n``), its part count and its bytes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, NamedTuple

import pytest

from aurora.config import KiB, MiB, Timeouts, TransferConfig
from aurora.core.credentials import Credentials
from aurora.core.parts import _stage_length, multipart_etag, stream_part_size
from aurora.s3.client import S3Client
from aurora.transfer.buffers import stream_filler
from aurora.transfer.upload import upload_from_filler
from aurora.transport.connection import Transport

pytestmark = pytest.mark.moto  # its own moto server: left out where moto cannot install (the PyPy tiers)

BASE = 1 * KiB
STAGE = _stage_length(BASE)  # parts per size before it doubles (419 for 1 KiB)
FULL_PARTS = 2 * STAGE + 10  # 1 KiB, then 2 KiB, then ten of 4 KiB
TAIL = 100  # a short last part
MOTO_ENV = {
    "S3_UPLOAD_PART_MIN_SIZE": "1",
    # moto spools a key to disk above this; its default derives from the part minimum.
    "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(16 * MiB),
}


class MotoServer(NamedTuple):
    """Where the private moto listens (the fields ``make_boto3_client`` reads)."""

    host: str
    port: int
    endpoint_url: str
    region: str
    access_key: str
    secret_key: str


def _moto_server_module() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "servers" / "moto_server.py"
    spec = importlib.util.spec_from_file_location("aurora_test_moto_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small_part_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A private moto that accepts parts of any size, stopped when the module ends."""
    moto = _moto_server_module()
    reason = moto.unavailable_reason()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("moto is required here (CI) but cannot run: " + reason, pytrace=False)
        pytest.skip("moto cannot run here: " + reason)
    state = tmp_path_factory.mktemp("moto-small-parts")
    env: Dict[str, str] = moto.start(state, 0, env=MOTO_ENV)
    try:
        yield MotoServer(
            host=env["AURORA_SERVER_HOST"],
            port=int(env["AURORA_SERVER_PORT"]),
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region=env["AWS_DEFAULT_REGION"],
            access_key=env["AWS_ACCESS_KEY_ID"],
            secret_key=env["AWS_SECRET_ACCESS_KEY"],
        )
    finally:
        moto.stop(state)


@pytest.fixture
def client(small_part_moto: MotoServer) -> Iterator[S3Client]:
    server = small_part_moto
    transport = Transport(server.host, server.port, False, timeouts=Timeouts(connect=10, read=60), max_connections=8)
    yield S3Client(
        transport,
        Credentials(server.access_key, server.secret_key),
        host_header="%s:%d" % (server.host, server.port),
        region=server.region,
    )
    transport.close()


@pytest.fixture
def independent(small_part_moto: MotoServer, make_boto3_client: Callable[..., Any]) -> Any:
    """boto3 on the private moto, to check what the server stored."""
    return make_boto3_client(small_part_moto)


@pytest.fixture
def bucket(client: S3Client, independent: Any) -> Iterator[str]:
    name = "growth-%d" % os.getpid()
    client.create_bucket(name)
    yield name
    for page in independent.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", ()):
            independent.delete_object(Bucket=name, Key=item["Key"])
    independent.delete_bucket(Bucket=name)


def planned_sizes(data_size: int) -> List[int]:
    """The part sizes ``stream_part_size`` plans for a stream of ``data_size`` bytes."""
    sizes: List[int] = []
    while sum(sizes) < data_size:
        sizes.append(min(stream_part_size(len(sizes) + 1, BASE, allow_small=True), data_size - sum(sizes)))
    return sizes


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


def test_stream_part_sizes_grow_on_a_real_server(client: S3Client, bucket: str, independent: Any) -> None:
    full = sum(stream_part_size(n, BASE, allow_small=True) for n in range(1, FULL_PARTS + 1))
    data = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range((full + TAIL) // 32 + 1))[: full + TAIL]
    plan = planned_sizes(len(data))
    assert plan[0] == BASE and plan[STAGE] == 2 * BASE and plan[2 * STAGE] == 4 * BASE and plan[-1] == TAIL
    assert len(plan) == FULL_PARTS + 1

    result = upload_from_filler(
        client,
        bucket,
        "grown",
        stream_filler(chunks(data, 3000)),  # chunks that straddle every part boundary
        config=TransferConfig(max_concurrency=4),
        part_sizes=lambda number: stream_part_size(number, BASE, allow_small=True),
    )

    offsets = [sum(plan[:i]) for i in range(len(plan))]
    expected_etag = multipart_etag([hashlib.md5(data[o : o + s]).digest() for o, s in zip(offsets, plan)])
    assert (result.part_count, result.size, result.etag) == (len(plan), len(data), expected_etag)
    assert independent.get_object(Bucket=bucket, Key="grown")["Body"].read() == data
    stored = [_part_size(independent, bucket, "grown", number) for number in range(1, len(plan) + 1)]
    assert stored == plan
    assert independent.head_object(Bucket=bucket, Key="grown", PartNumber=1)["PartsCount"] == len(plan)


def _part_size(client: Any, bucket: str, key: str, number: int) -> int:
    """The size of part ``number`` of a completed multipart object, as the server stored it."""
    size: int = client.head_object(Bucket=bucket, Key=key, PartNumber=number)["ContentLength"]
    return size
