"""The pure helpers behind the S3 driver's options: SSE-C, checksums, expiry, addressing, headers."""

from __future__ import annotations

import base64
import hashlib
import zlib
from pathlib import Path
from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.drivers.s3_options import (
    ChecksumHasher,
    addressing_style,
    checksum_headers,
    encryption_headers,
    file_checksum_headers,
    object_headers,
    presign_seconds,
    sse_customer_headers,
    stream_checksum_headers,
)
from aurora.errors import InvalidArgumentError
from aurora.s3.client import uses_virtual_host

KEY = bytes(range(32))


def test_sse_customer_headers_from_raw_bytes_and_base64() -> None:
    expected = {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY).decode(),
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(KEY).digest()).decode(),
    }
    assert sse_customer_headers(KEY) == expected
    assert sse_customer_headers(base64.b64encode(KEY).decode()) == expected
    assert sse_customer_headers(base64.b64encode(KEY)) == expected
    assert sse_customer_headers(bytearray(KEY)) == expected


@pytest.mark.parametrize("bad", [b"short", "bm90IDMyIGJ5dGVz", "not base64 at all!", 12345, b"x" * 33])
def test_sse_customer_key_must_be_32_bytes_and_is_never_echoed(bad: object) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        sse_customer_headers(bad)  # type: ignore[arg-type]
    assert "ex_sse_customer_key" in str(info.value)
    assert str(bad) not in str(info.value) or isinstance(bad, int)


def test_encryption_headers() -> None:
    assert encryption_headers({}) == {}
    assert encryption_headers({"ex_server_side_encryption": "AES256"}) == {"x-amz-server-side-encryption": "AES256"}
    assert "x-amz-server-side-encryption-customer-key" in encryption_headers({"ex_sse_customer_key": KEY})
    with pytest.raises(InvalidArgumentError, match="cannot be combined"):
        encryption_headers({"ex_sse_customer_key": KEY, "ex_server_side_encryption": "AES256"})
    with pytest.raises(InvalidArgumentError, match="'DES'"):
        encryption_headers({"ex_server_side_encryption": "DES"})


def test_checksums_match_known_values() -> None:
    # sha256("hello") and crc32("hello") = 0x3610a686, as S3 documents the header forms.
    sha = checksum_headers("SHA256", [b"he", b"llo"])
    assert sha == {
        "x-amz-checksum-sha256": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
        "x-amz-sdk-checksum-algorithm": "SHA256",
    }
    crc = checksum_headers("crc32", [b"hel", b"lo"])
    assert crc == {"x-amz-checksum-crc32": "NhCmhg==", "x-amz-sdk-checksum-algorithm": "CRC32"}
    assert checksum_headers("CRC32", [])["x-amz-checksum-crc32"] == "AAAAAA=="
    with pytest.raises(InvalidArgumentError, match="MD5"):
        ChecksumHasher("MD5")


@given(st.lists(st.binary(max_size=64), max_size=8))
def test_checksums_of_chunks_equal_those_of_the_whole(chunks: List[bytes]) -> None:
    whole = b"".join(chunks)
    assert (
        checksum_headers("SHA256", chunks)["x-amz-checksum-sha256"]
        == base64.b64encode(hashlib.sha256(whole).digest()).decode()
    )
    crc = zlib.crc32(whole).to_bytes(4, "big")
    assert checksum_headers("CRC32", chunks)["x-amz-checksum-crc32"] == base64.b64encode(crc).decode()


def test_file_checksum_refuses_files_above_the_single_put_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"hello")
    assert file_checksum_headers(str(path), "SHA256", 5)["x-amz-checksum-sha256"].startswith("LPJNul")
    with pytest.raises(InvalidArgumentError, match="at most 4 bytes"):
        file_checksum_headers(str(path), "SHA256", 4)


def test_stream_checksum_buffers_at_most_the_limit() -> None:
    data, headers = stream_checksum_headers(iter([b"hel", b"lo"]), "CRC32", 5)
    assert data == b"hello" and headers["x-amz-checksum-crc32"] == "NhCmhg=="
    with pytest.raises(InvalidArgumentError, match="at most one part"):
        stream_checksum_headers(iter([b"hello!"]), "CRC32", 5)


