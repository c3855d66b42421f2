"""The test servers themselves: each answers S3 the way the other tests rely on.

These go through boto3 only, so a failure here points at the harness (tests/servers,
the fixtures in tests/conftest.py), not at aurora.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from botocore.exceptions import ClientError

MiB = 1024 * 1024


def _code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def test_server_info_hides_the_secret(s3_server: Any) -> None:
    assert s3_server.endpoint_url == f"http://{s3_server.host}:{s3_server.port}"
    assert s3_server.host == "127.0.0.1"
    assert s3_server.secret_key not in repr(s3_server)


def test_bucket_name_is_fresh_and_dns_valid(bucket_name: str, boto3_client: Any) -> None:
    assert bucket_name.startswith("t-") and bucket_name == bucket_name.lower()
    assert 3 <= len(bucket_name) <= 63 and all(ch.isalnum() or ch == "-" for ch in bucket_name)
    names = [b["Name"] for b in boto3_client.list_buckets()["Buckets"]]
    assert bucket_name not in names


def test_put_get_round_trip_sigv4(bucket_name: str, boto3_client: Any) -> None:
    boto3_client.create_bucket(Bucket=bucket_name)
    body = b"hello \x00 world" * 100
    boto3_client.put_object(Bucket=bucket_name, Key="dir/a b+c.txt", Body=body)
    got = boto3_client.get_object(Bucket=bucket_name, Key="dir/a b+c.txt")
    assert got["Body"].read() == body
    listed = boto3_client.list_objects_v2(Bucket=bucket_name)["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("dir/a b+c.txt", len(body))]


def test_put_get_round_trip_sigv2(s3_server: Any, bucket_name: str, boto3_client: Any, make_boto3_client: Any) -> None:
    # botocore's SigV2 signs a bucket-level path-style request as "/bucket/" where RGW
    # expects "/bucket", so the bucket is made with SigV4 and only objects use SigV2.
    boto3_client.create_bucket(Bucket=bucket_name)
    v2 = make_boto3_client(s3_server, signature_version="s3")
    v2.put_object(Bucket=bucket_name, Key="v2 key", Body=b"signed with v2")
    assert v2.get_object(Bucket=bucket_name, Key="v2 key")["Body"].read() == b"signed with v2"
    assert v2.head_object(Bucket=bucket_name, Key="v2 key")["ContentLength"] == len(b"signed with v2")


def test_multipart_upload_of_two_5mib_parts(bucket_name: str, boto3_client: Any) -> None:
    boto3_client.create_bucket(Bucket=bucket_name)
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB)]
    upload_id = boto3_client.create_multipart_upload(Bucket=bucket_name, Key="big")["UploadId"]
    done = []
    for number, data in enumerate(parts, start=1):
        answer = boto3_client.upload_part(
            Bucket=bucket_name, Key="big", UploadId=upload_id, PartNumber=number, Body=data
        )
        assert answer["ETag"].strip('"') == hashlib.md5(data).hexdigest()
        done.append({"PartNumber": number, "ETag": answer["ETag"]})
    boto3_client.complete_multipart_upload(
        Bucket=bucket_name, Key="big", UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    head = boto3_client.head_object(Bucket=bucket_name, Key="big")
    assert head["ContentLength"] == 10 * MiB
    assert head["ETag"].strip('"').endswith("-2")
    assert boto3_client.get_object(Bucket=bucket_name, Key="big")["Body"].read() == b"".join(parts)


def test_server_enforces_the_minimum_part_size(bucket_name: str, boto3_client: Any) -> None:
    boto3_client.create_bucket(Bucket=bucket_name)
    upload_id = boto3_client.create_multipart_upload(Bucket=bucket_name, Key="small")["UploadId"]
    done = []
    for number in (1, 2):
        answer = boto3_client.upload_part(
            Bucket=bucket_name, Key="small", UploadId=upload_id, PartNumber=number, Body=b"x" * 1024
        )
        done.append({"PartNumber": number, "ETag": answer["ETag"]})
    with pytest.raises(ClientError) as caught:
        boto3_client.complete_multipart_upload(
            Bucket=bucket_name, Key="small", UploadId=upload_id, MultipartUpload={"Parts": done}
        )
    assert _code(caught.value) == "EntityTooSmall"


def test_cleanup_removes_objects_and_open_uploads(s3_cleanup: Any, boto3_client: Any) -> None:
    bucket = s3_cleanup.new_name()
    boto3_client.create_bucket(Bucket=bucket)
    for key in ("a", "b/c", "d e"):
        boto3_client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    boto3_client.create_multipart_upload(Bucket=bucket, Key="unfinished")
    assert s3_cleanup.delete(bucket) is True
    with pytest.raises(ClientError) as caught:
        boto3_client.head_bucket(Bucket=bucket)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert s3_cleanup.delete(bucket) is False
