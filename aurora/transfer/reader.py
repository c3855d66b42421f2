"""A GET body that survives a broken connection by resuming where it stopped.

A long download over a flaky link should not start over when the connection
drops: the reader asks for the rest with a ``Range`` request from the first
byte it has not received, and with ``If-Match`` on the ETag it first saw, so a
replaced object fails (:class:`~aurora.errors.ObjectChangedError`) instead of
mixing two versions.  Resumes are bounded (the client's retry policy
``max_attempts``).

An answer is judged by its ``Content-Range``, not by its status alone: a 200
or a 206 whose range starts where asked is that range; a 200 without one is
the whole object, whose bytes before the range are read and dropped (a server
that ignores ``Range`` costs time, never correctness).  An ETag that differs
from the pinned one (compared without quotes and case) means the object was
replaced, whatever the server did with ``If-Match``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, Optional, Tuple, Union

from aurora._log import Log
from aurora.config import MAX_OBJECT_SIZE
from aurora.core.numbers import server_size
from aurora.errors import (
    InvalidArgumentError,
    ObjectChangedError,
    PreconditionFailed,
    ProtocolError,
    TimeoutError_,
    TransferError,
)
from aurora.transport.response import byte_view

if TYPE_CHECKING:
    from aurora.s3.client import S3Client
    from aurora.transport.response import Headers, Response

__all__ = ["ResumingReader", "parse_content_range", "quoted_etag", "same_etag"]

log = Log("aurora.transfer")

_CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_BROKEN = (ProtocolError, TimeoutError_)


def parse_content_range(value: Optional[str]) -> Optional[Tuple[int, int, Optional[int]]]:
    """``(first, last, total or None)`` from ``bytes first-last/total``; None if absent or odd.

    Odd includes numbers above 5 TiB, ``last < first`` and ``last >= total``.
    """
    match = _CONTENT_RANGE.match(value or "")
    if match is None or any(len(group) > 20 for group in match.groups() if group):
        return None
    first, last = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if last < first or max(last, total or 0) > MAX_OBJECT_SIZE or (total is not None and last >= total):
        return None
    return first, last, total


def quoted_etag(etag: str) -> str:
    """An ETag in the quoted, strong form ``If-Match`` compares (a weak ``W/`` never matches there)."""
    text = etag.strip()
    if text[:2].upper() == "W/":
        text = text[2:]
    return '"%s"' % text.strip().strip('"')


def same_etag(one: Optional[str], other: Optional[str]) -> bool:
    """Whether two ETags name the same version: quotes, a weak ``W/`` and case aside; an absent one agrees."""
    if not one or not other:
        return True
    return _bare_etag(one) == _bare_etag(other)


def _bare_etag(etag: str) -> str:
    text = etag.strip()
    if text[:2].upper() == "W/":
        text = text[2:]
    return text.strip().strip('"').lower()


class ResumingReader:
    """Bytes ``first..last`` (inclusive; ``last=None`` to the end) of one object.

    Call :meth:`open` first; it sends the GET and raises what the server
    answered (``NoSuchKey``...).  After that, :meth:`readinto` returns 0 only
    once every byte of the range has arrived, resuming as often as allowed,
    and raises :class:`~aurora.errors.TransferError` (the last failure as its
    cause) when it is not.

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
        self._skip = 0

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
        self._check_version(response)
        self.end, self.object_size = self._extent(response, self._first)
        return response.headers

    def _get(self, byte_range: Optional[Tuple[int, Optional[int]]], if_match: Optional[str]) -> Response:
        headers: Dict[str, str] = {"If-Match": quoted_etag(if_match)} if if_match else {}
        try:
            return self._client.get_object(self._bucket, self._key, byte_range=byte_range, headers=headers)
        except PreconditionFailed as error:
            if not if_match:
                raise
            raise self._changed(if_match, "If-Match failed (%s)" % (error.code or error.status)) from None

    def _check_version(self, response: Response) -> None:
        """Refuse an answer whose ETag is not the pinned one: the object was replaced."""
        pinned = self._if_match or (self.headers.get("ETag") if self.headers is not None else None)
        if not same_etag(pinned, response.headers.get("ETag")):
            response.close()
            self._response = None if self._response is response else self._response
            raise self._changed(pinned or "", "now %s" % response.headers.get("ETag"))

    def _changed(self, pinned: str, detail: str) -> ObjectChangedError:
        return ObjectChangedError(
            "%s/%s changed while being read: ETag %s, %s" % (self._bucket, self._key, pinned, detail),
            None,
            self._key,
            container_name=self._bucket,
        )

    def _extent(self, response: Response, start: int) -> Tuple[Optional[int], Optional[int]]:
        """``(end, object size)`` of an answer to a GET from byte ``start``, by its Content-Range.

        A 200 without Content-Range is the whole object, and a range that
        starts before ``start`` holds it: the bytes before ``start`` are
        dropped as they arrive.
        """
        header = response.headers.get("Content-Range")
        parsed = parse_content_range(header)
        end: Optional[int]
        if parsed is not None and parsed[0] <= start <= parsed[1] and response.status in (200, 206):
            self._skip, end, size = start - parsed[0], parsed[1] + 1, parsed[2]
        elif header is None and response.status == 200:
            size = end = server_size(response.headers.get("Content-Length"))
            if start and size is not None and start >= size:
                self._close_response(response)
                raise TransferError(
                    "%s/%s: byte %d is past its end (%d bytes)" % (self._bucket, self._key, start, size)
                )
            self._skip = start
        else:
            self._close_response(response)
            raise TransferError(
                "%s/%s: unexpected answer %d with Content-Range %r to a GET from byte %d"
                % (self._bucket, self._key, response.status, _shown(header), start)
            )
        if end is not None and self._last is not None:
            end = min(end, self._last + 1)
        return end, size

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
                self._skip_leading(response, view)
                return response.readinto(view)
            except _BROKEN as exc:
                self._resume(exc)

    def _skip_leading(self, response: Response, view: memoryview) -> None:
        """Drop the bytes before the range from a whole-object answer, through ``view``."""
        while self._skip:
            count = response.readinto(view[: min(self._skip, view.nbytes)])
            if not count:
                raise ProtocolError("%s/%s: the body ended before byte %d" % (self._bucket, self._key, self.position))
            self._skip -= count

    def _resume(self, cause: Exception) -> None:
        """Ask for the rest of the range, or raise ``cause`` when out of resumes."""
        self._close_response()
        if self._resumes_left <= 0:
            raise TransferError(
                "%s/%s: stopped at byte %d, out of resumes: %s" % (self._bucket, self._key, self.position, cause),
                container_name=self._bucket,
                object_name=self._key,
            ) from cause
        self._resumes_left -= 1
        etag = self.etag
        log.info("resuming %s/%s at byte %d after: %s", self._bucket, self._key, self.position, cause)
        last = self._last if self.end is None else self.end - 1
        response = self._get((self.position, last), etag)
        self._response = response
        self._check_version(response)
        try:
            end, _ = self._extent(response, self.position)
        except TransferError as error:
            raise TransferError("%s (resuming after: %s)" % (error, cause)) from cause
        if self.end is None:
            self.end = end

    def _close_response(self, response: Optional[Response] = None) -> None:
        current, self._response = self._response, None
        for each in {id(r): r for r in (current, response) if r is not None}.values():
            each.close()

    def close(self) -> None:
        """Release the connection (discarded when the body was not read to its end)."""
        self._close_response()


def _shown(value: Optional[str]) -> Optional[str]:
    """A server's header value, short and printable, for a message."""
    if value is None:
        return None
    return "".join(ch if ch.isprintable() else "?" for ch in value[:80])
