"""Provider names, with Apache Libcloud's values so configuration files carry over."""

from __future__ import annotations

__all__ = ["Provider"]


class Provider:
    """Storage provider identifiers accepted by :func:`aurora.get_driver`.

    The values are libcloud's (``libcloud.storage.types.Provider``).
    """

    AURORAOBJECTS = "auroraobjects"
    S3 = "s3"
    S3_RGW = "s3_rgw"
    S3_RGW_OUTSCALE = "s3_rgw_outscale"
    MINIO = "minio"
    LOCAL = "local"
