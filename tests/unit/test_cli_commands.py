"""Commands on a fake driver: ``ls`` output and paging, reports, errors, and what cp/mv mean."""

from __future__ import annotations

import argparse
import errno
import io
import json
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from aurora.cli.commands import delete_keys
from aurora.cli.copying import Job, action_of, check_pair, single_job
from aurora.cli.main import run
from aurora.cli.session import Session, cause_of
from aurora.cli.urls import LocalPath, Location, S3Url, Stream, UsageError
from aurora.core.models import DeleteError, DeleteObjectsResult, ListObjectsResult, ObjectInfo
from aurora.drivers.s3 import S3StorageDriver
from aurora.errors import NoSuchKey

WHEN = "2026-01-01T12:00:00.000Z"


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class FakeClient:
    """ListObjects over a fixed key set, ``page`` entries a page, with or without NextMarker."""

    def __init__(self, keys: Dict[str, int], page: int = 2, next_marker: bool = True) -> None:
        self.keys, self.page, self.next_marker = keys, page, next_marker
        self.calls: List[Optional[str]] = []

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: Optional[str] = None,
        delimiter: Optional[str] = None,
        marker: Optional[str] = None,
        **_: Any,
    ) -> ListObjectsResult:
        self.calls.append(marker)
        prefix = prefix or ""
        entries: Dict[str, bool] = {}  # entry -> is a common prefix
        for key in sorted(self.keys):
            rest = key[len(prefix) :]
            if not key.startswith(prefix):
                continue
            if delimiter and delimiter in rest:
                entries[prefix + rest.split(delimiter)[0] + delimiter] = True
            else:
                entries[key] = False
        names = [name for name in sorted(entries) if marker is None or name > marker]
        shown, more = names[: self.page], len(names) > self.page
        objects = tuple(ObjectInfo(k, self.keys[k], "etag-" + k, WHEN) for k in shown if not entries[k])
        prefixes = tuple(k for k in shown if entries[k])
        return ListObjectsResult(objects, prefixes, more, shown[-1] if more and self.next_marker else None)

    def list_objects_v2(self, bucket: str, **_: Any) -> None:
        return None  # a V1-only server

    def close(self) -> None:
        pass


def FakeDriver(client: Any) -> S3StorageDriver:
    """A real driver (so the CLI goes through its public methods) over a fake client."""
    driver = S3StorageDriver("AKIDEXAMPLE", "secret", secure=False, host="127.0.0.1", port=9)
    driver.client = client
    return driver


def ls(client: FakeClient, url: Optional[str], **options: Any) -> Tuple[Any, ...]:
    values = dict(recursive=False, json=False, human_readable=False, summarize=False, debug=False)
    values.update(options)
    args = argparse.Namespace(command="ls", url=S3Url(*url.split("/", 1)) if url else None, **values)
    out, err = io.StringIO(), io.StringIO()
    code = run(Session(args, out, err, driver=FakeDriver(client)))
    return code, out.getvalue().splitlines(), err.getvalue()


KEYS = {"a/file": 1234, "a/sub/deep": 5, "ab": 7, "top": 0}


@pytest.mark.parametrize("next_marker", [True, False])
def test_ls_shows_names_relative_to_the_prefix_across_pages(next_marker: bool) -> None:
    client = FakeClient(KEYS, page=1, next_marker=next_marker)
    assert ls(client, "bucket/a/") == (
        0,
        [
            "2026-01-01 12:00:00       1234 file",
            "                           PRE sub/",
        ],
        "",
    )
    assert len(client.calls) == 2


def test_ls_of_a_partial_name_shows_the_folder_and_the_matching_objects() -> None:
    assert ls(FakeClient(KEYS), "bucket/a")[1] == [
        "                           PRE a/",
        "2026-01-01 12:00:00          7 ab",
    ]


