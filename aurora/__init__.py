"""aurora: S3-compatible object storage with Apache Libcloud's storage API.

Standard library only.  Switch from libcloud by changing imports::

    from aurora import get_driver, Provider

    driver = get_driver(Provider.AURORAOBJECTS)("ACCESS_KEY", "SECRET_KEY")
    container = driver.create_container("my-bucket")
    driver.upload_object("backup.tar", container, "backup.tar")
"""

from __future__ import annotations

from aurora._version import __version__
from aurora.config import Config, RetryPolicy, Timeouts, TransferConfig
from aurora.drivers.base import Container, Object, StorageDriver
from aurora.drivers.providers import get_driver
from aurora.errors import (
    AuroraError,
    ContainerAlreadyExistsError,
    ContainerDoesNotExistError,
    ContainerError,
    ContainerIsNotEmptyError,
    InvalidArgumentError,
    InvalidContainerNameError,
    InvalidCredsError,
    LibcloudError,
    ObjectDoesNotExistError,
    ObjectError,
    ObjectHashMismatchError,
    TransferError,
    TransportError,
)
from aurora.types import Provider

__all__ = [
    "AuroraError",
    "Config",
    "Container",
    "ContainerAlreadyExistsError",
    "ContainerDoesNotExistError",
    "ContainerError",
    "ContainerIsNotEmptyError",
    "InvalidArgumentError",
    "InvalidContainerNameError",
    "InvalidCredsError",
    "LibcloudError",
    "Object",
    "ObjectDoesNotExistError",
    "ObjectError",
    "ObjectHashMismatchError",
    "Provider",
    "RetryPolicy",
    "StorageDriver",
    "Timeouts",
    "TransferConfig",
    "TransferError",
    "TransportError",
    "get_driver",
    "__version__",
]
