"""The paginators over a scripted client: every page followed once, every loop refused."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from aurora.core.models import (
    ListMultipartUploadsResult,
    ListObjectsResult,
    ListPartsResult,
    MultipartUploadInfo,
    ObjectInfo,
    PartInfo,
)
from aurora.errors import ProtocolError
from aurora.s3.paginators import (
    MAX_EMPTY_PAGES,
    PageGuard,
    keyed_pages,
    object_pages_v1,
    object_pages_v2,
    part_pages,
    upload_pages,
    v1_next_marker,
)


def page(
    *keys: str, truncated: bool = False, marker: Optional[str] = None, token: Optional[str] = None
) -> ListObjectsResult:
    objects = tuple(ObjectInfo(key, 0, "e") for key in keys)
    return ListObjectsResult(objects, (), truncated, marker, token)


class Scripted:
    """A client whose answers are looked up by the marker or token asked for; records every ask."""

    def __init__(self, answers: Dict[Any, Any]) -> None:
        self.answers = answers
        self.asked: List[Any] = []

    def list_objects(self, bucket: str, *, marker: Optional[str] = None, **_: Any) -> ListObjectsResult:
        self.asked.append(marker)
        return self.answers[marker]  # type: ignore[no-any-return]

    def list_objects_v2(
        self, bucket: str, *, continuation_token: Optional[str] = None, start_after: Optional[str] = None, **_: Any
    ) -> ListObjectsResult:
        asked = continuation_token or (start_after and "after:" + start_after)
        self.asked.append(asked)
        return self.answers[asked]  # type: ignore[no-any-return]

    def list_multipart_uploads(
        self, bucket: str, *, key_marker: Optional[str] = None, upload_id_marker: Optional[str] = None, **_: Any
    ) -> ListMultipartUploadsResult:
        self.asked.append((key_marker, upload_id_marker))
        return self.answers[(key_marker, upload_id_marker)]  # type: ignore[no-any-return]

    def list_parts(
        self, bucket: str, key: str, upload_id: str, *, part_number_marker: Optional[int] = None
    ) -> ListPartsResult:
        self.asked.append(part_number_marker)
        return self.answers[part_number_marker]  # type: ignore[no-any-return]


def keys_of(pages: Any) -> List[str]:
    return [info.key for one in pages for info in one.objects]


def test_v1_follows_next_marker_or_else_the_last_key() -> None:
    client = Scripted(
        {None: page("a", "b", truncated=True, marker="b"), "b": page("c", truncated=True), "c": page("d")}
    )
    assert keys_of(object_pages_v1(client, "bkt", None, None)) == ["a", "b", "c", "d"]  # type: ignore[arg-type]
    assert client.asked == [None, "b", "c"]


def test_v1_next_marker_prefers_the_servers_and_takes_the_larger_of_key_and_prefix() -> None:
    assert v1_next_marker(page("a", truncated=True, marker="m")) == "m"
    assert v1_next_marker(ListObjectsResult((ObjectInfo("a/x", 0, "e"),), ("b/",), True)) == "b/"
    assert v1_next_marker(page(truncated=True)) is None


@pytest.mark.parametrize(
    "answers",
    [
        {None: page("a", truncated=True, marker="m"), "m": page("b", truncated=True, marker="m")},
        {None: page("a", truncated=True, marker="m"), "m": page("b", truncated=True, marker="c")},
        {None: page(truncated=True)},
    ],
    ids=["repeated", "backwards", "no marker and no key"],
)
def test_v1_refuses_a_marker_that_does_not_advance(answers: Dict[Any, Any]) -> None:
    with pytest.raises(ProtocolError, match="bkt"):
        list(object_pages_v1(Scripted(answers), "bkt", None, None))  # type: ignore[arg-type]


def test_v2_follows_tokens_and_refuses_one_seen_before() -> None:
    good = Scripted({None: page("a", truncated=True, token="T1"), "T1": page("b")})
    assert keys_of(object_pages_v2(good, "bkt", None, None)) == ["a", "b"]  # type: ignore[arg-type]
    looping = Scripted(
        {
            None: page("a", truncated=True, token="A"),
            "A": page("b", truncated=True, token="B"),
            "B": page("c", truncated=True, token="A"),
        }
    )
    with pytest.raises(ProtocolError, match="repeated the token 'A'"):
        list(object_pages_v2(looping, "bkt", None, None))  # type: ignore[arg-type]
    assert looping.asked == [None, "A", "B"]


def test_v2_without_a_token_continues_after_the_last_key() -> None:
    client = Scripted({None: page("a", truncated=True), "after:a": page("b")})
    assert keys_of(object_pages_v2(client, "bkt", None, None)) == ["a", "b"]  # type: ignore[arg-type]


def test_uploads_refuse_repeated_markers_and_a_key_marker_going_back() -> None:
    upload = (MultipartUploadInfo("k", "u"),)
    repeated = Scripted(
        {
            (None, None): ListMultipartUploadsResult(upload, (), True, "k", "u"),
            ("k", "u"): ListMultipartUploadsResult(upload, (), True, "k", "u"),
        }
    )
    with pytest.raises(ProtocolError, match="'k'/'u'"):
        list(upload_pages(repeated, "bkt", None, None))  # type: ignore[arg-type]
    back = Scripted(
        {
            (None, None): ListMultipartUploadsResult(upload, (), True, "k", "u"),
            ("k", "u"): ListMultipartUploadsResult(upload, (), True, "a", "v"),
        }
    )
    with pytest.raises(ProtocolError, match="does not advance"):
        list(upload_pages(back, "bkt", None, None))  # type: ignore[arg-type]


def test_parts_need_a_rising_part_number_marker() -> None:
    part = (PartInfo(1, "e"),)
    good = Scripted({None: ListPartsResult(part, True, 1), 1: ListPartsResult((PartInfo(2, "e"),), False)})
    assert [p.part_number for one in part_pages(good, "bkt", "k", "u") for p in one.parts] == [1, 2]  # type: ignore[arg-type]
    stuck = Scripted({None: ListPartsResult(part, True, 3), 3: ListPartsResult(part, True, 2)})
    with pytest.raises(ProtocolError, match="does not advance"):
        list(part_pages(stuck, "bkt", "k", "u"))  # type: ignore[arg-type]


def test_the_guard_gives_up_after_a_run_of_empty_pages_only() -> None:
    guard = PageGuard("bkt", "ListObjectsV2")
    for number in range(MAX_EMPTY_PAGES - 1):
        guard.follow(("t%d" % number,), 0)
    guard.follow(("full",), 5)  # an entry resets the run
    for number in range(MAX_EMPTY_PAGES - 1):
        guard.follow(("u%d" % number,), 0)
    with pytest.raises(ProtocolError, match="empty"):
        guard.follow(("last",), 0)


def test_ids_of_one_key_may_come_in_any_order_only_the_key_marker_must_not_go_back() -> None:
    answers = {
        (None, None): ListMultipartUploadsResult((), (), True, "k", "u9"),
        ("k", "u9"): ListMultipartUploadsResult((), (), True, "k", "u1"),
        ("k", "u1"): ListMultipartUploadsResult(),
    }
    asked: List[Any] = []

    def fetch(key_marker: Optional[str], id_marker: Optional[str]) -> ListMultipartUploadsResult:
        asked.append((key_marker, id_marker))
        return answers[(key_marker, id_marker)]

    def next_of(page: ListMultipartUploadsResult) -> Any:
        return page.next_key_marker, page.next_upload_id_marker, 1

    assert len(list(keyed_pages(PageGuard("bkt", "ListMultipartUploads"), fetch, next_of))) == 3
    assert asked == [(None, None), ("k", "u9"), ("k", "u1")]
