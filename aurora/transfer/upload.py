"""Uploads: one PUT for small payloads, a parallel multipart upload for large ones.

A file is read in place: each part is a :class:`~aurora.transfer.window.FileWindow`
on its own descriptor, hashed once and then sent (with ``sendfile`` where the
transport can), so a file upload holds no payload in memory.  A stream is
copied into a few recycled part buffers; see :func:`upload_stream` for its
memory ceiling.  How each body is proven intact (Content-MD5; a signed
SHA-256 for SigV4 parts with ``part_sha256``; nothing with ``verify`` off) is
described in :mod:`aurora.transfer.integrity`.

Each part is retried on its own inside :meth:`S3Client.request` (a file window
is rewound, a buffer is resent); the upload as a whole is never restarted.  If
anything fails the multipart upload is aborted and the error carries its
``upload_id``.  Progress callbacks may run on worker threads (see
:mod:`aurora.transfer.progress`).
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Dict, Mapping, NamedTuple, Optional, Sequence, Union

from aurora.config import MAX_PARTS, KiB, TransferConfig
from aurora.core.parts import Part, plan_parts, stream_part_size
from aurora.errors import TransferError
from aurora.transfer.buffers import BufferPool, Filler, StreamSource, stream_filler
from aurora.transfer.integrity import (
    NO_CHECK,
    BodyDigest,
    composite_digests,
    part_check,
    single_check,
    view_digest,
    window_digest,
)
from aurora.transfer.multipart import (
    aborting_on_failure,
    check_multipart_etag,
    check_single_etag,
    part_headers,
    retag,
    server_etag,
)
from aurora.transfer.progress import Progress, ProgressMeter
from aurora.transfer.window import FileWindow
from aurora.transfer.workers import PartRunner

if TYPE_CHECKING:
    from aurora.core.models import CompleteMultipartResult
    from aurora.s3.client import S3Client

__all__ = ["Progress", "UploadResult", "upload_file", "upload_stream", "upload_from_filler"]

PathLike = Union[str, "os.PathLike[str]"]
PartSizes = Callable[[int], int]
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
PROBE_SIZE = 256 * KiB
"""A stream's first bytes go into a buffer this small, so a short stream never allocates a whole part."""


@dataclass(frozen=True)
class UploadResult:
    """What an upload stored.

    Attributes:
        etag: the object's ETag as the server reports it, without quotes.
        size: bytes uploaded.
        md5_hex: MD5 of the whole payload for a single PUT, else None.
        upload_id: the multipart upload's id, None for a single PUT.
        part_count: number of parts, 0 for a single PUT.
        version_id: the version the server gave the object, if it said.
    """

    etag: str
    size: int
    md5_hex: Optional[str]
    upload_id: Optional[str]
    part_count: int
    version_id: Optional[str] = None


class _SentPart(NamedTuple):
    number: int
    etag: str
    md5: Optional[bytes]
    size: int


def merged_headers(base: Mapping[str, str], extra: Mapping[str, str]) -> Dict[str, str]:
    """``base`` with ``extra`` set, replacing same-named headers whatever their case."""
    lowered = {name.lower() for name in extra}
    merged = {name: value for name, value in base.items() if name.lower() not in lowered}
    merged.update(extra)
    return merged


def _regular_file_size(path: PathLike) -> Optional[int]:
    info = os.stat(path)
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def upload_file(
    client: S3Client,
    bucket: str,
    key: str,
    path: PathLike,
    *,
    config: TransferConfig,
    headers: Mapping[str, str] = _NO_HEADERS,
    progress: Optional[Progress] = None,
    verify: bool = True,
    part_sha256: Optional[bool] = None,
) -> UploadResult:
    """Upload the file at ``path`` as ``bucket/key``.

    Up to ``config.multipart_threshold`` bytes go in one PUT; larger files as
    a multipart upload of ``config.part_size`` parts (grown to fit 10,000),
    ``config.max_concurrency`` at a time, each read in place from the file.
    A path that is not a regular file (a pipe, a device) is uploaded as a stream.

    Args:
        headers: the object's headers (Content-Type, x-amz-meta-*, x-amz-acl...),
            sent with the PUT or CreateMultipartUpload, not with the parts
            (except SSE-C headers, which every part must repeat).
        progress: ``progress(bytes_acknowledged, total)``, possibly from worker threads.
        verify: prove every body intact and compare the server's ETag with
            what was sent (also needs ``config.verify_checksums``; the ETag is
            not compared under SSE-KMS and SSE-C).  Off, nothing is hashed:
            less CPU, no integrity check beyond TCP's (see
            :mod:`aurora.transfer.integrity`).
        part_sha256: under SigV4, sign each part's SHA-256 instead of sending
            its Content-MD5: about 35 % less client CPU, but the server hashes
            the part again, so against a server on the same 2 cores it is no
            faster (see :mod:`aurora.transfer.integrity`).  None (the default)
            follows ``config.part_sha256``; True or False overrides it.

    Raises:
        ObjectHashMismatchError: the stored object's ETag does not match.
        MultipartUploadError: a multipart upload failed (and was aborted); aurora
            errors raised by a part carry ``upload_id`` as well.
    """
    size = _regular_file_size(path)
    if size is None:
        with open(path, "rb") as stream:
            return upload_stream(
                client,
                bucket,
                key,
                stream,
                config=config,
                headers=headers,
                progress=progress,
                verify=verify,
                part_sha256=part_sha256,
            )
    meter = ProgressMeter(progress, size)
    check = verify and config.verify_checksums
    if size <= config.multipart_threshold:
        return _put_file(client, bucket, key, path, size, config, headers, meter, check)
    proof = part_check(client, check, _part_sha256(part_sha256, config))
    return _multipart_file(client, bucket, key, path, plan_parts(size, config.part_size), config, headers, meter, proof)


