"""Hostile input, from the caller or from the server, is refused with a clear aurora error.

Caller input that cannot be sent safely is refused before any byte leaves:
the driver under test talks through the fault proxy, and the proxy must not
even see a connection.  Hostile answers (XML with a DOCTYPE, bodies that
disagree with their Content-Length) are served by the proxy itself.
"""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
from faults.matchers import is_complete, is_get, is_list
from faults.proxy import FaultProxy, Respond
from faults.support import fast_config, leftovers, make_driver, object_bytes, object_keys, payload

import aurora
from aurora.config import MiB
from aurora.drivers.s3 import BaseS3StorageDriver
from aurora.errors import (
    InvalidContainerNameError,
    InvalidObjectNameError,
    ProtocolError,
    TransferError,
    XMLParseError,
)


@pytest.fixture
def bucket(bucket_name: str, boto3_client: Any) -> str:
    boto3_client.create_bucket(Bucket=bucket_name)
    return bucket_name


@pytest.fixture
def proxy(s3_server: Any) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.host, s3_server.port) as fault_proxy:
        yield fault_proxy


@pytest.fixture
def proxied(s3_server: Any, proxy: FaultProxy) -> Iterator[BaseS3StorageDriver]:
    driver = make_driver(s3_server, proxy.host, proxy.port, fast_config())
    yield driver
    driver.close()


@pytest.fixture
def direct(s3_server: Any) -> Iterator[BaseS3StorageDriver]:
    driver = make_driver(s3_server, s3_server.host, s3_server.port, fast_config())
    yield driver
    driver.close()


def nothing_sent(proxy: FaultProxy) -> bool:
    return proxy.connections == 0 and proxy.seen() == []


# -- downloads into a directory never write outside it ------------------------------------


ESCAPING_KEYS = ["../x", "a/../../x", "/etc/x", "../../../../../../../../tmp/aurora-escape"]


@pytest.mark.parametrize("key", ESCAPING_KEYS)
@pytest.mark.parametrize("trailing_slash", [True, False], ids=["dir/", "dir"])
def test_download_into_a_directory_never_writes_outside_it(
    s3_server: Any,
    proxy: FaultProxy,
    proxied: BaseS3StorageDriver,
    direct: BaseS3StorageDriver,
    bucket: str,
    boto3_client: Any,
    tmp_path: Path,
    key: str,
    trailing_slash: bool,
) -> None:
    boto3_client.put_object(Bucket=bucket, Key=key, Body=b"escaped!")
    listed = [obj for obj in direct.list_container_objects(direct.get_container(bucket)) if obj.name == key]
    assert len(listed) == 1  # the hostile name really exists on the server
    inside = tmp_path / "inside"
    inside.mkdir()
    outside_before = {p for p in ("/etc/x", "/tmp/aurora-escape", str(tmp_path / "x")) if os.path.lexists(p)}
    with pytest.raises(aurora.InvalidArgumentError, match="outside"):
        proxied.download_object(listed[0], str(inside) + (os.sep if trailing_slash else ""))
    assert nothing_sent(proxy)
    assert leftovers(tmp_path) == ["inside"]
    assert {p for p in ("/etc/x", "/tmp/aurora-escape", str(tmp_path / "x")) if os.path.lexists(p)} == outside_before


def test_download_never_follows_a_symlink_out_of_the_directory(
    s3_server: Any, proxy: FaultProxy, proxied: BaseS3StorageDriver, bucket: str, tmp_path: Path
) -> None:
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (inside / "link").symlink_to(outside, target_is_directory=True)
    obj = aurora.Object("link/x", 8, None, {}, {}, aurora.Container(bucket, {}, proxied), proxied)
    with pytest.raises(aurora.InvalidArgumentError, match="outside"):
        proxied.download_object(obj, str(inside) + os.sep)
    assert nothing_sent(proxy)
    assert list(outside.iterdir()) == []


# -- header injection ------------------------------------------------------------------------


BAD_VALUES = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"]


def upload_with(driver: BaseS3StorageDriver, bucket: str, key: str, tmp_path: Path, how: str, **kwargs: Any) -> Any:
    container = aurora.Container(bucket, {}, driver)  # built locally: no request
    if how == "stream":
        return driver.upload_object_via_stream(iter([b"data"]), container, key, **kwargs)
    path = tmp_path / "source"
    path.write_bytes(payload(6 * MiB if how == "multipart-file" else 10, seed=31))
    return driver.upload_object(str(path), container, key, **kwargs)


