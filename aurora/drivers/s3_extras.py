"""The S3 driver's extras beyond libcloud: batch deletes, multipart housekeeping, presigned
URLs, server-side copy, browser POST uploads, tags, versions, metadata edits.

A mixin of :class:`aurora.drivers.s3.BaseS3StorageDriver`, kept in its own
module so the facade's main file stays about the libcloud API.  Every method
here goes through the driver's S3 client, the sub-resource operations of
:mod:`aurora.s3.subresources` and the driver's own copy.
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from aurora.core.limits import MAX_DELETE_KEYS, PRESIGN_METHODS, checked_presign_expires
from aurora.core.validation import validate_bucket_reference, validate_key, validate_prefix
from aurora.drivers.base import Container, Object, bound_errors
from aurora.drivers.s3_options import EXTRA_HEADERS, sse_customer_headers
from aurora.errors import AuroraError, InvalidArgumentError, NotImplemented_, error_class_for_code

if TYPE_CHECKING:
    from aurora.config import Config
    from aurora.core.models import PartInfo
    from aurora.core.versions import ListVersionsResult, ObjectVersion
    from aurora.s3.client import S3Client

__all__ = ["S3ExtrasMixin", "S3MultipartUpload"]

T = TypeVar("T")
SseKey = Any  # 32 raw bytes or their base64 text


class S3MultipartUpload:
    """An in-progress multipart upload, with libcloud's fields."""

    def __init__(self, key: str, id: str, created_at: Optional[str], initiator: Optional[str], owner: Optional[str]):
        self.key = key
        self.id = id
        self.created_at = created_at
        self.initiator = initiator
        self.owner = owner

    def __repr__(self) -> str:
        return "<S3MultipartUpload: key=%s>" % (self.key,)


