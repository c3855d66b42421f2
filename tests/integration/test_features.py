"""The S3 features people reach for boto3 to get, through the driver, against real servers.

Presigned URLs used from ``urllib``, server-side copies (single and multipart),
ListObjectsV2 with its V1 fallback, object options (headers, ACLs, SSE-C,
SSE-S3, checksums), clock-skew correction and forward proxies.  Each test runs
on every server offered by ``s3_server``; those that depend on what a server
enforces say which and why.  Ceph RGW here is Pacific (16.2).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import socket
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import pytest
from integration._forward_proxy import ForwardProxy
from integration.payloads import payload

import aurora
from aurora import Provider, get_driver
from aurora.config import Config, MiB, TransferConfig
from aurora.core.credentials import Credentials
from aurora.drivers.s3 import BaseS3StorageDriver
from aurora.errors import AuroraError, InvalidArgumentError, NotImplemented_
from aurora.s3.client import S3Client, utc_now
from aurora.transport.connection import Transport
from aurora.transport.response import Response

ODD_KEYS = [
    "with space.txt",
    "plus+sign",
    "per%cent",
    "tilde~name",
    "amp&ersand",
    "unicode-é-ß-日本-🎉",
    "double//slash",
    "dir/sub dir/q?x=1#h",
]

CONFIG = Config(
    transfer=TransferConfig(
        part_size=5 * MiB,
        multipart_threshold=5 * MiB,
        max_concurrency=3,
        multipart_copy_threshold=8 * MiB,
        multipart_copy_part_size=5 * MiB,
    )
)


def make_driver(server: Any, signature_version: str = "4", **kwargs: Any) -> BaseS3StorageDriver:
    cls = get_driver(Provider.S3_RGW) if server.name == "rgw" else get_driver(Provider.S3)
    options: Dict[str, Any] = {"secure": False, "host": server.host, "port": server.port, "region": server.region}
    options.update(kwargs)
    return cls(server.access_key, server.secret_key, signature_version=signature_version, ex_config=CONFIG, **options)


@pytest.fixture(params=["4", "2"], ids=["sigv4", "sigv2"])
def driver(request: pytest.FixtureRequest, s3_server: Any) -> Iterator[BaseS3StorageDriver]:
    drv = make_driver(s3_server, request.param)
    yield drv
    drv.close()


@pytest.fixture
def container(driver: BaseS3StorageDriver, bucket_name: str) -> aurora.Container:
    return driver.create_container(bucket_name)


def fetch(
    url: str, method: str = "GET", data: Optional[bytes] = None, headers: Optional[Mapping[str, str]] = None
) -> Tuple[int, bytes, Mapping[str, str]]:
    """Status, body and headers of one plain ``urllib`` request (no credentials)."""
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


# -- presigned URLs ------------------------------------------------------------------


@pytest.mark.parametrize("key", ODD_KEYS)
def test_presigned_urls_for_every_method(driver: BaseS3StorageDriver, container: aurora.Container, key: str) -> None:
    data = ("data of %s" % key).encode()
    put_url = driver.ex_presign_url(container.name, key, "PUT", 600, headers={"Content-Type": "text/plain"})
    status, _, _ = fetch(put_url, "PUT", data, {"Content-Type": "text/plain"})
    assert status == 200
    stored = driver.get_object(container.name, key)
    assert stored.size == len(data) and stored.extra["content_type"] == "text/plain"
    status, body, _ = fetch(driver.ex_presign_url(container.name, key))
    assert (status, body) == (200, data)
    status, _, headers = fetch(driver.ex_presign_url(container.name, key, "HEAD", 60), "HEAD")
    assert status == 200 and {k.lower(): v for k, v in headers.items()}["content-length"] == str(len(data))
    status, _, _ = fetch(driver.ex_presign_url(container.name, key, "DELETE", 60), "DELETE")
    assert status == 204
    assert driver.list_container_objects(container) == []


def test_cdn_url_is_a_working_presigned_get(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    obj = driver.upload_object_via_stream(iter([b"cdn"]), container, "cdn key")
    url = driver.get_object_cdn_url(obj, ex_expiry=0.5)
    assert ("X-Amz-Expires=1800" in url) if driver.signature_version == "4" else ("Expires=" in url)
    assert fetch(url)[:2] == (200, b"cdn")
    with pytest.raises(InvalidArgumentError, match="169"):
        driver.get_object_cdn_url(obj, ex_expiry=169)


def test_presigned_urls_are_checked_by_rgw(
    s3_server: Any, driver: BaseS3StorageDriver, container: aurora.Container
) -> None:
    if s3_server.name != "rgw":
        pytest.skip("moto does not check presigned signatures or expiry; RGW does")
    driver.upload_object_via_stream(iter([b"x"]), container, "guarded")
    url = driver.ex_presign_url(container.name, "guarded")
    assert fetch(url)[0] == 200
    assert fetch(url.replace(container.name + "/guarded", container.name + "/other"))[0] == 403
    past = S3Client(
        driver.transport,
        Credentials(s3_server.access_key, s3_server.secret_key),
        host_header=driver.client.host_header,
        region=driver.region,
        signature_version=driver.signature_version,
        clock=lambda: utc_now() - timedelta(hours=2),
    )
    assert fetch(past.presign("GET", container.name, "guarded", expires=60, scheme="http"))[0] == 403


# -- server-side copy -----------------------------------------------------------------


@pytest.mark.parametrize("key", ODD_KEYS)
def test_copy_keeps_metadata_with_odd_keys(driver: BaseS3StorageDriver, container: aurora.Container, key: str) -> None:
    source = driver.upload_object_via_stream(
        iter([b"copy me"]), container, key, extra={"content_type": "text/x-odd", "meta_data": {"origin": "src"}}
    )
    copied = driver.ex_copy_object(source, container, key + " copy")
    assert copied.name == key + " copy" and copied.size == 7
    assert copied.extra["content_type"] == "text/x-odd"
    assert copied.meta_data == {"origin": "src"}
    assert b"".join(driver.download_object_as_stream(copied)) == b"copy me"


def test_copy_replaces_metadata_when_extra_is_given(
    driver: BaseS3StorageDriver, container: aurora.Container, bucket_name: str, s3_cleanup: Any
) -> None:
    source = driver.upload_object_via_stream(iter([b"abc"]), container, "src", extra={"meta_data": {"a": "1"}})
    other = driver.create_container(s3_cleanup.new_name())
    copied = driver.ex_copy_object(
        source,
        other,
        "dst",
        extra={"content_type": "application/x-new", "meta_data": {"b": "2"}, "cache_control": "no-cache"},
    )
    assert copied.container.name == other.name
    assert copied.meta_data == {"b": "2"}
    assert copied.extra["content_type"] == "application/x-new"
    assert copied.extra["cache_control"] == "no-cache"
    assert driver.get_object(bucket_name, "src").meta_data == {"a": "1"}


class PartSpy:
    """Wraps ``client.upload_part_copy``: the first two parts must be in flight together."""

    def __init__(self, client: S3Client, fail_part: Optional[int] = None) -> None:
        self.real = client.upload_part_copy
        self.barrier = threading.Barrier(2, timeout=30)
        self.fail_part = fail_part
        self.parts: List[int] = []
        self.upload_ids: List[str] = []
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        number, upload_id = args[5], args[4]
        with self.lock:
            self.parts.append(number)
            self.upload_ids.append(upload_id)
        if number in (1, 2):
            self.barrier.wait()  # raises BrokenBarrierError unless two parts run at once
        if number == self.fail_part:
            raise AuroraError("part %d refused by the test" % number)
        return self.real(*args, **kwargs)


def test_multipart_copy_in_parallel_parts(
    driver: BaseS3StorageDriver, container: aurora.Container, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    data = payload(12 * MiB + 321, seed=5)
    meta = {"content_type": "video/x-test", "meta_data": {"kind": "big"}, "content_disposition": "attachment"}
    source = driver.upload_object_via_stream(io.BytesIO(data), container, "big source", extra=meta)
    spy = PartSpy(driver.client)
    monkeypatch.setattr(driver.client, "upload_part_copy", spy)
    copied = driver.ex_copy_object(source, container, "dir/big copy ~+")
    assert sorted(spy.parts) == [1, 2, 3]
    assert copied.size == len(data) and copied.hash and copied.hash.endswith("-3")
    assert copied.meta_data == {"kind": "big"}
    assert copied.extra["content_type"] == "video/x-test"
    assert copied.extra["content_disposition"] == "attachment"
    target = tmp_path / "copy"
    assert driver.download_object(copied, str(target)) is True
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert list(driver.ex_iterate_multipart_uploads(container)) == []


def test_multipart_copy_with_replaced_metadata(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    data = payload(9 * MiB, seed=6)
    source = driver.upload_object_via_stream(io.BytesIO(data), container, "src", extra={"meta_data": {"a": "1"}})
    copied = driver.ex_copy_object(source, container, "dst", extra={"meta_data": {"b": "2"}})
    assert copied.hash and copied.hash.endswith("-2")
    assert copied.meta_data == {"b": "2"}
    assert b"".join(driver.download_object_as_stream(copied)) == data


def test_large_copy_of_a_key_with_percent_uses_one_copy_request(
    driver: BaseS3StorageDriver, container: aurora.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RGW Pacific decodes UploadPartCopy's copy source twice (NoSuchKey, or a crash),
    # so a source key with '%' is copied whole while S3 allows it (5 GiB).
    data = payload(9 * MiB, seed=8)
    source = driver.upload_object_via_stream(io.BytesIO(data), container, "100% done")
    spy = PartSpy(driver.client)
    monkeypatch.setattr(driver.client, "upload_part_copy", spy)
    copied = driver.ex_copy_object(source, container, "copy of 100% done")
    assert spy.parts == []
    assert copied.size == len(data)
    assert b"".join(driver.download_object_as_stream(copied)) == data


def test_failed_multipart_copy_is_aborted(
    driver: BaseS3StorageDriver, container: aurora.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = driver.upload_object_via_stream(io.BytesIO(payload(11 * MiB)), container, "src")
    spy = PartSpy(driver.client, fail_part=2)
    monkeypatch.setattr(driver.client, "upload_part_copy", spy)
    with pytest.raises(AuroraError) as info:
        driver.ex_copy_object(source, container, "dst")
    assert info.value.upload_id is not None and info.value.upload_id == spy.upload_ids[0]
    assert list(driver.ex_iterate_multipart_uploads(container)) == []
    assert [o.name for o in driver.list_container_objects(container)] == ["src"]


@pytest.mark.parametrize("size", [100, 9 * MiB])
def test_copy_of_an_sse_c_object(
    s3_server: Any, driver: BaseS3StorageDriver, container: aurora.Container, size: int
) -> None:
    old, new = hashlib.sha256(b"old key").digest(), hashlib.sha256(b"new key").digest()
    data = payload(size, seed=4)
    source = driver.upload_object_via_stream(io.BytesIO(data), container, "sealed", extra={"ex_sse_customer_key": old})
    if s3_server.name == "moto":  # moto keeps SSE-C objects in the clear: the keys only have to be accepted
        resealed = driver.ex_copy_object(
            source, container, "resealed", extra={"ex_sse_customer_key": new}, ex_source_sse_customer_key=old
        )
        assert b"".join(driver.download_object_as_stream(resealed, ex_sse_customer_key=new)) == data
        return
    # RGW Pacific: CopyObject of an SSE-C source is NotImplemented; UploadPartCopy
    # works only when the copy keeps the source's key.
    if size <= CONFIG.transfer.multipart_copy_threshold:
        with pytest.raises(NotImplemented_):
            driver.ex_copy_object(
                source, container, "copy", extra={"ex_sse_customer_key": old}, ex_source_sse_customer_key=old
            )
    else:
        same = driver.ex_copy_object(
            source, container, "same key", extra={"ex_sse_customer_key": old}, ex_source_sse_customer_key=old
        )
        assert same.size == size and same.extra["sse_customer_algorithm"] == "AES256"
        assert b"".join(driver.download_object_as_stream(same, ex_sse_customer_key=old)) == data
        with pytest.raises(AuroraError) as info:
            driver.ex_copy_object(
                source, container, "new key", extra={"ex_sse_customer_key": new}, ex_source_sse_customer_key=old
            )
        assert info.value.upload_id is not None
    assert list(driver.ex_iterate_multipart_uploads(container)) == []


# -- directory-style listing ---------------------------------------------------------


def fill(driver: BaseS3StorageDriver, container: aurora.Container, names: List[str]) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda name: driver.upload_object_via_stream(iter([b""]), container, name), names))


LISTED = ["k/%04d" % i for i in range(1003)] + ["k/sub/a", "k/sub/b", "other/x", "top"]


@pytest.fixture
def big_container(s3_server: Any, s3_cleanup: Any) -> Iterator[aurora.Container]:
    drv = make_driver(s3_server)
    box = drv.create_container(s3_cleanup.new_name())
    fill(drv, box, LISTED)
    yield box
    drv.close()


@pytest.mark.parametrize("version", [2, 1])
def test_listing_pages_past_a_thousand_keys(
    s3_server: Any, big_container: aurora.Container, version: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    drv = make_driver(s3_server)
    if version == 1:  # a server without ListObjectsV2 answers NotImplemented

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise NotImplemented_("NotImplemented: no V2 here", status=501, code="NotImplemented")

        monkeypatch.setattr(drv.client, "list_objects_v2", refuse)
    box = drv.get_container(big_container.name)
    assert [o.name for o in drv.iterate_container_objects(box)] == sorted(LISTED)
    assert drv.ex_list_version == version
    under = drv.list_container_objects(box, prefix="k/", ex_delimiter="/")
    assert [o.name for o in under] == ["k/%04d" % i for i in range(1003)]
    assert list(drv.ex_list_prefixes(box, prefix="k/")) == ["k/sub/"]
    assert list(drv.ex_list_prefixes(box)) == ["k/", "other/"]
    assert [o.name for o in drv.list_container_objects(box, ex_delimiter="/")] == ["top"]
    drv.close()


def test_listing_v2_with_odd_keys(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    fill(driver, container, ODD_KEYS)
    assert [o.name for o in driver.list_container_objects(container)] == sorted(ODD_KEYS)
    assert driver.ex_list_version == 2
    assert list(driver.ex_list_prefixes(container)) == ["dir/", "double/"]


# -- object options ---------------------------------------------------------------------


def test_object_headers_through_extra(
    driver: BaseS3StorageDriver, container: aurora.Container, boto3_client: Any, tmp_path: Any
) -> None:
    extra = {
        "content_type": "text/csv",
        "meta_data": {"team": "ops"},
        "acl": "public-read",
        "cache_control": "max-age=600",
        "content_disposition": 'attachment; filename="r.csv"',
        "content_encoding": "identity",
        "content_language": "nl-NL",
        "storage_class": "STANDARD",
    }
    source = tmp_path / "r.csv"
    source.write_bytes(b"a,b\n")
    driver.upload_object(str(source), container, "report.csv", extra=extra)
    got = driver.get_object(container.name, "report.csv")
    assert got.extra["content_type"] == "text/csv"
    assert got.meta_data == {"team": "ops"}
    assert got.extra["cache_control"] == "max-age=600"
    assert got.extra["content_disposition"] == 'attachment; filename="r.csv"'
    assert got.extra["content_encoding"] == "identity"
    assert got.extra["content_language"] == "nl-NL"
    assert got.extra.get("storage_class", "STANDARD") == "STANDARD"
    grants = boto3_client.get_object_acl(Bucket=container.name, Key="report.csv")["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("/global/AllUsers") and g["Permission"] == "READ" for g in grants)


@pytest.mark.parametrize("size", [5, 11 * MiB])
def test_sse_c_round_trip(
    s3_server: Any,
    driver: BaseS3StorageDriver,
    container: aurora.Container,
    size: int,
    tmp_path: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = hashlib.sha256(b"customer key").digest()
    secret = base64.b64encode(key).decode()
    data = payload(size, seed=2)
    caplog.set_level(logging.DEBUG, logger="aurora")
    source = tmp_path / "plain"
    source.write_bytes(data)
    obj = driver.upload_object(str(source), container, "secret obj", extra={"ex_sse_customer_key": key})
    assert obj.size == size
    head = driver.get_object(container.name, "secret obj", ex_sse_customer_key=secret)
    assert head.size == size
    assert b"".join(driver.download_object_as_stream(head, ex_sse_customer_key=key)) == data
    assert b"".join(driver.download_object_range_as_stream(head, 2, 5, ex_sse_customer_key=key)) == data[2:5]
    target = tmp_path / "out"
    assert driver.download_object(head, str(target), ex_sse_customer_key=key) is True
    assert target.read_bytes() == data
    sse = {"ex_sse_customer_key": secret}
    streamed = driver.upload_object_via_stream(io.BytesIO(data), container, "streamed", extra=sse)
    assert streamed.size == size
    if s3_server.name == "rgw":  # moto stores SSE-C objects unencrypted and serves them without the key
        assert head.extra["sse_customer_algorithm"] == "AES256"
        with pytest.raises(AuroraError) as info:
            list(driver.download_object_as_stream(head))
        assert info.value.status == 400
        with pytest.raises(AuroraError):
            driver.get_object(container.name, "secret obj")
        with pytest.raises(AuroraError) as info:
            driver.get_object(container.name, "secret obj", ex_sse_customer_key=os.urandom(32))
        assert secret not in str(info.value)
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_sse_s3(s3_server: Any, driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    obj = driver.upload_object_via_stream(
        iter([b"at rest"]), container, "sse-s3", extra={"ex_server_side_encryption": "AES256"}
    )
    assert obj.hash == hashlib.md5(b"at rest").hexdigest()  # SSE-S3 keeps the ETag an MD5
    got = driver.get_object(container.name, "sse-s3")
    if s3_server.name == "moto":
        assert got.extra["server_side_encryption"] == "AES256"
    else:  # RGW Pacific without a KMS backend accepts the header but neither encrypts nor reports it
        assert "server_side_encryption" not in got.extra
    assert b"".join(driver.download_object_as_stream(got)) == b"at rest"


@pytest.mark.parametrize("algorithm", ["SHA256", "CRC32"])
def test_checksums_are_sent_for_single_put_uploads(
    driver: BaseS3StorageDriver, container: aurora.Container, algorithm: str, tmp_path: Any
) -> None:
    # Neither RGW Pacific nor moto 5 verifies x-amz-checksum-*; AWS and Ceph Squid do.
    small = tmp_path / "small"
    small.write_bytes(b"checked")
    driver.upload_object(str(small), container, "file", extra={"ex_checksum_algorithm": algorithm})
    driver.upload_object_via_stream(
        iter([b"chec", b"ked"]), container, "stream", extra={"ex_checksum_algorithm": algorithm}
    )
    for name in ("file", "stream"):
        assert b"".join(driver.download_object_as_stream(driver.get_object(container.name, name))) == b"checked"
    big = tmp_path / "big"
    big.write_bytes(payload(6 * MiB))
    with pytest.raises(InvalidArgumentError, match="ex_checksum_algorithm"):
        driver.upload_object(str(big), container, "big", extra={"ex_checksum_algorithm": algorithm})
    assert sorted(o.name for o in driver.list_container_objects(container)) == ["file", "stream"]


# -- clock skew -----------------------------------------------------------------------------


class Recording:
    """A real transport that also records the status of every answer."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.statuses: List[int] = []

    def send(self, *args: Any, **kwargs: Any) -> Response:
        response = self.transport.send(*args, **kwargs)
        self.statuses.append(response.status)
        return response

    def close(self) -> None:
        self.transport.close()


