"""The S3 client and driver features against a fake transport that records every request.

Virtual-hosted addressing (what is connected to, what is signed), clock-skew
correction, the ListObjectsV2/V1 decision, CopyObject's 200-with-error answer,
SSE-C headers on reads, and presigned URLs under each addressing style.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest

from aurora import get_driver
from aurora.config import Config, RetryPolicy
from aurora.core import signing_v2, signing_v4
from aurora.core.credentials import Credentials
from aurora.core.http import HttpRequest
from aurora.drivers.s3 import BaseS3StorageDriver
from aurora.errors import AuroraError, InvalidArgumentError, LibcloudError
from aurora.s3.client import S3Client, given_pairs
from aurora.transport.response import Response
from aurora.types import Provider

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


class Sent(NamedTuple):
    host: str
    method: str
    target: str
    headers: Dict[str, str]


Handler = Callable[[Sent], Response]


if TYPE_CHECKING:
    from aurora.transport.connection import Transport as TransportBase  # the fake stands where a Transport goes
else:
    TransportBase = object


class FakeTransport(TransportBase):
    """Records requests to one host and answers them with ``handler``."""

    def __init__(self, host: str, log: List[Sent], handler: Handler) -> None:
        self.host = host
        self.log = log
        self.handler = handler
        self.closed = False
        self._lock = threading.Lock()

    def send(
        self, method: str, target: str, headers: Mapping[str, str], body: object = None, *, preload: bool = True
    ) -> Response:
        sent = Sent(self.host, method, target, dict(headers))
        with self._lock:
            self.log.append(sent)
        return self.handler(sent)

    def close(self) -> None:
        self.closed = True


def ok(_: Sent) -> Response:
    return Response(200, "OK", {"ETag": '"abc"', "Content-Length": "0"}, b"")


def fake_driver(
    handler: Handler = ok, log: Optional[List[Sent]] = None, **kwargs: object
) -> Tuple[BaseS3StorageDriver, List[Sent], Dict[str, FakeTransport]]:
    sent: List[Sent] = [] if log is None else log
    made: Dict[str, FakeTransport] = {}

    def factory(host: str) -> FakeTransport:
        made[host] = FakeTransport(host, sent, handler)
        return made[host]

    options: Dict[str, Any] = {"host": "s3.example.com", "secure": True, "ex_transport_factory": factory}
    options.update(kwargs)
    driver = get_driver(Provider.S3)(CREDS.access_key, CREDS.secret_key, **options)
    return driver, sent, made


def header(sent: Sent, name: str) -> Optional[str]:
    for key, value in sent.headers.items():
        if key.lower() == name.lower():
            return value
    return None


# -- virtual-hosted addressing ----------------------------------------------------


def test_path_style_is_the_default() -> None:
    driver, sent, made = fake_driver()
    driver.get_object("bucket", "a key")
    assert list(made) == ["s3.example.com"]
    assert sent[-1].target == "/bucket/a%20key"
    assert header(sent[-1], "Host") == "s3.example.com"


def test_virtual_host_connects_to_the_bucket_host_and_signs_it_v4() -> None:
    driver, sent, made = fake_driver(ex_addressing_style="virtual", region="eu-west-1")
    driver.get_object("bucket", "dir/a key")
    request = sent[-1]
    assert request.host == "bucket.s3.example.com"
    assert sorted(made) == ["bucket.s3.example.com", "s3.example.com"]
    assert request.target == "/dir/a%20key"
    assert header(request, "Host") == "bucket.s3.example.com"
    auth = header(request, "Authorization") or ""
    assert "SignedHeaders=host;" in auth
    # Recompute the signature for the request as sent: path without the bucket, bucket in Host.
    unsigned = HttpRequest(
        "HEAD",
        "/dir/a key",
        (),
        (
            ("Host", "bucket.s3.example.com"),
            ("X-Amz-Date", header(request, "X-Amz-Date") or ""),
            ("X-Amz-Content-SHA256", header(request, "X-Amz-Content-SHA256") or ""),
        ),
    )
    when = datetime.strptime(header(request, "X-Amz-Date") or "", "%Y%m%dT%H%M%SZ")
    expected = signing_v4.sign_v4(unsigned, CREDS, region="eu-west-1", now=when, payload_hash=signing_v4.EMPTY_SHA256)[
        "Authorization"
    ]
    assert auth == expected


def test_virtual_host_v2_signs_the_bucket_at_the_start_of_the_resource() -> None:
    driver, sent, _ = fake_driver(ex_addressing_style="virtual", signature_version="2")
    driver.get_object("bucket", "a+b")
    request = sent[-1]
    assert request.target == "/a%2Bb" and header(request, "Host") == "bucket.s3.example.com"
    date = header(request, "Date") or ""
    text = "HEAD\n\n\n%s\n/bucket/a%%2Bb" % date
    signature = signing_v2.signature_v2(CREDS.secret_key, text)
    assert header(request, "Authorization") == "AWS %s:%s" % (CREDS.access_key, signature)


def test_auto_keeps_dotted_buckets_path_style_and_reuses_transports() -> None:
    driver, sent, made = fake_driver(ex_addressing_style="auto")
    driver.get_object("my.bucket", "k")
    assert sent[-1].host == "s3.example.com" and sent[-1].target == "/my.bucket/k"
    driver.get_object("plain", "k")
    driver.get_object("plain", "k2")
    assert [s.host for s in sent[-2:]] == ["plain.s3.example.com"] * 2
    assert sorted(made) == ["plain.s3.example.com", "s3.example.com"]
    driver.client.request("GET")  # the service (ListBuckets) has no bucket to put in the host
    assert sent[-1].host == "s3.example.com" and sent[-1].target == "/"
    driver.close()
    assert all(t.closed for t in made.values())


def test_addressing_style_comes_from_the_aws_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\ns3 =\n    addressing_style = virtual\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    driver, sent, _ = fake_driver()
    assert driver.addressing_style == "virtual"
    driver.get_object("bucket", "k")
    assert sent[-1].host == "bucket.s3.example.com"
    with pytest.raises(InvalidArgumentError, match="'sideways'"):
        fake_driver(ex_addressing_style="sideways")


@pytest.mark.parametrize("version", ["4", "2"])
def test_presigned_url_under_virtual_addressing(version: str) -> None:
    driver, _, _ = fake_driver(ex_addressing_style="virtual", signature_version=version)
    url = driver.ex_presign_url("bucket", "a b", expires=60)
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "bucket.s3.example.com" and parts.path == "/a%20b"
    query = dict(parse_qsl(parts.query))
    if version == "4":
        assert query["X-Amz-SignedHeaders"] == "host" and query["X-Amz-Expires"] == "60"
    else:
        expires = query["Expires"]
        text = "GET\n\n\n%s\n/bucket/a%%20b" % expires
        assert query["Signature"] == signing_v2.signature_v2(CREDS.secret_key, text)


# -- get_object_cdn_url -------------------------------------------------------------


@pytest.mark.parametrize("provider", [Provider.S3, Provider.S3_RGW, Provider.MINIO, Provider.S3_RGW_OUTSCALE])
def test_cdn_url_on_every_s3_driver(provider: str) -> None:
    cls = get_driver(provider)
    assert issubclass(cls, BaseS3StorageDriver)
    factory = lambda h: FakeTransport(h, [], ok)  # noqa: E731
    driver = cls(CREDS.access_key, CREDS.secret_key, host="s3.example.com", ex_transport_factory=factory)
    obj = driver.get_object("bucket", "k")
    url = driver.get_object_cdn_url(obj, ex_expiry=2)
    assert "X-Amz-Expires=7200" in url
    assert "X-Amz-Expires=86400" in driver.get_object_cdn_url(obj)
    with pytest.raises(InvalidArgumentError, match="200"):
        driver.get_object_cdn_url(obj, ex_expiry=200)


def test_auroraobjects_has_no_cdn() -> None:
    driver = get_driver(Provider.AURORAOBJECTS)(
        CREDS.access_key, CREDS.secret_key, ex_transport_factory=lambda h: FakeTransport(h, [], ok)
    )
    with pytest.raises(LibcloudError, match="CDN is not supported"):
        driver.get_object_cdn_url(driver.get_object("bucket", "k"))


# -- clock skew ------------------------------------------------------------------------


def skewed_server(server_now: datetime, head: bool = False) -> Handler:
    """Refuses any request signed more than 15 minutes away from ``server_now``."""

    def handle(sent: Sent) -> Response:
        stamp = header(sent, "X-Amz-Date")
        signed = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc) if stamp else None
        date = {"Date": format_datetime(server_now, usegmt=True)}
        if signed is None or abs(signed - server_now) > timedelta(minutes=15):
            body = b"" if head else b"<Error><Code>RequestTimeTooSkewed</Code><Message>skewed</Message></Error>"
            return Response(403, "Forbidden", date, body)
        return Response(200, "OK", date, b"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>")

    return handle


def skewed_client(handler: Handler, log: List[Sent]) -> S3Client:
    return S3Client(
        FakeTransport("s3.example.com", log, handler),
        CREDS,
        host_header="s3.example.com",
        clock=lambda: NOW + timedelta(hours=1),
        sleep=lambda seconds: None,
        random=lambda: 0.0,
    )


def test_clock_skew_is_corrected_from_the_server_date_and_retried() -> None:
    log: List[Sent] = []
    client = skewed_client(skewed_server(NOW), log)
    assert client.list_buckets() == ()
    assert len(log) == 2
    assert header(log[0], "X-Amz-Date") == "20240501T130000Z"
    assert header(log[1], "X-Amz-Date") == "20240501T120000Z"
    assert client.clock_skew == timedelta(hours=-1)
    client.list_buckets()
    assert len(log) == 3  # the correction stays


def test_a_refused_head_with_a_far_server_date_counts_as_skew() -> None:
    log: List[Sent] = []
    client = skewed_client(skewed_server(NOW, head=True), log)
    client.head_bucket("bucket")
    assert len(log) == 2 and client.clock_skew == timedelta(hours=-1)


def test_skew_correction_is_shared_with_read_views() -> None:
    log: List[Sent] = []
    client = skewed_client(skewed_server(NOW), log)
    view = client.with_read_headers({"x-test": "1"})
    view.list_buckets()
    assert client.clock_skew == timedelta(hours=-1)


# -- ListObjectsV2, decided once ----------------------------------------------------------

V1_PAGE = (
    b"<ListBucketResult><Name>b</Name><Prefix></Prefix><Marker></Marker><IsTruncated>false</IsTruncated>"
    b"<Contents><Key>one</Key><Size>1</Size><ETag>&quot;x&quot;</ETag></Contents></ListBucketResult>"
)
V2_PAGES = {
    None: b"<ListBucketResult><Name>b</Name><KeyCount>1</KeyCount><IsTruncated>true</IsTruncated>"
    b"<NextContinuationToken>t1</NextContinuationToken>"
    b"<Contents><Key>one</Key><Size>1</Size><ETag>x</ETag></Contents></ListBucketResult>",
    "t1": b"<ListBucketResult><Name>b</Name><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>"
    b"<Contents><Key>two</Key><Size>2</Size><ETag>y</ETag></Contents></ListBucketResult>",
}


def lister(v2: Optional[str]) -> Handler:
    """A server whose ListObjects answers V2 (``"yes"``), V1 only (``"ignore"``) or an error code."""

    def handle(sent: Sent) -> Response:
        query = dict(parse_qsl(urlsplit(sent.target).query, keep_blank_values=True))
        if query.get("list-type") != "2" or v2 == "ignore":
            return Response(200, "OK", {}, V1_PAGE)
        if v2 == "yes":
            return Response(200, "OK", {}, V2_PAGES[query.get("continuation-token")])
        body = b"<Error><Code>%s</Code><Message>no</Message></Error>" % str(v2).encode()
        return Response(501 if v2 == "NotImplemented" else 400, "No", {}, body)

    return handle


def v2_requests(log: List[Sent]) -> int:
    return sum("list-type=2" in s.target for s in log)


def test_v2_listing_pages_with_continuation_tokens() -> None:
    driver, sent, _ = fake_driver(lister("yes"))
    container = driver.get_container("bucket")
    assert [o.name for o in driver.iterate_container_objects(container)] == ["one", "two"]
    assert driver.ex_list_version == 2
    assert "continuation-token=t1" in sent[-1].target


@pytest.mark.parametrize("answer", ["ignore", "NotImplemented", "InvalidArgument"])
def test_v1_fallback_is_decided_once(answer: str) -> None:
    driver, sent, _ = fake_driver(lister(answer))
    container = driver.get_container("bucket")
    assert driver.ex_list_version is None
    for _ in range(3):
        assert [o.name for o in driver.list_container_objects(container)] == ["one"]
    assert driver.ex_list_version == 1
    assert v2_requests(sent) == 1


def test_the_decision_is_made_once_under_concurrency() -> None:
    driver, sent, _ = fake_driver(lister("ignore"))
    container = driver.get_container("bucket")
    barrier = threading.Barrier(8)
    results: List[List[str]] = []

    def work() -> None:
        barrier.wait(timeout=10)
        results.append([o.name for o in driver.list_container_objects(container)])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [["one"]] * 8
    assert v2_requests(sent) == 1


def test_other_listing_errors_are_not_a_reason_to_fall_back() -> None:
    def handler(sent: Sent) -> Response:
        if "list-type" in sent.target:
            return Response(404, "Not Found", {}, b"<Error><Code>NoSuchBucket</Code><Message>x</Message></Error>")
        return ok(sent)

    driver, _, _ = fake_driver(handler)
    with pytest.raises(AuroraError) as info:
        driver.list_container_objects(driver.get_container("bucket"))
    assert info.value.code == "NoSuchBucket"
    assert driver.ex_list_version is None


# -- copies and SSE-C reads ----------------------------------------------------------------


def test_copy_answered_200_with_an_error_body_raises() -> None:
    def handler(sent: Sent) -> Response:
        body = b"<Error><Code>InternalError</Code><Message>copy failed</Message></Error>"
        return Response(200, "OK", {}, body) if "x-amz-copy-source" in sent.headers else ok(sent)

    driver, sent, _ = fake_driver(handler, ex_config=Config(retry=RetryPolicy(max_attempts=1)))
    obj = driver.get_object("bucket", "src key+%")
    with pytest.raises(AuroraError) as info:
        driver.ex_copy_object(obj, driver.get_container("bucket"), "dest")
    assert info.value.code == "InternalError"
    copy = [s for s in sent if "x-amz-copy-source" in s.headers][0]
    assert copy.headers["x-amz-copy-source"] == "/bucket/src%20key%2B%25"
    assert copy.headers["x-amz-metadata-directive"] == "COPY"


def test_sse_c_key_goes_on_every_read_and_nowhere_else() -> None:
    key = bytes(range(32))
    b64 = base64.b64encode(key).decode()

    def handler(sent: Sent) -> Response:
        return Response(200, "OK", {"Content-Length": "3", "ETag": '"e"'}, b"abc")

    driver, sent, _ = fake_driver(handler)
    obj = driver.get_object("bucket", "k", ex_sse_customer_key=key)
    assert header(sent[-1], "x-amz-server-side-encryption-customer-key") == b64
    assert b"".join(driver.download_object_as_stream(obj, ex_sse_customer_key=b64)) == b"abc"
    assert (
        header(sent[-1], "x-amz-server-side-encryption-customer-key-MD5")
        == base64.b64encode(hashlib.md5(key).digest()).decode()
    )
    driver.get_object("bucket", "k")
    assert header(sent[-1], "x-amz-server-side-encryption-customer-key") is None
    for text in (repr(driver), repr(driver.client), repr(obj), str(obj.extra)):
        assert b64 not in text


def copy_server(size: int) -> Handler:
    """HEAD says ``size``; multipart create, part copies and complete are answered in S3's XML."""

    def handle(sent: Sent) -> Response:
        if sent.method == "HEAD":
            headers = {
                "Content-Length": str(size),
                "ETag": '"src-etag"',
                "Content-Type": "text/x-src",
                "x-amz-meta-color": "blue",
                "Cache-Control": "no-store",
            }
            return Response(200, "OK", headers, b"")
        if sent.method == "POST" and sent.target.endswith("?uploads"):
            body = b"<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId>"
            return Response(200, "OK", {}, body + b"</InitiateMultipartUploadResult>")
        if sent.method == "PUT" and "x-amz-copy-source-range" in sent.headers:
            number = dict(parse_qsl(urlsplit(sent.target).query))["partNumber"]
            body = b"<CopyPartResult><ETag>&quot;p%s&quot;</ETag></CopyPartResult>" % number.encode()
            return Response(200, "OK", {}, body)
        if sent.method == "POST":
            return Response(
                200,
                "OK",
                {},
                b"<CompleteMultipartUploadResult><ETag>&quot;x-3&quot;</ETag></CompleteMultipartUploadResult>",
            )
        return Response(500, "Unexpected", {}, b"")

    return handle


