"""Download logic against an in-memory object store whose connections can break."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple, Union

import pytest

from aurora import errors
from aurora.config import RetryPolicy, TransferConfig
from aurora.core.parts import multipart_etag
from aurora.transfer.download import download_file, iter_object
from aurora.transfer.reader import ResumingReader, parse_content_range
from aurora.transport.response import Headers

BUCKET, KEY = "bucket", "key"


def payload(size: int) -> bytes:
    block = hashlib.sha256(b"download").digest() * 32
    return (block * (size // len(block) + 1))[:size]


if TYPE_CHECKING:  # the fakes stand where the engine takes a client and its responses
    from aurora.s3.client import S3Client as ClientBase
    from aurora.transport.response import Response as ResponseBase
else:
    ClientBase = ResponseBase = object


class BreakingResponse(ResponseBase):
    """A streamed body that raises ProtocolError once ``break_after`` bytes were read."""

    def __init__(self, status: int, headers: Dict[str, str], body: bytes, break_after: Optional[int]) -> None:
        self.status = status
        self.reason = "OK"
        self.headers = Headers(headers)
        self._body = body
        self._offset = 0
        self._break_after = break_after
        self.closed = False

    def readinto(self, buffer: Union[bytearray, memoryview]) -> int:
        assert not self.closed
        view = memoryview(buffer).cast("B")
        limit = len(self._body) if self._break_after is None else min(len(self._body), self._break_after)
        if self._offset >= limit and limit < len(self._body):
            raise errors.ProtocolError("connection reset by peer")
        count = min(view.nbytes, limit - self._offset)
        view[:count] = self._body[self._offset : self._offset + count]
        self._offset += count
        return count

    def close(self) -> None:
        self.closed = True


class FakeStore(ClientBase):
    """get_object / head_object over one object; each GET may break after some bytes."""

    def __init__(
        self,
        data: bytes,
        *,
        etag: Optional[str] = None,
        breaks: Optional[List[int]] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        max_attempts: int = 5,
    ) -> None:
        self.data = data
        self.etag = etag if etag is not None else hashlib.md5(data).hexdigest()
        self.breaks = list(breaks or [])
        self.extra = dict(extra_headers or {})
        self.retry = RetryPolicy(max_attempts=max_attempts)
        self.gets: List[Tuple[Optional[Tuple[int, Optional[int]]], Dict[str, str]]] = []
        self.responses: List[BreakingResponse] = []
        self.heads = 0
        self.lock = threading.Lock()

    def _check_if_match(self, headers: Mapping[str, str]) -> None:
        wanted = headers.get("If-Match")
        if wanted is not None and wanted != '"%s"' % self.etag:
            raise errors.PreconditionFailed("At least one of the pre-conditions you specified did not hold", status=412)

    def head_object(self, bucket: str, key: str, *, headers: Optional[Mapping[str, str]] = None) -> Headers:
        self._check_if_match(dict(headers or {}))
        self.heads += 1
        return Headers({"Content-Length": str(len(self.data)), "ETag": '"%s"' % self.etag, **self.extra})

    def get_object(
        self,
        bucket: str,
        key: str,
        *,
        byte_range: Optional[Tuple[int, Optional[int]]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> BreakingResponse:
        headers = dict(headers or {})
        self._check_if_match(headers)
        size = len(self.data)
        common = {"ETag": '"%s"' % self.etag, **self.extra}
        if byte_range is None:
            status, body, info = 200, self.data, {"Content-Length": str(size)}
        else:
            first, last = byte_range
            if first >= size:
                raise errors.InvalidRange("The requested range is not satisfiable", status=416)
            end = size - 1 if last is None else min(last, size - 1)
            body = self.data[first : end + 1]
            info = {"Content-Length": str(len(body)), "Content-Range": "bytes %d-%d/%d" % (first, end, size)}
            status = 206
        with self.lock:
            self.gets.append((byte_range, headers))
            break_after = self.breaks.pop(0) if self.breaks else None
            response = BreakingResponse(status, {**common, **info}, body, break_after)
            self.responses.append(response)
        return response


def config(**changes: Any) -> TransferConfig:
    values: Dict[str, Any] = {
        "multipart_download_threshold": 64 * 1024,
        "download_part_size": 16 * 1024,
        "io_chunk_size": 1000,
        "max_concurrency": 3,
    }
    values.update(changes)
    return TransferConfig(**values)


def leftovers(directory: Path) -> List[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".part"))


# -- the reader ---------------------------------------------------------------------


def test_content_range_parsing() -> None:
    assert parse_content_range("bytes 0-99/1234") == (0, 99, 1234)
    assert parse_content_range("bytes 5-9/*") == (5, 9, None)
    assert parse_content_range(None) is None
    assert parse_content_range("bytes */1234") is None


def test_reader_resumes_from_the_last_byte_with_if_match() -> None:
    data = payload(10_000)
    store = FakeStore(data, breaks=[3000, 2500])
    chunks = []
    with ResumingReader(store, BUCKET, KEY) as reader:
        reader.open()
        buffer = bytearray(700)
        while True:
            count = reader.readinto(buffer)
            if not count:
                break
            chunks.append(bytes(buffer[:count]))
    assert b"".join(chunks) == data
    assert [g[0] for g in store.gets] == [None, (3000, 9999), (5500, 9999)]
    assert store.gets[0][1] == {}
    assert store.gets[1][1]["If-Match"] == '"%s"' % store.etag
    assert all(response.closed for response in store.responses)


def test_reader_gives_up_after_its_resumes_are_spent() -> None:
    store = FakeStore(payload(10_000), breaks=[100, 100, 100, 100], max_attempts=2)
    with ResumingReader(store, BUCKET, KEY) as reader, pytest.raises(errors.TransferError) as caught:
        reader.open()
        while reader.readinto(bytearray(4096)):
            pass
    assert len(store.gets) == 3 and isinstance(caught.value.__cause__, errors.ProtocolError)


# -- download_file ------------------------------------------------------------------


def test_small_object_is_one_get_written_and_verified(tmp_path: Path) -> None:
    data = payload(5000)
    store = FakeStore(data)
    target = tmp_path / "out.bin"
    seen: List[Tuple[int, Optional[int]]] = []
    written = download_file(
        store,
        BUCKET,
        KEY,
        target,
        config=config(),
        expected_size=5000,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert written == 5000 and target.read_bytes() == data
    assert len(store.gets) == 1 and store.heads == 0
    assert seen[-1] == (5000, 5000)
    assert leftovers(tmp_path) == []


def test_without_an_expected_size_the_object_is_headed_first(tmp_path: Path) -> None:
    data = payload(5000)
    store = FakeStore(data)
    assert download_file(store, BUCKET, KEY, tmp_path / "o", config=config()) == 5000
    assert store.heads == 1 and len(store.gets) == 1


def test_a_broken_download_resumes_instead_of_starting_over(tmp_path: Path) -> None:
    data = payload(50_000)
    store = FakeStore(data, breaks=[10_000, 7])
    target = tmp_path / "out.bin"
    download_file(store, BUCKET, KEY, target, config=config(), expected_size=len(data))
    assert target.read_bytes() == data
    assert [g[0] for g in store.gets] == [None, (10_000, 49_999), (10_007, 49_999)]


def test_large_object_is_fetched_as_parallel_ranges_pinned_to_the_etag(tmp_path: Path) -> None:
    data = payload(100_000)
    store = FakeStore(data, breaks=[0, 5000])
    target = tmp_path / "big.bin"
    written = download_file(
        store,
        BUCKET,
        KEY,
        target,
        config=config(),
        expected_size=len(data),
        expected_etag=store.etag,
    )
    assert written == len(data) and target.read_bytes() == data
    ranges = sorted(g[0] for g in store.gets if g[0] is not None)
    starts = {r[0] for r in ranges}
    assert {0, 16384, 32768, 49152, 65536, 81920} <= starts
    assert all(g[1]["If-Match"] == '"%s"' % store.etag for g in store.gets)
    assert leftovers(tmp_path) == []


def test_parallel_download_heads_for_the_etag_when_not_given(tmp_path: Path) -> None:
    data = payload(100_000)
    store = FakeStore(data)
    download_file(store, BUCKET, KEY, tmp_path / "o", config=config(), expected_size=len(data))
    assert store.heads == 1
    assert all("If-Match" in g[1] for g in store.gets)


def test_parallel_download_of_a_multipart_object_checks_only_the_size(tmp_path: Path) -> None:
    data = payload(100_000)
    store = FakeStore(data, etag=multipart_etag([b"\0" * 16, b"\1" * 16]))
    target = tmp_path / "o"
    assert download_file(store, BUCKET, KEY, target, config=config()) == len(data)
    assert target.read_bytes() == data


@pytest.mark.parametrize("size", [5000, 100_000])
def test_md5_mismatch_raises_and_leaves_nothing(tmp_path: Path, size: int) -> None:
    store = FakeStore(payload(size), etag="0" * 32)
    target = tmp_path / "o"
    with pytest.raises(errors.ObjectHashMismatchError):
        download_file(store, BUCKET, KEY, target, config=config())
    assert not target.exists() and leftovers(tmp_path) == []


def test_md5_is_not_checked_when_verify_is_off_or_under_kms(tmp_path: Path) -> None:
    store = FakeStore(payload(5000), etag="0" * 32)
    download_file(store, BUCKET, KEY, tmp_path / "a", config=config(), verify=False)
    kms = FakeStore(payload(5000), etag="0" * 32, extra_headers={"x-amz-server-side-encryption": "aws:kms"})
    download_file(kms, BUCKET, KEY, tmp_path / "b", config=config())
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes() == payload(5000)


def test_size_mismatch_is_a_transfer_error_and_leaves_nothing(tmp_path: Path) -> None:
    store = FakeStore(payload(5000))
    target = tmp_path / "o"
    with pytest.raises(errors.TransferError, match="expected 6000"):
        download_file(store, BUCKET, KEY, target, config=config(), expected_size=6000)
    assert not target.exists() and leftovers(tmp_path) == []


def test_keep_partial_leaves_what_arrived_at_the_destination(tmp_path: Path) -> None:
    """libcloud's delete_on_failure=False: a short download stays where it was written."""
    store = FakeStore(payload(5000))
    target = tmp_path / "o"
    with pytest.raises(errors.TransferError, match="expected 6000"):
        download_file(store, BUCKET, KEY, target, config=config(), expected_size=6000, keep_partial=True)
    assert target.read_bytes() == payload(5000) and leftovers(tmp_path) == []