@pytest.mark.parametrize("version", ["4", "2"])
def test_clock_skew_is_corrected_by_rgw_date(s3_server: Any, version: str, bucket_name: str) -> None:
    if s3_server.name != "rgw":
        pytest.skip("moto does not check request times; RGW refuses them beyond 15 minutes")
    recording = Recording(Transport(s3_server.host, s3_server.port, False))
    client = S3Client(
        recording,  # type: ignore[arg-type]
        Credentials(s3_server.access_key, s3_server.secret_key),
        host_header="%s:%d" % (s3_server.host, s3_server.port),
        region=s3_server.region,
        signature_version=version,
        clock=lambda: utc_now() + timedelta(hours=1),
    )
    client.create_bucket(bucket_name)
    assert recording.statuses == [403, 200]
    assert abs(client.clock_skew + timedelta(hours=1)) < timedelta(minutes=5)
    client.head_bucket(bucket_name)
    assert recording.statuses[-1] == 200 and len(recording.statuses) == 3
    skewed_head = S3Client(
        recording,  # type: ignore[arg-type]
        Credentials(s3_server.access_key, s3_server.secret_key),
        host_header="%s:%d" % (s3_server.host, s3_server.port),
        region=s3_server.region,
        signature_version=version,
        clock=lambda: utc_now() - timedelta(hours=1),
    )
    skewed_head.head_bucket(bucket_name)  # no body says why; the Date header does
    assert recording.statuses[-2:] == [403, 200]
    client.close()