def _batches(names_or_objects: Iterable[Union[str, Object]], size: int) -> Iterator[List[str]]:
    """The keys (checked), ``size`` at a time, without holding more than one batch."""
    batch: List[str] = []
    for item in names_or_objects:
        batch.append(validate_key(item.name if isinstance(item, Object) else item))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class S3ExtrasMixin:
    """``ex_`` methods shared by every S3-family driver."""

    if TYPE_CHECKING:
        client: S3Client
        secure: bool
        config: Config

        def _bound(self, items: Iterator[T]) -> Iterator[T]: ...

        def get_object(
            self,
            container_name: str,
            object_name: str,
            ex_sse_customer_key: Any = None,
            ex_version_id: Optional[str] = None,
        ) -> Object: ...

        @property
        def scheme(self) -> str: ...

        def _object_headers(
            self,
            object_name: str,
            extra: Optional[Dict[str, Any]],
            headers: Optional[Dict[str, str]],
            storage_class: Optional[str],
            file_path: Optional[str] = None,
        ) -> Dict[str, str]: ...

    def ex_delete_objects(
        self, container: Container, names_or_objects: Iterable[Union[str, Object]]
    ) -> Dict[str, AuroraError]:
        """Delete many objects with DeleteObjects, 1,000 keys a request; returns what could not be deleted.

        The answer maps each key that was not deleted to why (an error of the
        class its S3 code names, or the error of the whole request for every
        key it carried); nothing is raised for them, and the remaining batches
        go on.  A missing key counts as deleted, as in S3.
        """
        bucket = validate_bucket_reference(container.name)
        failed: Dict[str, AuroraError] = {}
        for batch in _batches(names_or_objects, MAX_DELETE_KEYS):
            try:
                result = self.client.delete_objects(bucket, batch, quiet=True)
            except AuroraError as error:
                error.driver = self  # kept, not raised: bound as bound_errors would
                failed.update((key, error) for key in batch)
                continue
            for problem in result.errors:
                error_class = error_class_for_code(problem.code, 200)
                message = "%s: %s" % (problem.code or "Error", problem.message or "refused")
                refusal = error_class(message, self, code=problem.code, container_name=bucket, object_name=problem.key)
                failed[problem.key] = refusal
        return failed

    # -- multipart housekeeping ------------------------------------------

    def ex_iterate_multipart_uploads(
        self, container: Container, prefix: Optional[str] = None, delimiter: Optional[str] = None
    ) -> Iterator[S3MultipartUpload]:
        """Every multipart upload in progress in ``container``, page by page."""
        from aurora.s3.paginators import upload_pages

        bucket = validate_bucket_reference(container.name)
        validate_prefix(prefix)
        validate_prefix(delimiter)
        for page in self._bound(upload_pages(self.client, bucket, prefix, delimiter)):
            for upload in page.uploads:
                yield S3MultipartUpload(
                    upload.key, upload.upload_id, upload.initiated, upload.initiator_name, upload.owner_name
                )

    def ex_iterate_parts(self, container: Container, object_name: str, upload_id: str) -> Iterator[PartInfo]:
        """The parts uploaded so far to multipart upload ``upload_id`` of ``object_name``, page by page."""
        from aurora.s3.paginators import part_pages

        bucket, key = validate_bucket_reference(container.name), validate_key(object_name)
        for page in self._bound(part_pages(self.client, bucket, key, upload_id)):
            yield from page.parts

    def ex_cleanup_all_multipart_uploads(self, container: Container, prefix: Optional[str] = None) -> None:
        """Abort every multipart upload in progress (under ``prefix``), each as the listing reaches it."""
        for upload in self.ex_iterate_multipart_uploads(container, prefix):
            with bound_errors(self):
                self.client.abort_multipart_upload(validate_bucket_reference(container.name), upload.key, upload.id)

    # -- presigned URLs ---------------------------------------------------

    def ex_presign_url(
        self,
        container_name: str,
        object_name: str,
        method: str = "GET",
        expires: int = 3600,
        headers: Optional[Dict[str, str]] = None,
    ) -> str:
        """A URL that lets anyone ``method`` the object until ``expires`` seconds pass.

        Signed in the driver's signature version (SigV4: at most 7 days).
        """
        validate_bucket_reference(container_name)
        validate_key(object_name)
        if method.upper() not in PRESIGN_METHODS:
            raise InvalidArgumentError("method must be one of %s, not %r" % (", ".join(PRESIGN_METHODS), method))
        checked_presign_expires(expires)
        return self.client.presign(
            method, container_name, object_name, expires=expires, scheme=self.scheme, headers=headers
        )

    # -- server-side copy -------------------------------------------------

    def ex_copy_object(
        self,
        obj: Object,
        dest_container: Container,
        dest_object_name: str,
        extra: Optional[Dict[str, Any]] = None,
        ex_config: Optional[Config] = None,
        ex_source_sse_customer_key: Optional[SseKey] = None,
        ex_version_id: Optional[str] = None,
    ) -> Object:
        """Copy ``obj`` to ``dest_container/dest_object_name`` on the server; returns the copy.

        Without ``extra`` the metadata and content headers are copied; with it
        they are replaced (``content_type``, ``meta_data``, ``acl``... as for
        uploads).  Above ``multipart_copy_threshold`` (5 GiB, S3's limit for
        one CopyObject) the copy is made of parallel UploadPartCopy parts and
        is aborted on failure, the error carrying its ``upload_id``.

        An SSE-C source needs ``ex_source_sse_customer_key``; the copy is
        encrypted with ``extra["ex_sse_customer_key"]`` if given, else not.
        ``ex_version_id`` copies that version of the source: copying an old
        version onto its own key restores it.  ``extra["tags"]`` replaces the
        tags; without it they are copied.
        """
        validate_key(dest_object_name)
        source_bucket, source_name = _names(obj)
        dest_bucket = validate_bucket_reference(dest_container.name)
        headers = None if extra is None else self._object_headers(dest_object_name, extra, None, None)
        source_key = ex_source_sse_customer_key
        source_sse = None if source_key is None else sse_customer_headers(source_key)
        config = (ex_config or self.config).transfer
        from aurora.transfer.copy import copy_object

        with bound_errors(self):
            copy_object(
                self.client,
                source_bucket,
                source_name,
                dest_bucket,
                dest_object_name,
                config=config,
                size=obj.size if isinstance(obj.size, int) and obj.size >= 0 and ex_version_id is None else None,
                headers=headers,
                source_sse=source_sse,
                source_version_id=ex_version_id,
            )
        return self.get_object(dest_bucket, dest_object_name, (extra or {}).get("ex_sse_customer_key"))

    # -- browser uploads ---------------------------------------------------

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

    # -- versions ------------------------------------------------------------

    def ex_set_container_versioning(self, container: Container, enabled: bool) -> None:
        """Turn versioning on, or suspend it (a versioned bucket never goes back to unversioned)."""
        from aurora.s3.subresources import put_bucket_versioning

        with bound_errors(self):
            put_bucket_versioning(self.client, validate_bucket_reference(container.name), bool(enabled))

    def ex_get_container_versioning(self, container: Container) -> Optional[str]:
        """``"Enabled"``, ``"Suspended"``, or None for a bucket that never had versioning."""
        from aurora.s3.subresources import get_bucket_versioning

        with bound_errors(self):
            return get_bucket_versioning(self.client, validate_bucket_reference(container.name))

    def ex_iterate_object_versions(
        self, container: Container, prefix: Optional[str] = None, ex_delimiter: Optional[str] = None
    ) -> Iterator[Object]:
        """Every version and delete marker under ``prefix``, each key's newest first.

        Each is an :class:`Object` whose ``extra`` holds ``version_id``,
        ``is_latest``, ``is_delete_marker``, ``last_modified``, ``etag`` and
        ``storage_class`` (a delete marker has size 0 and no hash).  Read,
        copy or delete one with ``ex_version_id=obj.extra["version_id"]``.
        """
        for page in self._version_pages(validate_bucket_reference(container.name), prefix, ex_delimiter):
            for version in page.versions:
                yield self._object_from_version(version, container)

    def _version_pages(
        self, bucket: str, prefix: Optional[str], delimiter: Optional[str]
    ) -> Iterator[ListVersionsResult]:
        from aurora.s3.subresources import version_pages

        validate_prefix(prefix)
        validate_prefix(delimiter)
        return self._bound(version_pages(self.client, bucket, prefix, delimiter))

    def _object_from_version(self, version: ObjectVersion, container: Container) -> Object:
        extra = {
            "version_id": version.version_id,
            "is_latest": version.is_latest,
            "is_delete_marker": version.is_delete_marker,
            "last_modified": version.last_modified,
            "etag": version.etag,
            "storage_class": version.storage_class,
        }
        meta = {"owner": {"id": version.owner_id, "display_name": version.owner_name}}
        size = version.size or 0
        return Object(version.key, size, version.etag or None, extra, meta, container, self)  # type: ignore[arg-type]

    # -- tags ------------------------------------------------------------------

    def ex_get_object_tags(self, obj: Object, ex_version_id: Optional[str] = None) -> Dict[str, str]:
        """The object's tags (of one version with ``ex_version_id``)."""
        from aurora.s3.subresources import get_object_tagging

        with bound_errors(self):
            return get_object_tagging(self.client, *_names(obj), version_id=ex_version_id)

    def ex_set_object_tags(self, obj: Object, tags: Mapping[str, str], ex_version_id: Optional[str] = None) -> bool:
        """Replace the object's tags; at most 10, keys up to 128 and values up to 256 characters."""
        from aurora.s3.subresources import put_object_tagging

        with bound_errors(self):
            put_object_tagging(self.client, *_names(obj), tags, version_id=ex_version_id)
        return True

    def ex_delete_object_tags(self, obj: Object, ex_version_id: Optional[str] = None) -> bool:
        from aurora.s3.subresources import delete_object_tagging

        with bound_errors(self):
            delete_object_tagging(self.client, *_names(obj), version_id=ex_version_id)
        return True

    # -- metadata edits ----------------------------------------------------------

    def ex_update_object_metadata(
        self,
        obj: Object,
        meta_data: Optional[Mapping[str, str]] = None,
        content_type: Optional[str] = None,
        extra: Optional[Mapping[str, Any]] = None,
        ex_config: Optional[Config] = None,
    ) -> Object:
        """Change the object's metadata without uploading it again; returns the object as stored.

        A copy onto itself with the ``REPLACE`` directive (parallel part copies
        above 5 GiB).  What is not given is kept as it is: content type, cache
        control, disposition, encoding, language, expires, user metadata
        (``meta_data`` replaces it whole), tags (``extra["tags"]`` replaces
        them), storage class and SSE-S3.  ``extra`` takes the upload options
        (``cache_control``, ``acl``...).  An SSE-C object needs its key in
        ``extra["ex_sse_customer_key"]``; it stays encrypted with it (on a server
        that cannot CopyObject an SSE-C source, as RGW Pacific, the copy is
        made of part copies).  The ACL
        is not read back: a copy gets the bucket's default unless
        ``extra["acl"]`` says otherwise.
        """
        options = dict(extra or {})
        key = options.get("ex_sse_customer_key")
        current = self.get_object(obj.container.name, obj.name, ex_sse_customer_key=key)
        new_extra = _kept_options(current)
        if "tags" not in options:
            new_extra["tags"] = self.ex_get_object_tags(current)
        new_extra.update(options)
        new_extra["meta_data"] = dict(current.meta_data if meta_data is None else meta_data)
        if content_type is not None:
            new_extra["content_type"] = content_type
        try:
            return self.ex_copy_object(
                current, current.container, current.name, new_extra, ex_config=ex_config, ex_source_sse_customer_key=key
            )
        except NotImplemented_:
            if key is None:
                raise
        # Ceph RGW (Pacific) cannot CopyObject an SSE-C source, but copies its
        # parts when the copy keeps the key: the same edit as a multipart copy.
        parts = (ex_config or self.config).replace(multipart_copy_threshold=1)
        return self.ex_copy_object(
            current, current.container, current.name, new_extra, ex_config=parts, ex_source_sse_customer_key=key
        )


def _names(obj: Object) -> Tuple[str, str]:
    return validate_bucket_reference(obj.container.name), validate_key(obj.name)


def _kept_options(current: Object) -> Dict[str, Any]:
    """The upload options that give a copy the object's present headers."""
    extra = current.extra
    kept: Dict[str, Any] = {"content_type": extra.get("content_type")}
    for field in EXTRA_HEADERS:
        if extra.get(field):
            kept[field] = extra[field]
    if extra.get("storage_class"):
        kept["storage_class"] = extra["storage_class"]
    if extra.get("server_side_encryption") and not extra.get("sse_customer_algorithm"):
        kept["ex_server_side_encryption"] = extra["server_side_encryption"]
    return kept
