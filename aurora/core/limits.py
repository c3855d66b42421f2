"""S3's fixed limits and vocabularies that several layers check, each defined here once.

The presign limits and methods are used by the signers, the client, the driver and the
CLI; the addressing styles by the AWS-config reader, the client and the driver.
``tests/unit/test_architecture.py`` fails when one of these is written out elsewhere.
"""

from __future__ import annotations

from aurora.errors import InvalidArgumentError

__all__ = ["MAX_PRESIGN_EXPIRES", "PRESIGN_METHODS", "ADDRESSING_STYLES", "MAX_DELETE_KEYS", "checked_presign_expires"]

MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
"""The longest a presigned URL or POST policy may live, in seconds (SigV4's limit: 7 days)."""

PRESIGN_METHODS = ("GET", "PUT", "DELETE", "HEAD")
"""The HTTP methods a presigned URL may be made for."""

ADDRESSING_STYLES = ("path", "virtual", "auto")
"""``path``: ``host/bucket/key``; ``virtual``: ``bucket.host/key``; ``auto``: virtual where safe."""

MAX_DELETE_KEYS = 1000
"""The most keys one DeleteObjects request may name (the XML builder, the driver and the CLI batch by it)."""


def checked_presign_expires(expires: object) -> int:
    """``expires`` when it is a whole number of seconds from 1 to 7 days, else InvalidArgumentError naming it."""
    if isinstance(expires, bool) or not isinstance(expires, int) or not 1 <= expires <= MAX_PRESIGN_EXPIRES:
        raise InvalidArgumentError(
            "expires must be a whole number of seconds from 1 to %d (7 days), got %r" % (MAX_PRESIGN_EXPIRES, expires)
        )
    return expires