INJECTIONS: Dict[str, Callable[[str], Dict[str, Any]]] = {
    "meta-value": lambda bad: {"extra": {"meta_data": {"note": bad}}},
    "meta-name": lambda bad: {"extra": {"meta_data": {bad: "value"}}},
    "content-type": lambda bad: {"extra": {"content_type": "text/plain" + bad}},
    "cache-control": lambda bad: {"extra": {"cache_control": bad}},
    "content-disposition": lambda bad: {"extra": {"content_disposition": bad}},
    "header-value": lambda bad: {"headers": {"X-Custom": bad}},
    "header-name": lambda bad: {"headers": {"X-Cus" + bad: "v"}},
    "acl": lambda bad: {"extra": {"acl": "private" + bad}},
}


@pytest.mark.parametrize("how", ["stream", "file", "multipart-file"])
@pytest.mark.parametrize("where", sorted(INJECTIONS))
@pytest.mark.parametrize("bad", BAD_VALUES, ids=["crlf", "lf", "cr", "nul"])
def test_line_breaks_in_headers_and_metadata_are_refused_before_sending(
    proxy: FaultProxy,
    proxied: BaseS3StorageDriver,
    bucket: str,
    boto3_client: Any,
    tmp_path: Path,
    how: str,
    where: str,
    bad: str,
) -> None:
    with pytest.raises(aurora.InvalidArgumentError):
        upload_with(proxied, bucket, "injected", tmp_path, how, **INJECTIONS[where](bad))
    assert nothing_sent(proxy)
    assert object_keys(boto3_client, bucket) == []


@pytest.mark.parametrize("bad", BAD_VALUES, ids=["crlf", "lf", "cr", "nul"])
def test_line_breaks_in_presigned_headers_are_refused(proxied: BaseS3StorageDriver, bucket: str, bad: str) -> None:
    with pytest.raises(aurora.InvalidArgumentError):
        proxied.ex_presign_url(bucket, "k", method="PUT", headers={"Content-Type": bad})


# -- invalid bucket names ----------------------------------------------------------------------


UNSENDABLE_BUCKETS = ["other-bucket/key", "../escape", "", "tab\tname", "x" * 256]
"""Names no request can carry: refused by every operation before anything is sent."""
BAD_BUCKETS = ["UPPER", "a", "under_score", "-dash", "dot.", "192.168.0.1", "a..b", "x" * 64] + UNSENDABLE_BUCKETS
"""Names outside S3's DNS rules: refused where a bucket is made (other calls reach them path-style)."""


def bucket_operations() -> List[Any]:
    def container(driver: BaseS3StorageDriver, name: str) -> aurora.Container:
        return aurora.Container(name, {}, driver)

    def obj(driver: BaseS3StorageDriver, name: str) -> aurora.Object:
        return aurora.Object("key", 4, None, {}, {}, container(driver, name), driver)

    operations = {
        "get_container": lambda d, n, p: d.get_container(n),
        "create_container": lambda d, n, p: d.create_container(n),
        "get_object": lambda d, n, p: d.get_object(n, "key"),
        "presign": lambda d, n, p: d.ex_presign_url(n, "key"),
        "delete_container": lambda d, n, p: d.delete_container(container(d, n)),
        "list_objects": lambda d, n, p: d.list_container_objects(container(d, n)),
        "upload_stream": lambda d, n, p: d.upload_object_via_stream(iter([b"data"]), container(d, n), "key"),
        "upload_file": lambda d, n, p: d.upload_object(str(p), container(d, n), "key"),
        "download": lambda d, n, p: d.download_object(obj(d, n), str(p) + ".out"),
        "stream_download": lambda d, n, p: list(d.download_object_as_stream(obj(d, n))),
        "delete_object": lambda d, n, p: d.delete_object(obj(d, n)),
        "multipart_uploads": lambda d, n, p: list(d.ex_iterate_multipart_uploads(container(d, n))),
    }
    for name, call in operations.items():
        call.__name__ = name
    return [pytest.param(call, id=name) for name, call in operations.items()]


@pytest.mark.parametrize("operation", bucket_operations())
def test_invalid_bucket_names_are_refused_before_sending(
    proxy: FaultProxy, proxied: BaseS3StorageDriver, tmp_path: Path, operation: Callable[..., Any]
) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"data")
    names = BAD_BUCKETS if operation.__name__ == "create_container" else UNSENDABLE_BUCKETS
    refused = []
    for name in names:
        try:
            operation(proxied, name, source)
        except InvalidContainerNameError as error:
            refused.append(name)
            assert isinstance(error, aurora.AuroraError) and isinstance(error, ValueError)
            assert repr(name) in str(error)
        except aurora.AuroraError:
            pass  # sent and answered by the server: counted below
    assert refused == names
    assert nothing_sent(proxy)