# -- proxies ---------------------------------------------------------------------------------


def exercise(drv: BaseS3StorageDriver, bucket: str) -> None:
    box = drv.create_container(bucket)
    drv.upload_object_via_stream(iter([b"via proxy"]), box, "p key")
    assert [o.name for o in drv.list_container_objects(box)] == ["p key"]
    assert b"".join(drv.download_object_as_stream(drv.get_object(bucket, "p key"))) == b"via proxy"


def test_driver_through_a_proxy_url(s3_server: Any, bucket_name: str) -> None:
    with ForwardProxy() as proxy:
        drv = make_driver(s3_server, proxy_url=proxy.url)
        exercise(drv, bucket_name)
        drv.close()
        seen = proxy.seen
    base = "http://%s:%d/%s" % (s3_server.host, s3_server.port, bucket_name)
    assert ("PUT", base) in seen
    assert ("PUT", base + "/p%20key") in seen
    assert any(method == "GET" and target.startswith(base + "?list-type=2") for method, target in seen)


def test_proxy_from_the_environment_and_no_proxy(
    s3_server: Any, s3_cleanup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        drv = make_driver(s3_server)
        exercise(drv, s3_cleanup.new_name())
        drv.close()
        through = len(proxy.seen)
        monkeypatch.setenv("NO_PROXY", "localhost,%s" % s3_server.host)
        direct = make_driver(s3_server)
        exercise(direct, s3_cleanup.new_name())
        direct.close()
        assert through >= 4
        assert len(proxy.seen) == through


def test_the_test_proxy_tunnels_connect(s3_server: Any) -> None:
    with ForwardProxy() as proxy, socket.create_connection(("127.0.0.1", int(proxy.url.rsplit(":", 1)[1]))) as sock:
        target = "%s:%d" % (s3_server.host, s3_server.port)
        sock.sendall(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target.encode(), target.encode()))
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += sock.recv(4096)
        assert reply.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % target.encode())
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 ")
        assert proxy.seen == [("CONNECT", target)]