def test_existing_destination_is_refused_before_any_request(tmp_path: Path) -> None:
    target = tmp_path / "o"
    target.write_bytes(b"keep me")
    store = FakeStore(payload(10))
    with pytest.raises(errors.LibcloudError, match=str(target)):
        download_file(store, BUCKET, KEY, target, config=config())
    assert store.gets == [] and store.heads == 0 and target.read_bytes() == b"keep me"


def test_overwrite_replaces_only_after_success(tmp_path: Path) -> None:
    target = tmp_path / "o"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    broken = FakeStore(payload(5000), breaks=[10] * 10, max_attempts=1)
    with pytest.raises(errors.TransferError):
        download_file(broken, BUCKET, KEY, target, config=config(), overwrite=True)
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []
    good = FakeStore(payload(5000))
    download_file(good, BUCKET, KEY, target, config=config(), overwrite=True)
    assert target.read_bytes() == payload(5000)
    assert os.stat(target).st_mode & 0o777 == 0o640


def test_new_file_gets_the_usual_mode_not_the_temp_files(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "o"
        download_file(FakeStore(b"abc"), BUCKET, KEY, target, config=config())
    finally:
        os.umask(old)
    assert os.stat(target).st_mode & 0o777 == 0o644


def test_missing_object_leaves_no_temp_file(tmp_path: Path) -> None:
    class Missing(FakeStore):
        def get_object(self, *args: Any, **kwargs: Any) -> BreakingResponse:
            raise errors.NoSuchKey("The specified key does not exist.", status=404)

    with pytest.raises(errors.ObjectDoesNotExistError):
        download_file(Missing(b""), BUCKET, KEY, tmp_path / "o", config=config(), expected_size=0)
    assert os.listdir(tmp_path) == []


def test_range_download_writes_the_range_and_checks_its_length(tmp_path: Path) -> None:
    data = payload(100_000)
    store = FakeStore(data, breaks=[100])
    target = tmp_path / "r"
    written = download_file(store, BUCKET, KEY, target, config=config(), byte_range=(1000, 70_999))
    assert written == 70_000 and target.read_bytes() == data[1000:71_000]
    assert [g[0] for g in store.gets] == [(1000, 70_999), (1100, 70_999)]


def test_open_ended_range_runs_to_the_end(tmp_path: Path) -> None:
    data = payload(3000)
    store = FakeStore(data)
    target = tmp_path / "r"
    assert download_file(store, BUCKET, KEY, target, config=config(), byte_range=(2500, None)) == 500
    assert target.read_bytes() == data[2500:]


def test_changed_object_fails_instead_of_mixing_versions(tmp_path: Path) -> None:
    store = FakeStore(payload(5000))
    with pytest.raises(errors.PreconditionFailed):
        download_file(store, BUCKET, KEY, tmp_path / "o", config=config(), expected_etag="1" * 32)
    assert os.listdir(tmp_path) == []


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.LibcloudError, match="does not exist"):
        download_file(FakeStore(b"x"), BUCKET, KEY, tmp_path / "no" / "o", config=config())


