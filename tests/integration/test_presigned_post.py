"""Browser uploads with ex_presign_post: the form sent with http.client as a browser sends it.

The server checks the policy: every field must be allowed by a condition, and
a form breaking one is refused.  Ceph RGW enforces the policy (each refusal
is checked there); moto accepts the form without checking it, so on moto only
the upload itself is checked.
"""

from __future__ import annotations

import http.client
import uuid
from datetime import timedelta
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import pytest

import aurora
from aurora import Provider, get_driver
from aurora.core.post_policy import presigned_post_fields
from aurora.drivers.s3 import BaseS3StorageDriver


def make_driver(server: Any, signature_version: str) -> BaseS3StorageDriver:
    cls = get_driver(Provider.S3_RGW) if server.name == "rgw" else get_driver(Provider.S3)
    return cls(
        server.access_key,
        server.secret_key,
        secure=False,
        host=server.host,
        port=server.port,
        region=server.region,
        signature_version=signature_version,
    )


@pytest.fixture(params=["4", "2"], ids=["sigv4", "sigv2"])
def driver(request: pytest.FixtureRequest, s3_server: Any) -> Iterator[BaseS3StorageDriver]:
    drv = make_driver(s3_server, request.param)
    yield drv
    drv.close()


@pytest.fixture
def container(driver: BaseS3StorageDriver, bucket_name: str) -> aurora.Container:
    return driver.create_container(bucket_name)


def multipart_body(fields: Mapping[str, str], filename: str, data: bytes) -> Tuple[bytes, str]:
    """A multipart/form-data body as a browser builds it: the fields, then the file last."""
    boundary = "----aurora" + uuid.uuid4().hex
    parts: List[bytes] = []
    for name, value in fields.items():
        parts.append(
            ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n' % (boundary, name)).encode("utf-8")
            + value.encode("utf-8")
            + b"\r\n"
        )
    parts.append(
        (
            '--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n" % (boundary, filename)
        ).encode("utf-8")
        + data
        + b"\r\n"
    )
    parts.append(("--%s--\r\n" % boundary).encode("ascii"))
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def post_form(url: str, fields: Mapping[str, str], data: bytes, filename: str = "photo.png") -> Tuple[int, bytes]:
    """POST the form to ``url`` with http.client; (status, body)."""
    parts = urlsplit(url)
    body, content_type = multipart_body(fields, filename, data)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=30)
    try:
        connection.request("POST", parts.path or "/", body=body, headers={"Content-Type": content_type})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


CONDITIONS: List[Any] = [
    ["content-length-range", 1, 1000],
    ["starts-with", "$Content-Type", "image/"],
    {"acl": "public-read"},
    {"success_action_status": "201"},
    {"x-amz-meta-owner": "ann"},
]
FIELDS = {
    "acl": "public-read",
    "Content-Type": "image/png",
    "success_action_status": "201",
    "x-amz-meta-owner": "ann",
}


def allowed_form(driver: BaseS3StorageDriver, container: aurora.Container, key: str) -> Dict[str, Any]:
    return driver.ex_presign_post(container.name, key, expires=600, conditions=CONDITIONS, fields=FIELDS)


def test_browser_upload_lands_with_the_allowed_fields(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    form = allowed_form(driver, container, "uploads/${filename}")
    status, body = post_form(form["url"], form["fields"], b"\x89PNG picture", filename="cat.png")
    assert status == 201, body
    obj = driver.get_object(container.name, "uploads/cat.png")
    assert b"".join(driver.download_object_as_stream(obj)) == b"\x89PNG picture"
    assert obj.extra["content_type"] == "image/png"
    assert obj.meta_data == {"owner": "ann"}


def test_fixed_key_form(driver: BaseS3StorageDriver, container: aurora.Container) -> None:
    form = driver.ex_presign_post(container.name, "exact key.txt", expires=60)
    status, body = post_form(form["url"], form["fields"], b"hello")
    assert status in (200, 204), body
    assert driver.get_object(container.name, "exact key.txt").size == 5


BROKEN: List[Tuple[str, Optional[Dict[str, str]], bytes]] = [
    ("too large", None, b"x" * 1001),
    ("empty file", None, b""),
    ("content type", {"Content-Type": "text/html"}, b"data"),
    ("acl", {"acl": "public-read-write"}, b"data"),
    ("status", {"success_action_status": "200"}, b"data"),
    ("metadata", {"x-amz-meta-owner": "eve"}, b"data"),
    ("unlisted field", {"x-amz-meta-extra": "x"}, b"data"),
    ("key outside prefix", {"key": "elsewhere/${filename}"}, b"data"),
]


@pytest.mark.parametrize("name, change, data", BROKEN, ids=[case[0] for case in BROKEN])
def test_rgw_refuses_a_form_breaking_a_condition(
    s3_server: Any,
    driver: BaseS3StorageDriver,
    container: aurora.Container,
    name: str,
    change: Optional[Dict[str, str]],
    data: bytes,
) -> None:
    if s3_server.name != "rgw":
        pytest.skip("moto stores a POST upload without checking its policy")
    form = allowed_form(driver, container, "uploads/${filename}")
    fields = dict(form["fields"])
    fields.update(change or {})
    status, body = post_form(form["url"], fields, data)
    assert status in (400, 403), (name, status, body)
    assert list(driver.iterate_container_objects(container)) == []


def test_rgw_refuses_an_expired_policy(
    s3_server: Any, driver: BaseS3StorageDriver, container: aurora.Container
) -> None:
    if s3_server.name != "rgw":
        pytest.skip("moto stores a POST upload without checking its policy")
    client = driver.client
    fields = presigned_post_fields(
        container.name,
        "late.txt",
        client.credentials,
        now=client.now() - timedelta(minutes=10),
        expires=60,
        signature_version=client.signature_version,
        region=client.region,
    )
    status, body = post_form(driver.ex_presign_post(container.name, "late.txt")["url"], fields, b"late")
    assert status in (400, 403), body
    assert list(driver.iterate_container_objects(container)) == []


def test_rgw_refuses_a_forged_signature(
    s3_server: Any, driver: BaseS3StorageDriver, container: aurora.Container
) -> None:
    if s3_server.name != "rgw":
        pytest.skip("moto stores a POST upload without checking its signature")
    form = driver.ex_presign_post(container.name, "forged.txt", expires=60)
    fields = dict(form["fields"])
    name = "x-amz-signature" if "x-amz-signature" in fields else "signature"
    fields[name] = fields[name][:-4] + ("0000" if not fields[name].endswith("0000") else "1111")
    status, body = post_form(form["url"], fields, b"forged")
    assert status == 403, body
