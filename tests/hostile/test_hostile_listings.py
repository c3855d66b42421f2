"""Listings that would never end: every paginator, in the library and the CLI, stops them.

Each answer below is what a broken or hostile server could send: continuation
tokens that alternate or repeat, V1 markers that go back, multipart upload and
part markers that never move.  The client must raise ``ProtocolError`` naming
the bucket and the token within a few requests, not page until the server
gives up.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import pytest
from hostile.server import (
    LOOP_LIMIT,
    HostileServer,
    Reply,
    Request,
    bounded,
    list_v1_page,
    list_v2_page,
    parts_page,
    run_cli,
    uploads_page,
    xml_reply,
)

from aurora.drivers.base import Container, Object
from aurora.drivers.s3 import S3StorageDriver
from aurora.errors import ProtocolError
from aurora.s3.paginators import MAX_EMPTY_PAGES


def v2_tokens(following: Dict[Optional[str], Optional[str]], prefixes: bool = False) -> Callable[[Request], Reply]:
    """ListObjectsV2 whose page for token T names ``following[T]`` as the next token."""

    pages = itertools.count()  # names that rise page after page, as a sorted listing's do

    def answer(request: Request) -> Reply:
        token = request.query.get("continuation-token")
        name = "%04d-%s" % (next(pages), token or "first")
        entries = ["dir-%s/" % name] if prefixes else []
        keys = [] if prefixes else ["key-%s" % name]
        return xml_reply(list_v2_page(keys, following[token], prefixes=entries))

    return answer


def v1_markers(following: Dict[Optional[str], Optional[str]]) -> Callable[[Request], Reply]:
    """ListObjects (V1 only: the V2 request gets a V1-shaped page) with ``following[marker]`` as NextMarker."""

    def answer(request: Request) -> Reply:
        marker = request.query.get("marker")
        return xml_reply(list_v1_page(["key-%s" % (marker or "first")], following[marker]))

    return answer


ALTERNATING: Dict[Optional[str], Optional[str]] = {None: "A", "A": "B", "B": "A"}
REPEATED: Dict[Optional[str], Optional[str]] = {None: "A", "A": "A"}


def objects(driver: S3StorageDriver) -> Callable[[], List[Object]]:
    return lambda: list(driver.iterate_container_objects(Container("bkt", {}, driver)))


def assert_stopped(server: HostileServer, error: BaseException, token: str) -> None:
    assert isinstance(error, ProtocolError)
    assert "bkt" in str(error) and repr(token) in str(error)
    assert server.overflow == 0 and len(server.requests) < 10


@pytest.mark.parametrize("tokens", [ALTERNATING, REPEATED], ids=["A,B,A,B", "A,A"])
def test_v2_tokens_that_come_back_end_the_listing(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver, tokens: Dict[Optional[str], Optional[str]]
) -> None:
    hostile_server.answer = v2_tokens(tokens)
    with pytest.raises(ProtocolError) as caught:
        bounded(objects(hostile_driver))
    assert_stopped(hostile_server, caught.value, "A")


def test_v2_prefixes_with_alternating_tokens_end_the_listing(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver
) -> None:
    hostile_server.answer = v2_tokens(ALTERNATING, prefixes=True)
    with pytest.raises(ProtocolError) as caught:
        bounded(lambda: list(hostile_driver.ex_list_prefixes(Container("bkt", {}, hostile_driver))))
    assert_stopped(hostile_server, caught.value, "A")


@pytest.mark.parametrize(
    "markers",
    [{None: "m1", "m1": "m2", "m2": "m1"}, {None: "m1", "m1": "m1"}, {None: "m5", "m5": "m2", "m2": "m9"}],
    ids=["alternating", "repeated", "backwards"],
)
def test_v1_markers_that_do_not_advance_end_the_listing(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver, markers: Dict[Optional[str], Optional[str]]
) -> None:
    hostile_server.answer = v1_markers(markers)
    with pytest.raises(ProtocolError) as caught:
        bounded(objects(hostile_driver))
    assert_stopped(hostile_server, caught.value, "m1" if "m1" in markers else "m2")


def test_empty_truncated_pages_with_fresh_tokens_end_the_listing(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver
) -> None:
    def answer(request: Request) -> Reply:
        return xml_reply(list_v2_page([], "t%d" % len(hostile_server.requests), truncated=True))

    hostile_server.answer = answer
    with pytest.raises(ProtocolError, match="empty"):
        bounded(objects(hostile_driver))
    assert len(hostile_server.requests) == MAX_EMPTY_PAGES and hostile_server.overflow == 0


def test_a_truncated_v1_page_without_next_marker_continues_after_its_last_key(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver
) -> None:
    pages = {None: list_v1_page(["a", "b"], truncated=True), "b": list_v1_page(["c"])}
    hostile_server.answer = lambda request: xml_reply(pages[request.query.get("marker")])
    assert [obj.name for obj in bounded(objects(hostile_driver))] == ["a", "b", "c"]


def test_a_truncated_v2_page_without_token_continues_after_its_last_key(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver
) -> None:
    pages = {None: list_v2_page(["a", "b"], truncated=True), "b": list_v2_page(["c"])}
    hostile_server.answer = lambda request: xml_reply(pages[request.query.get("start-after")])
    assert [obj.name for obj in bounded(objects(hostile_driver))] == ["a", "b", "c"]


def test_a_v2_page_without_token_that_does_not_advance_ends_the_listing(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver
) -> None:
    hostile_server.answer = lambda request: xml_reply(list_v2_page(["a", "b"], truncated=True))
    with pytest.raises(ProtocolError) as caught:
        bounded(objects(hostile_driver))
    assert_stopped(hostile_server, caught.value, "b")


def uploads_forever(request: Request) -> Reply:
    """ListMultipartUploads naming the same next markers on every page; aborts succeed."""
    if request.method == "DELETE":
        return Reply(204)
    if "uploads" in request.query:
        return xml_reply(uploads_page([("k", "u1")], next_key="k", next_upload_id="u1"))
    return xml_reply(list_v2_page([]))  # the bucket holds no object


def test_multipart_upload_markers_that_repeat_end_the_listing(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver
) -> None:
    hostile_server.answer = uploads_forever
    container = Container("bkt", {}, hostile_driver)
    with pytest.raises(ProtocolError) as caught:
        bounded(lambda: list(hostile_driver.ex_iterate_multipart_uploads(container)))
    assert_stopped(hostile_server, caught.value, "u1")
    assert "'k'" in str(caught.value)


def test_parts_markers_that_repeat_end_the_listing(
    hostile_server: HostileServer, hostile_driver: S3StorageDriver
) -> None:
    hostile_server.answer = lambda request: xml_reply(parts_page([1], next_marker=1))
    container = Container("bkt", {}, hostile_driver)
    with pytest.raises(ProtocolError) as caught:
        bounded(lambda: list(hostile_driver.ex_iterate_parts(container, "k", "u")))
    assert_stopped(hostile_server, caught.value, "1")


def test_parts_pages_that_advance_are_all_read(hostile_server: HostileServer, hostile_driver: S3StorageDriver) -> None:
    pages = {None: parts_page([1, 2], next_marker=2), "2": parts_page([3])}
    hostile_server.answer = lambda request: xml_reply(pages[request.query.get("part-number-marker")])
    container = Container("bkt", {}, hostile_driver)
    parts = bounded(lambda: list(hostile_driver.ex_iterate_parts(container, "k", "u")))
    assert [part.part_number for part in parts] == [1, 2, 3]


# -- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize("args", [("ls", "s3://bkt/"), ("ls", "-r", "s3://bkt/"), ("du", "s3://bkt/")])
def test_cli_listings_with_alternating_tokens_end_with_one_error_line(
    hostile_server: HostileServer, args: Tuple[str, ...]
) -> None:
    hostile_server.answer = v2_tokens(ALTERNATING, prefixes=args == ("ls", "s3://bkt/"))
    result = run_cli(hostile_server, *args)
    assert result.returncode == 1
    assert result.stderr.count(b"\n") == 1 and b"repeated the token 'A'" in result.stderr
    assert b"bkt" in result.stderr and hostile_server.overflow == 0


def test_cli_ls_with_v1_markers_going_round_ends(hostile_server: HostileServer) -> None:
    hostile_server.answer = v1_markers({None: "m1", "m1": "m2", "m2": "m1"})
    result = run_cli(hostile_server, "ls", "s3://bkt/")
    assert result.returncode == 1 and b"'m1'" in result.stderr and hostile_server.overflow == 0


def test_cli_rm_recursive_with_repeated_tokens_ends(hostile_server: HostileServer) -> None:
    listing = v2_tokens(REPEATED)

    def answer(request: Request) -> Reply:
        if request.method == "POST":  # DeleteObjects: everything deleted (quiet)
            return xml_reply("<DeleteResult></DeleteResult>")
        return listing(request)

    hostile_server.answer = answer
    result = run_cli(hostile_server, "rm", "-r", "s3://bkt/")
    assert result.returncode == 1 and b"repeated the token 'A'" in result.stderr
    assert hostile_server.overflow == 0 and len(hostile_server.requests) < LOOP_LIMIT


def test_cli_rb_force_with_upload_markers_that_repeat_ends(hostile_server: HostileServer) -> None:
    hostile_server.answer = uploads_forever
    result = run_cli(hostile_server, "rb", "--force", "s3://bkt")
    assert result.returncode == 1
    assert b"repeated the token 'k'/'u1'" in result.stderr and hostile_server.overflow == 0
    # each page's upload was aborted as the listing reached it (two pages before the repeat was
    # seen), not after collecting a list that never ends
    aborts = [request for request in hostile_server.requests if request.method == "DELETE"]
    assert [(request.key, request.query.get("uploadId")) for request in aborts] == [("k", "u1")] * 2
    assert not any(request.method == "DELETE" and not request.key for request in hostile_server.requests)


@pytest.mark.parametrize("command", [("cp", "-r"), ("sync",)], ids=["cp -r", "sync"])
def test_cli_copies_with_alternating_tokens_end(
    hostile_server: HostileServer, tmp_path: Path, command: Tuple[str, ...]
) -> None:
    listing = v2_tokens(ALTERNATING)

    def answer(request: Request) -> Reply:
        if request.key:  # a download of one listed key
            return Reply(200, b"", (("ETag", '"d41d8cd98f00b204e9800998ecf8427e"'),))
        return listing(request)

    hostile_server.answer = answer
    result = run_cli(hostile_server, *command, "s3://bkt/", str(tmp_path / "dest"), cwd=str(tmp_path))
    assert result.returncode == 1 and b"repeated the token 'A'" in result.stderr
    assert hostile_server.overflow == 0 and len(hostile_server.requests) < 20
