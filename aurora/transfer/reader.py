"""A GET body that survives a broken connection by resuming where it stopped.

A long download over a flaky link should not start over when the connection
drops: the reader asks for the rest with a ``Range`` request from the first
byte it has not received, and with ``If-Match`` on the ETag it first saw, so a
replaced object fails (``PreconditionFailed``) instead of mixing two versions.
Resumes are bounded (the client's retry policy ``max_attempts``).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Dict, Optional, Tuple, Union

from aurora.errors import InvalidArgumentError, ProtocolError, TimeoutError_, TransferError
from aurora.transport.response import byte_view

if TYPE_CHECKING:
    from aurora.s3.client import S3Client
    from aurora.transport.response import Headers, Response

__all__ = ["ResumingReader", "parse_content_range", "quoted_etag"]

log = logging.getLogger("aurora.transfer")

_CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_BROKEN = (ProtocolError, TimeoutError_)


def parse_content_range(value: Optional[str]) -> Optional[Tuple[int, int, Optional[int]]]:
    """``(first, last, total or None)`` from ``bytes first-last/total``; None if absent or odd."""
    match = _CONTENT_RANGE.match(value or "")
    if match is None:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), int(match.group(2)), total


def quoted_etag(etag: str) -> str:
    """An ETag in the quoted form ``If-Match`` expects."""
    bare = etag.strip()
    return bare if bare.startswith(('"', "W/")) else '"%s"' % bare


class ResumingReader:
    """Bytes ``first..last`` (inclusive; ``last=None`` to the end) of one object.

    Call :meth:`open` first; it sends the GET and raises what the server
    answered (``NoSuchKey``...).  After that, :meth:`readinto` returns 0 only
    once every byte of the range has arrived, resuming as often as allowed.

    Attributes:
        headers: the first response's headers (ETag, encryption, size).
        position: the absolute offset of the next byte to read.
        end: the absolute offset just past the last byte, once known.
        object_size: the whole object's size, when the server said it.
    """

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        key: str,
        *,
        first: int = 0,
        last: Optional[int] = None,
        if_match: Optional[str] = None,
        max_resumes: Optional[int] = None,
    ) -> None:
        if first < 0 or (last is not None and last < first):
            raise InvalidArgumentError("invalid byte range %r-%r" % (first, last))
        self._client, self._bucket, self._key = client, bucket, key
        self._first, self._last = first, last
        self._if_match = if_match
        self._resumes_left = client.retry.max_attempts if max_resumes is None else max_resumes
        self._response: Optional[Response] = None
        self.headers: Optional[Headers] = None
        self.position = first
        self.end: Optional[int] = None
        self.object_size: Optional[int] = None

    def __enter__(self) -> ResumingReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def etag(self) -> Optional[str]:
        """The ETag of the object being read (as sent, quotes included)."""
        if self._if_match:
            return self._if_match
        return self.headers.get("ETag") if self.headers is not None else None

    def open(self) -> Headers:
        """Send the first GET; returns its headers."""
        ranged = self._first > 0 or self._last is not None
        response = self._get((self._first, self._last) if ranged else None, self._if_match)
        self._response = response
        self.headers = response.headers
        self.end, self.object_size = self._extent(response, ranged)
        return response.headers

    def _get(self, byte_range: Optional[Tuple[int, Optional[int]]], if_match: Optional[str]) -> Response:
        headers: Dict[str, str] = {"If-Match": quoted_etag(if_match)} if if_match else {}
        return self._client.get_object(self._bucket, self._key, byte_range=byte_range, headers=headers)

    def _extent(self, response: Response, ranged: bool) -> Tuple[Optional[int], Optional[int]]:
        """``(end, object size)`` from the first response; refuses a range the server ignored."""
        length = _int_header(response.headers.get("Content-Length"))
        if response.status == 206:
            parsed = parse_content_range(response.headers.get("Content-Range"))
            if parsed is None or parsed[0] != self._first:
                self._close_response()
                raise TransferError(
                    "%s/%s: unexpected Content-Range %r"
                    % (self._bucket, self._key, response.headers.get("Content-Range"))
                )
            return parsed[1] + 1, parsed[2]
        if ranged and self._first > 0:
            self._close_response()
            raise TransferError("%s/%s: the server ignored the Range request" % (self._bucket, self._key))
        end = length
        if end is not None and self._last is not None:
            end = min(end, self._last + 1)
        return end, length

    def readinto(self, buffer: Union[bytearray, memoryview]) -> int:
        """Bytes read into ``buffer``; 0 only when the whole range has arrived."""
        view = byte_view(buffer)
        if self.end is not None:
            view = view[: max(0, self.end - self.position)]
        if not view.nbytes:
            return 0
        while True:
            count = self._read_some(view)
            if count or self.end is None or self.position >= self.end:
                self.position += count
                return count
            self._resume(
                ProtocolError(
                    "%s/%s: the body ended at byte %d of %d" % (self._bucket, self._key, self.position, self.end)
                )
            )

    def _read_some(self, view: memoryview) -> int:
        while True:
            response = self._response
            if response is None:
                raise TransferError("read from a closed or unopened object reader")
            try:
                return response.readinto(view)
            except _BROKEN as exc:
                self._resume(exc)

    def _resume(self, cause: Exception) -> None:
        """Ask for the rest of the range, or raise ``cause`` when out of resumes."""
        self._close_response()
        if self._resumes_left <= 0:
            raise cause
        self._resumes_left -= 1
        etag = self.etag
        log.info("resuming %s/%s at byte %d after: %s", self._bucket, self._key, self.position, cause)
        last = self._last if self.end is None else self.end - 1
        response = self._get((self.position, last), etag)
        parsed = parse_content_range(response.headers.get("Content-Range"))
        if response.status != 206 or parsed is None or parsed[0] != self.position:
            response.close()
            raise TransferError(
                "%s/%s: could not resume at byte %d (status %d)"
                % (self._bucket, self._key, self.position, response.status)
            ) from cause
        self._response = response

    def _close_response(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()

    def close(self) -> None:
        """Release the connection (discarded when the body was not read to its end)."""
        self._close_response()


def _int_header(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