def test_a_container_name_with_a_slash_cannot_reach_into_another_bucket(
    s3_cleanup: Any, proxied: BaseS3StorageDriver, boto3_client: Any
) -> None:
    """``Container("victim/sub")`` must not become a PUT of ``sub/key`` into bucket ``victim``."""
    victim = s3_cleanup.new_name()
    boto3_client.create_bucket(Bucket=victim)
    with pytest.raises(InvalidContainerNameError):
        proxied.upload_object_via_stream(iter([b"planted"]), aurora.Container(victim + "/sub", {}, proxied), "key")
    assert object_keys(boto3_client, victim) == []


# -- keys longer than 1,024 bytes ----------------------------------------------------------------


LONG_KEYS = ["k" * 1025, "é" * 513, "日" * 342]  # 1,025, 1,026 and 1,026 UTF-8 bytes


def key_operations() -> List[Any]:
    def obj(driver: BaseS3StorageDriver, bucket: str, key: str) -> aurora.Object:
        return aurora.Object(key, 4, None, {}, {}, aurora.Container(bucket, {}, driver), driver)

    operations = {
        "upload_stream": lambda d, b, k, p: d.upload_object_via_stream(iter([b"d"]), aurora.Container(b, {}, d), k),
        "upload_file": lambda d, b, k, p: d.upload_object(str(p), aurora.Container(b, {}, d), k),
        "get_object": lambda d, b, k, p: d.get_object(b, k),
        "presign": lambda d, b, k, p: d.ex_presign_url(b, k),
        "download": lambda d, b, k, p: d.download_object(obj(d, b, k), str(p) + ".out"),
        "stream_download": lambda d, b, k, p: list(d.download_object_as_stream(obj(d, b, k))),
        "delete_object": lambda d, b, k, p: d.delete_object(obj(d, b, k)),
    }
    for name, call in operations.items():
        call.__name__ = name
    return [pytest.param(call, id=name) for name, call in operations.items()]


@pytest.mark.parametrize("operation", key_operations())
def test_keys_over_1024_bytes_are_refused_before_sending(
    proxy: FaultProxy,
    proxied: BaseS3StorageDriver,
    bucket: str,
    boto3_client: Any,
    tmp_path: Path,
    operation: Callable[..., Any],
) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"data")
    refused = []
    for key in LONG_KEYS + [""]:
        try:
            operation(proxied, bucket, key, source)
        except InvalidObjectNameError as error:
            refused.append(key)
            assert isinstance(error, ValueError)
        except aurora.AuroraError:
            pass
    assert refused == LONG_KEYS + [""]
    assert nothing_sent(proxy)
    assert object_keys(boto3_client, bucket) == []


def test_a_key_of_exactly_1024_bytes_is_accepted(direct: BaseS3StorageDriver, bucket: str, boto3_client: Any) -> None:
    key = "é" * 511 + "ab"  # 1,024 UTF-8 bytes
    direct.upload_object_via_stream(iter([b"fits"]), direct.get_container(bucket), key)
    assert object_bytes(boto3_client, bucket, key) == b"fits"


# -- presigned URL expiry ----------------------------------------------------------------------


@pytest.mark.parametrize("signature_version", ["4", "2"])
@pytest.mark.parametrize("expires", [0, -1, 604801, 10**12, 1.5, "3600", None])
def test_presign_expiry_out_of_range_is_refused(
    s3_server: Any, proxy: FaultProxy, bucket: str, signature_version: str, expires: Any
) -> None:
    with closing(make_driver(s3_server, proxy.host, proxy.port, signature_version=signature_version)) as driver:
        with pytest.raises(aurora.InvalidArgumentError, match="expires"):
            driver.ex_presign_url(bucket, "key", expires=expires)
        assert driver.ex_presign_url(bucket, "key", expires=604800).startswith("http://127.0.0.1:")
        assert driver.ex_presign_url(bucket, "key", expires=1)
    assert nothing_sent(proxy)


# -- hostile XML answers -------------------------------------------------------------------------


HOSTILE_XML = {
    "billion-laughs": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<ListBucketResult><Name>&lol3;</Name></ListBucketResult>"
    ),
    "external-entity": (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<ListBucketResult><Name>&xxe;</Name><IsTruncated>false</IsTruncated></ListBucketResult>"
    ),
    "doctype-only": b"<!DOCTYPE ListBucketResult><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>",
    "lower-case-doctype": b"<!doctype x><ListAllMyBucketsResult/>",
    "utf-16-doctype": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r><ListBucketResult/>'.encode("utf-16"),
    "parameter-entity": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd">%p;]><ListBucketResult/>'
    ),
}


