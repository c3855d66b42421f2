"""Many small files uploaded at once by the calling thread, each proven and checked as :func:`upload_file` does.

A file up to :data:`~aurora.config.SMALL_UPLOAD` bytes is read whole, hashed (Content-MD5
unless ``verify`` is off) and sent by :meth:`S3Client.put_objects
<aurora.s3.client.S3Client.put_objects>`, with up to ``width`` PUTs in
flight on one thread; its ETag is compared with its MD5 when the answer
comes.  A larger file is uploaded by :func:`upload_file` (in parallel parts
above the multipart threshold) when the walk reaches it, while the small
PUTs in flight wait.  So the bodies held stay under
``width x SMALL_UPLOAD`` plus what one large upload holds.
"""

from __future__ import annotations

import collections
import os
import stat
from typing import TYPE_CHECKING, Callable, Deque, Iterable, Iterator, Mapping, Optional, Tuple, Union

from aurora.config import SMALL_UPLOAD, TransferConfig
from aurora.errors import AuroraError, TransferError
from aurora.transfer.integrity import single_check, view_digest
from aurora.transfer.multipart import check_single_etag, server_etag
from aurora.transfer.upload import UploadResult, merged_headers, upload_file

if TYPE_CHECKING:
    from aurora.s3.client import S3Client
    from aurora.s3.many import Put
    from aurora.transport.response import Headers

__all__ = ["FileUpload", "upload_files"]

FileUpload = Tuple[object, Union[str, Exception], str, Mapping[str, str]]
"""``(token, path, key, headers)``: one file to upload as ``key`` with the object's ``headers``.

A ``path`` that is an exception (the caller refused the upload) is that upload's outcome, in turn."""

Outcome = Tuple[object, Union[UploadResult, Exception]]


class _Sent:
    """What the answer to one small PUT is checked against."""

    __slots__ = ("token", "key", "size", "md5", "headers")

    def __init__(self, token: object, key: str, size: int, md5: Optional[bytes], headers: Mapping[str, str]) -> None:
        self.token = token
        self.key = key
        self.size = size
        self.md5 = md5
        self.headers = headers


def upload_files(
    client: S3Client,
    bucket: str,
    files: Iterable[FileUpload],
    *,
    config: TransferConfig,
    width: int,
    verify: bool = True,
    check: Optional[Callable[[], None]] = None,
) -> Iterator[Outcome]:
    """The outcome of every upload in ``files``, in the order they finish: an :class:`UploadResult` or the error.

    ``files`` is read as uploads can start (a walk may produce it).  A file
    that cannot be read, or changed size while being read, fails alone.
    ``check`` is :func:`~aurora.s3.many.put_many`'s.
    """
    verify = verify and config.verify_checksums  # as upload_file: both must ask for the proof
    proof = single_check(verify)
    large: Deque[Outcome] = collections.deque()  # finished by upload_file while the walk went on

    def puts() -> Iterator[Put]:
        for token, path, key, headers in files:
            if isinstance(path, Exception):
                yield _Sent(token, key, 0, None, headers), key, path, headers, None
                continue
            try:
                body = _small_file(path)
            except (OSError, AuroraError) as error:
                yield _Sent(token, key, 0, None, headers), key, error, headers, None
                continue
            if body is None:
                large.append(_large(client, bucket, token, path, key, headers, config, verify))
                continue
            digest = view_digest(memoryview(body), proof)
            extra = dict(digest.headers)
            extra["Content-Length"] = str(len(body))
            sent = _Sent(token, key, len(body), digest.md5, headers)
            yield sent, key, body, merged_headers(headers, extra), digest.payload_hash

    for sent, answer in client.put_objects(bucket, puts(), width=width, check=check):
        while large:
            yield large.popleft()
        assert isinstance(sent, _Sent)
        yield sent.token, answer if isinstance(answer, Exception) else _checked(client, bucket, sent, answer, verify)
    while large:
        yield large.popleft()


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
"""Opening a pipe found in place of a file must not wait for a writer (it goes to :func:`upload_file`)."""


def _small_file(path: str) -> Optional[bytes]:
    """The whole file when it is a regular file of at most ``SMALL_UPLOAD`` bytes; None when it is not."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > SMALL_UPLOAD:
            return None
        pieces = []
        total = 0
        while total <= SMALL_UPLOAD:
            wanted = SMALL_UPLOAD + 1 - total
            piece = os.read(fd, wanted)
            pieces.append(piece)
            total += len(piece)
            if len(piece) < wanted:  # a regular file's short read is its end
                break
    finally:
        os.close(fd)
    if total > SMALL_UPLOAD:
        return None
    if total != info.st_size:
        raise TransferError(f"{path} changed size while it was read ({info.st_size} then {total} bytes)")
    return b"".join(pieces)


def _large(
    client: S3Client,
    bucket: str,
    token: object,
    path: str,
    key: str,
    headers: Mapping[str, str],
    config: TransferConfig,
    verify: bool,
) -> Outcome:
    try:
        return token, upload_file(client, bucket, key, path, config=config, headers=headers, verify=verify)
    except (OSError, AuroraError) as error:
        return token, error


def _checked(
    client: S3Client, bucket: str, sent: _Sent, answer: Headers, verify: bool
) -> Union[UploadResult, Exception]:
    """The upload's result once its ETag matches the MD5 sent (the error when it does not)."""
    try:
        etag, head = server_etag(client, bucket, sent.key, answer.get("ETag") or "", sent.headers)
        md5_hex = sent.md5.hex() if sent.md5 is not None else None
        if verify and md5_hex is not None:
            check_single_etag(bucket, sent.key, etag, md5_hex, [sent.headers, answer, head])
    except AuroraError as error:
        return error
    version_id = answer.get("x-amz-version-id")
    return UploadResult(etag=etag, size=sent.size, md5_hex=md5_hex, upload_id=None, part_count=0, version_id=version_id)
