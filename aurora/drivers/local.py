"""libcloud's storage API on a local folder, for tests, laptops and offline use.

Code written against the S3 drivers runs unchanged on a folder: the same method
names, arguments, return types and exceptions.  The layout is plain::

    <base>/<container>/<key>               the object's bytes, exactly
    <base>/<container>/.aurora-meta/<key>  JSON sidecar: content type, user metadata,
                                           MD5, identity (inode, size, mtime) of the
                                           data file it describes
    .aurora-tmp-<random>                   a write in progress (any folder)

Reserved names: every key segment and container name that starts with
``.aurora-`` (in any case, for case-insensitive file systems) is refused with
:class:`~aurora.errors.InvalidObjectNameError` /
:class:`~aurora.errors.InvalidContainerNameError`, so the sidecars and temporary
files can never collide with an object, and listings skip them.

What a folder cannot hold, and is therefore refused before the disk is
touched: keys with an empty, ``.`` or ``..`` segment (``a//b``, ``/abs``,
``dir/``, ``a/../b``), a NUL, a backslash where it separates paths (Windows),
or a segment longer than 255 UTF-8 bytes.  S3 accepts both ``a`` and ``a/b``;
a folder cannot (``a`` would be a file and a directory), so the second upload
of such a pair fails with ``InvalidObjectNameError`` naming the conflict.

Writes are atomic: data go to a temporary file beside the target, which is
then ``os.replace``-d into place, so a reader sees the old or the new object,
never part of one, and a failed upload leaves nothing.  The sidecar is written
the same way, right after the data.  Within a process the two renames happen
under a per-key lock, so concurrent writers of one key end with one writer's
data *and* metadata.  Across processes the last rename wins; a reader trusts a
sidecar only when the identity it records matches the data file, and otherwise
hashes the file itself and reports default metadata: never another version's.

Symbolic links: the folder may hold links nobody checked (a shared folder, an
unpacked archive).  A link whose real target is outside the base folder is
never followed: a container that is one does not exist, a file that is one is
not listed and reads as ``ObjectDoesNotExistError``, and a write through a
folder that is one is refused with ``InvalidObjectNameError``.  A link whose
real target is inside the base folder is followed for reads and writes, and a
link to a file is listed like the file; a link to a folder is never walked by
a listing (so no listing can loop).  A write replaces a link standing at the
object's own name (the new data is renamed over it) instead of writing
through it.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Any, BinaryIO, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from aurora._types import Progress
from aurora.config import Config
from aurora.core.paths import is_inside
from aurora.drivers.base import (
    DEFAULT_CONTENT_TYPE,
    Container,
    Object,
    StorageDriver,
    bound_errors,
    download_target,
    validate_byte_range,
)
from aurora.drivers.local_files import (
    ATTEMPTS,
    EXTRA_FIELDS,
    META_DIR,
    RESERVED_PREFIX,
    TEMP_PREFIX,
    Record,
    check_container_name,
    chunks_of,
    commit_lock,
    create_temp,
    fill,
    identity,
    is_reserved,
    key_segments,
    listable,
    listing,
    md5,
    prune,
    read_chunks,
    read_record,
    span,
    unlink_quietly,
)
from aurora.drivers.mime import guessed_type
from aurora.errors import (
    AuroraError,
    ContainerAlreadyExistsError,
    ContainerDoesNotExistError,
    ContainerIsNotEmptyError,
    InvalidArgumentError,
    InvalidObjectNameError,
    LibcloudError,
    ObjectDoesNotExistError,
)
from aurora.types import Provider

__all__ = ["LocalStorageDriver", "RESERVED_PREFIX", "META_DIR", "TEMP_PREFIX"]


class LocalStorageDriver(StorageDriver):
    """libcloud's storage API over a folder: containers are directories, objects files.

    Args:
        key: the base folder (libcloud's argument order); it must exist.
        secret, secure, host, port: accepted for libcloud's signature, unused.
        ex_config: :class:`aurora.config.Config`; its ``io_chunk_size`` sets the
            copy and stream chunk size.
        ex_fsync: flush each object to disk before it becomes visible (default
            True), so a crash never leaves an empty or partial object.
        api_version, region, ex_use_locking: accepted for libcloud, unused
            (no lock files: see the module docstring).
        timeout, retry_delay, backoff, proxy_url: libcloud's base-driver
            keywords, accepted and unused (there is no network).
    """

    name = "Local Storage"
    website = "https://github.com/apache/libcloud"
    type = Provider.LOCAL
    hash_type = "md5"

    def __init__(
        self,
        key: Union[str, os.PathLike[str]],
        secret: Optional[str] = None,
        secure: bool = True,
        host: Optional[str] = None,
        port: Optional[int] = None,
        ex_use_locking: bool = True,
        *,
        api_version: Optional[str] = None,
        region: Optional[str] = None,
        ex_config: Optional[Config] = None,
        ex_fsync: bool = True,
        timeout: Optional[float] = None,
        retry_delay: Optional[float] = None,
        backoff: Optional[float] = None,
        proxy_url: Optional[str] = None,
    ) -> None:
        try:
            base = os.fspath(key)
        except TypeError:
            raise LibcloudError("The base path must be a folder name, not %r" % (key,)) from None
        if not isinstance(base, str) or not os.path.isdir(base):
            raise LibcloudError("The base path %r is not a directory" % (base,))
        self.key = base
        self.base_path = os.path.abspath(base)
        self._real_base = os.path.realpath(base)
        self.secure, self.host, self.port = bool(secure), host, port
        config = ex_config or Config()
        if not isinstance(config, Config):
            raise InvalidArgumentError("ex_config must be an aurora.config.Config, not %r" % (config,))
        self.config = config
        self.fsync = bool(ex_fsync)
        self.api_version, self.region = api_version, region
        self._ex_use_locking = bool(ex_use_locking)  # libcloud's attribute; aurora needs no lock files

    def __repr__(self) -> str:
        return "<%s base_path=%s>" % (type(self).__name__, self.base_path)

    # -- paths and errors --------------------------------------------------

    def _container_path(self, name: str) -> str:
        with bound_errors(self):
            return os.path.join(self.base_path, check_container_name(name))

    def _existing_container_path(self, name: str) -> str:
        path = self._container_path(name)
        if not os.path.isdir(path) or not self._confined(path):
            raise ContainerDoesNotExistError("Container %r does not exist" % (name,), self, name)
        return path

    def _confined(self, path: str) -> bool:
        """Whether ``path``'s real location (every symbolic link resolved) is inside the root."""
        return is_inside(self._real_base, os.path.realpath(path))

    def _readable(self, path: str, container_name: str, key: str) -> None:
        """Refuse to read an object through a symbolic link that leads out of the root."""
        if not self._confined(path):
            raise ObjectDoesNotExistError(
                "Object %r is a link leading outside %s: not read" % (key, self.base_path),
                self,
                key,
                container_name=container_name,
            )

    def _writable_folder(self, path: str, key: str) -> str:
        """``path``, a folder to write ``key`` into, once checked to be inside the root."""
        if not self._confined(path):
            raise InvalidObjectNameError(
                "Object %r would be written through a link leading outside %s" % (key, self.base_path), self, key
            )
        return path

    def _segments(self, key: object) -> List[str]:
        with bound_errors(self):
            return key_segments(key)

    def _os_error(self, error: OSError, container_name: str, key: Optional[str], doing: str) -> AuroraError:
        """The aurora error for a file-system failure (a container deleted under us, a full disk...)."""
        if not os.path.isdir(os.path.join(self.base_path, container_name)):
            return ContainerDoesNotExistError("Container %r does not exist" % (container_name,), self, container_name)
        code = error.errno
        if key is not None and code in (errno.ENOENT, errno.ENOTDIR, errno.EISDIR):
            return ObjectDoesNotExistError(
                "Object %r does not exist in %r" % (key, container_name), self, key, container_name=container_name
            )
        if key is not None and code == errno.ENAMETOOLONG:
            return InvalidObjectNameError("object name %r is too long for this file system" % (key,), self, key)
        what = "%r in %r" % (key, container_name) if key is not None else repr(container_name)
        return LibcloudError(
            "cannot %s %s: %s" % (doing, what, error.strerror or error),
            self,
            container_name=container_name,
            object_name=key,
        )

    def _conflict(self, key: str, path: str) -> InvalidObjectNameError:
        return InvalidObjectNameError(
            "object name %r cannot be stored: %s is in the way (a folder cannot hold both 'a' and 'a/b')" % (key, path),
            self,
            key,
        )

    def _chunk_size(self, chunk_size: Optional[int], config: Optional[Config] = None) -> int:
        if chunk_size is None:
            return (config or self.config).transfer.io_chunk_size
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise InvalidArgumentError("chunk_size must be a positive integer, not %r" % (chunk_size,))
        return chunk_size

    # -- containers --------------------------------------------------------

    def _container(self, name: str, path: str) -> Container:
        info = os.stat(path)
        extra = {"creation_time": info.st_ctime, "access_time": info.st_atime, "modify_time": info.st_mtime}
        return Container(name=name, extra=extra, driver=self)

    def iterate_containers(self) -> Iterator[Container]:
        try:
            with os.scandir(self.base_path) as scan:
                names = sorted(
                    e.name
                    for e in scan
                    if e.is_dir() and listable(e.name) and ".." not in e.name and self._confined(e.path)
                )
        except OSError as error:
            raise LibcloudError("cannot list %s: %s" % (self.base_path, error.strerror or error), self) from error
        for name in names:
            try:
                yield self._container(name, os.path.join(self.base_path, name))
            except OSError:
                continue  # deleted while we listed

    def get_container(self, container_name: str) -> Container:
        path = self._existing_container_path(container_name)
        try:
            return self._container(container_name, path)
        except OSError as error:
            raise self._os_error(error, container_name, None, "read") from error

    def create_container(self, container_name: str) -> Container:
        path = self._container_path(container_name)
        try:
            os.mkdir(path)
        except FileExistsError:
            raise ContainerAlreadyExistsError(
                "Container with this name already exists. The name must be unique among all the containers "
                "in the system",
                self,
                container_name,
            ) from None
        except OSError as error:
            raise LibcloudError(
                "Error creating container %s: %s" % (container_name, error.strerror or error),
                self,
                container_name=container_name,
            ) from error
        return self.get_container(container_name)

    def delete_container(self, container: Container) -> bool:
        """Delete an empty container, with its sidecars and abandoned temporary files.

        Files that are not objects (names a key cannot have) are never deleted:
        a container holding them is not empty.
        """
        path = self._existing_container_path(container.name)
        if next(listing(path, "", None, self._real_base), None) is not None:
            raise ContainerIsNotEmptyError("Container is not empty", self, container.name)
        try:
            self._remove_leftovers(path)
            os.rmdir(path)
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise ContainerIsNotEmptyError("Container is not empty", self, container.name) from None
            if not os.path.isdir(path):
                raise ContainerDoesNotExistError(
                    "Container %r does not exist" % (container.name,), self, container.name
                ) from None
            raise self._os_error(error, container.name, None, "delete") from error
        return True

    @staticmethod
    def _remove_leftovers(root: str) -> None:
        """Remove sidecars of absent objects, temporary files and empty folders below ``root``."""
        meta_root = os.path.join(root, META_DIR)
        for folder, _, files in os.walk(root, topdown=False):
            for name in files:
                path = os.path.join(folder, name)
                in_meta = path.startswith(meta_root + os.sep)
                data_path = os.path.join(root, os.path.relpath(path, meta_root)) if in_meta else ""
                if is_reserved(name) or (in_meta and not os.path.lexists(data_path)):
                    unlink_quietly(path)
            if folder != root:
                try:
                    os.rmdir(folder)
                except FileNotFoundError:
                    pass

    def get_container_cdn_url(self, container: Container, check: bool = False) -> str:
        """The container's folder (libcloud's local driver answers with the path)."""
        return self._existing_container_path(container.name) if check else self._container_path(container.name)

    def enable_container_cdn(self, container: Container) -> bool:
        self._existing_container_path(container.name)
        return True

    # -- listing -----------------------------------------------------------

    def iterate_container_objects(
        self,
        container: Container,
        prefix: Optional[str] = None,
        ex_prefix: Optional[str] = None,
        ex_delimiter: Optional[str] = None,
    ) -> Iterator[Object]:
        """Every object under ``prefix`` in key order (S3's UTF-8 byte order).

        ``ex_delimiter`` as :meth:`StorageDriver.iterate_container_objects` says.
        """
        root = self._existing_container_path(container.name)
        prefix = self._normalize_prefix_argument(prefix, ex_prefix)
        for key, is_prefix in listing(root, prefix or "", ex_delimiter, self._real_base):
            if not is_prefix:
                try:
                    yield self._load(container, key, root, key.split("/"))
                except ObjectDoesNotExistError:
                    continue  # deleted while we listed

    def ex_list_prefixes(self, container: Container, prefix: str = "", delimiter: str = "/") -> Iterator[str]:
        """The common prefixes ("directories") directly under ``prefix``, each ending with ``delimiter``."""
        root = self._existing_container_path(container.name)
        for name, is_prefix in listing(root, prefix or "", delimiter, self._real_base):
            if is_prefix:
                yield name

    # -- reading objects ---------------------------------------------------

    def get_object(self, container_name: str, object_name: str) -> Object:
        segments = self._segments(object_name)
        root = self._existing_container_path(container_name)
        return self._load(Container(container_name, {}, self), object_name, root, segments)

    def _load(self, container: Container, key: str, root: str, segments: Sequence[str]) -> Object:
        """The object as stored now; its sidecar is used only if it describes this data file."""
        data_path = os.path.join(root, *segments)
        self._readable(data_path, container.name, key)
        with commit_lock(data_path):
            try:
                info = os.stat(data_path)
            except OSError as error:
                raise self._os_error(error, container.name, key, "read") from None
            record = read_record(os.path.join(root, META_DIR, *segments))
        if not stat.S_ISREG(info.st_mode):
            raise ObjectDoesNotExistError(
                "Object %r does not exist in %r" % (key, container.name), self, key, container_name=container.name
            )
        if record is None or record["identity"] != identity(info):
            info, record = self._fresh_record(data_path, container.name, key)
        return self._object(container, key, info, record)

    def _fresh_record(self, data_path: str, container_name: str, key: str) -> Tuple[os.stat_result, Record]:
        """What a sidecar would say, read from the data file itself (no user metadata)."""
        digest = md5()
        try:
            with open(data_path, "rb") as stream:
                info = os.fstat(stream.fileno())
                for block in read_chunks(stream, self.config.transfer.io_chunk_size):
                    digest.update(block)
        except OSError as error:
            raise self._os_error(error, container_name, key, "read") from None
        content_type = guessed_type(key) or DEFAULT_CONTENT_TYPE
        return info, {"md5": digest.hexdigest(), "content_type": content_type, "meta_data": {}, "extra": {}}

    def _object(self, container: Container, key: str, info: os.stat_result, record: Record) -> Object:
        from email.utils import formatdate  # with socket and calendar: on first use, not when a driver is made

        extra: Dict[str, Any] = {
            "content_type": record["content_type"],
            "etag": record["md5"],
            "last_modified": formatdate(info.st_mtime, usegmt=True),
            "modify_time": info.st_mtime,
            "creation_time": info.st_ctime,
            "access_time": info.st_atime,
        }
        extra.update(record["extra"])
        return Object(key, info.st_size, record["md5"], extra, dict(record["meta_data"]), container, self)

    def get_object_cdn_url(self, obj: Object) -> str:
        """The object's file (libcloud's local driver answers with the path)."""
        return os.path.join(self._container_path(obj.container.name), *self._segments(obj.name))

    def enable_object_cdn(self, obj: Object) -> bool:
        self.get_object(obj.container.name, obj.name)
        return True

    def _open(self, obj: Object) -> BinaryIO:
        """The object's file, open for reading (a concurrent replace does not disturb it)."""
        path = os.path.join(self._existing_container_path(obj.container.name), *self._segments(obj.name))
        self._readable(path, obj.container.name, obj.name)
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed by the caller's ``with``
        except OSError as error:
            raise self._os_error(error, obj.container.name, obj.name, "read") from None
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            stream.close()
            raise ObjectDoesNotExistError("Object %r does not exist" % (obj.name,), self, obj.name)
        return stream

    def download_object_as_stream(self, obj: Object, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        return self._stream(obj, 0, None, self._chunk_size(chunk_size))

    def download_object_range_as_stream(
        self, obj: Object, start_bytes: int, end_bytes: Optional[int] = None, chunk_size: Optional[int] = None
    ) -> Iterator[bytes]:
        """Bytes ``[start_bytes, end_bytes)`` (end exclusive, as in libcloud; clipped to the size, as in S3)."""
        validate_byte_range(start_bytes, end_bytes)
        return self._stream(obj, start_bytes, end_bytes, self._chunk_size(chunk_size))

    def _stream(self, obj: Object, start: int, stop: Optional[int], chunk_size: int) -> Iterator[bytes]:
        with self._open(obj) as stream:
            begin, end = span(os.fstat(stream.fileno()).st_size, start, stop, obj)
            stream.seek(begin)
            yield from read_chunks(stream, chunk_size, end - begin)

    # -- downloads ---------------------------------------------------------

    def download_object(
        self,
        obj: Object,
        destination_path: str,
        overwrite_existing: bool = False,
        delete_on_failure: bool = True,
        ex_progress: Optional[Progress] = None,
        ex_config: Optional[Config] = None,
    ) -> bool:
        """Copy the object into a temporary file beside the destination, renamed into place when complete.

        Returns False (as libcloud does) when the object is missing, or no
        longer has ``obj``'s size or MD5 (it was replaced); nothing is left
        behind then, whatever ``delete_on_failure`` says.
        """
        return self._download(obj, destination_path, 0, None, overwrite_existing, ex_progress, ex_config)

    def download_object_range(
        self,
        obj: Object,
        destination_path: str,
        start_bytes: int,
        end_bytes: Optional[int] = None,
        overwrite_existing: bool = False,
        delete_on_failure: bool = True,
        ex_progress: Optional[Progress] = None,
        ex_config: Optional[Config] = None,
    ) -> bool:
        """Download bytes ``[start_bytes, end_bytes)`` (end exclusive, as in libcloud)."""
        validate_byte_range(start_bytes, end_bytes)
        return self._download(obj, destination_path, start_bytes, end_bytes, overwrite_existing, ex_progress, ex_config)

    def _download(
        self,
        obj: Object,
        destination_path: str,
        start: int,
        stop: Optional[int],
        overwrite: bool,
        progress: Optional[Progress],
        config: Optional[Config],
    ) -> bool:
        target = download_target(destination_path, obj.name, self)
        self._refuse_existing(target, overwrite)
        whole = start == 0 and stop is None
        temp: Optional[str] = None
        try:
            try:
                opened = self._open(obj)
            except (ObjectDoesNotExistError, ContainerDoesNotExistError):
                return False  # libcloud's LOCAL driver: a missing object is not downloaded, not an error
            with opened as stream:
                size = os.fstat(stream.fileno()).st_size
                begin, end = span(size, start, stop, obj)
                if whole and size != obj.size:
                    return False
                stream.seek(begin)
                fd, temp = create_temp(os.path.dirname(os.path.abspath(target)))
                chunks = read_chunks(stream, self._chunk_size(None, config), end - begin)
                _, md5 = fill(fd, chunks, False, progress, end - begin)
            if whole and obj.hash and len(obj.hash) == 32 and md5 != obj.hash:
                return False
            self._refuse_existing(target, overwrite)
            os.replace(temp, target)
            temp = None
        except OSError as error:
            raise LibcloudError("cannot write %s: %s" % (target, error.strerror or error), self) from error
        finally:
            unlink_quietly(temp)
        return True

    def _refuse_existing(self, target: str, overwrite: bool) -> None:
        if not overwrite and os.path.lexists(target):
            raise LibcloudError("File %s already exists, but overwrite_existing=False" % (target,), self)

    # -- writing objects ---------------------------------------------------

    def upload_object(
        self,
        file_path: str,
        container: Container,
        object_name: str,
        extra: Optional[Dict[str, Any]] = None,
        verify_hash: bool = True,
        headers: Optional[Dict[str, str]] = None,
        ex_storage_class: Optional[str] = None,
        ex_progress: Optional[Progress] = None,
        ex_config: Optional[Config] = None,
    ) -> Object:
        """Copy a file in as ``object_name``; it becomes visible only when complete.

        ``verify_hash``, ``headers`` and ``ex_storage_class`` are accepted for
        the S3 drivers' signature: the MD5 is computed from the bytes written,
        so there is nothing to compare it with, and a folder has no headers or
        storage classes.
        """
        segments = self._segments(object_name)
        record = self._new_record(object_name, extra, file_path)
        try:
            source = open(file_path, "rb")  # noqa: SIM115 - closed by the ``with`` below
        except OSError as error:
            raise LibcloudError("cannot read %s: %s" % (file_path, error.strerror or error), self) from error
        with source:
            info = os.fstat(source.fileno())
            total = info.st_size if stat.S_ISREG(info.st_mode) else None
            chunks = read_chunks(source, self._chunk_size(None, ex_config))
            return self._store(container, object_name, segments, chunks, total, record, ex_progress)

    def upload_object_via_stream(
        self,
        iterator: Any,
        container: Container,
        object_name: str,
        extra: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
        ex_storage_class: Optional[str] = None,
        ex_progress: Optional[Progress] = None,
        ex_config: Optional[Config] = None,
    ) -> Object:
        """Store the bytes of an iterator, a binary file object or a bytes value as ``object_name``.

        The stream is copied chunk by chunk, never held in memory whole.
        """
        segments = self._segments(object_name)
        record = self._new_record(object_name, extra, None)
        chunks = chunks_of(iterator, self._chunk_size(None, ex_config))
        return self._store(container, object_name, segments, chunks, None, record, ex_progress)

    def _new_record(self, key: str, extra: Optional[Dict[str, Any]], file_path: Optional[str]) -> Record:
        """The sidecar fields the caller chose (``extra``), checked before any byte is written."""
        extra = extra or {}
        if not isinstance(extra, dict):
            raise InvalidArgumentError("extra must be a dict, not %r" % (extra,))
        meta = extra.get("meta_data") or {}
        if not isinstance(meta, dict) or not all(isinstance(name, str) and name for name in meta):
            raise InvalidArgumentError("extra['meta_data'] must map non-empty names to values")
        content_type = extra.get("content_type") or guessed_type(file_path or key)
        return {
            "content_type": str(content_type or DEFAULT_CONTENT_TYPE),
            "meta_data": {name: str(value) for name, value in meta.items()},
            "extra": {field: str(extra[field]) for field in EXTRA_FIELDS if extra.get(field)},
        }

    def _store(
        self,
        container: Container,
        key: str,
        segments: Sequence[str],
        chunks: Iterable[bytes],
        total: Optional[int],
        record: Record,
        progress: Optional[Progress],
    ) -> Object:
        """Write data then sidecar to temporary files and rename both into place together."""
        import json

        root = self._existing_container_path(container.name)
        data_path = os.path.join(root, *segments)
        meta_path = os.path.join(root, META_DIR, *segments)
        temps: List[str] = []
        try:
            fd, data_temp = self._temp_in(root, segments[:-1], key, False)
            temps.append(data_temp)
            info, md5 = fill(fd, chunks, self.fsync, progress, total)
            record = dict(record, md5=md5, identity=identity(info))
            fd, meta_temp = self._temp_in(root, [META_DIR, *segments[:-1]], key, True)
            temps.append(meta_temp)
            fill(fd, [json.dumps(record, sort_keys=True).encode("utf-8")], self.fsync, None, None)
            self._commit(data_temp, data_path, meta_temp, meta_path, key)
            temps = []
        except OSError as error:
            raise self._os_error(error, container.name, None, "write %r in" % (key,)) from error
        finally:
            for temp in temps:
                unlink_quietly(temp)
            if temps:
                prune(root, os.path.dirname(data_path))
                prune(root, os.path.dirname(meta_path))
        return self._object(container, key, info, record)

    def _commit(self, data_temp: str, data_path: str, meta_temp: str, meta_path: str, key: str) -> None:
        with commit_lock(data_path):
            try:
                os.replace(data_temp, data_path)
            except (IsADirectoryError, NotADirectoryError):
                raise self._conflict(key, data_path) from None
            os.replace(meta_temp, meta_path)

    def _temp_in(self, root: str, parts: Sequence[str], key: str, metadata: bool) -> Tuple[int, str]:
        """A temporary file in ``root/parts``, creating the folders (never ``root`` itself).

        A folder removed by a concurrent delete between its creation and the
        file's is created again; a vanished container is reported as such.
        """
        error: Optional[OSError] = None
        for _ in range(ATTEMPTS):
            try:
                return create_temp(self._writable_folder(self._make_folders(root, parts, key, metadata), key))
            except FileNotFoundError as missing:
                error = missing
                if not os.path.isdir(root):
                    break
        assert error is not None
        raise error

    def _make_folders(self, root: str, parts: Sequence[str], key: str, metadata: bool) -> str:
        path = root
        for part in parts:
            path = os.path.join(path, part)
            self._ensure_folder(path, key, metadata)
        return path

    def _ensure_folder(self, path: str, key: str, metadata: bool) -> None:
        """Make ``path`` a folder, racing concurrent writers and the pruning of empty folders."""
        for _ in range(ATTEMPTS):
            try:
                os.mkdir(path)
                return
            except FileExistsError:
                if os.path.isdir(path):
                    return
                if os.path.lexists(path):  # a file stands where a folder belongs
                    if not metadata:
                        raise self._conflict(key, path) from None
                    unlink_quietly(path)  # a stale sidecar where a sidecar folder belongs
                # else it vanished between mkdir and the check (a concurrent prune): again
        raise FileNotFoundError(errno.ENOENT, "a folder kept vanishing while it was made", path)

    def delete_object(self, obj: Object) -> bool:
        """Delete the object, its sidecar and the folders it leaves empty (never the container's).

        Returns False when there is no such object or container, as libcloud's LOCAL driver does.
        """
        try:
            return self._delete(obj)
        except (ObjectDoesNotExistError, ContainerDoesNotExistError):
            return False

    def _delete(self, obj: Object) -> bool:
        segments = self._segments(obj.name)
        root = self._existing_container_path(obj.container.name)
        data_path = os.path.join(root, *segments)
        meta_path = os.path.join(root, META_DIR, *segments)
        self._readable(data_path, obj.container.name, obj.name)
        with commit_lock(data_path):
            try:
                if not stat.S_ISREG(os.stat(data_path).st_mode):
                    raise FileNotFoundError(errno.ENOENT, "not a file", data_path)
                os.unlink(data_path)
            except OSError as error:
                raise self._os_error(error, obj.container.name, obj.name, "delete") from None
            if not os.path.lexists(data_path):  # another process may have written it again
                unlink_quietly(meta_path)
        prune(root, os.path.dirname(data_path))
        prune(root, os.path.dirname(meta_path))
        return True

    def ex_delete_objects(
        self, container: Container, names_or_objects: Iterable[Union[str, Object]]
    ) -> Dict[str, AuroraError]:
        """Delete many objects; returns what could not be deleted and why (as the S3 drivers do).

        A missing key counts as deleted, as in S3's DeleteObjects.
        """
        failed: Dict[str, AuroraError] = {}
        for item in names_or_objects:
            name = item.name if isinstance(item, Object) else item
            try:
                self._delete(Object(name, 0, None, {}, {}, container, self))
            except ObjectDoesNotExistError:
                continue
            except AuroraError as error:
                failed[name] = error
        return failed