@pytest.mark.parametrize("hours, seconds", [(24.0, 86400), (1, 3600), (0.5, 1800), (168, 604800), (1 / 3600, 1)])
def test_presign_seconds_from_hours(hours: float, seconds: int) -> None:
    assert presign_seconds(hours) == seconds


@pytest.mark.parametrize("hours", [0, -1, 169, 1e9, "24", True, None])
def test_presign_seconds_out_of_range_names_the_value(hours: object) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        presign_seconds(hours)
    assert repr(hours) in str(info.value)


def test_addressing_style_argument_then_config_then_path() -> None:
    assert addressing_style(None, None) == "path"
    assert addressing_style(None, "virtual") == "virtual"
    assert addressing_style("Auto", "virtual") == "auto"
    with pytest.raises(InvalidArgumentError, match="'dns'"):
        addressing_style("dns", None)


@pytest.mark.parametrize(
    "style, bucket, host, virtual",
    [
        ("path", "bucket", "s3.example.com", False),
        ("virtual", "bucket", "s3.example.com", True),
        ("virtual", "my.dotted.bucket", "s3.example.com", True),
        ("auto", "bucket", "s3.example.com", True),
        ("auto", "my.dotted.bucket", "s3.example.com", False),
        ("auto", "Upper_Case", "s3.example.com", False),
        ("virtual", "Upper_Case", "s3.example.com", False),
        ("auto", "bucket", "127.0.0.1", False),
        ("virtual", "bucket", "::1", False),
        ("auto", None, "s3.example.com", False),
    ],
)
def test_uses_virtual_host(style: str, bucket: str, host: str, virtual: bool) -> None:
    assert uses_virtual_host(style, bucket, host) is virtual


def test_object_headers_from_extra() -> None:
    headers = object_headers(
        "a.json",
        {
            "meta_data": {"color": "blue"},
            "acl": "public-read",
            "cache_control": "max-age=60",
            "content_disposition": "attachment",
            "content_encoding": "gzip",
            "content_language": "nl",
            "storage_class": "standard_ia",
            "ex_server_side_encryption": "AES256",
        },
        {"x-custom": "1"},
        None,
    )
    assert headers == {
        "x-custom": "1",
        "Content-Type": "application/json",
        "x-amz-meta-color": "blue",
        "x-amz-acl": "public-read",
        "Cache-Control": "max-age=60",
        "Content-Disposition": "attachment",
        "Content-Encoding": "gzip",
        "Content-Language": "nl",
        "x-amz-storage-class": "STANDARD_IA",
        "x-amz-server-side-encryption": "AES256",
    }
    with pytest.raises(InvalidArgumentError, match="storage class"):
        object_headers("k", {}, None, "fast")


def test_user_headers_merge_without_regard_to_case() -> None:
    from aurora.drivers.s3_options import object_headers

    given = {"content-type": "text/plain", "CACHE-CONTROL": "no-cache", "X-Custom": "1"}
    out = object_headers("k.bin", {"cache_control": "max-age=5"}, given, None)
    assert [name for name in out if name.lower() == "content-type"] == ["Content-Type"]
    assert out["Content-Type"] == "text/plain"  # the caller's header beats a guess
    assert out["Cache-Control"] == "max-age=5" and "CACHE-CONTROL" not in out  # extra beats the header
    assert out["X-Custom"] == "1"
    assert object_headers("k", {"content_type": "image/png"}, given, None)["Content-Type"] == "image/png"


def test_strict_mode_refuses_an_unknown_content_type_as_libcloud() -> None:
    from aurora.drivers.s3_options import object_headers

    assert object_headers("noext", None, None, None)["Content-Type"] == "application/octet-stream"
    with pytest.raises(AttributeError, match="content-type could not be guessed"):
        object_headers("noext", None, None, None, strict=True)
    assert object_headers("a.txt", None, None, None, strict=True)["Content-Type"] == "text/plain"
