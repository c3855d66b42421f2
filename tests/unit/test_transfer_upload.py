"""Upload logic against an in-memory stand-in for S3Client: parts, memory bound, abort."""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unit.fake_s3 import BUCKET, KEY, FakeS3, config, fixed, md5, payload

from aurora import errors
from aurora.config import MAX_PARTS, MiB
from aurora.core.parts import multipart_etag, stream_part_size
from aurora.transfer import upload as upload_module
from aurora.transfer.buffers import BufferPool, stream_filler
from aurora.transfer.upload import upload_file, upload_from_filler, upload_stream

# -- streams ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=50), max_size=40),
    part=st.integers(min_value=1, max_value=64),
    workers=st.integers(min_value=1, max_value=4),
)
def test_stream_parts_concatenate_to_the_input_with_planned_sizes(chunks: List[bytes], part: int, workers: int) -> None:
    client = FakeS3()
    data = b"".join(chunks)
    result = upload_from_filler(
        client, BUCKET, KEY, stream_filler(iter(chunks)), config=config(max_concurrency=workers), part_sizes=fixed(part)
    )
    assert client.objects[KEY] == data
    assert result.size == len(data)
    if len(data) <= part:
        assert client.names() == ["put"] and result.part_count == 0
        assert result.md5_hex == hashlib.md5(data).hexdigest() == result.etag
        return
    expected = [part] * (len(data) // part) + ([len(data) % part] if len(data) % part else [])
    assert client.part_sizes() == expected
    assert result.part_count == len(expected) and result.upload_id == "upload-0"
    assert result.etag == multipart_etag([md5(data[i : i + part]) for i in range(0, len(data), part)])


def test_stream_of_exactly_one_part_is_a_single_put() -> None:
    client = FakeS3()
    result = upload_from_filler(
        client, BUCKET, KEY, stream_filler([b"abcd", b"efgh"]), config=config(), part_sizes=fixed(8)
    )
    assert client.names() == ["put"]
    assert (result.size, result.part_count, result.upload_id) == (8, 0, None)


def test_empty_stream_is_a_single_put_of_zero_bytes() -> None:
    client = FakeS3()
    result = upload_stream(client, BUCKET, KEY, iter([b"", b""]), config=config())
    assert client.names() == ["put"] and client.objects[KEY] == b""
    assert result.etag == result.md5_hex == hashlib.md5(b"").hexdigest()


def test_stream_part_sizes_grow_as_planned() -> None:
    """stream_part_size with a 1-byte base (only a test server would accept it) doubles every 285 parts."""
    client = FakeS3()
    sizes = [stream_part_size(n, 1, allow_small=True) for n in range(1, 700)]
    data = payload(sum(sizes[:600]) + 3)
    result = upload_from_filler(
        client,
        BUCKET,
        KEY,
        stream_filler([data]),
        config=config(max_concurrency=4),
        part_sizes=lambda n: stream_part_size(n, 1, allow_small=True),
    )
    assert client.objects[KEY] == data
    assert result.part_count == 601
    assert client.part_sizes() == sizes[:600] + [3]
    assert sizes[0] == 1 and sizes[285] == 2 and sizes[570] == 4


def test_upload_stream_asks_stream_part_size_for_the_configured_base(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: List[Tuple[int, int]] = []

    def spy(number: int, base: int, *, allow_small: bool = False) -> int:
        asked.append((number, base))
        return 5  # smaller than any real part, to keep the test fast

    monkeypatch.setattr(upload_module, "stream_part_size", spy)
    client = FakeS3()
    upload_stream(client, BUCKET, KEY, [b"x" * 12], config=config(part_size=7 * MiB))
    assert asked[:3] == [(1, 7 * MiB), (2, 7 * MiB), (3, 7 * MiB)]
    assert client.objects[KEY] == b"x" * 12


def test_stream_memory_stays_within_workers_plus_one_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    part, workers = 64, 3
    live = {"now": 0, "peak": 0}
    lock = threading.Lock()

    class CountingPool(BufferPool):
        def take(self, size: int) -> bytearray:
            with lock:
                live["now"] += 1
                live["peak"] = max(live["peak"], live["now"])
            return super().take(size)

        def give(self, buffer: bytearray) -> None:
            with lock:
                live["now"] -= 1
            super().give(buffer)

    monkeypatch.setattr(upload_module, "BufferPool", CountingPool)
    client = FakeS3(part_hook=lambda n: time.sleep(0.002))
    ahead: List[int] = []

    def source() -> Iterator[bytes]:
        sent = 0
        for _ in range(200 * part // 8):
            ahead.append(sent - client.acknowledged)
            yield b"z" * 8
            sent += 8

    result = upload_from_filler(
        client, BUCKET, KEY, stream_filler(source()), config=config(max_concurrency=workers), part_sizes=fixed(part)
    )
    assert result.part_count == 200
    assert live["peak"] <= workers + 1
    assert max(ahead) <= (workers + 1) * part
    assert client.peak <= workers


def test_stream_longer_than_ten_thousand_parts_is_refused_and_aborted() -> None:
    client = FakeS3()
    with pytest.raises(errors.TransferError, match="10,000") as caught:
        upload_from_filler(
            client,
            BUCKET,
            KEY,
            stream_filler([b"q" * (MAX_PARTS + 1)]),
            config=config(max_concurrency=4),
            part_sizes=fixed(1),
        )
    assert caught.value.upload_id == "upload-0"
    assert client.aborted == ["upload-0"]


def test_stream_of_exactly_ten_thousand_parts_completes() -> None:
    client = FakeS3()
    result = upload_from_filler(
        client, BUCKET, KEY, stream_filler([b"q" * MAX_PARTS]), config=config(max_concurrency=4), part_sizes=fixed(1)
    )
    assert result.part_count == MAX_PARTS


def test_stream_progress_reports_acknowledged_bytes_and_the_total_at_the_end() -> None:
    seen: List[Tuple[int, Optional[int]]] = []
    client = FakeS3()
    upload_from_filler(
        client,
        BUCKET,
        KEY,
        stream_filler([b"a" * 25]),
        config=config(max_concurrency=2),
        part_sizes=fixed(10),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (25, 25)


def test_stream_parts_carry_sse_c_headers_but_not_the_object_headers() -> None:
    client = FakeS3()
    headers = {
        "Content-Type": "text/plain",
        "x-amz-meta-colour": "blue",
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": "a2V5",
        "x-amz-server-side-encryption-customer-key-MD5": "bWQ1",
    }
    upload_from_filler(
        client, BUCKET, KEY, stream_filler([b"a" * 25]), config=config(), part_sizes=fixed(10), headers=headers
    )
    create = [detail for name, detail in client.calls if name == "create"][0]
    assert create == headers
    for name, detail in client.calls:
        if name == "part":
            sent = detail[1]
            assert "Content-Type" not in sent and "x-amz-meta-colour" not in sent
            assert sent["x-amz-server-side-encryption-customer-algorithm"] == "AES256"


# -- failures -----------------------------------------------------------------------


def failing_at(number: int, error: BaseException) -> Callable[[int], None]:
    def hook(part: int) -> None:
        if part == number:
            raise error

    return hook


def test_a_foreign_exception_in_a_part_aborts_and_is_wrapped_with_the_upload_id() -> None:
    boom = RuntimeError("disk on fire")
    client = FakeS3(part_hook=failing_at(3, boom))
    with pytest.raises(errors.MultipartUploadError) as caught:
        upload_from_filler(client, BUCKET, KEY, stream_filler([b"a" * 100]), config=config(), part_sizes=fixed(10))
    assert caught.value.upload_id == "upload-0"
    assert caught.value.__cause__ is boom
    assert "upload-0" in str(caught.value)
    assert client.aborted == ["upload-0"] and "complete" not in client.names()


def test_an_aurora_error_in_a_part_is_reraised_with_the_upload_id_set() -> None:
    slow = errors.SlowDown("Please reduce your request rate", status=503, code="SlowDown")
    client = FakeS3(part_hook=failing_at(2, slow))
    with pytest.raises(errors.SlowDown) as caught:
        upload_from_filler(client, BUCKET, KEY, stream_filler([b"a" * 100]), config=config(), part_sizes=fixed(10))
    assert caught.value is slow and slow.upload_id == "upload-0"
    assert client.aborted == ["upload-0"]


def test_keyboard_interrupt_in_a_part_aborts_and_still_interrupts() -> None:
    client = FakeS3(part_hook=failing_at(2, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        upload_from_filler(client, BUCKET, KEY, stream_filler([b"a" * 100]), config=config(), part_sizes=fixed(10))
    assert client.aborted == ["upload-0"]


def test_keyboard_interrupt_while_reading_the_stream_aborts() -> None:
    def source() -> Iterator[bytes]:
        yield b"a" * 30
        raise KeyboardInterrupt

    client = FakeS3()
    with pytest.raises(KeyboardInterrupt):
        upload_from_filler(client, BUCKET, KEY, stream_filler(source()), config=config(), part_sizes=fixed(10))
    assert client.aborted == ["upload-0"]


def test_first_failure_cancels_the_parts_not_yet_started() -> None:
    client = FakeS3(part_hook=failing_at(2, RuntimeError("no")))
    with pytest.raises(errors.MultipartUploadError):
        upload_from_filler(
            client, BUCKET, KEY, stream_filler([b"a" * 1000]), config=config(max_concurrency=1), part_sizes=fixed(10)
        )
    started = [detail[0] for name, detail in client.calls if name == "part"]
    assert started[:2] == [1, 2]
    assert len(started) <= 3  # one more may have been queued before the failure was seen


def test_a_failing_abort_is_logged_and_the_original_error_raised(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeS3(part_hook=failing_at(1, RuntimeError("part failed")), abort_error=errors.ConnectError("down"))
    with (
        caplog.at_level(logging.WARNING, logger="aurora.transfer"),
        pytest.raises(errors.MultipartUploadError, match="part failed"),
    ):
        upload_from_filler(client, BUCKET, KEY, stream_filler([b"a" * 30]), config=config(), part_sizes=fixed(10))
    assert "could not abort multipart upload upload-0" in caplog.text


def test_complete_etag_mismatch_raises_without_aborting_and_says_the_object_exists() -> None:
    client = FakeS3(complete_etag="0" * 32 + "-3")
    with pytest.raises(errors.ObjectHashMismatchError, match="now exists") as caught:
        upload_from_filler(client, BUCKET, KEY, stream_filler([b"a" * 30]), config=config(), part_sizes=fixed(10))
    assert caught.value.upload_id == "upload-0"
    assert client.aborted == []


def test_complete_etag_mismatch_is_not_checked_when_verify_is_off() -> None:
    client = FakeS3(complete_etag="0" * 32 + "-3")
    result = upload_from_filler(
        client, BUCKET, KEY, stream_filler([b"a" * 30]), config=config(), part_sizes=fixed(10), verify=False
    )
    assert result.etag == "0" * 32 + "-3"


def test_empty_complete_etag_is_read_back_with_head_and_checked() -> None:
    """Ceph RGW answers CompleteMultipartUpload with an empty ETag."""
    client = FakeS3(complete_etag="")
    data = b"0123456789" * 3
    result = upload_from_filler(client, BUCKET, KEY, stream_filler([data]), config=config(), part_sizes=fixed(10))
    assert "head" in client.names()
    assert result.etag == multipart_etag([md5(data[i : i + 10]) for i in (0, 10, 20)])
    assert result.upload_id == "upload-0" and result.part_count == 3 and result.md5_hex is None


def test_head_after_an_empty_complete_etag_repeats_the_sse_c_headers() -> None:
    client = FakeS3(complete_etag="")
    headers = {"x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-meta-a": "b"}
    upload_from_filler(
        client, BUCKET, KEY, stream_filler([b"a" * 30]), config=config(), part_sizes=fixed(10), headers=headers
    )
    heads = [detail for name, detail in client.calls if name == "head"]
    assert heads == [{"x-amz-server-side-encryption-customer-algorithm": "AES256"}]


def test_single_put_etag_mismatch_raises() -> None:
    client = FakeS3(put_etag="f" * 32)
    with pytest.raises(errors.ObjectHashMismatchError):
        upload_stream(client, BUCKET, KEY, [b"small"], config=config())


def test_single_put_etag_is_not_checked_under_kms() -> None:
    client = FakeS3(put_etag="f" * 32, put_headers={"x-amz-server-side-encryption": "aws:kms"})
    result = upload_stream(client, BUCKET, KEY, [b"small"], config=config())
    assert result.etag == "f" * 32 and result.md5_hex == hashlib.md5(b"small").hexdigest()


def test_single_put_etag_is_not_checked_with_sse_c() -> None:
    client = FakeS3(put_etag="f" * 32)
    headers = {"x-amz-server-side-encryption-customer-algorithm": "AES256"}
    result = upload_stream(client, BUCKET, KEY, [b"small"], config=config(), headers=headers)
    assert result.etag == "f" * 32


# -- files --------------------------------------------------------------------------


@pytest.fixture
def big_file(tmp_path: Path) -> Tuple[Path, bytes]:
    data = payload(12 * MiB + 12345)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize("workers", [1, 3])
def test_file_multipart_reads_windows_in_place(big_file: Tuple[Path, bytes], workers: int) -> None:
    path, data = big_file
    client = FakeS3()
    seen: List[Tuple[int, Optional[int]]] = []
    result = upload_file(
        client,
        BUCKET,
        KEY,
        str(path),
        config=config(max_concurrency=workers),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert client.objects[KEY] == data
    assert result.part_count == 3 and result.size == len(data)
    assert result.etag == multipart_etag([md5(data[i : i + 5 * MiB]) for i in range(0, len(data), 5 * MiB)])
    assert client.peak <= workers
    assert seen[-1] == (len(data), len(data))
    parts = {detail[0]: detail[1] for name, detail in client.calls if name == "part"}
    assert parts[3]["Content-Length"] == str(len(data) - 10 * MiB)


def test_file_at_the_threshold_is_one_put_with_content_md5(tmp_path: Path) -> None:
    path = tmp_path / "small.bin"
    data = payload(1000)
    path.write_bytes(data)
    client = FakeS3()
    result = upload_file(client, BUCKET, KEY, path, config=config(multipart_threshold=1000), headers={"a": "b"})
    sent = [detail for name, detail in client.calls if name == "put"][0]
    assert sent["Content-MD5"] == base64.b64encode(md5(data)).decode()
    assert sent["Content-Length"] == "1000" and sent["a"] == "b"
    assert result.md5_hex == hashlib.md5(data).hexdigest() and result.part_count == 0


def test_empty_file_is_one_put(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    client = FakeS3()
    result = upload_file(client, BUCKET, KEY, path, config=config())
    assert client.names() == ["put"] and result.size == 0


def test_file_part_failure_aborts_with_the_upload_id(big_file: Tuple[Path, bytes]) -> None:
    client = FakeS3(part_hook=failing_at(2, errors.ProtocolError("reset")))
    with pytest.raises(errors.ProtocolError) as caught:
        upload_file(client, BUCKET, KEY, big_file[0], config=config(max_concurrency=1))
    assert caught.value.upload_id == "upload-0"
    assert client.aborted == ["upload-0"]
    assert [d[0] for n, d in client.calls if n == "part"] == [1, 2]


def test_a_fifo_is_uploaded_as_a_stream(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = payload(3000)

    def writer() -> None:
        with open(fifo, "wb") as out:
            out.write(data)

    thread = threading.Thread(target=writer)
    thread.start()
    client = FakeS3()
    result = upload_file(client, BUCKET, KEY, fifo, config=config())
    thread.join()
    assert client.objects[KEY] == data and result.part_count == 0


def test_a_file_within_one_read_buffer_is_opened_once_and_sent_from_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "small.bin"
    data = payload(3000)
    path.write_bytes(data)
    opened: List[str] = []
    real_open = open

    def counting_open(file: object, *args: object, **kwargs: object) -> object:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", counting_open)
    client = FakeS3()
    result = upload_file(client, BUCKET, KEY, path, config=config(io_chunk_size=4096))
    assert opened == [str(path)] and client.objects[KEY] == data
    assert result.md5_hex == hashlib.md5(data).hexdigest()


def test_a_small_file_that_changes_size_before_it_is_read_goes_through_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "small.bin"
    path.write_bytes(payload(3000))
    grown = payload(3000) + b"more"
    real_size = upload_module._regular_file_size

    def size_then_grow(target: Path) -> Optional[int]:
        size = real_size(target)
        path.write_bytes(grown)  # the file changes between the stat and the read
        return size

    monkeypatch.setattr(upload_module, "_regular_file_size", size_then_grow)
    client = FakeS3()
    result = upload_file(client, BUCKET, KEY, path, config=config(io_chunk_size=4096))
    assert client.objects[KEY] == grown[:3000] and result.size == 3000  # the size it had when the upload began
