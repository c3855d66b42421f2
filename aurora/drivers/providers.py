"""The lazy driver registry behind :func:`get_driver`, keyed by libcloud's provider names."""

from __future__ import annotations

import importlib
from typing import Dict, Tuple, Type

from aurora.drivers.base import StorageDriver
from aurora.errors import AuroraError
from aurora.types import Provider

__all__ = ["get_driver", "DRIVERS"]

DRIVERS: Dict[str, Tuple[str, str]] = {
    Provider.AURORAOBJECTS: ("aurora.drivers.s3_compatible", "AuroraObjectsStorageDriver"),
    Provider.S3: ("aurora.drivers.s3", "S3StorageDriver"),
    Provider.S3_RGW: ("aurora.drivers.s3_compatible", "S3RGWStorageDriver"),
    Provider.S3_RGW_OUTSCALE: ("aurora.drivers.s3_compatible", "S3RGWOutscaleStorageDriver"),
    Provider.MINIO: ("aurora.drivers.s3_compatible", "MinIOStorageDriver"),
    Provider.LOCAL: ("aurora.drivers.local", "LocalStorageDriver"),
}


def get_driver(provider: str) -> Type[StorageDriver]:
    """The driver class for ``provider`` (a :class:`~aurora.types.Provider` value).

    Modules are imported on first use, so ``import aurora`` stays cheap.
    """
    try:
        module_name, class_name = DRIVERS[provider]
    except (KeyError, TypeError):
        raise AuroraError("Provider %r does not exist" % (provider,)) from None
    cls: Type[StorageDriver] = getattr(importlib.import_module(module_name), class_name)
    return cls