def _part_sha256(argument: Optional[bool], config: TransferConfig) -> bool:
    """Whether parts are proven by a signed SHA-256: the argument when given, else the config's."""
    return config.part_sha256 if argument is None else argument


def _put_file(
    client: S3Client,
    bucket: str,
    key: str,
    path: PathLike,
    size: int,
    config: TransferConfig,
    headers: Mapping[str, str],
    meter: ProgressMeter,
    verify: bool,
) -> UploadResult:
    check = single_check(verify)
    if size == 0:
        body = memoryview(b"")
        return _put(client, bucket, key, body, view_digest(body, check), headers, meter, verify)
    if size <= config.io_chunk_size:
        data = _small_file(path, size)
        if data is not None:
            body = memoryview(data)
            return _put(client, bucket, key, body, view_digest(body, check), headers, meter, verify)
    with FileWindow(path, 0, size) as window:
        digest = window_digest(window, config.io_chunk_size, check)
        return _put(client, bucket, key, window, digest, headers, meter, verify)


def _small_file(path: PathLike, size: int) -> Optional[bytes]:
    """The ``size`` bytes of a file that fits one read buffer, read once (hashed and sent from memory).

    None when the file no longer has that size: the window path then deals with it.
    """
    with open(path, "rb", buffering=0) as stream:
        data = stream.read(size + 1)
    return data if data is not None and len(data) == size else None


def _put(
    client: S3Client,
    bucket: str,
    key: str,
    body: Union[FileWindow, memoryview],
    digest: BodyDigest,
    headers: Mapping[str, str],
    meter: ProgressMeter,
    verify: bool,
) -> UploadResult:
    """One PUT with ``digest``'s proof; the ETag is checked against the MD5 when ``verify``."""
    size = body.length if isinstance(body, FileWindow) else body.nbytes
    extra = dict(digest.headers)
    extra["Content-Length"] = str(size)
    response = client.put_object(
        bucket, key, body, headers=merged_headers(headers, extra), payload_hash=digest.payload_hash
    )
    meter.set_total(size)
    meter.add(size)
    etag, head = server_etag(client, bucket, key, response.get("ETag") or "", headers)
    md5_hex = digest.md5.hex() if digest.md5 is not None else None
    if verify and md5_hex is not None:
        check_single_etag(bucket, key, etag, md5_hex, [headers, response, head])
    version_id = response.get("x-amz-version-id")
    return UploadResult(etag=etag, size=size, md5_hex=md5_hex, upload_id=None, part_count=0, version_id=version_id)


def _multipart_file(
    client: S3Client,
    bucket: str,
    key: str,
    path: PathLike,
    parts: Sequence[Part],
    config: TransferConfig,
    headers: Mapping[str, str],
    meter: ProgressMeter,
    proof: str,
) -> UploadResult:
    extra = part_headers(headers)

    def submit_all(runner: PartRunner[_SentPart], upload_id: str) -> None:
        for part in parts:
            runner.submit(
                _send_file_part, client, bucket, key, upload_id, path, part, extra, config.io_chunk_size, meter, proof
            )

    verify = proof != NO_CHECK
    return _run_multipart(client, bucket, key, headers, config.max_concurrency, meter, verify, submit_all)


