"""Error answers become the libcloud exception classes libcloud users catch."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Optional

import pytest

import aurora
from aurora import errors
from aurora.s3.errors import error_from_response, parse_retry_after

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def body(code: str, message: str = "msg") -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>%s</Message>"
        "<RequestId>tx-1</RequestId></Error>" % (code, message)
    ).encode()


@pytest.mark.parametrize(
    "status,code,expected",
    [
        (404, "NoSuchBucket", aurora.ContainerDoesNotExistError),
        (404, "NoSuchKey", aurora.ObjectDoesNotExistError),
        (409, "BucketNotEmpty", aurora.ContainerIsNotEmptyError),
        (409, "BucketAlreadyOwnedByYou", aurora.ContainerAlreadyExistsError),
        (409, "BucketAlreadyExists", aurora.ContainerAlreadyExistsError),
        (409, "BucketAlreadyExists", aurora.InvalidContainerNameError),
        (400, "InvalidBucketName", aurora.InvalidContainerNameError),
        (403, "AccessDenied", aurora.InvalidCredsError),
        (403, "SignatureDoesNotMatch", aurora.InvalidCredsError),
        (403, "InvalidAccessKeyId", aurora.InvalidCredsError),
        (401, "SomethingNew", aurora.InvalidCredsError),
        (400, "BadDigest", aurora.ObjectHashMismatchError),
        (503, "SlowDown", errors.SlowDown),
        (500, "InternalError", errors.InternalError),
        (418, "Teapot", errors.S3ResponseError),
    ],
)
def test_codes_map_to_libcloud_classes(status: int, code: str, expected: type) -> None:
    error = error_from_response(
        status=status, reason="", body=body(code), method="GET", bucket="b", key="k" if "Key" in code else None
    )
    assert isinstance(error, expected)
    assert isinstance(error, aurora.LibcloudError)
    assert (error.status, error.code, error.request_id) == (status, code, "tx-1")
    assert error.container_name == "b"


@pytest.mark.parametrize(
    "status,key,expected",
    [
        (404, None, aurora.ContainerDoesNotExistError),
        (404, "k", aurora.ObjectDoesNotExistError),
        (403, "k", aurora.InvalidCredsError),
        (503, None, errors.ServiceUnavailable),
    ],
)
def test_bodiless_head_answers_are_mapped_by_status(status: int, key: Optional[str], expected: type) -> None:
    error = error_from_response(status=status, reason="", body=b"", method="HEAD", bucket="b", key=key)
    assert isinstance(error, expected)
    assert error.object_name == key


@pytest.mark.parametrize(
    "name,expected",
    [
        ("error_no_such_bucket.xml", aurora.ContainerDoesNotExistError),
        ("error_no_such_key.xml", aurora.ObjectDoesNotExistError),
        ("error_bucket_not_empty.xml", aurora.ContainerIsNotEmptyError),
        ("error_no_such_upload.xml", aurora.ObjectError),
    ],
)
@pytest.mark.parametrize("server", ["rgw", "moto"])
def test_captured_error_bodies(server: str, name: str, expected: type) -> None:
    captured = (FIXTURES / server / name).read_bytes()
    error = error_from_response(status=404, reason="Not Found", body=captured, method="GET", bucket="b", key="k")
    assert isinstance(error, expected)
    assert error.code and error.code in str(error)
    assert "GET /b/k" in str(error)


def test_garbage_body_falls_back_on_the_status() -> None:
    error = error_from_response(status=500, reason="Internal", body=b"<html>oops", method="PUT", bucket="b", key="k")
    assert isinstance(error, errors.InternalError)
    assert error.status == 500


def test_error_carries_upload_id_and_retry_after_and_pickles() -> None:
    error = error_from_response(
        status=503,
        reason="",
        body=body("SlowDown"),
        method="PUT",
        bucket="b",
        key="k",
        upload_id="up-1",
        retry_after="2",
    )
    assert (error.upload_id, error.retry_after) == ("up-1", 2.0)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.SlowDown and copy.data() == error.data()


@pytest.mark.parametrize(
    "value,expected",
    [("3", 3.0), (" 1.5 ", 1.5), ("-1", None), ("soon", None), (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", None)],
)
def test_retry_after_seconds(value: object, expected: object) -> None:
    assert parse_retry_after(value) == expected  # type: ignore[arg-type]