def test_multipart_copy_requests() -> None:
    from aurora.config import MiB, TransferConfig

    config = Config(transfer=TransferConfig(multipart_copy_threshold=8 * MiB, multipart_copy_part_size=5 * MiB))
    driver, sent, _ = fake_driver(copy_server(12 * MiB + 1), ex_config=config)
    key = bytes(range(32))
    source = driver.get_object("bucket", "src")
    driver.ex_copy_object(source, driver.get_container("dest"), "dst", ex_source_sse_customer_key=key)
    create = [s for s in sent if s.target.endswith("?uploads")][0]
    assert create.target == "/dest/dst?uploads"
    assert header(create, "Content-Type") == "text/x-src" and header(create, "x-amz-meta-color") == "blue"
    assert header(create, "Cache-Control") == "no-store"
    parts = sorted(
        (s for s in sent if "x-amz-copy-source-range" in s.headers), key=lambda s: s.headers["x-amz-copy-source-range"]
    )
    assert [p.headers["x-amz-copy-source-range"] for p in parts] == [
        "bytes=0-5242879",
        "bytes=10485760-12582912",
        "bytes=5242880-10485759",
    ]
    for part in parts:
        assert part.headers["x-amz-copy-source"] == "/bucket/src"
        assert part.headers["x-amz-copy-source-if-match"] == '"src-etag"'
        assert part.headers["x-amz-copy-source-server-side-encryption-customer-algorithm"] == "AES256"
        assert "x-amz-server-side-encryption-customer-key" not in part.headers
    complete = [s for s in sent if s.method == "POST" and "uploadId=up-1" in s.target]
    assert len(complete) == 1


# -- provider default headers ------------------------------------------------------------


def test_google_sends_libclouds_project_header_on_every_request_and_signs_it() -> None:
    sent: List[Sent] = []
    driver = get_driver(Provider.GOOGLE_STORAGE)(
        "GOOG1EXAMPLE", CREDS.secret_key, "my-project", ex_transport_factory=lambda h: FakeTransport(h, sent, ok)
    )
    driver.get_object("bucket", "k")
    assert header(sent[-1], "x-goog-project-id") == "my-project"
    assert "x-goog-project-id" in (header(sent[-1], "Authorization") or "")
    without = get_driver(Provider.GOOGLE_STORAGE)(
        "GOOG1EXAMPLE", CREDS.secret_key, ex_transport_factory=lambda h: FakeTransport(h, sent, ok)
    )
    without.get_object("bucket", "k")
    assert header(sent[-1], "x-goog-project-id") is None


def test_only_the_query_parameters_given_are_sent_in_order() -> None:
    pairs = given_pairs(("prefix", "a/"), ("delimiter", None), ("marker", ""), ("max-keys", "5"))
    assert pairs == (("prefix", "a/"), ("max-keys", "5"))
