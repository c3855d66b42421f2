"""Provider names, with Apache Libcloud's values so configuration files carry over."""

from __future__ import annotations

from typing import Final

__all__ = ["Provider"]


class Provider:
    """Storage provider identifiers accepted by :func:`aurora.get_driver`.

    The values are libcloud's (``libcloud.storage.types.Provider``), for every
    provider libcloud 3.9.1 serves with an S3-based driver, and LOCAL.  Each is
    ``Final``, so a type checker knows which driver class ``get_driver`` returns.
    """

    AURORAOBJECTS: Final = "auroraobjects"
    DIGITALOCEAN_SPACES: Final = "digitalocean_spaces"
    GOOGLE_STORAGE: Final = "google_storage"
    LOCAL: Final = "local"
    MINIO: Final = "minio"
    OVH: Final = "ovh"
    S3: Final = "s3"
    S3_AP_NORTHEAST: Final = "s3_ap_northeast"
    S3_AP_NORTHEAST1: Final = "s3_ap_northeast_1"
    S3_AP_NORTHEAST2: Final = "s3_ap_northeast_2"
    S3_AP_SOUTH: Final = "s3_ap_south"
    S3_AP_SOUTHEAST: Final = "s3_ap_southeast"
    S3_AP_SOUTHEAST2: Final = "s3_ap_southeast2"
    S3_CA_CENTRAL: Final = "s3_ca_central"
    S3_CN_NORTH: Final = "s3_cn_north"
    S3_CN_NORTHWEST: Final = "s3_cn_northwest"
    S3_EU_WEST: Final = "s3_eu_west"
    S3_EU_WEST2: Final = "s3_eu_west_2"
    S3_EU_WEST3: Final = "s3_eu_west_3"
    S3_EU_CENTRAL: Final = "s3_eu_central"
    S3_EU_NORTH1: Final = "s3_eu_north_1"
    S3_SA_EAST: Final = "s3_sa_east"
    S3_US_EAST2: Final = "s3_us_east_2"
    S3_US_WEST: Final = "s3_us_west"
    S3_US_WEST_OREGON: Final = "s3_us_west_oregon"
    S3_US_GOV_WEST: Final = "s3_us_gov_west"
    S3_RGW: Final = "s3_rgw"
    S3_RGW_OUTSCALE: Final = "s3_rgw_outscale"
    SCALEWAY: Final = "scaleway"
