"""The S3 family of drivers: one ``BaseS3StorageDriver`` configured by values.

Region, endpoint and signature version are constructor arguments, not
subclasses; the named subclasses exist only where libcloud has a provider name.
"""

from __future__ import annotations

import os
import threading
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generator,
    Iterable,
    Iterator,
    List,
    Optional,
    Tuple,
    TypeVar,
    Union,
    cast,
)

from aurora._types import Progress
from aurora.config import Config
from aurora.core.credentials import Credentials
from aurora.core.numbers import server_size
from aurora.core.profiles import ResolvedSettings, parse_endpoint_url
from aurora.core.validation import (
    tls_verification,
    validate_bucket_name,
    validate_bucket_reference,
    validate_key,
    validate_prefix,
)
from aurora.drivers.base import (
    ConnectionInfo,
    Container,
    Object,
    StorageDriver,
    bound_errors,
    download_target,
    validate_byte_range,
)
from aurora.drivers.environment import explicit_settings, load_settings
from aurora.drivers.s3_extras import S3ExtrasMixin, S3MultipartUpload
from aurora.drivers.s3_options import (
    EXTRA_HEADERS,
    addressing_style,
    checked_callable,
    driver_config,
    driver_options,
    file_checksum_headers,
    meta_from_headers,
    object_headers,
    presign_seconds,
    sse_customer_headers,
    stream_checksum_headers,
)
from aurora.drivers.s3_regions import REGION_TO_HOST_MAP, s3_host
from aurora.errors import (
    AuroraError,
    InvalidArgumentError,
    InvalidCredsError,
    LibcloudError,
    ObjectDoesNotExistError,
    TransferError,
)
from aurora.s3.client import S3Client, TransportFactory, header_dict
from aurora.transport.connection import Transport
from aurora.transport.proxy import proxy_for
from aurora.transport.response import Headers

if TYPE_CHECKING:
    # The models and the transfer engine are imported where first used, so
    # constructing a driver does not pay for them.
    from aurora.core.models import ListObjectsResult as ListPage
    from aurora.core.models import ObjectInfo
    from aurora.transfer.upload import UploadResult

__all__ = ["BaseS3StorageDriver", "S3StorageDriver", "S3MultipartUpload", "REGION_TO_HOST_MAP"]

SseKey = Any  # 32 raw bytes or their base64 text
T = TypeVar("T")
S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
_NO_V2_CODES = frozenset({"NotImplemented", "InvalidArgument", "InvalidRequest"})


def _host_header(host: str, port: int, secure: bool) -> str:
    bracketed = "[%s]" % host if ":" in host and not host.startswith("[") else host
    return bracketed if port == (443 if secure else 80) else "%s:%d" % (bracketed, port)


def _bucket(container: Container) -> str:
    """The container's name, checked: a hand-made Container must not reach into another bucket."""
    return validate_bucket_reference(container.name)


def _names(obj: Object) -> Tuple[str, str]:
    """(bucket, key) of an object, both checked before any request uses them."""
    return _bucket(obj.container), validate_key(obj.name)


