"""Folders in a flat namespace: list one level with a delimiter, walk the tree, page past 1,000 keys.

Runs against the endpoint in AWS_ENDPOINT_URL with AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (``make demo`` starts a throwaway Ceph RGW and sets
them); makes its own bucket and removes it at the end.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from aurora import Container, Provider, get_driver
from aurora.drivers.s3 import BaseS3StorageDriver

TREE = [
    "photos/2023/beach.jpg",
    "photos/2023/city.jpg",
    "photos/2024/snow.jpg",
    "docs/readme.txt",
    "docs/specs/s3 & friends.md",
    "notes.txt",
] + ["logs/day-%04d.log" % day for day in range(1200)]


def walk(driver: BaseS3StorageDriver, container: Container, prefix: str = "", depth: int = 0) -> Iterator[str]:
    """Lines of an indented tree, one listing per "directory" (prefixes first, then files)."""
    for folder in driver.ex_list_prefixes(container, prefix=prefix, delimiter="/"):
        yield "  " * depth + folder[len(prefix) :]
        if folder != "logs/":  # 1,200 files: counted below instead of printed
            yield from walk(driver, container, folder, depth + 1)
    for obj in driver.iterate_container_objects(container, prefix=prefix, ex_delimiter="/"):
        yield "  " * depth + obj.name[len(prefix) :] + "  (%d bytes)" % obj.size


def main() -> int:
    driver = get_driver(Provider.S3)()  # key, secret, endpoint and region from the environment
    assert isinstance(driver, BaseS3StorageDriver)
    container = driver.create_container("listing-%s" % uuid.uuid4().hex[:12])
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda key: driver.upload_object_via_stream(iter([key.encode()]), container, key), TREE))
        print("\n".join(walk(driver, container)))
        logs = sum(1 for _ in driver.iterate_container_objects(container, prefix="logs/"))
        print("logs/ holds %d objects (listed 1,000 a page)" % logs)
        print("this server lists with ListObjectsV%d" % (driver.ex_list_version or 1))
        assert logs == 1200
    finally:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(driver.delete_object, list(driver.iterate_container_objects(container))))
        driver.delete_container(container)
        driver.close()
        print("deleted bucket", container.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