def test_empty_object(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    assert download_file(FakeStore(b""), BUCKET, KEY, target, config=config()) == 0
    assert target.read_bytes() == b""


# -- iter_object --------------------------------------------------------------------


def test_iter_object_yields_fixed_chunks_and_resumes() -> None:
    data = payload(10_000)
    store = FakeStore(data, breaks=[4321])
    chunks = list(iter_object(store, BUCKET, KEY, chunk_size=3000))
    assert b"".join(chunks) == data
    assert [len(c) for c in chunks] == [3000, 3000, 3000, 1000]
    assert store.gets[1][0] == (4321, 9999)


def test_iter_object_range() -> None:
    data = payload(10_000)
    chunks = iter_object(FakeStore(data), BUCKET, KEY, byte_range=(10, 19))
    assert b"".join(chunks) == data[10:20]


def test_closing_the_iterator_early_closes_the_response() -> None:
    store = FakeStore(payload(10_000))
    chunks = iter_object(store, BUCKET, KEY, chunk_size=100)
    assert len(next(chunks)) == 100
    chunks.close()
    assert store.responses[0].closed
    assert list(chunks) == []


def test_a_generator_delegating_to_it_closes_it_too() -> None:
    store = FakeStore(payload(10_000))

    def facade() -> Any:
        yield from iter_object(store, BUCKET, KEY, chunk_size=100)

    outer = facade()
    next(outer)
    outer.close()
    assert store.responses[0].closed


def test_missing_object_raises_when_iter_object_is_called() -> None:
    class Missing(FakeStore):
        def get_object(self, *args: Any, **kwargs: Any) -> BreakingResponse:
            raise errors.NoSuchKey("The specified key does not exist.", status=404)

    with pytest.raises(errors.NoSuchKey):
        iter_object(Missing(b""), BUCKET, KEY)


# -- objects that change under a download ------------------------------------------------


class ReplacedStore(FakeStore):
    """A store whose object is replaced by each of ``versions`` in turn after ``after`` GETs (or HEADs)."""

    def __init__(self, data: bytes, versions: List[bytes], after: int, honour_if_match: bool = True, **kw: Any):
        super().__init__(data, **kw)
        self.versions = list(versions)
        self.after = after
        self.calls = 0
        self.honour_if_match = honour_if_match

    def _tick(self) -> None:
        with self.lock:
            self.calls += 1
            if self.calls % self.after == 0 and self.versions:
                self.data = self.versions.pop(0)
                self.etag = hashlib.md5(self.data).hexdigest()

    def _check_if_match(self, headers: Mapping[str, str]) -> None:
        if self.honour_if_match:
            super()._check_if_match(headers)

    def head_object(self, bucket: str, key: str, *, headers: Optional[Mapping[str, str]] = None) -> Headers:
        answer = super().head_object(bucket, key, headers=headers)
        self._tick()
        return answer

    def get_object(self, bucket: str, key: str, **kw: Any) -> BreakingResponse:
        answer = super().get_object(bucket, key, **kw)
        self._tick()
        return answer


def test_a_stale_listing_does_not_matter_the_object_is_fetched_as_it_is_now(tmp_path: Path) -> None:
    new = payload(3000)
    store = FakeStore(new)
    written = download_file(store, BUCKET, KEY, tmp_path / "o", config=config(), size_hint=10)
    assert written == 3000 and (tmp_path / "o").read_bytes() == new
    assert store.gets[0][1] == {}  # no If-Match: nothing pinned before the first answer


@pytest.mark.parametrize("honour_if_match", [True, False], ids=["412", "etag-compared"])
def test_a_single_get_replaced_mid_way_starts_over_once(tmp_path: Path, honour_if_match: bool) -> None:
    old, new = payload(3000), payload(3000)[::-1]
    store = ReplacedStore(old, [new], after=1, breaks=[1000], honour_if_match=honour_if_match)
    download_file(store, BUCKET, KEY, tmp_path / "o", config=config(), size_hint=3000)
    assert (tmp_path / "o").read_bytes() == new
    if not honour_if_match:  # (a 412 is not recorded) the resume was pinned to the first answer's ETag
        assert store.gets[1][1] == {"If-Match": '"%s"' % hashlib.md5(old).hexdigest()}


def test_parallel_ranges_replaced_mid_way_start_over_once(tmp_path: Path) -> None:
    old, new = payload(200 * 1024), payload(200 * 1024)[::-1]
    store = ReplacedStore(old, [new], after=3)  # the HEAD and one range see the old object
    seen: List[Tuple[int, Optional[int]]] = []
    download_file(
        store,
        BUCKET,
        KEY,
        tmp_path / "o",
        config=config(max_concurrency=1),
        size_hint=len(old),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (tmp_path / "o").read_bytes() == new
    assert store.heads == 2 and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))


