"""Pages of a bucket listing, with objects and common prefixes together.

The driver's generators give objects and "folders" in two separate passes;
``ls`` wants both from one pass, in the order the server sent them, so this
pages through :meth:`S3Client.list_objects` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from aurora.core.models import ListObjectsResult
from aurora.drivers.base import Container, Object
from aurora.errors import ProviderError

if TYPE_CHECKING:
    from aurora.drivers.s3 import BaseS3StorageDriver

__all__ = ["list_pages", "iterate_objects"]


def _next_marker(page: ListObjectsResult) -> Optional[str]:
    """Where the next page starts: NextMarker, or else the last key or prefix of this page."""
    if page.next_marker:
        return page.next_marker
    candidates = [info.key for info in page.objects[-1:]] + list(page.common_prefixes[-1:])
    return max(candidates) if candidates else None


def list_pages(
    driver: BaseS3StorageDriver, bucket: str, prefix: str, delimiter: Optional[str]
) -> Iterator[ListObjectsResult]:
    """Every page of ListObjects for ``prefix`` (and ``delimiter``), 1,000 entries a page."""
    marker: Optional[str] = None
    while True:
        page = driver.client.list_objects(bucket, prefix=prefix or None, delimiter=delimiter, marker=marker)
        yield page
        if not page.is_truncated:
            return
        following = _next_marker(page)
        if following is None or following == marker:
            raise ProviderError("the listing of %s is truncated but names no next entry" % bucket)
        marker = following


def iterate_objects(driver: BaseS3StorageDriver, bucket: str, prefix: str) -> Iterator[Object]:
    """Every object whose key starts with ``prefix``, through the driver (``extra`` holds ``last_modified``)."""
    return driver.iterate_container_objects(Container(bucket, {}, driver), prefix=prefix or None)
