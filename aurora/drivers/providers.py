"""The lazy driver registry behind :func:`get_driver`, keyed by libcloud's provider names.

The overloads tell a type checker which class each provider name gives, so
``get_driver(Provider.S3_RGW)(...)`` is an ``S3RGWStorageDriver`` with its
``ex_*`` methods, no cast needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Dict, Literal, Tuple, Type, overload

from aurora.drivers.base import StorageDriver
from aurora.drivers.s3_regions import S3_REGION_ALIASES
from aurora.errors import AuroraError
from aurora.types import Provider

if TYPE_CHECKING:
    from aurora.drivers.local import LocalStorageDriver
    from aurora.drivers.s3 import S3StorageDriver
    from aurora.drivers.s3_compatible import (
        AuroraObjectsStorageDriver,
        DigitalOceanSpacesStorageDriver,
        GoogleStorageDriver,
        MinIOStorageDriver,
        OvhStorageDriver,
        S3RGWOutscaleStorageDriver,
        S3RGWStorageDriver,
        ScalewayStorageDriver,
    )

__all__ = ["get_driver", "DRIVERS", "ProviderDoesNotExistError"]

_NAMED = "aurora.drivers.s3_compatible"

DRIVERS: Dict[str, Tuple[str, str]] = {
    Provider.AURORAOBJECTS: (_NAMED, "AuroraObjectsStorageDriver"),
    Provider.S3: ("aurora.drivers.s3", "S3StorageDriver"),
    Provider.S3_RGW: (_NAMED, "S3RGWStorageDriver"),
    Provider.S3_RGW_OUTSCALE: (_NAMED, "S3RGWOutscaleStorageDriver"),
    Provider.MINIO: (_NAMED, "MinIOStorageDriver"),
    Provider.DIGITALOCEAN_SPACES: (_NAMED, "DigitalOceanSpacesStorageDriver"),
    Provider.OVH: (_NAMED, "OvhStorageDriver"),
    Provider.SCALEWAY: (_NAMED, "ScalewayStorageDriver"),
    Provider.GOOGLE_STORAGE: (_NAMED, "GoogleStorageDriver"),
    Provider.LOCAL: ("aurora.drivers.local", "LocalStorageDriver"),
}
DRIVERS.update({provider: (_NAMED, class_name) for provider, (class_name, _) in S3_REGION_ALIASES.items()})


class ProviderDoesNotExistError(AuroraError, AttributeError):
    """``get_driver`` was given a name no driver answers to (libcloud raises ``AttributeError``)."""


@overload
def get_driver(provider: Literal["auroraobjects"]) -> Type[AuroraObjectsStorageDriver]: ...
@overload
def get_driver(
    provider: Literal[
        "s3",
        "s3_ap_northeast",
        "s3_ap_northeast_1",
        "s3_ap_northeast_2",
        "s3_ap_south",
        "s3_ap_southeast",
        "s3_ap_southeast2",
        "s3_ca_central",
        "s3_cn_north",
        "s3_cn_northwest",
        "s3_eu_west",
        "s3_eu_west_2",
        "s3_eu_west_3",
        "s3_eu_central",
        "s3_eu_north_1",
        "s3_sa_east",
        "s3_us_east_2",
        "s3_us_west",
        "s3_us_west_oregon",
        "s3_us_gov_west",
    ],
) -> Type[S3StorageDriver]: ...
@overload
def get_driver(provider: Literal["s3_rgw"]) -> Type[S3RGWStorageDriver]: ...
@overload
def get_driver(provider: Literal["s3_rgw_outscale"]) -> Type[S3RGWOutscaleStorageDriver]: ...
@overload
def get_driver(provider: Literal["minio"]) -> Type[MinIOStorageDriver]: ...
@overload
def get_driver(provider: Literal["digitalocean_spaces"]) -> Type[DigitalOceanSpacesStorageDriver]: ...
@overload
def get_driver(provider: Literal["ovh"]) -> Type[OvhStorageDriver]: ...
@overload
def get_driver(provider: Literal["scaleway"]) -> Type[ScalewayStorageDriver]: ...
@overload
def get_driver(provider: Literal["google_storage"]) -> Type[GoogleStorageDriver]: ...
@overload
def get_driver(provider: Literal["local"]) -> Type[LocalStorageDriver]: ...
@overload
def get_driver(provider: str) -> Type[StorageDriver]: ...
def get_driver(provider: str) -> Type[StorageDriver]:
    """The driver class for ``provider`` (a :class:`~aurora.types.Provider` value).

    Modules are imported on first use, so ``import aurora`` stays cheap.

    Raises:
        ProviderDoesNotExistError: an unknown name (an ``AttributeError`` too, as in libcloud).
    """
    try:
        module_name, class_name = DRIVERS[provider]
    except (KeyError, TypeError):
        raise ProviderDoesNotExistError("Provider %r does not exist" % (provider,)) from None
    cls: Type[StorageDriver] = getattr(importlib.import_module(module_name), class_name)
    return cls