def test_an_object_replaced_again_after_starting_over_raises_object_changed(tmp_path: Path) -> None:
    store = ReplacedStore(payload(3000), [payload(3000)[::-1], payload(3000)], after=1, breaks=[1000, 1000])
    with pytest.raises(errors.ObjectChangedError) as caught:
        download_file(store, BUCKET, KEY, tmp_path / "o", config=config(), size_hint=3000)
    assert isinstance(caught.value, errors.ObjectError) and "changed" in str(caught.value)
    assert leftovers(tmp_path) == [] and not (tmp_path / "o").exists()


def test_a_stream_replaced_mid_way_raises_object_changed() -> None:
    store = ReplacedStore(payload(3000), [payload(3000)[::-1]], after=1, breaks=[1000])
    chunks = iter_object(store, BUCKET, KEY, chunk_size=500)
    with pytest.raises(errors.ObjectChangedError):
        list(chunks)


def test_the_callers_own_etag_is_not_started_over(tmp_path: Path) -> None:
    store = ReplacedStore(payload(3000), [payload(3000)[::-1]], after=1, breaks=[1000])
    with pytest.raises(errors.ObjectChangedError):
        download_file(
            store,
            BUCKET,
            KEY,
            tmp_path / "o",
            config=config(),
            expected_etag=store.etag,
            size_hint=3000,
        )
    assert len(store.gets) == 1