def test_ls_recursive_shows_full_keys_and_the_summary() -> None:
    code, lines, _ = ls(FakeClient(KEYS), "bucket/a", recursive=True, summarize=True)
    assert code == 0
    assert lines == [
        "2026-01-01 12:00:00       1234 a/file",
        "2026-01-01 12:00:00          5 a/sub/deep",
        "2026-01-01 12:00:00          7 ab",
        "",
        "Total Objects: 3",
        "   Total Size: 1246",
    ]


def test_ls_json_gives_full_keys_one_object_a_line() -> None:
    code, lines, _ = ls(FakeClient(KEYS), "bucket/a/", json=True)
    records = [json.loads(line) for line in lines]
    assert code == 0
    assert records == [  # as aws does, a page's folders come before its objects
        {"prefix": "a/sub/"},
        {"key": "a/file", "size": 1234, "etag": "etag-a/file", "last_modified": WHEN},
    ]


def test_ls_of_a_prefix_that_matches_nothing_exits_1_silently_but_an_empty_bucket_is_fine() -> None:
    assert ls(FakeClient(KEYS), "bucket/zzz") == (1, [], "")
    assert ls(FakeClient({}), "bucket") == (0, [], "")


def test_a_listing_that_cannot_continue_is_one_error_line() -> None:
    class Stuck(FakeClient):
        def list_objects(self, bucket: str, **kwargs: Any) -> ListObjectsResult:
            return ListObjectsResult((), (), True, None)

    code, lines, err = ls(Stuck({}), "bucket/p")
    assert code == 1 and lines == []
    assert err.startswith("aurora: cannot list s3://bucket/p: ") and err.count("\n") == 1


def session(**options: Any) -> Tuple[Any, ...]:
    values = dict(debug=False, quiet=False, json=False)
    values.update(options)
    out, err = io.StringIO(), io.StringIO()
    return Session(argparse.Namespace(**values), out, err), out, err


def test_reports_like_aws_or_as_json_or_not_at_all() -> None:
    plain, out, _ = session()
    plain.report("upload", "./x", "s3://b/x")
    plain.report("upload", "./x", "s3://b/x", dry_run=True)
    plain.report("delete", "s3://b/x")
    assert out.getvalue() == "upload: ./x to s3://b/x\n(dryrun) upload: ./x to s3://b/x\ndelete: s3://b/x\n"
    as_json, out, _ = session(json=True)
    as_json.report("download", "s3://b/x", "./x", dry_run=True)
    assert json.loads(out.getvalue()) == {
        "action": "download",
        "source": "s3://b/x",
        "destination": "./x",
        "dry_run": True,
    }
    quiet, out, _ = session(quiet=True)
    quiet.report("upload", "./x", "s3://b/x")
    assert out.getvalue() == ""
    assert quiet.progress("x") is None
    assert plain.progress("x") is None  # a StringIO is not a terminal


def test_failures_are_one_line_and_tracebacks_need_debug() -> None:
    error = NoSuchKey("NoSuchKey: Not Found\n(HEAD /b/k)", status=404)
    quiet, _, err = session()
    quiet.fail("download", "s3://b/k", error)
    assert err.getvalue() == "aurora: cannot download s3://b/k: NoSuchKey: Not Found (HEAD /b/k) (status=404)\n"
    assert quiet.failures == 1
    try:
        raise error
    except NoSuchKey as raised:
        loud, _, err = session(debug=True)
        loud.fail("download", "s3://b/k", raised)
    assert err.getvalue().startswith("Traceback") and err.getvalue().endswith("(status=404)\n")


def test_causes() -> None:
    assert (
        cause_of(FileNotFoundError(errno.ENOENT, "No such file or directory", "./x"))
        == "No such file or directory: ./x"
    )
    assert cause_of(ValueError("bad\nvalue")) == "ValueError: bad value"
    assert cause_of(KeyError()) == "KeyError"


