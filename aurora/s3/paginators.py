"""One paginator per listing kind, each bounded against a server that never ends.

A listing is followed page by page with the token or marker the server gives.
A hostile or broken server can send tokens that alternate (A, B, A, B...), the
same marker forever, or markers that go backwards; followed blindly, such a
listing never ends.  Every paginator here remembers each token it followed and
refuses one seen before, refuses a marker that does not move forward, and
refuses a long run of empty truncated pages, with a :class:`ProtocolError`
naming the bucket and the token.  The driver's ``iterate_*`` methods (and
through them the command line) page only through these.

Memory: one token per page followed (a page holds up to 1,000 entries), so a
listing of a million keys remembers about a thousand tokens.
"""

from __future__ import annotations

from typing import Callable, Iterator, Optional, Protocol, Set, Tuple, TypeVar

from aurora.core.models import ListMultipartUploadsResult, ListObjectsResult, ListPartsResult
from aurora.errors import ProtocolError
from aurora.s3.client import S3Client

__all__ = [
    "MAX_EMPTY_PAGES",
    "PageGuard",
    "guarded_pages",
    "keyed_pages",
    "object_pages_v1",
    "object_pages_v2",
    "upload_pages",
    "part_pages",
    "v1_next_marker",
]

MAX_EMPTY_PAGES = 100
"""Truncated pages in a row with no entry at all before the listing is given up as not advancing."""

Marker = Tuple[str, ...]
Next = Tuple[Marker, int, bool]
"""What names the next page: its marker, the entries this page held, whether the marker went back."""
KeyedNext = Tuple[Optional[str], Optional[str], int]
"""A page's next key marker, next id marker and entry count."""


class _Page(Protocol):
    @property
    def is_truncated(self) -> bool: ...


P = TypeVar("P", bound=_Page)


class PageGuard:
    """Remembers the markers a listing followed; raises when one comes back or the listing stalls."""

    def __init__(self, bucket: str, kind: str) -> None:
        self.bucket = bucket
        self.kind = kind
        self._seen: Set[Marker] = set()
        self._empty_run = 0

    def refuse(self, why: str, marker: Marker) -> ProtocolError:
        """The error for a listing given up at ``marker``."""
        shown = "/".join(repr(part) for part in marker if part)
        text = "%s of bucket %s: %s %s; the listing would never end" % (self.kind, self.bucket, why, shown)
        return ProtocolError(text)

    def follow(self, marker: Marker, entries: int, behind: bool = False) -> Marker:
        """``marker`` once checked: named, never seen before, and not ``behind`` the one before it.

        ``entries`` is how many keys, prefixes, uploads or parts the page held.
        """
        if not any(marker):
            raise ProtocolError("%s of bucket %s is truncated but names no next page" % (self.kind, self.bucket))
        if marker in self._seen:
            raise self.refuse("the server repeated the token", marker)
        if behind:
            raise self.refuse("the page does not advance past", marker)
        self._empty_run = 0 if entries else self._empty_run + 1
        if self._empty_run >= MAX_EMPTY_PAGES:
            raise self.refuse("%d truncated pages in a row were empty, the last naming" % MAX_EMPTY_PAGES, marker)
        self._seen.add(marker)
        return marker


def _entries(page: ListObjectsResult) -> int:
    return len(page.objects) + len(page.common_prefixes)


def v1_next_marker(page: ListObjectsResult) -> Optional[str]:
    """Where the next V1 page starts: NextMarker, or else the last key or common prefix of this page.

    S3 sends NextMarker only with a delimiter; without one the last key is the marker.
    """
    if page.next_marker:
        return page.next_marker
    candidates = [info.key for info in page.objects[-1:]] + list(page.common_prefixes[-1:])
    return max(candidates) if candidates else None


def guarded_pages(
    guard: PageGuard, fetch: Callable[[Optional[Marker]], P], advance: Callable[[P, Optional[Marker]], Next]
) -> Iterator[P]:
    """``fetch(marker)`` page after page (None first), until a page is not truncated.

    The one loop every marker-paged listing follows: ``advance(page, marker)``
    names the next page, and ``guard`` checks that before it is fetched.
    """
    marker: Optional[Marker] = None
    while True:
        page = fetch(marker)
        yield page
        if not page.is_truncated:
            return
        marker = guard.follow(*advance(page, marker))