def xml_answer(body: bytes) -> Respond:
    return Respond(200, body, (("Content-Type", "application/xml"),))


@pytest.mark.parametrize("name", sorted(HOSTILE_XML))
@pytest.mark.parametrize("operation", ["list_objects", "list_containers", "multipart_uploads"])
def test_xml_with_a_doctype_or_entities_is_refused(
    proxy: FaultProxy, proxied: BaseS3StorageDriver, bucket: str, name: str, operation: str
) -> None:
    proxy.add_rule(lambda request: request.method == "GET", xml_answer(HOSTILE_XML[name]), times=None)
    container = aurora.Container(bucket, {}, proxied)
    with pytest.raises(XMLParseError) as caught:
        if operation == "list_objects":
            proxied.list_container_objects(container)
        elif operation == "list_containers":
            proxied.list_containers()
        else:
            list(proxied.ex_iterate_multipart_uploads(container))
    assert "root:" not in str(caught.value) and "lol" not in str(caught.value)
    targets = [request.target for request in proxy.seen()]
    assert len(targets) == len(set(targets))  # refused, never retried


def test_hostile_xml_in_an_error_answer_is_not_expanded(
    proxy: FaultProxy, proxied: BaseS3StorageDriver, bucket: str
) -> None:
    proxy.add_rule(lambda request: True, Respond(403, HOSTILE_XML["external-entity"]), times=None)
    with pytest.raises(aurora.AuroraError) as caught:
        proxied.list_container_objects(aurora.Container(bucket, {}, proxied))
    assert caught.value.status == 403
    assert "root:" not in str(caught.value)


def test_hostile_xml_answer_to_complete_aborts_the_upload(
    proxy: FaultProxy, proxied: BaseS3StorageDriver, bucket: str, boto3_client: Any, tmp_path: Path
) -> None:
    proxy.add_rule(is_complete, xml_answer(HOSTILE_XML["billion-laughs"]), times=None)
    with pytest.raises(XMLParseError) as caught:
        upload_with(proxied, bucket, "hostile", tmp_path, "multipart-file")
    assert caught.value.upload_id
    assert boto3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert object_keys(boto3_client, bucket) == []


# -- answers whose length disagrees with Content-Length -------------------------------------------


def test_truncated_object_answer_leaves_no_file(
    proxy: FaultProxy, proxied: BaseS3StorageDriver, bucket: str, boto3_client: Any, tmp_path: Path
) -> None:
    boto3_client.put_object(Bucket=bucket, Key="object", Body=b"0123456789" * 10)
    obj = proxied.get_object(bucket, "object")
    proxy.add_rule(
        is_get, Respond(200, b"0123456789", (("Content-Length", "100"), ("ETag", '"%s"' % obj.hash))), times=None
    )
    target = tmp_path / "object"
    assert proxied.download_object(obj, str(target)) is False  # libcloud's answer to a short body
    assert leftovers(tmp_path) == []
    with pytest.raises(TransferError):
        b"".join(proxied.download_object_as_stream(obj))


def test_truncated_listing_answer_is_an_error(proxy: FaultProxy, proxied: BaseS3StorageDriver, bucket: str) -> None:
    listing = b'<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'
    proxy.add_rule(is_list, Respond(200, listing[:40], (("Content-Length", str(len(listing))),)), times=None)
    with pytest.raises(ProtocolError):
        proxied.list_container_objects(aurora.Container(bucket, {}, proxied))
    assert len(proxy.seen(is_list)) == 4  # a broken answer is retried, then reported


def test_bytes_beyond_content_length_never_answer_the_next_request(
    proxy: FaultProxy, proxied: BaseS3StorageDriver, bucket: str, boto3_client: Any
) -> None:
    """A server that sends more than it declared must not get to answer the next request."""
    boto3_client.put_object(Bucket=bucket, Key="real", Body=b"the real bytes")
    smuggled = b'HTTP/1.1 200 OK\r\nContent-Length: 4\r\nETag: "x"\r\n\r\nevil'
    proxy.add_rule(
        lambda request: is_get(request) and request.path.endswith("/first"),
        Respond(200, b"hello" + smuggled, (("Content-Length", "5"),), close=False),
    )
    first = aurora.Object("first", 5, None, {}, {}, aurora.Container(bucket, {}, proxied), proxied)
    assert b"".join(proxied.download_object_as_stream(first)) == b"hello"
    real = proxied.get_object(bucket, "real")
    assert b"".join(proxied.download_object_as_stream(real)) == b"the real bytes"