def _run_multipart(
    client: S3Client,
    bucket: str,
    key: str,
    headers: Mapping[str, str],
    workers: int,
    meter: ProgressMeter,
    verify: bool,
    submit_all: Callable[[PartRunner[_SentPart], str], object],
) -> UploadResult:
    """Create the upload, let ``submit_all(runner, upload_id)`` queue its parts, then complete it.

    The one multipart sequence of files and streams: aborted on any failure
    (the error carrying the upload id), the final progress reported once
    every part is acknowledged, the ETag checked against the parts when ``verify``.
    """
    upload_id = client.create_multipart_upload(bucket, key, headers=headers)
    with aborting_on_failure(client, bucket, key, upload_id):
        with PartRunner[_SentPart](workers, "aurora-upload") as runner:
            submit_all(runner, upload_id)
            sent = runner.results()
        meter.finish(sum(p.size for p in sent))
        completed = client.complete_multipart_upload(bucket, key, upload_id, [(p.number, p.etag) for p in sent])
    return _multipart_result(client, bucket, key, upload_id, completed, sent, headers, verify)


def _send_file_part(
    client: S3Client,
    bucket: str,
    key: str,
    upload_id: str,
    path: PathLike,
    part: Part,
    extra: Mapping[str, str],
    chunk_size: int,
    meter: ProgressMeter,
    proof: str,
) -> _SentPart:
    """Hash one window of the file, then send it from its own descriptor."""
    with FileWindow(path, part.offset, part.size) as body:
        digest = window_digest(body, chunk_size, proof)
        headers = merged_headers(extra, {**digest.headers, "Content-Length": str(part.size)})
        etag = client.upload_part(
            bucket, key, upload_id, part.number, body, headers=headers, payload_hash=digest.payload_hash
        )
    meter.add(part.size)
    return _SentPart(part.number, etag, digest.md5, part.size)


def _multipart_result(
    client: S3Client,
    bucket: str,
    key: str,
    upload_id: str,
    completed: CompleteMultipartResult,
    sent: Sequence[_SentPart],
    headers: Mapping[str, str],
    verify: bool,
) -> UploadResult:
    """The result of a completed upload, its ETag checked against the parts sent and acknowledged."""
    etag, head = server_etag(client, bucket, key, completed.etag, headers)
    retag(client, bucket, key, headers)
    if verify:
        digests = composite_digests([p.md5 for p in sent], [p.etag for p in sent])
        check_multipart_etag(client, bucket, key, upload_id, etag, digests, [headers, head])
    size = sum(p.size for p in sent)
    return UploadResult(
        etag=etag, size=size, md5_hex=None, upload_id=upload_id, part_count=len(sent), version_id=completed.version_id
    )


def upload_stream(
    client: S3Client,
    bucket: str,
    key: str,
    stream: StreamSource,
    *,
    config: TransferConfig,
    headers: Mapping[str, str] = _NO_HEADERS,
    progress: Optional[Progress] = None,
    verify: bool = True,
    part_sha256: Optional[bool] = None,
) -> UploadResult:
    """Upload from an iterable of bytes-like chunks (any sizes) or a binary file-like object.

    A stream that ends before one part is full goes in a single PUT (an empty
    one included); a longer one as a multipart upload whose part size starts
    at ``config.part_size`` and grows (:func:`~aurora.core.parts.stream_part_size`)
    so that 5 TiB fits in 10,000 parts.

    Memory ceiling: at most ``(config.max_concurrency + 1) * part size`` bytes of
    payload are held at once -- one buffer being filled and one per part in
    flight, each kept until the server acknowledged it so a retry can resend
    it.  With the defaults (4 workers, 5 MiB parts) that is 25 MiB; the part
    size, and so the ceiling, only grows after the first ~4.9 GiB.  The first
    256 KiB are read into a small buffer of their own, and a part buffer is
    only allocated once the stream is longer: a short stream holds 256 KiB
    (the probe and the first part buffer coexist only while the probe is
    copied in, within the ceiling).

    Arguments, progress and errors are as for :func:`upload_file`; progress
    reports bytes acknowledged, with the total None until the stream has ended.
    """
    return upload_from_filler(
        client,
        bucket,
        key,
        stream_filler(stream),
        config=config,
        headers=headers,
        progress=progress,
        verify=verify,
        part_sha256=part_sha256,
        part_sizes=lambda number: stream_part_size(number, config.part_size),
    )


def upload_from_filler(
    client: S3Client,
    bucket: str,
    key: str,
    fill: Filler,
    *,
    config: TransferConfig,
    part_sizes: PartSizes,
    headers: Mapping[str, str] = _NO_HEADERS,
    progress: Optional[Progress] = None,
    verify: bool = True,
    part_sha256: Optional[bool] = None,
) -> UploadResult:
    """:func:`upload_stream` with the part size of part ``n`` given by ``part_sizes(n)``."""
    meter = ProgressMeter(progress)
    proof = part_check(client, verify and config.verify_checksums, _part_sha256(part_sha256, config))
    return _StreamUpload(client, bucket, key, fill, config, part_sizes, headers, meter, proof).run()


