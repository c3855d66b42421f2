"""S3Client: one thin, typed method per S3 operation, signed and retried.

The client holds no per-request state, so one instance serves many threads.
Every attempt is signed afresh (a retry after a clock-skew answer or a long
backoff must not reuse a stale signature) and a file body is rewound to where
it started before each attempt.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable, Dict, Iterable, Iterator, Mapping, Optional, Sequence, Tuple, Union

from aurora._log import Log
from aurora._types import Body
from aurora._version import __version__
from aurora.config import RetryPolicy
from aurora.core.credentials import Credentials
from aurora.core.encoding import base64_text, encode_path
from aurora.core.http import HttpRequest
from aurora.core.limits import ADDRESSING_STYLES, checked_presign_expires
from aurora.core.validation import validate_headers
from aurora.errors import AuroraError, InvalidArgumentError, XMLParseError
from aurora.transport.connection import Transport
from aurora.transport.proxy import split_host_port
from aurora.transport.response import Headers, Response
from aurora.transport.retry import call_with_retries, jitter_fraction

if TYPE_CHECKING:
    # The XML parsers and builders, the models they return and the error
    # mapping are imported by the methods that use them: a client (and so a
    # driver) is made without paying ~15 ms of imports for them.
    from aurora.core.models import (
        BucketInfo,
        CompleteMultipartResult,
        CopyResult,
        DeleteObjectsResult,
        ListMultipartUploadsResult,
        ListObjectsResult,
        ListPartsResult,
    )
    from aurora.s3.many import Put

__all__ = [
    "S3Client",
    "Body",
    "USER_AGENT",
    "ADDRESSING_STYLES",
    "content_md5",
    "copy_source",
    "given_pairs",
    "header_dict",
    "uses_virtual_host",
]

log = Log("aurora.s3")

USER_AGENT = "aurora/%s" % __version__
Clock = Callable[[], datetime]
Query = Tuple[Tuple[str, str], ...]
TransportFactory = Callable[[str], Transport]

MAX_CLOCK_SKEW = timedelta(minutes=15)
"""How far S3 lets a request's time be from its own before it refuses it."""
MAX_BELIEVED_SKEW = timedelta(days=366)
"""A server Date further than this from our clock is a lie, not a skew: signing with it would overflow."""

_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_V2_SHAPE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?KeyCount[\s/>]")
_SKEW_BODY = (
    b"<Error><Code>RequestTimeTooSkewed</Code><Message>the server refused a HEAD and its Date is "
    b"more than 15 minutes from the local clock</Message></Error>"
)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _server_time(date: str) -> Optional[datetime]:
    """A server's ``Date`` header as an aware time (UTC when it names no zone), or None if unreadable."""
    from email.utils import parsedate_to_datetime  # with socket and calendar: only when a clock is refused

    try:
        server_now = parsedate_to_datetime(date)
    except (TypeError, ValueError, OverflowError):
        return None
    return server_now if server_now.tzinfo is not None else server_now.replace(tzinfo=timezone.utc)


def _is_bytes(body: object) -> bool:
    return isinstance(body, (bytes, bytearray, memoryview))


def _body_start(body: object) -> Optional[int]:
    """Where a seekable file body starts, so each attempt can rewind to it."""
    if body is None or _is_bytes(body):
        return None
    seekable = getattr(body, "seekable", None)
    if callable(seekable) and seekable():
        return int(body.tell())  # type: ignore[attr-defined]
    return None


def _replayable(body: object, start: Optional[int]) -> bool:
    return body is None or _is_bytes(body) or start is not None


def _is_ip(host: str) -> bool:
    import ipaddress  # ~4 ms at start-up, and only an address-style endpoint needs it

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def uses_virtual_host(style: str, bucket: Optional[str], endpoint_host: str) -> bool:
    """Whether requests for ``bucket`` go to ``bucket.endpoint_host`` (virtual-hosted style).

    ``path`` never does; ``virtual`` does for every bucket name that can be a
    host name (dots included); ``auto`` only for a single DNS label (a dotted
    name would not match a ``*.host`` TLS certificate) on an endpoint that is
    a name, not an IP address.
    """
    if style == "path" or not bucket or _is_ip(endpoint_host):
        return False
    labels = bucket.split(".")
    if not all(_DNS_LABEL.match(label) for label in labels) or not 3 <= len(bucket) <= 63 or _is_ip(bucket):
        return False
    return style == "virtual" or len(labels) == 1