# --- ex_upload_objects: many small files at once from one thread ---------------------------------


def test_ex_upload_objects_uploads_each_file_and_reports_each_failure(
    driver: BaseS3StorageDriver, container: aurora.Container, tmp_path: Any
) -> None:
    sizes = [0, 1, 4096, 100_000, 256 * 1024, 256 * 1024 + 1, 6 * MiB]  # the last two: upload_object's engine
    files = []
    for index, size in enumerate(sizes):
        path = tmp_path / ("f%d.txt" % index)
        path.write_bytes(payload(size, seed=index))
        files.append((str(path), "many/f%d.txt" % index))
    files.insert(3, (str(tmp_path / "missing.bin"), "many/missing.bin"))
    files.insert(5, (str(tmp_path / "f1.txt"), "x" * 1025))  # a key S3 refuses: too long
    extra = {"meta_data": {"batch": "one"}}
    outcomes = {
        name: (path, outcome)
        for path, name, outcome in driver.ex_upload_objects(iter(files), container, extra=extra, ex_jobs=3)
    }
    assert sorted(outcomes) == sorted(name for _, name in files)
    missing = outcomes["many/missing.bin"][1]
    assert isinstance(missing, FileNotFoundError) and "missing.bin" in str(missing)
    too_long = outcomes["x" * 1025][1]
    assert isinstance(too_long, InvalidArgumentError) and too_long.driver is driver
    for index, size in enumerate(sizes):
        name = "many/f%d.txt" % index
        path, obj = outcomes[name]
        assert isinstance(obj, aurora.Object) and path == str(tmp_path / ("f%d.txt" % index))
        assert (obj.name, obj.size, obj.container.name) == (name, size, container.name)
        assert obj.extra["content_type"] == "text/plain" and obj.meta_data == {"batch": "one"}
        if size <= 256 * 1024:
            assert obj.hash == hashlib.md5(payload(size, seed=index)).hexdigest()
        stored = driver.get_object(container.name, name)
        assert stored.size == size and stored.meta_data == {"batch": "one"}
        assert b"".join(driver.download_object_as_stream(stored)) == payload(size, seed=index)


