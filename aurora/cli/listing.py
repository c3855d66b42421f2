"""Listing through the driver, for the commands that walk every key under a prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from aurora.drivers.base import Container, Object

if TYPE_CHECKING:
    from aurora.drivers.s3 import BaseS3StorageDriver

__all__ = ["iterate_objects"]


def iterate_objects(driver: BaseS3StorageDriver, bucket: str, prefix: str) -> Iterator[Object]:
    """Every object whose key starts with ``prefix`` (``extra`` holds ``last_modified``).

    Paged by the driver, which ends a listing whose tokens repeat.
    """
    return driver.iterate_container_objects(Container(bucket, {}, driver), prefix=prefix or None)