class _Skew:
    """The offset between the server's clock and ours, shared by a client and its views."""

    def __init__(self) -> None:
        self.value = timedelta(0)
        self.lock = threading.Lock()


class Route:
    """Where a request for one bucket goes: transport, Host header, and the bucket's place."""

    __slots__ = ("transport", "host_header", "virtual_bucket")

    def __init__(self, transport: Transport, host_header: str, virtual_bucket: Optional[str]) -> None:
        self.transport = transport
        self.host_header = host_header
        self.virtual_bucket = virtual_bucket


class S3Client:
    """The S3 REST API, one method per operation.

    Args:
        transport: the connection pool to the endpoint.
        credentials: a value, or a callable returning the current value.
        host_header: the ``Host`` header (``host`` or ``host:port``).
        region: the SigV4 region.
        signature_version: ``"4"`` (default) or ``"2"``.
        retry: when and how long to retry.
        clock, sleep, random: injected so tests run instantly and repeatably.
        addressing_style: ``"path"`` (default: ``host/bucket/key``),
            ``"virtual"`` (``bucket.host/key``) or ``"auto"`` (see
            :func:`uses_virtual_host`).
        transport_for: makes the transport for a virtual host name
            (``bucket.host``); each is made once and kept.  Without it,
            virtual-hosted requests go over ``transport`` with the bucket's
            Host header, which servers that route by Host accept.
    """

    def __init__(
        self,
        transport: Transport,
        credentials: Union[Credentials, Callable[[], Credentials]],
        *,
        host_header: str,
        region: str = "us-east-1",
        signature_version: str = "4",
        retry: Optional[RetryPolicy] = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = jitter_fraction,
        user_agent: str = USER_AGENT,
        addressing_style: str = "path",
        transport_for: Optional[TransportFactory] = None,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        if signature_version not in ("2", "4"):
            raise InvalidArgumentError("signature_version must be '2' or '4', not %r" % (signature_version,))
        if addressing_style not in ADDRESSING_STYLES:
            raise InvalidArgumentError(
                "addressing_style must be 'path', 'virtual' or 'auto', not %r" % (addressing_style,)
            )
        self.transport = transport
        self._credentials = credentials
        self.host_header = host_header
        self.region = region
        self.signature_version = signature_version
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._random = random
        self.user_agent = user_agent
        self.default_headers: Dict[str, str] = dict(default_headers or {})
        validate_headers(self.default_headers)
        self.addressing_style = addressing_style
        self._endpoint_host = split_host_port(host_header, 0)[0]
        self._transport_for = transport_for
        self._virtual: Dict[str, Transport] = {}
        self._virtual_lock = threading.Lock()
        self._skew = _Skew()
        self._read_headers: Mapping[str, str] = {}
        self._read_query: Query = ()

    def __repr__(self) -> str:
        return "<S3Client %s sigv%s region=%s %s-style>" % (
            self.host_header,
            self.signature_version,
            self.region,
            self.addressing_style,
        )

    def with_read_headers(self, headers: Mapping[str, str]) -> S3Client:
        """A view of this client that adds ``headers`` to every GET and HEAD of an object.

        How SSE-C keys reach the download engine: the view shares the
        transports, credentials and clock correction, and holds no other state.
        Header values are never shown in a repr, a log line or an error.
        """
        view = copy.copy(self)
        view._read_headers = dict(headers)
        return view

    def with_version_id(self, version_id: Optional[str]) -> S3Client:
        """A view of this client whose GETs and HEADs of an object read version ``version_id``.

        How a versioned read reaches the download engine (``?versionId=`` on
        each request it sends); None gives a view that reads the latest version.
        """
        view = copy.copy(self)
        view._read_query = (("versionId", version_id),) if version_id else ()
        return view

    def close(self) -> None:
        """Close the endpoint's pooled connections and those of every virtual host."""
        with self._virtual_lock:
            virtual, self._virtual = list(self._virtual.values()), {}
        for transport in [self.transport] + virtual:
            transport.close()

    # -- plumbing ---------------------------------------------------------

    @property
    def credentials(self) -> Credentials:
        creds = self._credentials
        return creds if isinstance(creds, Credentials) else creds()

    def now(self) -> datetime:
        """The clock, corrected by the skew the server last reported."""
        return self._clock() + self._skew.value

    @property
    def clock_skew(self) -> timedelta:
        """How far the server's clock was ahead of ours when it last refused our time."""
        return self._skew.value

    def path_for(self, bucket: Optional[str], key: Optional[str] = None) -> str:
        """The decoded request path: ``/bucket/key``, or ``/key`` when the bucket is in the host."""
        if bucket is None:
            return "/"
        if self._virtual_bucket(bucket) is not None:
            return "/" + (key if key is not None else "")
        return "/" + bucket + ("/" + key if key is not None else "")

    def url_for(self, bucket: Optional[str], key: Optional[str] = None, scheme: str = "https") -> str:
        host = self.route_for(bucket).host_header
        return "%s://%s%s" % (scheme, host, encode_path(self.path_for(bucket, key)))

    def _virtual_bucket(self, bucket: Optional[str]) -> Optional[str]:
        if bucket is not None and uses_virtual_host(self.addressing_style, bucket, self._endpoint_host):
            return bucket
        return None

    def route_for(self, bucket: Optional[str]) -> Route:
        """The transport and Host header for a request on ``bucket``."""
        virtual = self._virtual_bucket(bucket)
        if virtual is None:
            return Route(self.transport, self.host_header, None)
        host_header = virtual + "." + self.host_header
        if self._transport_for is None:
            return Route(self.transport, host_header, virtual)
        name = virtual + "." + self._endpoint_host
        with self._virtual_lock:
            transport = self._virtual.get(name)
            if transport is None:
                transport = self._virtual[name] = self._transport_for(name)
        return Route(transport, host_header, virtual)

    def sign(self, request: HttpRequest, payload_hash: str, bucket_in_host: Optional[str] = None) -> HttpRequest:
        """``request`` with its authentication headers added.

        ``bucket_in_host`` names the bucket of a virtual-hosted request, which
        SigV2 still signs at the start of its resource (SigV4 signs the Host).
        """
        from aurora.core import signing_v2, signing_v4  # with hashlib, on the first request

        creds = self.credentials
        if self.signature_version == "4":
            added = signing_v4.sign_v4(
                request, creds, region=self.region, service="s3", now=self.now(), payload_hash=payload_hash
            )
        else:
            added = signing_v2.sign_v2(request, creds, now=self.now(), bucket_in_host=bucket_in_host)
        return request.with_headers(added)

    def payload_hash_of(self, body: object, given: Optional[str]) -> str:
        """The payload hash to sign: ``given``, else the SHA-256 of a body in memory up to 1 MiB, else unsigned."""
        if given is not None:
            return given
        import hashlib

        from aurora.core import signing_v4

        if body is None:
            return signing_v4.EMPTY_SHA256
        if _is_bytes(body) and len(body) <= 1024 * 1024:  # type: ignore[arg-type]
            return hashlib.sha256(body).hexdigest()  # type: ignore[arg-type]
        return signing_v4.UNSIGNED_PAYLOAD

    def _note_skew(self, error: AuroraError, server_date: Optional[str]) -> None:
        """Remember how far our clock is from the server's, for the next attempt."""
        if error.code != "RequestTimeTooSkewed" or not server_date:
            return
        server_now = _server_time(server_date)
        if server_now is None:
            return
        if abs(server_now - self._clock()) > MAX_BELIEVED_SKEW:  # a date no clock is off by: not believed
            return
        with self._skew.lock:
            self._skew.value = server_now - self._clock()
            skew = self._skew.value
        log.info("the server's clock is %s ahead of ours; requests are now signed with its time", skew)

    def _skewed_head(self, response: Response, method: str) -> bool:
        """A 403 to a HEAD (no body to say why) while the server's Date is too far from ours."""
        if method != "HEAD" or response.status != 403:
            return False
        server_now = _server_time(response.headers.get("Date") or "")
        return server_now is not None and abs(server_now - self.now()) > MAX_CLOCK_SKEW

    def request(
        self,
        method: str,
        bucket: Optional[str] = None,
        key: Optional[str] = None,
        *,
        query: Query = (),
        headers: Optional[Mapping[str, str]] = None,
        body: Body = None,
        payload_hash: Optional[str] = None,
        preload: bool = True,
        upload_id: Optional[str] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> Response:
        """Send one S3 request, signed afresh and retried; raise on an error answer.

        Returns the response; with ``preload=False`` its body is left to stream
        and the caller must close it.
        """
        route, base = self.unsigned_request(method, bucket, key, query=query, headers=headers)
        start = _body_start(body)
        digest = self.payload_hash_of(body, payload_hash)

        def attempt(number: int) -> Response:
            if start is not None:
                body.seek(start)  # type: ignore[union-attr]
            target, wire_headers = self.signed_for_wire(base, digest, route)
            response = route.transport.send(method, target, wire_headers, body, preload=preload)
            if response.status < 300:
                return response
            raise self.error_of(response, method, bucket, key, upload_id)

        return call_with_retries(
            attempt,
            retry or self.retry,
            replayable=_replayable(body, start),
            sleep=self._sleep,
            random=self._random,
        )

    def unsigned_request(
        self,
        method: str,
        bucket: Optional[str],
        key: Optional[str],
        *,
        query: Query = (),
        headers: Optional[Mapping[str, str]] = None,
    ) -> Tuple[Route, HttpRequest]:
        """Where a request goes, and the request with the client's default headers and ``headers``, checked."""
        extra = dict(self.default_headers)
        extra.update(headers or {})
        validate_headers(extra)
        route = self.route_for(bucket)
        request = HttpRequest(
            method=method,
            path=self.path_for(bucket, key),
            query=query,
            headers=(("Host", route.host_header),) + tuple(extra.items()),
        )
        return route, request

    def signed_for_wire(self, request: HttpRequest, payload_hash: str, route: Route) -> Tuple[str, Dict[str, str]]:
        """One attempt's request-target and headers: ``request`` signed now, with the User-Agent."""
        signed = self.sign(request, payload_hash, route.virtual_bucket)
        headers = dict(signed.headers)
        headers["User-Agent"] = self.user_agent
        return signed.target(), headers

    def error_of(
        self,
        response: Response,
        method: str,
        bucket: Optional[str],
        key: Optional[str],
        upload_id: Optional[str] = None,
    ) -> AuroraError:
        """The error an answer of 300 or more stands for (its body read, the connection released)."""
        try:
            body = b"" if method == "HEAD" else response.read()
        except XMLParseError:
            raise  # a body above MAX_RESPONSE_BODY: refused, not read
        except AuroraError:
            body = b""
        finally:
            response.close()
        if self._skewed_head(response, method):
            body = _SKEW_BODY
        from aurora.s3.errors import error_from_response

        error = error_from_response(
            status=response.status,
            reason=response.reason,
            body=body,
            method=method,
            bucket=bucket,
            key=key,
            request_id=response.headers.get("x-amz-request-id"),
            retry_after=response.headers.get("Retry-After"),
            upload_id=upload_id,
        )
        self._note_skew(error, response.headers.get("Date"))
        return error

    # -- service and buckets ----------------------------------------------

    def list_buckets(self) -> Tuple[BucketInfo, ...]:
        from aurora.core.xml import parse_list_buckets

        return parse_list_buckets(self.request("GET").content)

    def head_bucket(self, bucket: str) -> Headers:
        return self.request("HEAD", bucket).headers

    def create_bucket(self, bucket: str, location: str = "") -> None:
        from aurora.core.xml_build import create_bucket_xml

        body = create_bucket_xml(location)
        self.request("PUT", bucket, body=body or None)

    def delete_bucket(self, bucket: str) -> None:
        self.request("DELETE", bucket)

    def get_bucket_location(self, bucket: str) -> str:
        from aurora.core.xml import parse_location

        return parse_location(self.request("GET", bucket, query=(("location", ""),)).content)

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: Optional[str] = None,
        delimiter: Optional[str] = None,
        marker: Optional[str] = None,
        max_keys: Optional[int] = None,
        v2: bool = False,
        continuation_token: Optional[str] = None,
        start_after: Optional[str] = None,
    ) -> ListObjectsResult:
        """One page of ListObjects (V1, or V2 when ``v2``); keys url-encoded on the wire."""
        from aurora.core.xml import parse_list_objects

        query = _list_query(prefix, delimiter, marker, max_keys, v2, continuation_token, start_after)
        return parse_list_objects(self.request("GET", bucket, query=query).content)

    def list_objects_v2(
        self,
        bucket: str,
        *,
        prefix: Optional[str] = None,
        delimiter: Optional[str] = None,
        continuation_token: Optional[str] = None,
        start_after: Optional[str] = None,
        max_keys: Optional[int] = None,
    ) -> Optional[ListObjectsResult]:
        """One page of ListObjectsV2, or None when the server answered in V1's shape.

        A server that does not know ``list-type=2`` ignores it and sends a V1
        page (no ``KeyCount``, no continuation token), which cannot be paged
        as V2; the caller then lists with V1.
        """
        query = _list_query(prefix, delimiter, None, max_keys, True, continuation_token, start_after)
        content = self.request("GET", bucket, query=query).content
        if not _V2_SHAPE.search(content):
            return None
        from aurora.core.xml import parse_list_objects

        return parse_list_objects(content)

    def list_multipart_uploads(
        self,
        bucket: str,
        *,
        prefix: Optional[str] = None,
        delimiter: Optional[str] = None,
        key_marker: Optional[str] = None,
        upload_id_marker: Optional[str] = None,
        max_uploads: Optional[int] = None,
    ) -> ListMultipartUploadsResult:
        query = (("uploads", ""),) + given_pairs(
            ("prefix", prefix),
            ("delimiter", delimiter),
            ("key-marker", key_marker),
            ("upload-id-marker", upload_id_marker),
            ("max-uploads", str(max_uploads) if max_uploads is not None else None),
        )
        # No encoding-type=url here: RGW encodes the keys without saying so in
        # the body, and moto ignores the request, so the answer is ambiguous.
        from aurora.core.xml import parse_list_multipart_uploads

        return parse_list_multipart_uploads(self.request("GET", bucket, query=query).content)

    # -- objects ----------------------------------------------------------

    def head_object(self, bucket: str, key: str, *, headers: Optional[Mapping[str, str]] = None) -> Headers:
        return self.request(
            "HEAD", bucket, key, query=self._read_query, headers=self._with_read_headers(headers)
        ).headers

    def _with_read_headers(self, headers: Optional[Mapping[str, str]]) -> Optional[Mapping[str, str]]:
        if not self._read_headers:
            return headers
        merged = dict(self._read_headers)
        merged.update(headers or {})
        return merged

    def get_object(
        self,
        bucket: str,
        key: str,
        *,
        byte_range: Optional[Tuple[int, Optional[int]]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Response:
        """A streaming response; ``byte_range`` is (first, last) inclusive, last None = to the end."""
        extra = dict(self._with_read_headers(headers) or {})
        if byte_range is not None:
            first, last = byte_range
            extra["Range"] = "bytes=%d-%s" % (first, "" if last is None else str(last))
        return self.request("GET", bucket, key, query=self._read_query, headers=extra, preload=False)

    def put_objects(
        self,
        bucket: str,
        puts: Iterable[Put],
        *,
        width: int,
        retry: Optional[RetryPolicy] = None,
        check: Optional[Callable[[], None]] = None,
    ) -> Iterator[Tuple[object, Union[Headers, Exception]]]:
        """Many single PUTs of in-memory bodies at once on this thread, each outcome as it comes
        (see :func:`aurora.s3.many.put_many`)."""
        from aurora.s3.many import put_many

        return put_many(self, bucket, puts, width=width, retry=retry, check=check)

    def sleep(self, seconds: float) -> None:
        """Wait as the retries do (the ``sleep`` given at construction)."""
        self._sleep(seconds)

    def random(self) -> float:
        """A jitter fraction in [0, 1] (the ``random`` given at construction)."""
        return self._random()

    def put_object(
        self,
        bucket: str,
        key: str,
        body: Body,
        *,
        headers: Optional[Mapping[str, str]] = None,
        payload_hash: Optional[str] = None,
    ) -> Headers:
        return self.request("PUT", bucket, key, headers=headers, body=body, payload_hash=payload_hash).headers

    def delete_object(self, bucket: str, key: str, *, version_id: Optional[str] = None) -> None:
        query: Query = (("versionId", version_id),) if version_id else ()
        self.request("DELETE", bucket, key, query=query)

    def delete_objects(self, bucket: str, keys: Sequence[str], *, quiet: bool = True) -> DeleteObjectsResult:
        from aurora.core.xml import parse_delete_result
        from aurora.core.xml_build import delete_objects_xml

        body = delete_objects_xml(keys, quiet=quiet)
        md5 = content_md5(body)
        response = self.request("POST", bucket, query=(("delete", ""),), body=body, headers={"Content-MD5": md5})
        return parse_delete_result(response.content)

    def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        bucket: str,
        key: str,
        *,
        headers: Optional[Mapping[str, str]] = None,
        src_version_id: Optional[str] = None,
    ) -> CopyResult:
        """Copy ``src_bucket/src_key`` (version ``src_version_id``) to ``bucket/key`` on the server (up to 5 GiB).

        ``headers`` carry ``x-amz-metadata-directive`` and, with ``REPLACE``,
        the new object's headers.  The source is always named path-style,
        URL-encoded, whatever the addressing style.
        """
        extra = dict(headers or {})
        extra["x-amz-copy-source"] = copy_source(src_bucket, src_key, src_version_id)
        response = self.request("PUT", bucket, key, headers=extra)
        return self._copy_result(response, "PUT", bucket, key, None)

    def _copy_result(
        self, response: Response, method: str, bucket: str, key: str, upload_id: Optional[str]
    ) -> CopyResult:
        from aurora.core.xml import is_error_document, parse_copy_result
        from aurora.s3.errors import error_from_response

        body = response.content
        if is_error_document(body):
            raise error_from_response(
                status=500, reason="", body=body, method=method, bucket=bucket, key=key, upload_id=upload_id
            )
        return parse_copy_result(body)

    # -- multipart --------------------------------------------------------

    def create_multipart_upload(self, bucket: str, key: str, *, headers: Optional[Mapping[str, str]] = None) -> str:
        from aurora.core.xml import parse_initiate_multipart

        response = self.request("POST", bucket, key, query=(("uploads", ""),), headers=headers)
        return parse_initiate_multipart(response.content).upload_id

    def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        body: Body,
        *,
        headers: Optional[Mapping[str, str]] = None,
        payload_hash: Optional[str] = None,
    ) -> str:
        """Upload one part; returns its ETag without quotes."""
        query = (("partNumber", str(part_number)), ("uploadId", upload_id))
        response = self.request(
            "PUT", bucket, key, query=query, headers=headers, body=body, payload_hash=payload_hash, upload_id=upload_id
        )
        return (response.headers.get("ETag") or "").strip('"')

    def upload_part_copy(
        self,
        src_bucket: str,
        src_key: str,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        byte_range: Tuple[int, int],
        *,
        headers: Optional[Mapping[str, str]] = None,
        src_version_id: Optional[str] = None,
    ) -> CopyResult:
        """Copy bytes ``byte_range`` (inclusive) of the source as part ``part_number``."""
        query = (("partNumber", str(part_number)), ("uploadId", upload_id))
        extra = dict(headers or {})
        extra["x-amz-copy-source"] = copy_source(src_bucket, src_key, src_version_id)
        extra["x-amz-copy-source-range"] = "bytes=%d-%d" % byte_range
        response = self.request("PUT", bucket, key, query=query, headers=extra, upload_id=upload_id)
        return self._copy_result(response, "PUT", bucket, key, upload_id)

    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, parts: Iterable[Tuple[int, str]]
    ) -> CompleteMultipartResult:
        """Complete an upload; a 200 carrying an ``<Error>`` body raises too."""
        from aurora.core.xml import is_error_document, parse_complete_multipart
        from aurora.core.xml_build import complete_multipart_xml
        from aurora.s3.errors import error_from_response

        body = complete_multipart_xml(list(parts))
        response = self.request("POST", bucket, key, query=(("uploadId", upload_id),), body=body, upload_id=upload_id)
        content = response.content
        if is_error_document(content):
            raise error_from_response(
                status=500, reason="", body=content, method="POST", bucket=bucket, key=key, upload_id=upload_id
            )
        return parse_complete_multipart(content)._replace(version_id=response.headers.get("x-amz-version-id"))

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        self.request("DELETE", bucket, key, query=(("uploadId", upload_id),), upload_id=upload_id)

    def list_parts(
        self, bucket: str, key: str, upload_id: str, *, part_number_marker: Optional[int] = None
    ) -> ListPartsResult:
        query: Tuple[Tuple[str, str], ...] = (("uploadId", upload_id),)
        if part_number_marker:
            query += (("part-number-marker", str(part_number_marker)),)
        from aurora.core.xml import parse_list_parts

        return parse_list_parts(self.request("GET", bucket, key, query=query, upload_id=upload_id).content)

    # -- presigned URLs ---------------------------------------------------

    def presign(
        self,
        method: str,
        bucket: str,
        key: Optional[str],
        *,
        expires: int,
        scheme: str,
        headers: Optional[Mapping[str, str]] = None,
        query: Query = (),
    ) -> str:
        """A URL that performs ``method`` without credentials until it expires."""
        extra = dict(headers or {})
        validate_headers(extra)
        host_header = self.route_for(bucket).host_header
        request = HttpRequest(
            method=method.upper(),
            path=self.path_for(bucket, key),
            query=query,
            headers=(("Host", host_header),) + tuple(extra.items()),
        )
        from aurora.core import signing_v2, signing_v4

        creds = self.credentials
        now = self.now()
        if self.signature_version == "4":
            added = signing_v4.presign_v4(request, creds, region=self.region, service="s3", now=now, expires=expires)
        else:
            checked_presign_expires(expires)
            added = signing_v2.presign_v2(
                request, creds, expires_at=int(now.timestamp()) + expires, bucket_in_host=self._virtual_bucket(bucket)
            )
        return "%s://%s%s" % (scheme, host_header, request.with_query(added).target())


