"""``sync``'s decisions, from two listings alone."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.cli.syncplan import (
    DELETE,
    TRANSFER,
    Entry,
    OutOfOrderError,
    SyncAction,
    merge_plan,
    plain_md5,
    plan_sync,
)

MD5_A = "0cc175b9c0f1b6a831c399e269772661"
MD5_B = "92eb5ffee6ae2fec3ad71c777531578f"


def local(name: str, size: int = 1, mtime: float = 100.0) -> Entry:
    return Entry(name, size, mtime, local=True)


def remote(name: str, size: int = 1, mtime: float = 100.0, etag: str = "abc-2") -> Entry:
    return Entry(name, size, mtime, etag=etag)


def listing(*entries: Entry) -> Dict[str, Entry]:
    return {entry.name: entry for entry in entries}


def kinds(actions: List[SyncAction]) -> List[Tuple[Any, ...]]:
    return [(action.kind, action.name) for action in actions]


def test_missing_and_resized_entries_are_transferred() -> None:
    source = listing(local("new"), local("grown", size=5), local("same"))
    dest = listing(remote("grown", size=4), remote("same"))
    assert kinds(plan_sync(source, dest)) == [(TRANSFER, "grown"), (TRANSFER, "new")]


def test_a_newer_source_is_transferred_when_no_md5_can_decide() -> None:
    source = listing(local("newer", mtime=200.0), local("older", mtime=50.0), local("equal", mtime=100.9))
    dest = listing(remote("newer"), remote("older"), remote("equal"))
    assert kinds(plan_sync(source, dest)) == [(TRANSFER, "newer")]


def test_plain_md5_etags_decide_by_content_not_by_time() -> None:
    md5s = {"changed": MD5_B, "touched": MD5_A}
    source = listing(local("changed", mtime=1.0), local("touched", mtime=999.0))
    dest = listing(remote("changed", etag=MD5_A), remote("touched", etag=MD5_A))
    actions = plan_sync(source, dest, md5_of=lambda entry: md5s[entry.name])
    assert kinds(actions) == [(TRANSFER, "changed")]
    assert actions[0].reason == "MD5 differs"


def test_md5_is_computed_only_where_it_decides() -> None:
    asked: List[str] = []

    def md5_of(entry: Entry) -> str:
        asked.append(entry.name)
        return MD5_A

    source = listing(local("multipart"), local("resized", size=2), local("plain"), local("absent"))
    dest = listing(remote("multipart", etag="abc-3"), remote("resized", etag=MD5_A), remote("plain", etag=MD5_A))
    assert plan_sync(source, dest, md5_of=md5_of) == [
        SyncAction(TRANSFER, "absent", "missing at the destination"),
        SyncAction(TRANSFER, "resized", "size differs (2, was 1)"),
    ]
    assert asked == ["plain"]


def test_downloads_compare_the_source_etag_with_the_local_file() -> None:
    source = listing(remote("a", etag=MD5_A), remote("b", etag=MD5_A))
    dest = listing(local("a", mtime=1.0), local("b", mtime=1e9))
    md5s = {"a": MD5_A, "b": MD5_B}
    assert kinds(plan_sync(source, dest, md5_of=lambda entry: md5s[entry.name])) == [(TRANSFER, "b")]


def test_objects_with_equal_plain_etags_are_equal_whatever_their_dates() -> None:
    source = listing(remote("same", etag=MD5_A, mtime=500.0), remote("other", etag=MD5_A))
    dest = listing(remote("same", etag=MD5_A), remote("other", etag=MD5_B, mtime=900.0))
    assert kinds(plan_sync(source, dest)) == [(TRANSFER, "other")]


def test_delete_removes_only_what_the_source_lacks_and_only_when_asked() -> None:
    source = listing(local("keep"))
    dest = listing(remote("keep", mtime=200.0), remote("gone"), remote("also/gone"))
    assert plan_sync(source, dest) == []
    assert kinds(plan_sync(source, dest, delete=True)) == [(DELETE, "also/gone"), (DELETE, "gone")]


def test_plain_md5_recognition() -> None:
    assert plain_md5(MD5_A) == MD5_A
    assert plain_md5('"%s"' % MD5_A.upper()) == MD5_A
    for etag in (None, "", "abc", MD5_A + "-2", "z" * 32):
        assert plain_md5(etag) is None


names = st.text(alphabet="abc/", min_size=1, max_size=6)
entries = st.builds(
    Entry,
    name=st.just(""),
    size=st.integers(0, 3),
    mtime=st.floats(0, 1000, allow_nan=False),
    etag=st.sampled_from([None, MD5_A, MD5_B, "x-2"]),
)


def _applied(source: Dict[str, Entry], dest: Dict[str, Entry], actions: List[SyncAction]) -> Dict[str, Entry]:
    """The destination after the actions, as the command leaves it (copies keep size and ETag, are newer)."""
    result = dict(dest)
    for action in actions:
        if action.kind == DELETE:
            del result[action.name]
        else:
            copied = source[action.name]
            result[action.name] = Entry(action.name, copied.size, copied.mtime + 1, copied.etag)
    return result


@given(st.dictionaries(names, entries, max_size=6), st.dictionaries(names, entries, max_size=6), st.booleans())
def test_a_second_sync_finds_nothing_to_do(source: Dict[str, Entry], dest: Dict[str, Entry], delete: bool) -> None:
    source = {name: Entry(name, e.size, e.mtime, e.etag) for name, e in source.items()}
    dest = {name: Entry(name, e.size, e.mtime, e.etag) for name, e in dest.items()}
    first = plan_sync(source, dest, delete=delete)
    assert [a.name for a in first if a.kind == TRANSFER] == sorted(a.name for a in first if a.kind == TRANSFER)
    assert all(a.name in source for a in first if a.kind == TRANSFER)
    assert all(a.name in dest and a.name not in source for a in first if a.kind == DELETE)
    assert plan_sync(source, _applied(source, dest, first), delete=delete) == []


@given(st.dictionaries(names, entries, max_size=6))
def test_identical_listings_need_nothing(side: Dict[str, Entry]) -> None:
    side = {name: Entry(name, e.size, e.mtime, e.etag) for name, e in side.items()}
    assert plan_sync(side, dict(side), delete=True) == []


# -- merge_plan: the same decisions from two name-ordered streams --------------------------------

name_lists = st.lists(st.text(alphabet="ab/-.", min_size=1, max_size=4), unique=True, max_size=12)


@given(name_lists, name_lists, st.booleans())
def test_the_merge_decides_as_the_whole_listings_do(ours: List[str], theirs: List[str], delete: bool) -> None:
    source = listing(*(local(name, size=len(name)) for name in ours))
    dest = listing(*(remote(name, size=2 if name.startswith("a") else len(name)) for name in theirs))
    merged = list(merge_plan(sorted(source.values(), key=by_name), sorted(dest.values(), key=by_name), delete=delete))
    assert sorted(kinds(merged)) == sorted(kinds(plan_sync(source, dest, delete=delete)))
    assert [action.name for action in merged] == sorted(action.name for action in merged)


def by_name(entry: Entry) -> str:
    return entry.name


def test_the_merge_reads_both_sides_lazily_and_carries_the_entries() -> None:
    pulled: List[str] = []

    def side(entries: List[Entry]) -> Iterator[Entry]:
        for entry in entries:
            pulled.append(entry.name)
            yield entry

    source = side([local("a", size=3), local("c")])
    dest = side([remote("a"), remote("b"), remote("c"), remote("d")])
    plan = merge_plan(source, dest, delete=True)
    first = next(plan)
    assert (first.kind, first.name, first.entry) == (TRANSFER, "a", local("a", size=3))
    assert pulled == ["a", "a"]
    assert [(action.kind, action.name) for action in plan] == [(DELETE, "b"), (DELETE, "d")]


def test_a_side_out_of_order_is_refused() -> None:
    with pytest.raises(OutOfOrderError, match="'a' came after 'b'"):
        list(merge_plan([local("b"), local("a")], []))
