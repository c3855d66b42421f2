"""Amazon S3's regions, endpoints and per-region provider names (libcloud 3.9.1's tables).

Kept apart from the driver's behaviour: values only.
"""

from __future__ import annotations

from typing import Dict, Tuple

from aurora.types import Provider

__all__ = ["REGION_TO_HOST_MAP", "S3_REGION_ALIASES", "s3_host"]

REGION_TO_HOST_MAP = {
    "us-east-1": "s3.amazonaws.com",
    "us-east-2": "s3-us-east-2.amazonaws.com",
    "us-west-1": "s3-us-west-1.amazonaws.com",
    "us-west-2": "s3-us-west-2.amazonaws.com",
    "us-gov-east-1": "s3-us-gov-east-1.amazonaws.com",
    "us-gov-west-1": "s3-us-gov-west-1.amazonaws.com",
    "cn-north-1": "s3.cn-north-1.amazonaws.com.cn",
    "cn-northwest-1": "s3.cn-northwest-1.amazonaws.com.cn",
    "eu-west-1": "s3-eu-west-1.amazonaws.com",
    "eu-west-2": "s3-eu-west-2.amazonaws.com",
    "eu-west-3": "s3-eu-west-3.amazonaws.com",
    "eu-north-1": "s3.eu-north-1.amazonaws.com",
    "eu-south-1": "s3.eu-south-1.amazonaws.com",
    "eu-central-1": "s3-eu-central-1.amazonaws.com",
    "ap-south-1": "s3-ap-south-1.amazonaws.com",
    "ap-southeast-1": "s3-ap-southeast-1.amazonaws.com",
    "ap-southeast-2": "s3-ap-southeast-2.amazonaws.com",
    "ap-northeast-1": "s3-ap-northeast-1.amazonaws.com",
    "ap-northeast-2": "s3-ap-northeast-2.amazonaws.com",
    "ap-northeast-3": "s3.ap-northeast-3.amazonaws.com",
    "sa-east-1": "s3-sa-east-1.amazonaws.com",
    "sa-east-2": "s3-sa-east-2.amazonaws.com",
    "ca-central-1": "s3-ca-central-1.amazonaws.com",
    "me-south-1": "s3.me-south-1.amazonaws.com",
    "af-south-1": "s3.af-south-1.amazonaws.com",
    "me-central-1": "s3.me-central-1.amazonaws.com",
}
"""libcloud's endpoint for each region it knows (some are AWS's older ``s3-<region>`` names)."""

S3_REGION_ALIASES: Dict[str, Tuple[str, str]] = {
    Provider.S3_US_EAST2: ("S3USEast2StorageDriver", "us-east-2"),
    Provider.S3_US_WEST: ("S3USWestStorageDriver", "us-west-1"),
    Provider.S3_US_WEST_OREGON: ("S3USWestOregonStorageDriver", "us-west-2"),
    Provider.S3_US_GOV_WEST: ("S3USGovWestStorageDriver", "us-gov-west-1"),
    Provider.S3_CN_NORTH: ("S3CNNorthStorageDriver", "cn-north-1"),
    Provider.S3_CN_NORTHWEST: ("S3CNNorthWestStorageDriver", "cn-northwest-1"),
    Provider.S3_EU_WEST: ("S3EUWestStorageDriver", "eu-west-1"),
    Provider.S3_EU_WEST2: ("S3EUWest2StorageDriver", "eu-west-2"),
    Provider.S3_EU_WEST3: ("S3EUWest3StorageDriver", "eu-west-3"),  # a libcloud constant without a driver
    Provider.S3_EU_CENTRAL: ("S3EUCentralStorageDriver", "eu-central-1"),
    Provider.S3_EU_NORTH1: ("S3EUNorth1StorageDriver", "eu-north-1"),
    Provider.S3_AP_SOUTH: ("S3APSouthStorageDriver", "ap-south-1"),
    Provider.S3_AP_SOUTHEAST: ("S3APSEStorageDriver", "ap-southeast-1"),
    Provider.S3_AP_SOUTHEAST2: ("S3APSE2StorageDriver", "ap-southeast-2"),
    Provider.S3_AP_NORTHEAST: ("S3APNE1StorageDriver", "ap-northeast-1"),
    Provider.S3_AP_NORTHEAST1: ("S3APNE1StorageDriver", "ap-northeast-1"),
    Provider.S3_AP_NORTHEAST2: ("S3APNE2StorageDriver", "ap-northeast-2"),
    Provider.S3_SA_EAST: ("S3SAEastStorageDriver", "sa-east-1"),
    Provider.S3_CA_CENTRAL: ("S3CACentralStorageDriver", "ca-central-1"),
}
"""libcloud's per-region provider names: (driver class name, region), each a fixed-region Amazon S3."""


def s3_host(region: str) -> str:
    """Amazon S3's endpoint for ``region``: libcloud's table, else AWS's ``s3.<region>`` name."""
    if region in REGION_TO_HOST_MAP:
        return REGION_TO_HOST_MAP[region]
    suffix = ".amazonaws.com.cn" if region.startswith("cn-") else ".amazonaws.com"
    return "s3.%s%s" % (region, suffix)
