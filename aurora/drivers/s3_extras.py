"""The S3 driver's extras beyond libcloud: browser POST uploads, tags, versions, metadata edits.

A mixin of :class:`aurora.drivers.s3.BaseS3StorageDriver`, kept in its own
module so the facade's main file stays about the libcloud API.  Every method
here goes through the driver's S3 client and the transfer engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Sequence

from aurora.core.validation import validate_bucket_reference, validate_key

if TYPE_CHECKING:
    from aurora.s3.client import S3Client

__all__ = ["S3ExtrasMixin"]


class S3ExtrasMixin:
    """``ex_`` methods shared by every S3-family driver."""

    if TYPE_CHECKING:
        client: S3Client
        secure: bool

    def ex_presign_post(
        self,
        container_name: str,
        object_name: str,
        expires: int = 3600,
        conditions: Optional[Sequence[Any]] = None,
        fields: Optional[Mapping[str, str]] = None,
    ) -> Dict[str, Any]:
        """A form a browser can POST a file with, for ``expires`` seconds: ``{"url": ..., "fields": {...}}``.

        The shape of boto3's ``generate_presigned_post``: send every field as
        a form field, then the file as the last one (named ``file``).  An
        ``object_name`` ending in ``${filename}`` lets the browser name the
        object after its file, under that prefix.  ``conditions`` are S3's
        policy conditions (``{"acl": "public-read"}``, ``["starts-with",
        "$Content-Type", "image/"]``, ``["content-length-range", 1, 10485760]``,
        ``{"success_action_status": "201"}``, ``{"x-amz-meta-owner": "x"}``);
        a field in ``fields`` needs a matching condition, or the server
        refuses the form.  Signed in the driver's signature version.
        """
        from aurora.core.post_policy import presigned_post_fields

        validate_bucket_reference(container_name)
        validate_key(object_name)
        client = self.client
        form = presigned_post_fields(
            container_name,
            object_name,
            client.credentials,
            now=client.now(),
            expires=expires,
            signature_version=client.signature_version,
            region=client.region,
            conditions=conditions,
            fields=fields,
        )
        url = client.url_for(container_name, None, scheme="https" if self.secure else "http")
        return {"url": url, "fields": form}
