"""How uploads prove their bytes: Content-MD5 by default, signed SHA-256 parts when asked (SigV4
only), nothing at all with verify off; the composite ETag from the server's part ETags; retries
re-sending the same proof; short streams never allocating a whole part."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import threading
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unit.fake_s3 import BUCKET, KEY, FakeS3, config, fixed, md5, payload

from aurora import errors
from aurora.config import KiB, MiB, RetryPolicy, TransferConfig
from aurora.core.credentials import Credentials
from aurora.core.parts import multipart_etag
from aurora.core.signing_v4 import UNSIGNED_PAYLOAD
from aurora.s3.client import S3Client
from aurora.transfer import integrity
from aurora.transfer import upload as upload_module
from aurora.transfer.buffers import BufferPool, stream_filler
from aurora.transfer.integrity import composite_digests
from aurora.transfer.upload import PROBE_SIZE, upload_file, upload_from_filler, upload_stream
from aurora.transport.response import Response

SHA256_HEADER = "x-amz-content-sha256"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def part_records(client: FakeS3) -> List[Tuple[int, Dict[str, str]]]:
    return [(detail[0], detail[1]) for name, detail in client.calls if name == "part"]


def part_hashes(client: FakeS3) -> List[Optional[str]]:
    return [digest for what, digest in client.payload_hashes if what == "part"]


@pytest.fixture
def big_file(tmp_path: Path) -> Tuple[Path, bytes]:
    data = payload(11 * MiB + 7)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    return path, data


# -- which proof each body carries ----------------------------------------------------


@pytest.mark.parametrize("signature_version", ["2", "4"])
def test_parts_send_content_md5_by_default(big_file: Tuple[Path, bytes], signature_version: str) -> None:
    path, data = big_file
    client = FakeS3(signature_version=signature_version)
    upload_file(client, BUCKET, KEY, path, config=config())
    upload_from_filler(client, BUCKET, "k2", stream_filler([data[:25]]), config=config(), part_sizes=fixed(10))
    records = part_records(client)
    assert len(records) == 6
    assert all("Content-MD5" in headers for _, headers in records)
    assert part_hashes(client) == [None] * 6  # FakeS3 checked each Content-MD5 against the bytes


def test_sigv4_stream_parts_sign_their_sha256_and_send_no_content_md5_when_asked() -> None:
    client = FakeS3(signature_version="4")
    data = payload(25)
    result = upload_from_filler(
        client, BUCKET, KEY, stream_filler([data]), config=config(), part_sizes=fixed(10), part_sha256=True
    )
    assert client.objects[KEY] == data
    for _, headers in part_records(client):
        assert "Content-MD5" not in headers
    assert sorted(str(digest) for digest in part_hashes(client)) == sorted(
        sha256_hex(data[i : i + 10]) for i in (0, 10, 20)
    )
    assert result.etag == multipart_etag([md5(data[i : i + 10]) for i in (0, 10, 20)])


def test_sigv4_file_parts_sign_their_sha256_and_send_no_content_md5_when_asked(big_file: Tuple[Path, bytes]) -> None:
    path, data = big_file
    client = FakeS3(signature_version="4")
    result = upload_file(client, BUCKET, KEY, path, config=config(), part_sha256=True)
    assert client.objects[KEY] == data and result.part_count == 3
    for _, headers in part_records(client):
        assert "Content-MD5" not in headers
    expected = [sha256_hex(data[i : i + 5 * MiB]) for i in range(0, len(data), 5 * MiB)]
    assert sorted(part_hashes(client)) == sorted(expected)  # type: ignore[type-var]


def test_the_keyword_overrides_the_configs_part_sha256_both_ways(big_file: Tuple[Path, bytes]) -> None:
    path, data = big_file
    switched_off = FakeS3(signature_version="4")
    upload_file(switched_off, BUCKET, KEY, path, config=config(part_sha256=True), part_sha256=False)
    assert all("Content-MD5" in headers for _, headers in part_records(switched_off))
    assert part_hashes(switched_off) == [None] * 3
    from_config = FakeS3(signature_version="4")
    upload_file(from_config, BUCKET, KEY, path, config=config(part_sha256=True))
    assert all("Content-MD5" not in headers for _, headers in part_records(from_config))
    assert from_config.objects[KEY] == data


def test_sigv2_parts_send_content_md5_even_when_sha256_is_asked(big_file: Tuple[Path, bytes]) -> None:
    path, data = big_file
    client = FakeS3(signature_version="2")
    upload_file(client, BUCKET, KEY, path, config=config(), part_sha256=True)
    upload_from_filler(
        client, BUCKET, "k2", stream_filler([data[:25]]), config=config(), part_sizes=fixed(10), part_sha256=True
    )
    records = part_records(client)
    assert len(records) == 6
    assert all("Content-MD5" in headers for _, headers in records)
    assert part_hashes(client) == [None] * 6  # FakeS3 checked each Content-MD5 against the bytes


def test_single_puts_send_content_md5_and_record_it(tmp_path: Path) -> None:
    path = tmp_path / "small"
    path.write_bytes(b"file bytes")
    client = FakeS3(signature_version="4")
    from_file = upload_file(client, BUCKET, KEY, path, config=config())
    from_stream = upload_stream(client, BUCKET, "k2", [b"stream bytes"], config=config())
    puts = [detail for name, detail in client.calls if name == "put"]
    assert all("Content-MD5" in headers for headers in puts)
    assert from_file.md5_hex == hashlib.md5(b"file bytes").hexdigest()
    assert from_stream.md5_hex == hashlib.md5(b"stream bytes").hexdigest()


@pytest.mark.parametrize("how", ["verify", "verify_checksums"])
@pytest.mark.parametrize("signature_version", ["2", "4"])
def test_verify_off_hashes_nothing_and_sends_unsigned_payloads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, big_file: Tuple[Path, bytes], how: str, signature_version: str
) -> None:
    def no_hashing(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a body was hashed with verification off")

    monkeypatch.setattr(integrity, "_hasher", no_hashing)
    monkeypatch.setattr(integrity, "hash_window", no_hashing)
    small = tmp_path / "small"
    small.write_bytes(b"tiny")
    options: Dict[str, Any] = {"part_sha256": True}
    if how == "verify":
        options["verify"] = False
    cfg = config(verify_checksums=how != "verify_checksums")
    client = FakeS3(signature_version=signature_version)
    upload_file(client, BUCKET, "big", big_file[0], config=cfg, **options)
    upload_file(client, BUCKET, "small", small, config=cfg, **options)
    upload_stream(client, BUCKET, "short", [b"short"], config=cfg, **options)
    result = upload_from_filler(
        client, BUCKET, "long", stream_filler([b"a" * 25]), config=cfg, part_sizes=fixed(10), **options
    )
    assert client.objects["big"] == big_file[1] and client.objects["long"] == b"a" * 25
    assert result.part_count == 3
    for name, detail in client.calls:
        headers = detail if name == "put" else detail[1] if name == "part" else {}
        assert "Content-MD5" not in headers
    assert len(client.payload_hashes) == 2 + 3 + 3
    assert {digest for _, digest in client.payload_hashes} == {UNSIGNED_PAYLOAD}


# -- the composite ETag -------------------------------------------------------------


class LyingPartEtags(FakeS3):
    """Acknowledges parts with ETags of its own choosing (``etag_for(number, data)``)."""

    def __init__(self, etag_for: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.etag_for = etag_for

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, body: Any, **kw: Any) -> str:
        real = super().upload_part(bucket, key, upload_id, part_number, body, **kw)
        return str(self.etag_for(part_number, self.uploads[upload_id][part_number], real))

    def complete_multipart_upload(self, bucket: str, key: str, upload_id: str, parts: Iterable[Tuple[int, str]]) -> Any:
        real = [(number, md5(self.uploads[upload_id][number]).hex()) for number, _ in parts]
        return super().complete_multipart_upload(bucket, key, upload_id, real)


def test_sigv4_composite_etag_is_checked_against_the_part_etags_the_server_returned() -> None:
    """A server that acknowledged part 2 with one ETag but assembled another part is caught."""
    client = LyingPartEtags(lambda n, data, real: "0" * 32 if n == 2 else real)
    with pytest.raises(errors.ObjectHashMismatchError, match="differs") as caught:
        upload_from_filler(
            client, BUCKET, KEY, stream_filler([b"a" * 30]), config=config(), part_sizes=fixed(10), part_sha256=True
        )
    assert caught.value.upload_id == "upload-0"


def test_sigv4_part_etags_that_are_not_md5s_fail_the_check_unless_encrypted() -> None:
    client = LyingPartEtags(lambda n, data, real: "not-an-md5")
    with pytest.raises(errors.ObjectHashMismatchError, match="not MD5s"):
        upload_from_filler(
            client, BUCKET, KEY, stream_filler([b"a" * 30]), config=config(), part_sizes=fixed(10), part_sha256=True
        )
    sse_c = {"x-amz-server-side-encryption-customer-algorithm": "AES256"}
    client = LyingPartEtags(lambda n, data, real: "not-an-md5")
    result = upload_from_filler(
        client,
        BUCKET,
        KEY,
        stream_filler([b"a" * 30]),
        config=config(),
        part_sizes=fixed(10),
        headers=sse_c,
        part_sha256=True,
    )
    assert result.part_count == 3


def test_composite_digests_prefer_local_md5s_and_fall_back_to_server_etags() -> None:
    one, two = md5(b"1"), md5(b"2")
    assert composite_digests([one, two], ["x", "y"]) == [one, two]
    assert composite_digests([None, None], ['"%s"' % one.hex(), two.hex().upper()]) == [one, two]
    assert composite_digests([None], ["abc"]) is None
    assert composite_digests([None], ["%s-2" % one.hex()]) is None


# -- retries re-send the same bytes with the same signed hash -----------------------


class MultipartServer:
    """A transport answering CreateMultipartUpload, UploadPart, Complete and PUT like S3.

    It checks each signed ``x-amz-content-sha256`` against the bytes, records
    every attempt, and answers the first attempt of ``flaky_part`` with a 500.
    """

    def __init__(self, flaky_part: int) -> None:
        self.flaky_part = flaky_part
        self.attempts: List[Tuple[int, str, str, bytes]] = []
        self.parts: Dict[int, bytes] = {}
        self.lock = threading.Lock()

    @staticmethod
    def _read(body: Any, headers: Dict[str, str]) -> bytes:
        if body is None:
            return b""
        if isinstance(body, (bytes, bytearray, memoryview)):
            return bytes(body)
        return bytes(body.read(int(headers["Content-Length"])))

    def send(self, method: str, target: str, headers: Dict[str, str], body: Any = None, **_: Any) -> Response:
        query = dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))
        data = self._read(body, headers)
        signed = {k.lower(): v for k, v in headers.items()}.get(SHA256_HEADER, "")
        if signed != UNSIGNED_PAYLOAD and signed != sha256_hex(data):
            return Response(400, "Bad Request", {}, b"<Error><Code>XAmzContentSHA256Mismatch</Code></Error>")
        if method == "POST" and "uploads" in query:
            return Response(
                200,
                "OK",
                {},
                b"<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                b"<UploadId>up-1</UploadId></InitiateMultipartUploadResult>",
            )
        if method == "PUT" and "partNumber" in query:
            content_md5 = {k.lower(): v for k, v in headers.items()}.get("content-md5", "")
            if content_md5 and content_md5 != base64.b64encode(md5(data)).decode():
                return Response(400, "Bad Request", {}, b"<Error><Code>BadDigest</Code></Error>")
            return self._part(int(query["partNumber"]), signed, content_md5, data)
        if method == "POST":
            etag = multipart_etag([md5(self.parts[n]) for n in sorted(self.parts)])
            return Response(
                200,
                "OK",
                {},
                b"<CompleteMultipartUploadResult><ETag>&quot;%s&quot;</ETag>"
                b"</CompleteMultipartUploadResult>" % etag.encode(),
            )
        return Response(200, "OK", {"ETag": '"%s"' % md5(data).hex()}, b"")

    def _part(self, number: int, signed: str, content_md5: str, data: bytes) -> Response:
        with self.lock:
            self.attempts.append((number, signed, content_md5, data))
            first = [attempt[0] for attempt in self.attempts].count(number) == 1
            if number == self.flaky_part and first:
                return Response(500, "Internal Server Error", {}, b"<Error><Code>InternalError</Code></Error>")
            self.parts[number] = data
        return Response(200, "OK", {"ETag": '"%s"' % md5(data).hex()}, b"")

    def close(self) -> None:
        pass


def real_client(server: MultipartServer) -> S3Client:
    return S3Client(
        server,  # type: ignore[arg-type]
        Credentials("AKIDEXAMPLE", "secret"),
        host_header="s3.example.com",
        retry=RetryPolicy(max_attempts=3, backoff_base=0.0),
        sleep=lambda seconds: None,
        random=lambda: 0.0,
    )


@pytest.mark.parametrize("part_sha256", [True, False], ids=["sha256", "md5"])
@pytest.mark.parametrize("source", ["file", "stream"])
def test_a_retried_part_resends_the_same_bytes_with_the_same_proof(
    big_file: Tuple[Path, bytes], source: str, part_sha256: bool
) -> None:
    path, data = big_file
    server = MultipartServer(flaky_part=2)
    client = real_client(server)
    cfg = config(max_concurrency=2)
    if source == "file":
        result = upload_file(client, BUCKET, KEY, path, config=cfg, part_sha256=part_sha256)
    else:
        result = upload_stream(client, BUCKET, KEY, [data], config=cfg, part_sha256=part_sha256)
    assert b"".join(server.parts[n] for n in sorted(server.parts)) == data
    tries = [attempt[1:] for attempt in server.attempts if attempt[0] == 2]
    assert len(tries) == 2 and tries[0] == tries[1]
    part = data[5 * MiB : 10 * MiB]
    if part_sha256:
        assert tries[0][:2] == (sha256_hex(part), "")
    else:
        assert tries[0][:2] == (UNSIGNED_PAYLOAD, base64.b64encode(md5(part)).decode())
    assert result.etag == multipart_etag([md5(data[i : i + 5 * MiB]) for i in range(0, len(data), 5 * MiB)])


# -- a short stream does not allocate a whole part -----------------------------------


class RecordingPool(BufferPool):
    taken: List[int] = []

    def take(self, size: int) -> bytearray:
        RecordingPool.taken.append(size)
        return super().take(size)


@pytest.fixture
def recording_pool(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    RecordingPool.taken = []
    monkeypatch.setattr(upload_module, "BufferPool", RecordingPool)
    return RecordingPool.taken


@pytest.mark.parametrize("size", [0, 1 * KiB, PROBE_SIZE - 1])
def test_a_stream_shorter_than_the_probe_takes_no_part_buffer(recording_pool: List[int], size: int) -> None:
    client = FakeS3()
    data = payload(size)
    result = upload_stream(client, BUCKET, KEY, iter([data]), config=TransferConfig())
    assert client.objects[KEY] == data and result.part_count == 0
    assert recording_pool == []


def test_a_stream_longer_than_the_probe_copies_it_into_a_part_buffer(recording_pool: List[int]) -> None:
    client = FakeS3()
    data = payload(PROBE_SIZE + 1)
    result = upload_stream(client, BUCKET, KEY, iter([data[:1000], data[1000:]]), config=TransferConfig())
    assert client.objects[KEY] == data and result.part_count == 0
    assert recording_pool[0] == 5 * MiB


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.binary(min_size=0, max_size=30), max_size=20),
    part=st.integers(min_value=1, max_value=40),
    probe=st.integers(min_value=1, max_value=40),
)
def test_streams_round_trip_whatever_the_probe_and_part_sizes(chunks: List[bytes], part: int, probe: int) -> None:
    data = b"".join(chunks)
    client = FakeS3()
    original = upload_module.PROBE_SIZE
    upload_module.PROBE_SIZE = probe
    try:
        result = upload_from_filler(
            client, BUCKET, KEY, stream_filler(iter(chunks)), config=config(), part_sizes=fixed(part)
        )
    finally:
        upload_module.PROBE_SIZE = original
    assert client.objects[KEY] == data and result.size == len(data)
    expected_parts = 0 if len(data) <= part else -(-len(data) // part)
    assert result.part_count == expected_parts


def test_the_config_field_asks_for_signed_sha256_parts(big_file: Tuple[Path, bytes]) -> None:
    path, data = big_file
    client = FakeS3(signature_version="4")
    sha_config = dataclasses.replace(config(), part_sha256=True)
    upload_file(client, BUCKET, KEY, path, config=sha_config)
    assert all("Content-MD5" not in headers for _, headers in part_records(client))
    expected = [sha256_hex(data[i : i + 5 * MiB]) for i in range(0, len(data), 5 * MiB)]
    assert sorted(part_hashes(client)) == sorted(expected)  # type: ignore[type-var]