def keyed_pages(
    guard: PageGuard, fetch: Callable[[Optional[str], Optional[str]], P], next_of: Callable[[P], KeyedNext]
) -> Iterator[P]:
    """Pages listed by (key marker, id marker), as ListMultipartUploads and ListObjectVersions are.

    ``fetch(key_marker, id_marker)`` gets a page, ``next_of(page)`` reads its
    next markers and entry count.  Each pair must be new; ids of one key come
    in the server's order, not ours, so only the key marker must not go back.
    """

    def fetch_at(markers: Optional[Marker]) -> P:
        key_marker, id_marker = markers or (None, None)
        return fetch(key_marker, id_marker)

    def advance(page: P, markers: Optional[Marker]) -> Next:
        next_key, next_id, entries = next_of(page)
        following = (next_key or "", next_id or "")
        return following, entries, markers is not None and following[0] < markers[0]

    return guarded_pages(guard, fetch_at, advance)


def object_pages_v1(
    client: S3Client, bucket: str, prefix: Optional[str], delimiter: Optional[str]
) -> Iterator[ListObjectsResult]:
    """Every page of ListObjects (V1), each marker after the one before."""

    def fetch(marker: Optional[Marker]) -> ListObjectsResult:
        return client.list_objects(bucket, prefix=prefix, delimiter=delimiter, marker=marker[0] if marker else None)

    def advance(page: ListObjectsResult, marker: Optional[Marker]) -> Next:
        following = v1_next_marker(page) or ""
        return (following,), _entries(page), marker is not None and following <= marker[0]

    return guarded_pages(PageGuard(bucket, "ListObjects"), fetch, advance)


def object_pages_v2(
    client: S3Client,
    bucket: str,
    prefix: Optional[str],
    delimiter: Optional[str],
    first: Optional[ListObjectsResult] = None,
) -> Iterator[ListObjectsResult]:
    """Every page of ListObjectsV2 (starting from ``first`` when the caller already has it).

    A truncated page without a continuation token (some servers) is followed
    with ``start-after`` its last key, which must move forward.
    """
    guard = PageGuard(bucket, "ListObjectsV2")
    page = first if first is not None else _v2_page(client, bucket, prefix, delimiter, None, None)
    after: Optional[str] = None
    while True:
        yield page
        if not page.is_truncated:
            return
        if page.next_continuation_token:
            token = guard.follow((page.next_continuation_token,), _entries(page))[0]
            page = _v2_page(client, bucket, prefix, delimiter, token, None)
            continue
        following = v1_next_marker(page) or ""
        after = guard.follow(("", following), _entries(page), after is not None and following <= after)[1]
        page = _v2_page(client, bucket, prefix, delimiter, None, after)


def _v2_page(
    client: S3Client,
    bucket: str,
    prefix: Optional[str],
    delimiter: Optional[str],
    token: Optional[str],
    start_after: Optional[str],
) -> ListObjectsResult:
    page = client.list_objects_v2(
        bucket, prefix=prefix, delimiter=delimiter, continuation_token=token, start_after=start_after
    )
    if page is None:
        raise ProtocolError("ListObjectsV2 of bucket %s: the server stopped answering in V2's shape" % bucket)
    return page


def upload_pages(
    client: S3Client, bucket: str, prefix: Optional[str], delimiter: Optional[str]
) -> Iterator[ListMultipartUploadsResult]:
    """Every page of ListMultipartUploads, each (key marker, upload id marker) new and not behind."""

    def fetch(key_marker: Optional[str], upload_marker: Optional[str]) -> ListMultipartUploadsResult:
        return client.list_multipart_uploads(
            bucket, prefix=prefix, delimiter=delimiter, key_marker=key_marker, upload_id_marker=upload_marker
        )

    def next_of(page: ListMultipartUploadsResult) -> KeyedNext:
        return page.next_key_marker, page.next_upload_id_marker, len(page.uploads) + len(page.common_prefixes)

    return keyed_pages(PageGuard(bucket, "ListMultipartUploads"), fetch, next_of)


def part_pages(client: S3Client, bucket: str, key: str, upload_id: str) -> Iterator[ListPartsResult]:
    """Every page of ListParts, each part number marker above the one before."""

    def fetch(marker: Optional[Marker]) -> ListPartsResult:
        return client.list_parts(bucket, key, upload_id, part_number_marker=int(marker[0]) if marker else None)

    def advance(page: ListPartsResult, marker: Optional[Marker]) -> Next:
        following = page.next_part_number_marker
        behind = following is not None and marker is not None and following <= int(marker[0])
        return (str(following or ""),), len(page.parts), behind

    return guarded_pages(PageGuard(bucket, "ListParts of %s" % key), fetch, advance)
