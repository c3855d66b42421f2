"""Named S3-compatible drivers: libcloud 3.9.1's S3 family, each with its constructor, hosts and regions.

Each differs from :class:`BaseS3StorageDriver` only in values (default host,
region table, display name, LocationConstraint) and in its positional
arguments, never in behaviour, except that AuroraObjects has no CDN and says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Type, Union

from aurora.core.credentials import Credentials
from aurora.drivers.s3 import BaseS3StorageDriver, S3StorageDriver
from aurora.drivers.s3_options import driver_options
from aurora.drivers.s3_regions import S3_REGION_ALIASES
from aurora.errors import InvalidArgumentError, InvalidCredsError, LibcloudError

if TYPE_CHECKING:
    from aurora.config import Config
    from aurora.s3.client import TransportFactory

__all__ = [
    "AuroraObjectsStorageDriver",
    "S3RGWStorageDriver",
    "S3RGWOutscaleStorageDriver",
    "MinIOStorageDriver",
    "DigitalOceanSpacesStorageDriver",
    "OvhStorageDriver",
    "ScalewayStorageDriver",
    "GoogleStorageDriver",
    "S3_REGION_DRIVERS",
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
    """Any Ceph RADOS Gateway; ``host`` is required, region defaults to ``default`` (libcloud's)."""

    name = "Ceph RGW"
    website = "http://ceph.com/"
    type = "s3_rgw"
    default_region = "default"

    def _display_name(self) -> str:
        return "Ceph RGW S3 (%s)" % (self.region,)

    @property
    def ex_location_name(self) -> str:  # type: ignore[override]
        """RGW accepts only an empty LocationConstraint or its zonegroup's name (libcloud sends the region)."""
        return self.region


class _RegionTableDriver(BaseS3StorageDriver):
    """A provider whose region picks its host from a fixed table; an unknown region is refused."""

    hosts_by_region: Dict[str, str] = {}
    display_format = "%s"

    def _resolve_host(self, host: Optional[str]) -> str:
        if self.region not in self.hosts_by_region:
            raise self._unknown_region()
        return host or self.hosts_by_region[self.region]

    def _unknown_region(self) -> Exception:
        return LibcloudError("Unknown region (%s)" % (self.region,), driver=self)

    def _display_name(self) -> str:
        return self.display_format % (self.region,)

    @classmethod
    def list_regions(cls) -> List[str]:
        return list(cls.hosts_by_region)


class S3RGWOutscaleStorageDriver(_RegionTableDriver, S3RGWStorageDriver):
    """Outscale's RGW service; the region picks the host (an explicit ``host`` wins)."""

    name = "RGW Outscale"
    website = "https://en.outscale.com/"
    type = "s3_rgw_outscale"
    default_region = "eu-west-2"
    display_format = "OUTSCALE Ceph RGW S3 (%s)"
    hosts_by_region = {
        "eu-west-1": "osu.eu-west-1.outscale.com",
        "eu-west-2": "osu.eu-west-2.outscale.com",
        "us-west-1": "osu.us-west-1.outscale.com",
        "us-east-2": "osu.us-east-2.outscale.com",
        "cn-southeast-1": "osu.cn-southeast-1.outscale.hk",
    }


class DigitalOceanSpacesStorageDriver(_RegionTableDriver):
    """DigitalOcean Spaces; the region (default ``nyc3``) picks the host."""

    name = "DigitalOcean Spaces"
    website = "https://www.digitalocean.com/products/object-storage/"
    type = "digitalocean_spaces"
    default_region = "nyc3"
    display_format = "DigitalOcean Spaces (%s)"
    hosts_by_region = {
        "nyc3": "nyc3.digitaloceanspaces.com",
        "ams3": "ams3.digitaloceanspaces.com",
        "sfo2": "sfo2.digitaloceanspaces.com",
        "sgp1": "sgp1.digitaloceanspaces.com",
    }


class _RegionArgumentDriver(_RegionTableDriver):
    """OVH and Scaleway: libcloud's ``(key, secret, secure, host, port, region, url)`` order."""

    def __init__(
        self,
        key: Optional[str] = None,
        secret: Optional[str] = None,
        secure: bool = True,
        host: Optional[str] = None,
        port: Optional[int] = None,
        region: Optional[str] = None,
        url: Optional[str] = None,
        *,
        api_version: Optional[str] = None,
        token: Optional[str] = None,
        name: Optional[str] = None,
        signature_version: Optional[str] = None,
        timeout: Optional[float] = None,
        retry_delay: Optional[float] = None,
        backoff: Optional[float] = None,
        proxy_url: Optional[str] = None,
        ex_config: Optional[Config] = None,
        ex_ca_cert: Optional[str] = None,
        ex_verify: Union[bool, str] = True,
        ex_addressing_style: Optional[str] = None,
        ex_endpoint_url: Optional[str] = None,
        ex_profile: Optional[str] = None,
        ex_transport_factory: Optional[TransportFactory] = None,
    ) -> None:
        """``url`` is accepted and unused, as in libcloud."""
        super().__init__(key, secret, secure, host, port, api_version, region, token=token, **driver_options(locals()))

    def _unknown_region(self) -> Exception:
        return InvalidArgumentError("Invalid or unsupported region: %s" % (self.region,))


class OvhStorageDriver(_RegionArgumentDriver):
    """OVHcloud Object Storage; the region (default ``sbg``) picks the host unless ``host`` is given."""

    name = "Ovh Storage Driver"
    website = "https://www.ovhcloud.com/en/public-cloud/object-storage/"
    type = "ovh"
    default_region = "sbg"
    display_format = "Ovh Object Storage (%s)"
    hosts_by_region = {"sbg": "s3.sbg.perf.cloud.ovh.net", "gra": "s3.gra.perf.cloud.ovh.net"}


class ScalewayStorageDriver(_RegionArgumentDriver):
    """Scaleway Object Storage; the region (default ``fr-par``) picks the host unless ``host`` is given."""

    name = "Scaleway Storage Driver"
    website = "https://www.scaleway.com/en/object-storage/"
    type = "scaleway"
    default_region = "fr-par"
    display_format = "Scaleway Object Storage (%s)"
    hosts_by_region = {
        "fr-par": "s3.fr-par.scw.cloud",
        "nl-ams": "s3.nl-ams.scw.cloud",
        "pl-waw": "s3.pl-waw.scw.cloud",
    }


class MinIOStorageDriver(BaseS3StorageDriver):
    """A MinIO server: libcloud's ``(key, secret, secure, host, port)``; ``host`` is required."""

    name = "MinIO Storage Driver"
    website = "https://min.io/"
    type = "minio"

    def __init__(
        self,
        key: Optional[str] = None,
        secret: Optional[str] = None,
        secure: bool = True,
        host: Optional[str] = None,
        port: Optional[int] = None,
        *,
        token: Optional[str] = None,
        name: Optional[str] = None,
        signature_version: Optional[str] = None,
        timeout: Optional[float] = None,
        retry_delay: Optional[float] = None,
        backoff: Optional[float] = None,
        proxy_url: Optional[str] = None,
        ex_config: Optional[Config] = None,
        ex_ca_cert: Optional[str] = None,
        ex_verify: Union[bool, str] = True,
        ex_addressing_style: Optional[str] = None,
        ex_endpoint_url: Optional[str] = None,
        ex_profile: Optional[str] = None,
        ex_transport_factory: Optional[TransportFactory] = None,
    ) -> None:
        super().__init__(key, secret, secure, host, port, token=token, **driver_options(locals()))
        self.region_name = ""  # libcloud's value; requests are signed for us-east-1, MinIO's default

    def _resolve_host(self, host: Optional[str]) -> str:
        if not host:
            raise LibcloudError("host argument is required", driver=self)
        return host


GOOGLE_STORAGE_HOST = "storage.googleapis.com"
GOOGLE_HMAC_HINT = (
    "aurora speaks Cloud Storage's S3-interoperable XML API, which takes HMAC keys: create one "
    "(Cloud Storage > Settings > Interoperability, or `gcloud storage hmac create`) and pass its "
    "access id (GOOG...) and secret as key and secret"
)


class GoogleStorageDriver(BaseS3StorageDriver):
    """Google Cloud Storage through its S3-interoperable XML API, with HMAC keys and SigV4.

    libcloud's OAuth2 key forms (service account e-mail and private key,
    installed-application client id, GCE metadata) need RSA signing and
    Google's token service; they are refused with the HMAC alternative named.
    """

    name = "Google Cloud Storage"
    website = "http://cloud.google.com/storage"
    type = "google_storage"
    default_host = GOOGLE_STORAGE_HOST
    default_region = "auto"
    namespace = "http://doc.s3.amazonaws.com/2006-03-01"  # libcloud's value (answers are read by shape)

    def __init__(
        self,
        key: Optional[str] = None,
        secret: Optional[str] = None,
        project: Optional[str] = None,
        *,
        secure: bool = True,
        host: Optional[str] = None,
        port: Optional[int] = None,
        api_version: Optional[str] = None,
        region: Optional[str] = None,
        token: Optional[str] = None,
        name: Optional[str] = None,
        signature_version: Optional[str] = None,
        timeout: Optional[float] = None,
        retry_delay: Optional[float] = None,
        backoff: Optional[float] = None,
        proxy_url: Optional[str] = None,
        ex_config: Optional[Config] = None,
        ex_ca_cert: Optional[str] = None,
        ex_verify: Union[bool, str] = True,
        ex_addressing_style: Optional[str] = None,
        ex_endpoint_url: Optional[str] = None,
        ex_profile: Optional[str] = None,
        ex_transport_factory: Optional[TransportFactory] = None,
    ) -> None:
        self.project = project
        super().__init__(key, secret, secure, host, port, api_version, region, token=token, **driver_options(locals()))

    def _default_headers(self) -> Dict[str, str]:
        """libcloud's project header: which project's buckets are listed and made."""
        return {"x-goog-project-id": self.project} if self.project else {}

    def _check_credentials(self, credentials: Credentials) -> None:
        if not credentials.access_key.startswith("GOOG"):
            # The key itself stays out of the message, as every credential does.
            raise InvalidCredsError("the access key is not a Cloud Storage HMAC access id; %s" % (GOOGLE_HMAC_HINT,))


def _region_driver(class_name: str, region: str) -> Type[S3StorageDriver]:
    """libcloud's per-region Amazon S3 class ``class_name``: S3 with its region fixed."""
    namespace = {
        "__doc__": "Amazon S3 in %s (libcloud's %s)." % (region, class_name),
        "__module__": __name__,
        "fixed_region": region,
        "region_name": region,
        "ex_location_name": "EU" if region == "eu-west-1" else region,  # libcloud's LocationConstraint
    }
    return type(class_name, (S3StorageDriver,), namespace)


S3_REGION_DRIVERS: Dict[str, Type[S3StorageDriver]] = {
    class_name: _region_driver(class_name, region) for class_name, region in sorted(set(S3_REGION_ALIASES.values()))
}
"""libcloud's per-region Amazon S3 classes by name (``S3EUWestStorageDriver``...), also module attributes."""
globals().update(S3_REGION_DRIVERS)