class _Chunk(NamedTuple):
    buffer: bytearray
    size: int

    @property
    def full(self) -> bool:
        return self.size == len(self.buffer)

    def view(self) -> memoryview:
        return memoryview(self.buffer)[: self.size]


class _StreamUpload:
    """One stream upload: a slot is taken before a buffer is filled, freed once it is acknowledged."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        key: str,
        fill: Filler,
        config: TransferConfig,
        part_sizes: PartSizes,
        headers: Mapping[str, str],
        meter: ProgressMeter,
        proof: str,
    ) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self._fill = fill
        self._workers = config.max_concurrency
        self._part_sizes = part_sizes
        self._headers = headers
        self._part_headers = part_headers(headers)
        self._meter = meter
        self._proof = proof
        self._verify = proof != NO_CHECK
        self._slots = threading.BoundedSemaphore(config.max_concurrency + 1)
        self._pool = BufferPool(keep=config.max_concurrency + 1)

    def run(self) -> UploadResult:
        first = self._take(1, probe=PROBE_SIZE)
        if not first.full:
            return self._single(first)
        second = self._take(2)
        if second.size == 0:
            return self._single(first)
        return self._multipart(first, second)

    def _take(self, number: int, probe: int = 0) -> _Chunk:
        """A buffer for part ``number``, filled from the stream (short only at its end).

        With ``probe``, the first bytes go into a buffer of that size, and the
        part buffer is only allocated (and the probe copied in) once the stream
        proves longer, so a short stream costs a small buffer, not a whole part.
        """
        size = self._part_sizes(number)
        self._slots.acquire()
        try:
            if 0 < probe < size:
                head = bytearray(probe)
                filled = self._fill(memoryview(head))
                if filled < probe:
                    return _Chunk(head, filled)
                buffer = self._pool.take(size)
                buffer[:probe] = head
                del head
                return _Chunk(buffer, probe + self._fill(memoryview(buffer)[probe:]))
            buffer = self._pool.take(size)
            return _Chunk(buffer, self._fill(memoryview(buffer)))
        except BaseException:
            self._slots.release()
            raise

    def _release(self, chunk: _Chunk) -> None:
        self._pool.give(chunk.buffer)
        self._slots.release()

    def _single(self, chunk: _Chunk) -> UploadResult:
        view = chunk.view()
        digest = view_digest(view, single_check(self._verify))
        return _put(self.client, self.bucket, self.key, view, digest, self._headers, self._meter, self._verify)

    def _multipart(self, first: _Chunk, second: _Chunk) -> UploadResult:
        def submit_all(runner: PartRunner[_SentPart], upload_id: str) -> None:
            self._submit_all(runner, upload_id, first, second)

        client, bucket, key, meter = self.client, self.bucket, self.key, self._meter
        return _run_multipart(client, bucket, key, self._headers, self._workers, meter, self._verify, submit_all)

    def _submit_all(self, runner: PartRunner[_SentPart], upload_id: str, first: _Chunk, second: _Chunk) -> None:
        """Queue parts until the stream ends (blocking while every slot is taken); the total is set on the meter."""
        self._submit(runner, upload_id, 1, first)
        self._submit(runner, upload_id, 2, second)
        chunk, number, total = second, 2, first.size + second.size
        while chunk.full:
            number += 1
            if number > MAX_PARTS:
                self._refuse_more()
                break
            runner.check()
            chunk = self._take(number)
            if chunk.size == 0:
                self._release(chunk)
                break
            self._submit(runner, upload_id, number, chunk)
            total += chunk.size
        self._meter.set_total(total)

    def _refuse_more(self) -> None:
        if self._fill(memoryview(bytearray(1))):
            raise TransferError(
                "the stream for %s/%s holds more than 10,000 parts can carry (5 TiB)" % (self.bucket, self.key)
            )

    def _submit(self, runner: PartRunner[_SentPart], upload_id: str, number: int, chunk: _Chunk) -> None:
        """Queue one part; its buffer and slot are freed once it is acknowledged (or dropped)."""
        runner.submit(self._send, upload_id, number, chunk, on_done=lambda: self._release(chunk))

    def _send(self, upload_id: str, number: int, chunk: _Chunk) -> _SentPart:
        """Upload one buffered part (on a worker thread)."""
        view = chunk.view()
        digest = view_digest(view, self._proof)
        headers = merged_headers(self._part_headers, digest.headers)
        etag = self.client.upload_part(
            self.bucket, self.key, upload_id, number, view, headers=headers, payload_hash=digest.payload_hash
        )
        self._meter.add(chunk.size)
        return _SentPart(number, etag, digest.md5, chunk.size)
