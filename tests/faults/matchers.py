"""Request predicates for fault rules: which S3 operation a request is."""

from __future__ import annotations

from typing import Callable, Dict, List
from urllib.parse import parse_qs, unquote

from faults.proxy import Request

__all__ = [
    "query",
    "object_key",
    "is_put_object",
    "is_part",
    "is_create",
    "is_complete",
    "is_abort",
    "is_get",
    "is_list",
    "on_key",
]

Match = Callable[[Request], bool]


def query(request: Request) -> Dict[str, List[str]]:
    return parse_qs(request.query, keep_blank_values=True)


def object_key(request: Request) -> str:
    """The decoded key of a path-style request (empty for bucket requests)."""
    parts = request.path.split("/", 2)
    return unquote(parts[2]) if len(parts) > 2 else ""


def on_key(key: str) -> Match:
    return lambda request: object_key(request) == key


def is_put_object(request: Request) -> bool:
    """A single-request PUT of a whole object."""
    return request.method == "PUT" and bool(object_key(request)) and "uploadId" not in query(request)


def is_part(number: int) -> Match:
    return lambda request: request.method == "PUT" and query(request).get("partNumber") == [str(number)]


def is_create(request: Request) -> bool:
    return request.method == "POST" and "uploads" in query(request)


def is_complete(request: Request) -> bool:
    return request.method == "POST" and "uploadId" in query(request)


def is_abort(request: Request) -> bool:
    return request.method == "DELETE" and "uploadId" in query(request)


def is_get(request: Request) -> bool:
    """A GET of an object (not a listing)."""
    return request.method == "GET" and bool(object_key(request))


def is_list(request: Request) -> bool:
    """A ListObjects request on a bucket."""
    return (
        request.method == "GET"
        and not object_key(request)
        and "uploads" not in query(request)
        and "location" not in query(request)
    )
