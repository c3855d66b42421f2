"""An in-memory stand-in for S3Client that the transfer engine's unit tests upload to."""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from aurora.config import MiB, RetryPolicy, TransferConfig
from aurora.core.models import CompleteMultipartResult
from aurora.core.parts import multipart_etag
from aurora.transfer.window import FileWindow
from aurora.transport.response import Headers

if TYPE_CHECKING:
    from aurora.s3.client import S3Client as ClientBase  # the fake stands where the engine takes a client
else:
    ClientBase = object

BUCKET, KEY = "bucket", "key"


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


class FakeS3(ClientBase):
    """Just enough of S3Client for the transfer engine, with knobs to misbehave.

    Like the transport it reads exactly Content-Length bytes of a file body from
    its current position, and like a server it checks every Content-MD5 and
    every signed payload hash.  ``part_hook(n)`` runs inside upload_part (to
    fail, block or slow a part).  ``payload_hashes`` records what each request
    signed (None: left to the client).
    """

    def __init__(
        self,
        *,
        signature_version: str = "4",
        part_hook: Optional[Callable[[int], None]] = None,
        complete_etag: Optional[str] = None,
        put_etag: Optional[str] = None,
        put_headers: Optional[Mapping[str, str]] = None,
        abort_error: Optional[Exception] = None,
    ) -> None:
        self.retry = RetryPolicy()
        self.signature_version = signature_version
        self.payload_hashes: List[Tuple[str, Optional[str]]] = []
        self.part_hook = part_hook
        self.complete_etag = complete_etag
        self.put_etag = put_etag
        self.put_headers = dict(put_headers or {})
        self.abort_error = abort_error
        self.lock = threading.Lock()
        self.objects: Dict[str, bytes] = {}
        self.etags: Dict[str, str] = {}
        self.uploads: Dict[str, Dict[int, bytes]] = {}
        self.aborted: List[str] = []
        self.calls: List[Tuple[str, Any]] = []
        self.active = 0
        self.peak = 0
        self.acknowledged = 0

    def _record(self, name: str, detail: Any = None) -> None:
        with self.lock:
            self.calls.append((name, detail))

    def names(self) -> List[str]:
        return [name for name, _ in self.calls]

    def _body(self, body: Any, headers: Mapping[str, str], payload_hash: Optional[str], what: str) -> bytes:
        if isinstance(body, (bytes, bytearray, memoryview)):
            data = bytes(body)
        else:
            assert isinstance(body, FileWindow)
            start = body.tell()
            length = int(headers["Content-Length"])
            data = body.read(length)
            assert len(data) == length
            body.seek(start)  # a retry would rewind, and must see the same bytes
            assert body.read(length) == data
        if "Content-MD5" in headers:
            assert headers["Content-MD5"] == base64.b64encode(md5(data)).decode()
        if payload_hash is not None and payload_hash != "UNSIGNED-PAYLOAD":
            assert payload_hash == hashlib.sha256(data).hexdigest()
        with self.lock:
            self.payload_hashes.append((what, payload_hash))
        return data

    def put_object(
        self,
        bucket: str,
        key: str,
        body: Any,
        *,
        headers: Optional[Mapping[str, str]] = None,
        payload_hash: Optional[str] = None,
    ) -> Headers:
        headers = dict(headers or {})
        data = self._body(body, headers, payload_hash, "put")
        self._record("put", headers)
        self.objects[key] = data
        self.etags[key] = self.put_etag if self.put_etag is not None else md5(data).hex()
        return Headers({"ETag": '"%s"' % self.etags[key], **self.put_headers})

    def create_multipart_upload(self, bucket: str, key: str, *, headers: Optional[Mapping[str, str]] = None) -> str:
        upload_id = "upload-%d" % len(self.uploads)
        self._record("create", dict(headers or {}))
        self.uploads[upload_id] = {}
        return upload_id

    def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        body: Any,
        *,
        headers: Any = None,
        payload_hash: Optional[str] = None,
    ) -> str:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            data = self._body(body, dict(headers or {}), payload_hash, "part")
            self._record("part", (part_number, dict(headers or {}), len(data)))
            if self.part_hook is not None:
                self.part_hook(part_number)
            with self.lock:
                self.uploads[upload_id][part_number] = data
                self.acknowledged += len(data)
            return md5(data).hex()
        finally:
            with self.lock:
                self.active -= 1

    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, parts: Iterable[Tuple[int, str]]
    ) -> CompleteMultipartResult:
        parts = list(parts)
        self._record("complete", parts)
        stored = self.uploads.pop(upload_id)
        numbers = [number for number, _ in parts]
        assert numbers == sorted(numbers) == list(range(1, len(parts) + 1))
        assert [etag for _, etag in parts] == [md5(stored[n]).hex() for n in numbers]
        self.objects[key] = b"".join(stored[n] for n in numbers)
        self.etags[key] = multipart_etag([md5(stored[n]) for n in numbers])
        etag = self.complete_etag if self.complete_etag is not None else self.etags[key]
        return CompleteMultipartResult(location=None, bucket=bucket, key=key, etag=etag)

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        self._record("abort", upload_id)
        if self.abort_error is not None:
            raise self.abort_error
        self.aborted.append(upload_id)
        self.uploads.pop(upload_id, None)

    def head_object(self, bucket: str, key: str, *, headers: Any = None) -> Headers:
        self._record("head", dict(headers or {}))
        return Headers({"ETag": '"%s"' % self.etags[key], "Content-Length": str(len(self.objects[key]))})

    def part_sizes(self) -> List[int]:
        """The size of each part received, by part number."""
        sizes = {detail[0]: detail[2] for name, detail in self.calls if name == "part"}
        return [sizes[number] for number in sorted(sizes)]


def config(**changes: Any) -> TransferConfig:
    values: Dict[str, Any] = {"part_size": 5 * MiB, "multipart_threshold": 5 * MiB, "max_concurrency": 3}
    values.update(changes)
    return TransferConfig(**values)


def fixed(size: int) -> Callable[[int], int]:
    return lambda number: size


def payload(size: int, seed: int = 0) -> bytes:
    block = hashlib.sha256(b"%d" % seed).digest() * 64  # 2 KiB, not periodic on part boundaries
    return (block * (size // len(block) + 1))[:size]
