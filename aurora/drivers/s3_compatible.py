"""Named S3-compatible drivers: AuroraObjects, Ceph RGW, MinIO.

Each differs from :class:`BaseS3StorageDriver` only in values (default host,
region, LocationConstraint), never in behaviour, except that AuroraObjects
has no CDN and says so.
"""

from __future__ import annotations

from typing import Any, Optional

from aurora.drivers.s3 import BaseS3StorageDriver
from aurora.errors import LibcloudError

__all__ = [
    "AuroraObjectsStorageDriver",
    "S3RGWStorageDriver",
    "S3RGWOutscaleStorageDriver",
    "MinIOStorageDriver",
    "AURORA_OBJECTS_EU_HOST",
    "NO_CDN_SUPPORT_ERROR",
]

AURORA_OBJECTS_EU_HOST = "o.auroraobjects.eu"
NO_CDN_SUPPORT_ERROR = "CDN is not supported by AuroraObjects"


class AuroraObjectsStorageDriver(BaseS3StorageDriver):
    """AuroraObjects, a European object store on Ceph RGW (``o.auroraobjects.eu``)."""

    name = "PCextreme AuroraObjects"
    website = "https://www.pcextreme.com/aurora/objects"
    type = "auroraobjects"
    default_host = AURORA_OBJECTS_EU_HOST

    def enable_container_cdn(self, *args: Any, **kwargs: Any) -> bool:
        raise LibcloudError(NO_CDN_SUPPORT_ERROR, driver=self)

    def enable_object_cdn(self, *args: Any, **kwargs: Any) -> bool:
        raise LibcloudError(NO_CDN_SUPPORT_ERROR, driver=self)

    def get_container_cdn_url(self, *args: Any, **kwargs: Any) -> str:
        raise LibcloudError(NO_CDN_SUPPORT_ERROR, driver=self)

    def get_object_cdn_url(self, *args: Any, **kwargs: Any) -> str:
        raise LibcloudError(NO_CDN_SUPPORT_ERROR, driver=self)


class S3RGWStorageDriver(BaseS3StorageDriver):
    """Any Ceph RADOS Gateway; ``host`` is required, region defaults to ``default``."""

    name = "Ceph RGW"
    website = "http://ceph.com/"
    type = "s3_rgw"
    default_region = "default"

    def __init__(
        self,
        key: str,
        secret: Optional[str] = None,
        secure: bool = True,
        host: Optional[str] = None,
        port: Optional[int] = None,
        api_version: Optional[str] = None,
        region: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        region = region or self.default_region
        kwargs.setdefault("name", "Ceph RGW S3 (%s)" % region)
        super().__init__(key, secret, secure, host, port, api_version, region, **kwargs)

    @property
    def ex_location_name(self) -> str:  # type: ignore[override]
        """RGW accepts only an empty LocationConstraint or its zonegroup's name."""
        return self.region


class S3RGWOutscaleStorageDriver(S3RGWStorageDriver):
    """Outscale's RGW service; the region picks the host."""

    name = "RGW Outscale"
    website = "https://en.outscale.com/"
    type = "s3_rgw_outscale"
    default_region = "eu-west-2"
    _hosts = {
        "eu-west-1": "osu.eu-west-1.outscale.com",
        "eu-west-2": "osu.eu-west-2.outscale.com",
        "us-west-1": "osu.us-west-1.outscale.com",
        "us-east-2": "osu.us-east-2.outscale.com",
        "cn-southeast-1": "osu.cn-southeast-1.outscale.hk",
    }

    def _resolve_host(self, host: Optional[str]) -> str:
        if host:
            return host
        if self.region not in self._hosts:
            raise LibcloudError("Unknown Outscale region: %s" % (self.region,), driver=self)
        return self._hosts[self.region]


class MinIOStorageDriver(BaseS3StorageDriver):
    """A MinIO server; ``host`` is required."""

    name = "MinIO Storage Driver"
    website = "https://min.io/"
    type = "minio"
