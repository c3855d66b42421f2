"""The transfer engine against real servers (Ceph RGW, moto) on 127.0.0.1.

Part sizes are the smallest the servers accept (5 MiB, the last part smaller)
and payloads 11 to 16 MiB, so the suite stays small enough for CI.  Growing
part sizes for long streams need a server that takes parts below 5 MiB:
tests/integration/test_transfer_growth.py runs a moto of its own for that.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from aurora import errors
from aurora.config import MiB, Timeouts, TransferConfig
from aurora.core.credentials import Credentials
from aurora.core.parts import is_multipart_etag, multipart_etag
from aurora.s3.client import S3Client
from aurora.transfer.download import download_file, iter_object
from aurora.transfer.upload import upload_file, upload_stream
from aurora.transport.connection import Transport

SIZE = 11 * MiB + 12345  # three 5 MiB parts: 5, 5 and 1 MiB + a bit


def payload(size: int, seed: int = 0) -> bytes:
    block = hashlib.sha256(b"transfer-%d" % seed).digest() * 128  # 4 KiB
    return (block * (size // len(block) + 1))[:size]


def config(**changes: Any) -> TransferConfig:
    values: Dict[str, Any] = {"part_size": 5 * MiB, "multipart_threshold": 5 * MiB, "max_concurrency": 3}
    values.update(changes)
    return TransferConfig(**values)


def md5_parts(data: bytes, part: int = 5 * MiB) -> str:
    return multipart_etag([hashlib.md5(data[i : i + part]).digest() for i in range(0, len(data), part)])


@pytest.fixture
def client(s3_server: Any) -> Iterator[S3Client]:
    transport = Transport(
        s3_server.host, s3_server.port, False, timeouts=Timeouts(connect=10, read=60), max_connections=8
    )
    yield S3Client(
        transport,
        Credentials(s3_server.access_key, s3_server.secret_key),
        host_header="%s:%d" % (s3_server.host, s3_server.port),
        region=s3_server.region,
    )
    transport.close()


@pytest.fixture
def bucket(client: S3Client, bucket_name: str) -> str:
    client.create_bucket(bucket_name)
    return bucket_name


def read_back(client: S3Client, bucket: str, key: str) -> bytes:
    return b"".join(iter_object(client, bucket, key, chunk_size=MiB))


def open_uploads(client: S3Client, bucket: str) -> List[str]:
    return [upload.upload_id for upload in client.list_multipart_uploads(bucket).uploads]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- uploads ------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 3], ids=["sequential", "parallel"])
def test_multipart_file_upload(client: S3Client, bucket: str, tmp_path: Path, workers: int, boto3_client: Any) -> None:
    data = payload(SIZE)
    progress: List[Tuple[int, Optional[int]]] = []
    result = upload_file(
        client,
        bucket,
        "big.bin",
        str(write(tmp_path / "big.bin", data)),
        config=config(max_concurrency=workers),
        headers={"Content-Type": "application/x-test", "x-amz-meta-origin": "transfer"},
        progress=lambda done, total: progress.append((done, total)),
    )
    assert result.part_count == 3 and result.size == SIZE and result.upload_id
    assert result.etag == md5_parts(data)
    assert progress[-1] == (SIZE, SIZE)
    independent = boto3_client.get_object(Bucket=bucket, Key="big.bin")
    assert independent["Body"].read() == data
    assert independent["ContentType"] == "application/x-test"
    assert independent["Metadata"] == {"origin": "transfer"}
    assert open_uploads(client, bucket) == []


def test_file_of_exactly_the_threshold_is_one_put(client: S3Client, bucket: str, tmp_path: Path) -> None:
    data = payload(5 * MiB, seed=1)
    result = upload_file(client, bucket, "five", write(tmp_path / "five", data), config=config())
    assert result.part_count == 0 and result.upload_id is None
    assert result.etag == result.md5_hex == hashlib.md5(data).hexdigest()
    assert read_back(client, bucket, "five") == data


def test_multipart_upload_of_exactly_one_part(client: S3Client, bucket: str, tmp_path: Path) -> None:
    data = payload(3 * MiB, seed=2)
    result = upload_file(client, bucket, "one", write(tmp_path / "one", data), config=config(multipart_threshold=MiB))
    assert result.part_count == 1
    assert result.etag == multipart_etag([hashlib.md5(data).digest()])
    assert read_back(client, bucket, "one") == data


def test_zero_byte_file_and_stream(client: S3Client, bucket: str, tmp_path: Path) -> None:
    empty_md5 = hashlib.md5(b"").hexdigest()
    from_file = upload_file(client, bucket, "empty-file", write(tmp_path / "e", b""), config=config())
    from_stream = upload_stream(client, bucket, "empty-stream", iter([b"", b""]), config=config())
    for key, result in (("empty-file", from_file), ("empty-stream", from_stream)):
        assert (result.size, result.part_count, result.etag) == (0, 0, empty_md5)
        assert client.head_object(bucket, key).get("Content-Length") == "0"


def odd_chunks(data: bytes) -> Iterator[bytes]:
    sizes = [1, 7, 0, 65537, 3 * MiB + 1, 0, 2, 6 * MiB]
    offset, index = 0, 0
    while offset < len(data):
        size = sizes[index % len(sizes)]
        yield data[offset : offset + size]
        offset, index = offset + size, index + 1


def test_stream_upload_with_odd_chunk_sizes(client: S3Client, bucket: str) -> None:
    data = payload(SIZE, seed=3)
    result = upload_stream(client, bucket, "stream", odd_chunks(data), config=config())
    assert result.part_count == 3 and result.etag == md5_parts(data)
    assert read_back(client, bucket, "stream") == data


def test_stream_of_exactly_one_part_is_one_put(client: S3Client, bucket: str) -> None:
    data = payload(5 * MiB, seed=4)
    result = upload_stream(client, bucket, "exact", iter([data[:MiB], data[MiB:]]), config=config())
    assert result.part_count == 0 and result.etag == hashlib.md5(data).hexdigest()


def test_stream_from_a_file_object(client: S3Client, bucket: str, tmp_path: Path) -> None:
    data = payload(SIZE, seed=5)
    with open(write(tmp_path / "s", data), "rb") as stream:
        result = upload_stream(client, bucket, "fileobj", stream, config=config(max_concurrency=2))
    assert result.part_count == 3
    assert read_back(client, bucket, "fileobj") == data


def test_failed_stream_upload_is_aborted_and_names_its_upload(client: S3Client, bucket: str) -> None:
    def source() -> Iterator[bytes]:
        yield payload(11 * MiB, seed=6)
        raise RuntimeError("the producer died")

    with pytest.raises(errors.MultipartUploadError) as caught:
        upload_stream(client, bucket, "doomed", source(), config=config())
    assert caught.value.upload_id
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert open_uploads(client, bucket) == []
    with pytest.raises(errors.ObjectDoesNotExistError):
        client.head_object(bucket, "doomed")


class FailingPartClient(S3Client):
    """A real client whose part 2 fails after the server stored it."""

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, body: Any, **kw: Any) -> str:
        etag = super().upload_part(bucket, key, upload_id, part_number, body, **kw)
        if part_number == 2:
            raise errors.ProtocolError("connection reset after part 2")
        return etag


class CorruptingPartClient(S3Client):
    """A real client that flips a byte of part 2 after its proof (Content-MD5 or SHA-256) was computed."""

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, body: Any, **kw: Any) -> str:
        if part_number == 2:
            body = bytearray(body)
            body[12345] ^= 0x01
        return super().upload_part(bucket, key, upload_id, part_number, memoryview(body), **kw)


@pytest.mark.parametrize("part_sha256", [False, True], ids=["content-md5", "signed-sha256"])
def test_a_part_whose_bytes_differ_from_its_proof_is_refused(
    client: S3Client, bucket: str, s3_server: Any, part_sha256: bool
) -> None:
    """RGW checks each part's Content-MD5 or signed SHA-256 and refuses the corrupted one.

    moto checks neither; with Content-MD5 the local composite-ETag comparison
    still catches the corruption once the upload completed.
    """
    if part_sha256 and s3_server.name != "rgw":
        pytest.skip("moto does not verify X-Amz-Content-SHA256")
    corrupting = CorruptingPartClient(
        client.transport, client.credentials, host_header=client.host_header, region=client.region
    )
    with pytest.raises(errors.ObjectHashMismatchError) as caught:
        upload_stream(
            corrupting, bucket, "corrupt", iter([payload(SIZE, seed=10)]), config=config(), part_sha256=part_sha256
        )
    assert caught.value.upload_id
    assert open_uploads(client, bucket) == []
    if s3_server.name == "rgw":
        assert isinstance(caught.value, errors.BadDigest)
        assert ("XAmzContentSHA256Mismatch" in str(caught.value)) is part_sha256
        with pytest.raises(errors.ObjectDoesNotExistError):
            client.head_object(bucket, "corrupt")
    else:
        assert "differs from" in str(caught.value) and "now exists" in str(caught.value)


@pytest.mark.parametrize("signature_version", ["2", "4"])
@pytest.mark.parametrize(
    "verify, part_sha256", [(True, False), (True, True), (False, False)], ids=["md5", "sha256", "unverified"]
)
def test_multipart_uploads_under_each_signature_and_proof(
    client: S3Client, bucket: str, tmp_path: Path, signature_version: str, verify: bool, part_sha256: bool
) -> None:
    """Parts carry Content-MD5, or under SigV4 a signed SHA-256 when asked; unverified ones neither."""
    signer = S3Client(
        client.transport,
        client.credentials,
        host_header=client.host_header,
        region=client.region,
        signature_version=signature_version,
    )
    data = payload(SIZE, seed=11)
    from_file = upload_file(
        signer, bucket, "file", write(tmp_path / "f", data), config=config(), verify=verify, part_sha256=part_sha256
    )
    from_stream = upload_stream(
        signer, bucket, "stream", iter([data]), config=config(verify_checksums=verify), part_sha256=part_sha256
    )
    small = upload_stream(signer, bucket, "small", iter([b"small"]), config=config(verify_checksums=verify))
    assert from_file.etag == from_stream.etag == md5_parts(data)
    assert read_back(client, bucket, "file") == data == read_back(client, bucket, "stream")
    assert small.etag == hashlib.md5(b"small").hexdigest()
    assert small.md5_hex == (small.etag if verify else None)


def test_failed_file_upload_is_aborted(client: S3Client, bucket: str, tmp_path: Path) -> None:
    failing = FailingPartClient(
        client.transport, client.credentials, host_header=client.host_header, region=client.region
    )
    path = write(tmp_path / "f", payload(SIZE, seed=7))
    with pytest.raises(errors.ProtocolError) as caught:
        upload_file(failing, bucket, "doomed", path, config=config(max_concurrency=1))
    assert caught.value.upload_id
    assert open_uploads(client, bucket) == []


# -- downloads ----------------------------------------------------------------------


@pytest.fixture
def stored(client: S3Client, bucket: str) -> Tuple[str, bytes]:
    """A 11 MiB multipart object and a 3 MiB single-PUT object."""
    big = payload(SIZE, seed=8)
    upload_stream(client, bucket, "big", iter([big]), config=config())
    small = payload(3 * MiB, seed=9)
    upload_stream(client, bucket, "small", iter([small]), config=config())
    return bucket, big


def test_downloads_are_byte_exact(client: S3Client, stored: Tuple[str, bytes], tmp_path: Path) -> None:
    bucket, big = stored
    single = config(multipart_download_threshold=64 * MiB)
    parallel = config(multipart_download_threshold=4 * MiB, download_part_size=3 * MiB)
    progress: List[Tuple[int, Optional[int]]] = []
    assert download_file(client, bucket, "big", tmp_path / "one", config=single) == SIZE
    assert (
        download_file(
            client,
            bucket,
            "big",
            tmp_path / "many",
            config=parallel,
            expected_size=SIZE,
            progress=lambda done, total: progress.append((done, total)),
        )
        == SIZE
    )
    assert (tmp_path / "one").read_bytes() == big == (tmp_path / "many").read_bytes()
    assert progress[-1] == (SIZE, SIZE)
    assert download_file(client, bucket, "small", tmp_path / "small", config=single) == 3 * MiB
    assert (tmp_path / "small").read_bytes() == payload(3 * MiB, seed=9)
    assert sorted(os.listdir(tmp_path)) == ["many", "one", "small"]


def test_plain_etag_is_an_md5_and_multipart_is_not(client: S3Client, stored: Tuple[str, bytes]) -> None:
    bucket, _ = stored
    assert is_multipart_etag(client.head_object(bucket, "big")["ETag"])
    assert client.head_object(bucket, "small")["ETag"].strip('"') == hashlib.md5(payload(3 * MiB, seed=9)).hexdigest()


def test_range_downloads(client: S3Client, stored: Tuple[str, bytes], tmp_path: Path) -> None:
    bucket, big = stored
    first, last = 1000, 5 * MiB + 6
    written = download_file(client, bucket, "big", tmp_path / "r", config=config(), byte_range=(first, last))
    assert written == last - first + 1
    assert (tmp_path / "r").read_bytes() == big[first : last + 1]
    tail = download_file(client, bucket, "big", tmp_path / "t", config=config(), byte_range=(SIZE - 100, None))
    assert tail == 100 and (tmp_path / "t").read_bytes() == big[-100:]
    assert b"".join(iter_object(client, bucket, "big", byte_range=(10, 19))) == big[10:20]


def test_overwrite_semantics(client: S3Client, stored: Tuple[str, bytes], tmp_path: Path) -> None:
    bucket, _ = stored
    target = write(tmp_path / "exists", b"precious")
    with pytest.raises(errors.LibcloudError, match="exists"):
        download_file(client, bucket, "small", target, config=config())
    assert target.read_bytes() == b"precious"
    download_file(client, bucket, "small", target, config=config(), overwrite=True)
    assert target.read_bytes() == payload(3 * MiB, seed=9)


def test_failures_leave_no_temp_file_and_the_destination_untouched(
    client: S3Client, stored: Tuple[str, bytes], tmp_path: Path
) -> None:
    bucket, _ = stored
    target = write(tmp_path / "dest", b"old")
    with pytest.raises(errors.ObjectDoesNotExistError):
        download_file(client, bucket, "missing", target, config=config(), overwrite=True, expected_size=10)
    with pytest.raises(errors.TransferError):
        download_file(client, bucket, "small", target, config=config(), overwrite=True, expected_size=3 * MiB + 1)
    with pytest.raises(errors.PreconditionFailed):
        download_file(client, bucket, "small", target, config=config(), overwrite=True, expected_etag="0" * 32)
    assert os.listdir(tmp_path) == ["dest"]
    assert target.read_bytes() == b"old"


def test_iter_object_stops_early_and_the_client_stays_usable(client: S3Client, stored: Tuple[str, bytes]) -> None:
    bucket, big = stored
    chunks = iter_object(client, bucket, "big", chunk_size=MiB)
    assert next(chunks) == big[:MiB]
    chunks.close()
    assert read_back(client, bucket, "small") == payload(3 * MiB, seed=9)