def test_ex_upload_objects_refuses_a_bad_jobs_count(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    for jobs in (0, -1, True, 2.5):
        with pytest.raises(InvalidArgumentError, match="ex_jobs"):
            next(driver.ex_upload_objects(iter([]), container, ex_jobs=jobs))  # type: ignore[arg-type]


def test_ex_upload_objects_through_a_plain_http_proxy(s3_server: Any, bucket_name: str, tmp_path: Any) -> None:
    """The one-thread uploads write the absolute-form request-target a plain HTTP proxy needs."""
    files = []
    for index in range(6):
        path = tmp_path / ("p%d.bin" % index)
        path.write_bytes(payload(100 + index, seed=index))
        files.append((str(path), "proxied/p%d.bin" % index))
    with ForwardProxy() as proxy:
        drv = make_driver(s3_server, proxy_url=proxy.url)
        container = drv.create_container(bucket_name)
        outcomes = list(drv.ex_upload_objects(iter(files), container, ex_jobs=3))
        drv.close()
        seen = proxy.seen
    assert all(isinstance(outcome, aurora.Object) for _, _, outcome in outcomes) and len(outcomes) == 6
    base = "http://%s:%d/%s" % (s3_server.host, s3_server.port, bucket_name)
    assert {("PUT", base + "/proxied/p%d.bin" % index) for index in range(6)} <= set(seen)
