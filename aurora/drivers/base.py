"""libcloud's portable storage facade: ``Container``, ``Object``, ``StorageDriver``.

The classes keep libcloud's constructor arguments, attributes and convenience
methods, so code written against ``libcloud.storage.base`` runs unchanged.
Drivers implement the ``iterate_*`` generators; the ``list_*`` methods are
built on them.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from typing import Any, Dict, Iterator, List, NamedTuple, Optional

from aurora.errors import AuroraError, InvalidArgumentError, LibcloudError
from aurora.transfer.destination import LocalTargets, contained_path, make_parent

__all__ = [
    "Container",
    "Object",
    "StorageDriver",
    "ConnectionInfo",
    "DEFAULT_CONTENT_TYPE",
    "validate_byte_range",
    "bound_errors",
    "download_target",
    "LocalTargets",
    "contained_path",
    "make_parent",
]

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class Object:
    """An object (blob) in a container, as libcloud describes it.

    Attributes:
        name: the key.
        size: bytes.
        hash: the ETag without quotes (the MD5 hex for single-part uploads).
        extra: driver details: ``content_type``, ``etag``, ``last_modified``...
        meta_data: user metadata (``x-amz-meta-*`` without the prefix).
        container: the :class:`Container` it lives in.
        driver: the driver that produced it.
    """

    def __init__(
        self,
        name: str,
        size: int,
        hash: Optional[str],
        extra: Optional[Dict[str, Any]],
        meta_data: Optional[Dict[str, Any]],
        container: Container,
        driver: StorageDriver,
    ) -> None:
        self.name = name
        self.size = size
        self.hash = hash
        self.container = container
        self.extra = extra or {}
        self.meta_data = meta_data or {}
        self.driver = driver

    def get_cdn_url(self) -> str:
        return self.driver.get_object_cdn_url(obj=self)

    def enable_cdn(self) -> bool:
        return self.driver.enable_object_cdn(obj=self)

    def download(self, destination_path: str, overwrite_existing: bool = False, delete_on_failure: bool = True) -> bool:
        return self.driver.download_object(
            obj=self,
            destination_path=destination_path,
            overwrite_existing=overwrite_existing,
            delete_on_failure=delete_on_failure,
        )

    def as_stream(self, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        return self.driver.download_object_as_stream(obj=self, chunk_size=chunk_size)

    def download_range(
        self,
        destination_path: str,
        start_bytes: int,
        end_bytes: Optional[int] = None,
        overwrite_existing: bool = False,
        delete_on_failure: bool = True,
    ) -> bool:
        return self.driver.download_object_range(
            obj=self,
            destination_path=destination_path,
            start_bytes=start_bytes,
            end_bytes=end_bytes,
            overwrite_existing=overwrite_existing,
            delete_on_failure=delete_on_failure,
        )

    def range_as_stream(
        self, start_bytes: int, end_bytes: Optional[int] = None, chunk_size: Optional[int] = None
    ) -> Iterator[bytes]:
        return self.driver.download_object_range_as_stream(
            obj=self, start_bytes=start_bytes, end_bytes=end_bytes, chunk_size=chunk_size
        )

    def delete(self) -> bool:
        return self.driver.delete_object(self)

    def __repr__(self) -> str:
        return "<Object: name=%s, size=%s, hash=%s, provider=%s ...>" % (
            self.name,
            self.size,
            self.hash,
            self.driver.name,
        )


class Container:
    """A container (bucket), as libcloud describes it."""

    def __init__(self, name: str, extra: Optional[Dict[str, Any]], driver: StorageDriver) -> None:
        self.name = name
        self.extra = extra or {}
        self.driver = driver

    def iterate_objects(self, prefix: Optional[str] = None, ex_prefix: Optional[str] = None) -> Iterator[Object]:
        return self.driver.iterate_container_objects(container=self, prefix=prefix, ex_prefix=ex_prefix)

    def list_objects(self, prefix: Optional[str] = None, ex_prefix: Optional[str] = None) -> List[Object]:
        return self.driver.list_container_objects(container=self, prefix=prefix, ex_prefix=ex_prefix)

    def get_cdn_url(self) -> str:
        return self.driver.get_container_cdn_url(container=self)

    def enable_cdn(self) -> bool:
        return self.driver.enable_container_cdn(container=self)

    def get_object(self, object_name: str) -> Object:
        return self.driver.get_object(container_name=self.name, object_name=object_name)

    def upload_object(
        self,
        file_path: str,
        object_name: str,
        extra: Optional[Dict[str, Any]] = None,
        verify_hash: bool = True,
        headers: Optional[Dict[str, str]] = None,
    ) -> Object:
        return self.driver.upload_object(
            file_path, self, object_name, extra=extra, verify_hash=verify_hash, headers=headers
        )

    def upload_object_via_stream(
        self,
        iterator: Any,
        object_name: str,
        extra: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Object:
        return self.driver.upload_object_via_stream(iterator, self, object_name, extra=extra, headers=headers)

    def download_object(
        self,
        obj: Object,
        destination_path: str,
        overwrite_existing: bool = False,
        delete_on_failure: bool = True,
    ) -> bool:
        return self.driver.download_object(obj, destination_path, overwrite_existing, delete_on_failure)

    def download_object_as_stream(self, obj: Object, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        return self.driver.download_object_as_stream(obj, chunk_size)

    def download_object_range(
        self,
        obj: Object,
        destination_path: str,
        start_bytes: int,
        end_bytes: Optional[int] = None,
        overwrite_existing: bool = False,
        delete_on_failure: bool = True,
    ) -> bool:
        return self.driver.download_object_range(
            obj, destination_path, start_bytes, end_bytes, overwrite_existing, delete_on_failure
        )

    def download_object_range_as_stream(
        self, obj: Object, start_bytes: int, end_bytes: Optional[int] = None, chunk_size: Optional[int] = None
    ) -> Iterator[bytes]:
        return self.driver.download_object_range_as_stream(obj, start_bytes, end_bytes, chunk_size)

    def delete_object(self, obj: Object) -> bool:
        return self.driver.delete_object(obj)

    def delete(self) -> bool:
        return self.driver.delete_container(self)

    def __repr__(self) -> str:
        return "<Container: name=%s, provider=%s>" % (self.name, self.driver.name)


def validate_byte_range(start_bytes: int, end_bytes: Optional[int]) -> None:
    """libcloud's range rules: start >= 0, end exclusive and > start."""
    if not isinstance(start_bytes, int) or start_bytes < 0:
        raise InvalidArgumentError("start_bytes must be an integer >= 0, not %r" % (start_bytes,))
    if end_bytes is not None:
        if not isinstance(end_bytes, int):
            raise InvalidArgumentError("end_bytes must be an integer, not %r" % (end_bytes,))
        if start_bytes > end_bytes:
            raise InvalidArgumentError(
                "start_bytes (%d) must be smaller than end_bytes (%d)" % (start_bytes, end_bytes)
            )
        if start_bytes == end_bytes:
            raise InvalidArgumentError(
                "start_bytes and end_bytes can't be the same (%d): end_bytes is exclusive" % start_bytes
            )