class BaseS3StorageDriver(S3ExtrasMixin, StorageDriver):
    """libcloud's storage API over any S3-compatible endpoint.

    The positional arguments are libcloud's ``BaseDriver``'s; everything after
    them is keyword-only.

    Args:
        key: access key id; None takes credentials, region and endpoint from
            the AWS environment and files (as every AWS tool does).
        secret: secret access key (never shown in a repr or message).
        secure: HTTPS when true.
        host, port: the endpoint; port defaults to 443 or 80.
        api_version: accepted for libcloud compatibility and ignored.
        region: the SigV4 region (and the bucket LocationConstraint where the
            driver sends one).
        token: a session token, sent as ``x-amz-security-token``.
        name: the driver's display name (libcloud's RGW keyword).
        signature_version: ``"4"`` (default) or ``"2"``.
        timeout: seconds, for both connect and read (libcloud's argument).
        retry_delay: seconds before the first retry (libcloud's argument;
            the retry policy's ``backoff_base``).
        backoff: the factor each further wait grows by (libcloud's argument;
            the retry policy's ``backoff_multiplier``).
        proxy_url: an HTTP proxy, ``http://[user:pass@]host:port``.
        ex_config: :class:`aurora.config.Config` (part size, concurrency,
            timeouts, retry policy).
        ex_ca_cert: a CA bundle file to verify the server with.
        ex_verify: True (default), False to skip TLS verification (not
            recommended) or the path of a CA bundle; any other value raises.
        ex_addressing_style: ``"path"`` (default, or the AWS config file's
            ``s3.addressing_style``), ``"virtual"`` (``bucket.host/key``) or
            ``"auto"`` (virtual for single-label bucket names on a named host).
        ex_endpoint_url: the endpoint as a URL (``AWS_ENDPOINT_URL``'s form).
        ex_profile: a profile of the AWS files to take settings from.
        ex_transport_factory: ``factory(host) -> Transport`` for each host the
            driver connects to (the endpoint, and ``bucket.host`` names under
            virtual addressing); a seam for tests that record requests.
    """

    name = "Amazon S3 (standard)"
    website = "http://aws.amazon.com/s3/"
    hash_type = "md5"
    supports_chunked_encoding = False
    supports_s3_multipart_upload = True
    namespace = S3_NAMESPACE
    http_vendor_prefix = "x-amz"
    ex_location_name = ""
    default_region = "us-east-1"
    default_host: Optional[str] = None
    default_signature_version = "4"
    uses_aws_environment = False
    """Whether AWS_ENDPOINT_URL, AWS_REGION and the AWS files apply even to explicit keys (Amazon S3 only)."""

    def __init__(
        self,
        key: Optional[str] = None,
        secret: Optional[str] = None,
        secure: bool = True,
        host: Optional[str] = None,
        port: Optional[int] = None,
        api_version: Optional[str] = None,
        region: Optional[str] = None,
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
        settings = self._settings(key, secret, token, region, ex_endpoint_url, ex_profile)
        credentials = settings.credentials()
        if credentials is None:
            raise InvalidCredsError(
                "no credentials: pass key and secret, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or name a profile of ~/.aws/credentials"
            )
        self._check_credentials(credentials)
        self.key = credentials.access_key
        self._credentials = credentials
        self.region = settings.region or self.default_region
        self.region_name = self.region
        self.api_version = api_version
        self.secure, self.host, self.port = self._resolve_endpoint(secure, host, port, settings.endpoint_url)
        self.signature_version = str(signature_version or settings.signature_version or self.default_signature_version)
        if self.signature_version not in ("2", "4"):
            raise InvalidArgumentError("Invalid signature_version: %r" % (self.signature_version,))
        self.config = driver_config(ex_config, timeout, retry_delay, backoff)
        self.addressing_style = addressing_style(ex_addressing_style, settings.addressing_style)
        self._proxy_url = proxy_url
        self._verify, verify_ca = tls_verification(ex_verify)
        self._ca_file: Optional[str] = ex_ca_cert or verify_ca or settings.ca_bundle
        factory = checked_callable("ex_transport_factory", ex_transport_factory) or self._new_transport
        self.transport: Transport = factory(self.host)
        self.client = S3Client(
            self.transport,
            self._credentials,
            host_header=_host_header(self.host, self.port, self.secure),
            region=self.region,
            signature_version=self.signature_version,
            retry=self.config.retry,
            addressing_style=self.addressing_style,
            transport_for=factory,
            default_headers=self._default_headers(),
        )
        self._list_v2: Optional[bool] = None
        self._list_lock = threading.Lock()
        self.name = name or self._display_name()

    def _display_name(self) -> str:
        """The name libcloud gives an instance of this driver."""
        return type(self).name

    def _check_credentials(self, credentials: Credentials) -> None:
        """Refuse credentials this provider cannot use (before anything is sent)."""

    def _default_headers(self) -> Dict[str, str]:
        """Headers this provider sends with every request (none for plain S3)."""
        return {}

    def _settings(
        self,
        key: Optional[str],
        secret: Optional[str],
        token: Optional[str],
        region: Optional[str],
        endpoint_url: Optional[str],
        profile: Optional[str],
    ) -> ResolvedSettings:
        """Settings from the arguments, and from the AWS environment only where the user pointed there.

        Explicit keys given to a provider with its own endpoint never meet
        AWS_ENDPOINT_URL, AWS_REGION or a profile's endpoint: they would be
        sent to a server the user did not name.
        """
        if key is None or profile is not None or self.uses_aws_environment:
            return load_settings(
                key=key, secret=secret, token=token, region=region, endpoint_url=endpoint_url, profile=profile
            )
        return explicit_settings(key=key, secret=secret, token=token, region=region, endpoint_url=endpoint_url)

    @property
    def connection(self) -> ConnectionInfo:
        """Where this driver connects (libcloud's ``driver.connection.host``/``port``/``secure``)."""
        return ConnectionInfo(self.host, self.port, self.secure)

    def _new_transport(self, host: str) -> Transport:
        """A connection pool to ``host`` (the endpoint or a virtual host), through its proxy if any."""
        proxy_url = self._proxy_url if self._proxy_url is not None else proxy_for(host, self.secure, os.environ)
        return Transport(
            host,
            self.port,
            self.secure,
            timeouts=self.config.timeouts,
            verify=self._verify,
            ca_file=self._ca_file,
            proxy_url=proxy_url,
            max_connections=max(16, self.config.transfer.max_concurrency * 2),
        )

    def _resolve_endpoint(
        self, secure: bool, host: Optional[str], port: Optional[int], endpoint_url: Optional[str]
    ) -> Tuple[bool, str, int]:
        """(secure, host, port): explicit arguments, then AWS_ENDPOINT_URL*, then the driver's default."""
        if not host and endpoint_url:
            secure, host, url_port, _ = parse_endpoint_url(endpoint_url)
            port = port or url_port
        resolved = self._resolve_host(host)
        return bool(secure), resolved, int(port) if port else (443 if secure else 80)

    def _resolve_host(self, host: Optional[str]) -> str:
        if host:
            return host
        if self.default_host:
            return self.default_host
        raise LibcloudError("host required", driver=self)

    @property
    def secret(self) -> str:
        """The secret key (libcloud exposes it; aurora never prints it)."""
        return self._credentials.secret_key

    def __repr__(self) -> str:
        return "<%s host=%s:%d secure=%s region=%s sigv%s key=%s>" % (
            type(self).__name__,
            self.host,
            self.port,
            self.secure,
            self.region,
            self.signature_version,
            self.key,
        )

    def close(self) -> None:
        """Close pooled connections (those to virtual hosts too)."""
        self.client.close()

    @property
    def scheme(self) -> str:
        return "https" if self.secure else "http"

    # -- containers -------------------------------------------------------

    def iterate_containers(self) -> Iterator[Container]:
        for bucket in self.client.list_buckets():
            yield Container(name=bucket.name, extra={"creation_date": bucket.creation_date}, driver=self)

    def get_container(self, container_name: str) -> Container:
        validate_bucket_reference(container_name)
        with bound_errors(self):
            try:
                self.client.head_bucket(container_name)
            except InvalidCredsError:
                pass  # libcloud: no permission for HEAD does not mean the bucket is missing
        return Container(name=container_name, extra={}, driver=self)

    def create_container(self, container_name: str) -> Container:
        validate_bucket_name(container_name)
        with bound_errors(self):
            self.client.create_bucket(container_name, self.ex_location_name)
        return Container(name=container_name, extra={}, driver=self)

    def delete_container(self, container: Container) -> bool:
        with bound_errors(self):
            self.client.delete_bucket(_bucket(container))
        return True

    # -- listing ----------------------------------------------------------

    def iterate_container_objects(
        self,
        container: Container,
        prefix: Optional[str] = None,
        ex_prefix: Optional[str] = None,
        ex_delimiter: Optional[str] = None,
    ) -> Iterator[Object]:
        """Every object under ``prefix``, page after page (1,000 keys a page).

        ``ex_delimiter`` as :meth:`StorageDriver.iterate_container_objects` says.
        """
        prefix = self._normalize_prefix_argument(prefix, ex_prefix)
        for page in self._pages(_bucket(container), prefix, ex_delimiter):
            for info in page.objects:
                yield self._object_from_listing(info, container)

    def ex_list_prefixes(self, container: Container, prefix: str = "", delimiter: str = "/") -> Iterator[str]:
        """The common prefixes ("directories") directly under ``prefix``, each once.

        S3 sends them in order; a repeat (moto's V1 sends every prefix on every
        page) is dropped.
        """
        for entry in self.ex_iterate_entries(container, prefix, delimiter):
            if isinstance(entry, str):
                yield entry

    def ex_iterate_entries(
        self, container: Container, prefix: Optional[str] = None, delimiter: Optional[str] = None
    ) -> Iterator[Union[str, Object]]:
        """Objects and common prefixes (as ``str``) from one listing, page by page as the server sends them.

        Within a page the prefixes come first.  What ``aws s3 ls`` shows: one
        pass for both, where :meth:`iterate_container_objects` and
        :meth:`ex_list_prefixes` would list twice.  A repeated prefix (moto's
        V1 sends every prefix on every page) is dropped.
        """
        last: Optional[str] = None
        for page in self._pages(_bucket(container), prefix, delimiter):
            for common in page.common_prefixes:
                if last is None or common > last:
                    last = common
                    yield common
            for info in page.objects:
                yield self._object_from_listing(info, container)

    @property
    def ex_list_version(self) -> Optional[int]:
        """2 or 1 once the first listing found whether the server has ListObjectsV2; None before."""
        decided = self._list_v2
        return None if decided is None else (2 if decided else 1)

    def _pages(self, bucket: str, prefix: Optional[str], delimiter: Optional[str]) -> Iterator[ListPage]:
        """Listing pages: ListObjectsV2 where the server has it, V1 otherwise (found out once).

        Paged by :mod:`aurora.s3.paginators`, which ends a listing whose tokens repeat.
        """
        from aurora.s3.paginators import object_pages_v1, object_pages_v2

        validate_prefix(prefix)
        validate_prefix(delimiter)
        with bound_errors(self):
            first = self._first_v2_page(bucket, prefix, delimiter)
        if first is None:
            yield from self._bound(object_pages_v1(self.client, bucket, prefix, delimiter))
        else:
            yield from self._bound(object_pages_v2(self.client, bucket, prefix, delimiter, first))

    def _first_v2_page(self, bucket: str, prefix: Optional[str], delimiter: Optional[str]) -> Optional[ListPage]:
        """The first V2 page, or None when this driver lists with V1.

        The first listing decides, under a lock so concurrent first listings
        ask once: a V1-shaped answer, or NotImplemented / InvalidArgument /
        InvalidRequest, means V1 from then on.
        """
        if self._list_v2 is not None:
            return self._v2_page(bucket, prefix, delimiter, None) if self._list_v2 else None
        with self._list_lock:
            if self._list_v2 is not None:
                return self._v2_page(bucket, prefix, delimiter, None) if self._list_v2 else None
            try:
                page = self.client.list_objects_v2(bucket, prefix=prefix, delimiter=delimiter)
            except AuroraError as error:
                if error.code not in _NO_V2_CODES and error.status != 501:
                    raise
                page = None
            self._list_v2 = page is not None
            return page

    def _v2_page(self, bucket: str, prefix: Optional[str], delimiter: Optional[str], token: Optional[str]) -> ListPage:
        with bound_errors(self):
            page = self.client.list_objects_v2(bucket, prefix=prefix, delimiter=delimiter, continuation_token=token)
        if page is None:
            raise LibcloudError("listing of %s: the server stopped answering ListObjectsV2" % bucket, driver=self)
        return page

    def _object_from_listing(self, info: ObjectInfo, container: Container) -> Object:
        extra = {
            "last_modified": info.last_modified,
            "etag": info.etag,
            "storage_class": info.storage_class,
        }
        meta = {"owner": {"id": info.owner_id, "display_name": info.owner_name}}
        return Object(info.key, info.size, info.etag, extra, meta, container, self)

    # -- objects ----------------------------------------------------------

    def get_object(
        self,
        container_name: str,
        object_name: str,
        ex_sse_customer_key: Optional[SseKey] = None,
        ex_version_id: Optional[str] = None,
    ) -> Object:
        """The object's size, ETag, headers and metadata (a HEAD); of version ``ex_version_id`` if given.

        An SSE-C object needs its key (``ex_sse_customer_key``) even for this.
        """
        validate_bucket_reference(container_name)
        validate_key(object_name)
        container = Container(name=container_name, extra={}, driver=self)
        with bound_errors(self):
            try:
                headers = self._reader(ex_sse_customer_key, ex_version_id).head_object(container_name, object_name)
            except ObjectDoesNotExistError:
                self.get_container(container_name)  # a missing bucket is the better answer
                raise
        return self._object_from_headers(object_name, container, headers)

    def _object_from_headers(self, name: str, container: Container, headers: Headers) -> Object:
        values = header_dict(headers)
        etag = values.get("etag", "")
        extra: Dict[str, Any] = {}
        for header, field in (
            ("content-type", "content_type"),
            ("etag", "etag"),
            ("content-encoding", "content_encoding"),
            ("last-modified", "last_modified"),
            ("expires", "expires"),
            ("cache-control", "cache_control"),
            ("content-disposition", "content_disposition"),
            ("content-language", "content_language"),
            ("x-amz-storage-class", "storage_class"),
            ("x-amz-version-id", "version_id"),
            ("x-amz-server-side-encryption", "server_side_encryption"),
            ("x-amz-server-side-encryption-customer-algorithm", "sse_customer_algorithm"),
            ("x-amz-checksum-sha256", "checksum_sha256"),
            ("x-amz-checksum-crc32", "checksum_crc32"),
        ):
            if header in values:
                extra[field] = values[header]
        size = server_size(values.get("content-length")) or 0
        return Object(name, size, etag.strip('"') or None, extra, meta_from_headers(values), container, self)

    def _object_headers(
        self,
        object_name: str,
        extra: Optional[Dict[str, Any]],
        headers: Optional[Dict[str, str]],
        storage_class: Optional[str],
        file_path: Optional[str] = None,
    ) -> Dict[str, str]:
        """The request headers that describe a new object."""
        return object_headers(object_name, extra, headers, storage_class, file_path, self.strict_mode)

    def _reader(self, sse_customer_key: Optional[SseKey], version_id: Optional[str] = None) -> S3Client:
        """The client for GETs and HEADs of an object: of one version, with its SSE-C headers when it has a key."""
        client = self.client if version_id is None else self.client.with_version_id(version_id)
        if sse_customer_key is None:
            return client
        return client.with_read_headers(sse_customer_headers(sse_customer_key))

    def _uploaded(
        self,
        result: UploadResult,
        object_name: str,
        container: Container,
        headers: Dict[str, str],
        extra_given: Optional[Dict[str, Any]],
    ) -> Object:
        extra: Dict[str, Any] = {
            "acl": headers.get("x-amz-acl"),
            "content_type": headers.get("Content-Type"),
            "etag": result.etag,
        }
        for field, header in EXTRA_HEADERS.items():
            if header in headers:
                extra[field] = headers[header]
        if "x-amz-storage-class" in headers:
            extra["storage_class"] = headers["x-amz-storage-class"]
        if result.version_id:
            extra["version_id"] = result.version_id
        meta = (extra_given or {}).get("meta_data") or {}  # echoed as given, as libcloud does
        return Object(object_name, result.size, result.etag, extra, meta, container, self)

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
        """Upload a file, in parallel parts above the multipart threshold.

        ``extra`` takes libcloud's ``content_type``, ``meta_data``, ``acl`` and
        the ``cache_control``, ``content_disposition``, ``content_encoding``,
        ``content_language``, ``expires`` and ``storage_class`` headers, plus
        ``ex_sse_customer_key`` (SSE-C), ``ex_server_side_encryption``
        (``"AES256"``) and ``ex_checksum_algorithm`` (``"SHA256"`` or
        ``"CRC32"``, single-PUT files only).
        """
        validate_key(object_name)
        request_headers = self._object_headers(object_name, extra, headers, ex_storage_class, file_path)
        config = ex_config or self.config
        algorithm = (extra or {}).get("ex_checksum_algorithm")
        if algorithm:
            limit = config.transfer.multipart_threshold
            request_headers.update(file_checksum_headers(file_path, algorithm, limit, config.transfer.io_chunk_size))
        from aurora.transfer.upload import upload_file

        with bound_errors(self):
            result = upload_file(
                self.client,
                _bucket(container),
                object_name,
                file_path,
                config=config.transfer,
                headers=request_headers,
                progress=ex_progress,
                verify=verify_hash,
            )
        return self._uploaded(result, object_name, container, request_headers, extra)

    def ex_upload_objects(
        self,
        files: Iterable[Tuple[str, str]],
        container: Container,
        extra: Optional[Dict[str, Any]] = None,
        verify_hash: bool = True,
        headers: Optional[Dict[str, str]] = None,
        ex_storage_class: Optional[str] = None,
        ex_jobs: int = 16,
        ex_config: Optional[Config] = None,
        ex_check: Optional[Callable[[], None]] = None,
    ) -> Generator[Tuple[str, str, Union[Object, Exception]], None, None]:
        """Upload many files: ``(file_path, object_name)`` pairs in, ``(file_path, object_name, Object or error)``
        out, as each upload finishes.

        Files up to 256 KiB go ``ex_jobs`` at a time from the calling thread
        (non-blocking sockets, no thread per upload: see
        :mod:`aurora.transport.multiplex`); a larger file is uploaded as
        :meth:`upload_object` does when the iteration reaches it.  ``files`` is
        read only as uploads can start, so it may be a folder walk of any
        length.  Each file gets :meth:`upload_object`'s headers, proof and ETag
        check; one that fails (unreadable, refused, an ETag that does not
        match) comes out with its error, bound to this driver, and the others
        go on.  Stopping the iteration early abandons the uploads in flight:
        each stores all of its file or nothing.  ``ex_check()``, when given, is
        called at least every quarter second while uploads are in flight; what
        it raises (say ``KeyboardInterrupt`` once a stop was asked for)
        abandons them the same way and goes on to the caller.
        """
        if not isinstance(ex_jobs, int) or isinstance(ex_jobs, bool) or ex_jobs < 1:
            raise InvalidArgumentError("ex_jobs must be an integer >= 1, not %r" % (ex_jobs,))
        bucket = validate_bucket_reference(container.name)
        config = ex_config or self.config
        algorithm = (extra or {}).get("ex_checksum_algorithm")

        def uploads() -> Iterator[Tuple[object, Union[str, Exception], str, Dict[str, str]]]:
            for file_path, object_name in files:
                request_headers: Dict[str, str] = {}
                path: Union[str, Exception] = file_path
                try:
                    validate_key(object_name)
                    request_headers = self._object_headers(object_name, extra, headers, ex_storage_class, file_path)
                    if algorithm:
                        limit, chunk = config.transfer.multipart_threshold, config.transfer.io_chunk_size
                        request_headers.update(file_checksum_headers(file_path, algorithm, limit, chunk))
                except (AuroraError, OSError) as error:
                    path = error  # refused: its outcome comes out in turn, nothing is sent
                yield (file_path, object_name, request_headers), path, object_name, request_headers

        from aurora.transfer.many import upload_files

        outcomes = upload_files(
            self.client, bucket, uploads(), config=config.transfer, width=ex_jobs, verify=verify_hash, check=ex_check
        )
        for token, outcome in outcomes:
            file_path, object_name, request_headers = cast(Tuple[str, str, Dict[str, str]], token)
            if isinstance(outcome, Exception):
                yield self._bound_outcome(file_path, object_name, outcome)
            else:
                yield file_path, object_name, self._uploaded(outcome, object_name, container, request_headers, extra)

    def _bound_outcome(self, file_path: str, object_name: str, error: Exception) -> Tuple[str, str, Exception]:
        """A failed upload's triple, its aurora error bound to this driver as :func:`bound_errors` binds raised ones."""
        if isinstance(error, AuroraError):
            error.driver = self
            error.__context__ = None
        return file_path, object_name, error

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
        """Upload from an iterator of bytes or a binary file object.

        A stream shorter than one part goes as a single PUT; a longer one as a
        multipart upload holding at most (max_concurrency + 1) parts in memory.
        """
        validate_key(object_name)
        request_headers = self._object_headers(object_name, extra, headers, ex_storage_class)
        config = ex_config or self.config
        algorithm = (extra or {}).get("ex_checksum_algorithm")
        if algorithm:
            data, checksum = stream_checksum_headers(iterator, algorithm, config.transfer.part_size)
            iterator, request_headers = [data], {**request_headers, **checksum}
        from aurora.transfer.upload import upload_stream

        with bound_errors(self):
            result = upload_stream(
                self.client,
                _bucket(container),
                object_name,
                iterator,
                config=config.transfer,
                headers=request_headers,
                progress=ex_progress,
            )
        return self._uploaded(result, object_name, container, request_headers, extra)

    def download_object(
        self,
        obj: Object,
        destination_path: str,
        overwrite_existing: bool = False,
        delete_on_failure: bool = True,
        ex_progress: Optional[Progress] = None,
        ex_config: Optional[Config] = None,
        ex_sse_customer_key: Optional[SseKey] = None,
        ex_version_id: Optional[str] = None,
    ) -> bool:
        """Stream the object into a temporary file, renamed into place when complete.

        Returns False (as libcloud does) when fewer bytes arrived than the
        object's size; nothing is left at the destination then, unless
        ``delete_on_failure=False`` asks to keep what arrived.  An SSE-C
        object needs its key (``ex_sse_customer_key``); ``ex_version_id``
        reads an older version.
        """
        return self._download(
            obj,
            destination_path,
            None,
            (overwrite_existing, not delete_on_failure),
            ex_progress,
            ex_config,
            (ex_sse_customer_key, ex_version_id),
        )

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
        ex_sse_customer_key: Optional[SseKey] = None,
        ex_version_id: Optional[str] = None,
    ) -> bool:
        """Download bytes ``[start_bytes, end_bytes)`` (end exclusive, as in libcloud)."""
        validate_byte_range(start_bytes, end_bytes)
        byte_range = (start_bytes, None if end_bytes is None else end_bytes - 1)
        return self._download(
            obj,
            destination_path,
            byte_range,
            (overwrite_existing, not delete_on_failure),
            ex_progress,
            ex_config,
            (ex_sse_customer_key, ex_version_id),
        )

    def _download(
        self,
        obj: Object,
        destination_path: str,
        byte_range: Optional[Tuple[int, Optional[int]]],
        overwrite_and_keep: Tuple[bool, bool],
        progress: Optional[Progress],
        config: Optional[Config],
        reading: Tuple[Optional[SseKey], Optional[str]],
    ) -> bool:
        """``overwrite_and_keep``: libcloud's ``overwrite_existing`` and ``not delete_on_failure``;
        ``reading``: the SSE-C key and the version id (None: the latest) to read."""
        overwrite, keep_partial = overwrite_and_keep
        bucket, key = _names(obj)
        same = reading[1] is None or reading[1] == obj.extra.get("version_id")
        target = download_target(destination_path, obj.name, self)
        if not overwrite and os.path.exists(target):
            raise LibcloudError("File %s already exists, but overwrite_existing=False" % (target,), driver=self)
        from aurora.transfer.download import download_file

        try:
            with bound_errors(self):
                download_file(
                    self._reader(*reading),
                    bucket,
                    key,
                    target,
                    config=(config or self.config).transfer,
                    byte_range=byte_range,
                    expected_size=obj.size if byte_range is None and same else None,  # libcloud: False when it differs
                    # no expected_etag: the object as it is now, as libcloud (not pinned to obj.hash)
                    overwrite=overwrite,
                    progress=progress,
                    keep_partial=keep_partial,
                )
        except TransferError:
            return False
        return True

    def download_object_as_stream(
        self,
        obj: Object,
        chunk_size: Optional[int] = None,
        ex_sse_customer_key: Optional[SseKey] = None,
        ex_version_id: Optional[str] = None,
    ) -> Iterator[bytes]:
        return self._stream(obj, None, chunk_size, (ex_sse_customer_key, ex_version_id))

    def download_object_range_as_stream(
        self,
        obj: Object,
        start_bytes: int,
        end_bytes: Optional[int] = None,
        chunk_size: Optional[int] = None,
        ex_sse_customer_key: Optional[SseKey] = None,
        ex_version_id: Optional[str] = None,
    ) -> Iterator[bytes]:
        validate_byte_range(start_bytes, end_bytes)
        byte_range = (start_bytes, None if end_bytes is None else end_bytes - 1)
        return self._stream(obj, byte_range, chunk_size, (ex_sse_customer_key, ex_version_id))

    def _stream(
        self,
        obj: Object,
        byte_range: Optional[Tuple[int, Optional[int]]],
        chunk_size: Optional[int],
        reading: Tuple[Optional[SseKey], Optional[str]],
    ) -> Iterator[bytes]:
        """The GET is sent now, so a missing object raises here, as in libcloud."""
        from aurora.transfer.download import iter_object

        bucket, key = _names(obj)
        with bound_errors(self):
            chunks = iter_object(self._reader(*reading), bucket, key, byte_range=byte_range, chunk_size=chunk_size)
        return self._bound_chunks(chunks)

    def _bound_chunks(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        return self._bound(chunks)

    def _bound(self, items: Iterator[T]) -> Iterator[T]:
        """``items``, with an aurora error raised while iterating bound to this driver."""
        with bound_errors(self):
            yield from items

    def delete_object(self, obj: Object, ex_version_id: Optional[str] = None) -> bool:
        """Delete the object (a delete marker in a versioned bucket), or one version of it for good."""
        with bound_errors(self):
            self.client.delete_object(*_names(obj), version_id=ex_version_id)
        return True

    def get_object_cdn_url(self, obj: Object, ex_expiry: float = 24.0, ex_method: str = "GET") -> str:
        """A presigned URL valid for ``ex_expiry`` hours (libcloud 3.9's meaning), at most 7 days."""
        return self.ex_presign_url(*_names(obj), method=ex_method, expires=presign_seconds(ex_expiry))


class S3StorageDriver(BaseS3StorageDriver):
    """Amazon S3; ``region`` picks the endpoint (libcloud's host table, AWS's naming for newer regions).

    The AWS environment (``AWS_ENDPOINT_URL``, ``AWS_REGION``, ``~/.aws``)
    applies here even with explicit keys, as in every AWS tool.
    """

    name = "Amazon S3"
    type = "s3"
    region_name = "us-east-1"
    uses_aws_environment = True
    fixed_region: Optional[str] = None
    """The region of libcloud's per-region classes (``S3EUWestStorageDriver``...), None for ``S3``."""

    def __init__(
        self,
        key: Optional[str] = None,
        secret: Optional[str] = None,
        secure: bool = True,
        host: Optional[str] = None,
        port: Optional[int] = None,
        region: Optional[str] = None,
        token: Optional[str] = None,
        *,
        api_version: Optional[str] = None,
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
        region = region or self.fixed_region
        super().__init__(key, secret, secure, host, port, api_version, region, token=token, **driver_options(locals()))

    def _display_name(self) -> str:
        return "Amazon S3 (%s)" % (self.region,)

    def _resolve_host(self, host: Optional[str]) -> str:
        return host or s3_host(self.region)

    @property
    def ex_location_name(self) -> str:  # type: ignore[override]
        return "" if self.region == "us-east-1" else self.region

    @classmethod
    def list_regions(cls) -> List[str]:
        return list(REGION_TO_HOST_MAP)