def _list_query(
    prefix: Optional[str],
    delimiter: Optional[str],
    marker: Optional[str],
    max_keys: Optional[int],
    v2: bool,
    continuation_token: Optional[str],
    start_after: Optional[str],
) -> Query:
    version: Query = (("list-type", "2"),) if v2 else ()
    given = given_pairs(
        ("prefix", prefix),
        ("delimiter", delimiter),
        ("marker", None if v2 else marker),
        ("continuation-token", continuation_token if v2 else None),
        ("start-after", start_after if v2 else None),
        ("max-keys", str(max_keys) if max_keys is not None else None),
    )
    return version + given + (("encoding-type", "url"),)


def given_pairs(*pairs: Tuple[str, Optional[str]]) -> Query:
    """The query pairs that have a value, in order: a request sends only the parameters its caller gave.

    An empty value counts as not given (``prefix=""`` is no prefix).
    """
    return tuple((name, value) for name, value in pairs if value)


def copy_source(bucket: str, key: str, version_id: Optional[str] = None) -> str:
    """The ``x-amz-copy-source`` value: ``/bucket/key`` URL-encoded (``/`` kept), ``?versionId=`` for a version."""
    source = encode_path("/%s/%s" % (bucket, key))
    if version_id:
        from urllib.parse import quote  # not at start-up (it brings ipaddress along)

        source += "?versionId=" + quote(version_id, safe="")
    return source


def content_md5(data: Union[bytes, bytearray, memoryview]) -> str:
    """The ``Content-MD5`` header value for ``data``."""
    import hashlib

    return base64_text(hashlib.md5(data).digest())


def header_dict(headers: Headers) -> Dict[str, str]:
    """Lower-cased names to first values, for building ``Object`` values."""
    return {name.lower(): value for name, value in headers.items()}
