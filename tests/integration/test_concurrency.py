"""One driver shared by 16 threads doing mixed work on RGW; every object checked on the server.

A driver holds no per-request state, so threads may share it freely; these
tests make that claim concrete: puts (from buffers, files and in parts), gets,
listings and deletes interleave, and afterwards every object on the server is
exactly what its thread wrote.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from faults.support import chunks, fast_config, make_driver, object_bytes, object_keys, payload, rgw_only

import aurora
from aurora.config import MiB
from aurora.drivers.s3 import BaseS3StorageDriver

pytestmark = rgw_only()

THREADS = 16
OBJECTS = 6


@pytest.fixture
def shared(s3_server: Any) -> Iterator[BaseS3StorageDriver]:
    """The one driver every thread uses (5 MiB parts, two part workers per upload)."""
    driver = make_driver(s3_server, s3_server.host, s3_server.port, fast_config())
    yield driver
    driver.close()


@pytest.fixture
def bucket(bucket_name: str, boto3_client: Any) -> str:
    boto3_client.create_bucket(Bucket=bucket_name)
    return bucket_name


def body(thread: int, number: int) -> bytes:
    return payload(1000 + 997 * number + 31 * thread, seed=thread * 100 + number)


def worker(
    driver: BaseS3StorageDriver, bucket: str, thread: int, start: threading.Barrier, scratch: Path
) -> Dict[str, Optional[bytes]]:
    """Mixed operations on this thread's prefix; returns what each key should now hold (None: deleted)."""
    prefix = "t%02d/" % thread
    expected: Dict[str, Optional[bytes]] = {}
    start.wait(timeout=60)
    container = driver.get_container(bucket)
    for number in range(OBJECTS):
        key, data = "%sobject-%d" % (prefix, number), body(thread, number)
        if number % 2:
            path = scratch / ("%d-%d" % (thread, number))
            path.write_bytes(data)
            driver.upload_object(str(path), container, key, extra={"meta_data": {"thread": str(thread)}})
        else:
            driver.upload_object_via_stream(chunks(data, 1500), container, key)
        expected[key] = data
    if thread % 4 == 0:  # a quarter of the threads also upload in parts
        key, data = prefix + "multipart", payload(5 * MiB + 4321, seed=thread)
        obj = driver.upload_object_via_stream(chunks(data, 256 * 1024), container, key)
        assert obj.hash is not None and obj.hash.endswith("-2")
        expected[key] = data
    listed = {obj.name: obj for obj in driver.iterate_container_objects(container, prefix=prefix)}
    assert sorted(listed) == sorted(expected)
    for key, stored in expected.items():
        assert stored is not None
        data = stored
        assert listed[key].size == len(data)
        got = driver.get_object(bucket, key)
        assert got.size == len(data)
        assert b"".join(driver.download_object_as_stream(got, chunk_size=4096)) == data
        target = scratch / ("got-%d-%s" % (thread, key.replace("/", "_")))
        assert driver.download_object(got, str(target)) is True
        assert target.read_bytes() == data
    for number in (0, 3):
        key = "%sobject-%d" % (prefix, number)
        assert driver.delete_object(driver.get_object(bucket, key)) is True
        expected[key] = None
    everyone = {obj.name for obj in driver.iterate_container_objects(container)}
    assert {key for key, data in expected.items() if data is not None} <= everyone
    return expected


def test_sixteen_threads_share_one_driver(
    shared: BaseS3StorageDriver, bucket: str, boto3_client: Any, tmp_path: Path
) -> None:
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(worker, shared, bucket, thread, start, tmp_path) for thread in range(THREADS)]
        results = [future.result(timeout=600) for future in futures]
    expected: Dict[str, Optional[bytes]] = {}
    for result in results:
        expected.update(result)
    alive = {key: data for key, data in expected.items() if data is not None}
    assert len(expected) == THREADS * OBJECTS + THREADS // 4
    assert sorted(object_keys(boto3_client, bucket)) == sorted(alive)
    for key, data in alive.items():
        assert object_bytes(boto3_client, bucket, key) == data, key
    metadata = boto3_client.head_object(Bucket=bucket, Key="t05/object-1")["Metadata"]
    assert metadata == {"thread": "5"}
    assert boto3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_threads_writing_one_key_leave_exactly_one_version(
    shared: BaseS3StorageDriver, bucket: str, boto3_client: Any
) -> None:
    """Racing writers of the same key: the object ends as one of the versions, never a mix."""
    versions = [payload(200_000 + thread, seed=500 + thread) for thread in range(THREADS)]
    start = threading.Barrier(THREADS)
    container = aurora.Container(bucket, {}, shared)

    def write(thread: int) -> str:
        start.wait(timeout=60)
        return str(shared.upload_object_via_stream(chunks(versions[thread], 8192), container, "contested").hash)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        hashes = list(pool.map(write, range(THREADS)))
    stored = object_bytes(boto3_client, bucket, "contested")
    assert stored in versions
    assert len(set(hashes)) == THREADS


def test_threads_reading_one_object_get_identical_bytes(
    shared: BaseS3StorageDriver, bucket: str, boto3_client: Any, tmp_path: Path
) -> None:
    data = payload(3 * MiB + 5, seed=600)
    boto3_client.put_object(Bucket=bucket, Key="shared", Body=data)
    obj = shared.get_object(bucket, "shared")
    start = threading.Barrier(THREADS)

    def read(thread: int) -> List[bool]:
        start.wait(timeout=60)
        streamed = b"".join(shared.download_object_as_stream(obj, chunk_size=65536 + thread))
        target = tmp_path / ("copy-%d" % thread)
        downloaded = shared.download_object(obj, str(target))
        ranged = b"".join(shared.download_object_range_as_stream(obj, thread * 1000, thread * 1000 + 777))
        return [
            streamed == data,
            downloaded and target.read_bytes() == data,
            ranged == data[thread * 1000 : thread * 1000 + 777],
        ]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        outcomes = list(pool.map(read, range(THREADS)))
    assert outcomes == [[True, True, True]] * THREADS
    assert shared.transport.max_connections >= THREADS