def test_what_a_single_cp_means() -> None:
    never_dir = lambda path: False  # noqa: E731
    always_dir = lambda path: True  # noqa: E731
    assert single_job(LocalPath("d/x.txt"), S3Url("b", "")) == Job(LocalPath("d/x.txt"), S3Url("b", "x.txt"))
    assert single_job(LocalPath("x.txt"), S3Url("b", "p/")) == Job(LocalPath("x.txt"), S3Url("b", "p/x.txt"))
    assert single_job(LocalPath("x.txt"), S3Url("b", "k")) == Job(LocalPath("x.txt"), S3Url("b", "k"))
    assert single_job(S3Url("b", "p/k"), LocalPath("out"), never_dir) == Job(S3Url("b", "p/k"), LocalPath("out"))
    assert single_job(S3Url("b", "p/k"), LocalPath("out"), always_dir).destination == LocalPath("out/k")
    assert single_job(S3Url("b", "p/k"), LocalPath("new/"), never_dir).destination == LocalPath("new/k")
    assert single_job(S3Url("b", "p/k"), S3Url("c", "")) == Job(S3Url("b", "p/k"), S3Url("c", "k"))
    assert single_job(S3Url("b", "p/k"), Stream()) == Job(S3Url("b", "p/k"), Stream())
    assert single_job(Stream(), S3Url("b", "k")) == Job(Stream(), S3Url("b", "k"))
    with pytest.raises(UsageError):
        single_job(Stream(), S3Url("b", "p/"))
    with pytest.raises(UsageError):
        single_job(S3Url("b", "p/"), LocalPath("x"))


def test_actions_and_refused_pairs() -> None:
    assert action_of(Job(LocalPath("x"), S3Url("b", "x"))) == "upload"
    assert action_of(Job(Stream(), S3Url("b", "x"))) == "upload"
    assert action_of(Job(S3Url("b", "x"), LocalPath("x"))) == "download"
    assert action_of(Job(S3Url("b", "x"), S3Url("c", "x"))) == "copy"
    check_pair(S3Url("b", "x"), S3Url("b", "x"), False, False)  # cp onto itself is the server's call
    pairs: List[Tuple[Location, Location, bool, bool]] = [
        (LocalPath("a"), LocalPath("b"), False, False),
        (Stream(), LocalPath("b"), False, False),
        (Stream(), S3Url("b", "k"), True, False),
        (S3Url("b", "k"), Stream(), False, True),
        (S3Url("b", "k"), S3Url("b", "k"), False, True),
    ]
    for pair in pairs:
        with pytest.raises(UsageError):
            check_pair(*pair)


class DeletingClient:
    def __init__(self, refuse: str = "") -> None:
        self.batches: List[List[str]] = []
        self.refuse = refuse

    def delete_objects(self, bucket: str, keys: List[str], *, quiet: bool = True) -> DeleteObjectsResult:
        self.batches.append(list(keys))
        errors = tuple(DeleteError(key, "AccessDenied", "no") for key in keys if key == self.refuse)
        return DeleteObjectsResult((), errors)


def test_deletes_go_1000_keys_a_request_and_refusals_are_reported() -> None:
    client = DeletingClient(refuse="k/1000")
    args = argparse.Namespace(debug=False, quiet=False, json=False)
    out, err = io.StringIO(), io.StringIO()
    names = ["k/%d" % number for number in range(2001)]
    failed = delete_keys(Session(args, out, err, driver=FakeDriver(client)), "bucket", names)
    assert [len(batch) for batch in client.batches] == [1000, 1000, 1]
    assert sum(client.batches, []) == names
    assert failed == 1
    assert err.getvalue() == "aurora: cannot delete s3://bucket/k/1000: AccessDenied: no\n"
    assert out.getvalue().count("\n") == 2000 and "delete: s3://bucket/k/2000\n" in out.getvalue()


def test_a_dry_run_deletes_nothing() -> None:
    client = DeletingClient()
    args = argparse.Namespace(debug=False, quiet=False, json=False)
    out = io.StringIO()
    assert (
        delete_keys(
            Session(args, out, io.StringIO(), driver=FakeDriver(client)),
            "bucket",
            ["a", "b"],
            dry_run=True,
        )
        == 0
    )
    assert client.batches == []
    assert out.getvalue() == "(dryrun) delete: s3://bucket/a\n(dryrun) delete: s3://bucket/b\n"