class ConnectionInfo(NamedTuple):
    """Where a driver connects: the read-only part of libcloud's ``driver.connection`` that code reads."""

    host: Optional[str]
    port: Optional[int]
    secure: bool


@contextlib.contextmanager
def bound_errors(driver: Any) -> Iterator[None]:
    """Attach ``driver`` to any aurora error raised in the block (libcloud's ``error.driver``).

    The error is re-raised without the internal exception chain it was raised in.
    """
    try:
        yield
    except AuroraError as error:
        error.driver = driver
        raise error from None


def download_target(destination_path: str, object_name: str, driver: Any = None) -> str:
    """The file a download writes: ``destination_path``, or the key inside it when it is a folder.

    The key's place in a folder follows :func:`contained_path` (never outside
    the folder's real location; missing parent folders are made); a path
    ending in a separator must be an existing folder.
    """
    if not (os.path.isdir(destination_path) or destination_path.endswith(("/", os.sep))):
        return destination_path
    if not os.path.isdir(destination_path):
        raise LibcloudError("Path %s does not exist" % (destination_path,), driver)
    target = contained_path(destination_path, object_name)
    make_parent(target)
    return target


class StorageDriver:
    """The portable storage API every aurora driver offers (libcloud's names).

    Subclasses implement the ``iterate_*`` generators and the object methods;
    methods a backend cannot offer raise ``NotImplementedError`` as libcloud's do.
    """

    name: str = "Storage driver"
    website: str = ""
    type: Optional[str] = None
    hash_type: str = "md5"
    supports_chunked_encoding: bool = False
    strict_mode: bool = False

    def _normalize_prefix_argument(self, prefix: Optional[str], ex_prefix: Optional[str]) -> Optional[str]:
        """libcloud's rule: a given ``ex_prefix`` wins, with a DeprecationWarning naming ``prefix``."""
        if ex_prefix:
            warnings.warn(
                "The ``ex_prefix`` argument is deprecated - please update code to use ``prefix``",
                DeprecationWarning,
                stacklevel=3,
            )
            return ex_prefix
        return prefix

    def iterate_containers(self) -> Iterator[Container]:
        raise NotImplementedError("iterate_containers not implemented for this driver")

    def list_containers(self) -> List[Container]:
        return list(self.iterate_containers())

    def iterate_container_objects(
        self,
        container: Container,
        prefix: Optional[str] = None,
        ex_prefix: Optional[str] = None,
        ex_delimiter: Optional[str] = None,
    ) -> Iterator[Object]:
        """Every object under ``prefix`` in key order.

        With ``ex_delimiter`` only the objects directly under the prefix are
        yielded; the drivers' ``ex_list_prefixes`` gives the "directories".
        """
        raise NotImplementedError("iterate_container_objects not implemented for this driver")

    def list_container_objects(
        self,
        container: Container,
        prefix: Optional[str] = None,
        ex_prefix: Optional[str] = None,
        ex_delimiter: Optional[str] = None,
    ) -> List[Object]:
        """:meth:`iterate_container_objects` as a list (one home for every driver, as in libcloud)."""
        return list(self.iterate_container_objects(container, prefix, ex_prefix, ex_delimiter))

    def get_container(self, container_name: str) -> Container:
        raise NotImplementedError("get_container not implemented for this driver")

    def get_container_cdn_url(self, container: Container) -> str:
        raise NotImplementedError("get_container_cdn_url not implemented for this driver")

    def get_object(self, container_name: str, object_name: str) -> Object:
        raise NotImplementedError("get_object not implemented for this driver")

    def get_object_cdn_url(self, obj: Object) -> str:
        raise NotImplementedError("get_object_cdn_url not implemented for this driver")

    def enable_container_cdn(self, container: Container) -> bool:
        raise NotImplementedError("enable_container_cdn not implemented for this driver")

    def enable_object_cdn(self, obj: Object) -> bool:
        raise NotImplementedError("enable_object_cdn not implemented for this driver")

    def download_object(
        self, obj: Object, destination_path: str, overwrite_existing: bool = False, delete_on_failure: bool = True
    ) -> bool:
        raise NotImplementedError("download_object not implemented for this driver")

    def download_object_as_stream(self, obj: Object, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        raise NotImplementedError("download_object_as_stream not implemented for this driver")

    def download_object_range(
        self,
        obj: Object,
        destination_path: str,
        start_bytes: int,
        end_bytes: Optional[int] = None,
        overwrite_existing: bool = False,
        delete_on_failure: bool = True,
    ) -> bool:
        raise NotImplementedError("download_object_range not implemented for this driver")

    def download_object_range_as_stream(
        self, obj: Object, start_bytes: int, end_bytes: Optional[int] = None, chunk_size: Optional[int] = None
    ) -> Iterator[bytes]:
        raise NotImplementedError("download_object_range_as_stream not implemented for this driver")

    def upload_object(
        self,
        file_path: str,
        container: Container,
        object_name: str,
        extra: Optional[Dict[str, Any]] = None,
        verify_hash: bool = True,
        headers: Optional[Dict[str, str]] = None,
    ) -> Object:
        raise NotImplementedError("upload_object not implemented for this driver")

    def upload_object_via_stream(
        self,
        iterator: Any,
        container: Container,
        object_name: str,
        extra: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Object:
        raise NotImplementedError("upload_object_via_stream not implemented for this driver")

    def delete_object(self, obj: Object) -> bool:
        raise NotImplementedError("delete_object not implemented for this driver")

    def create_container(self, container_name: str) -> Container:
        raise NotImplementedError("create_container not implemented for this driver")

    def delete_container(self, container: Container) -> bool:
        raise NotImplementedError("delete_container not implemented for this driver")
