"""How ``aurora ls --versions`` prints a version and a delete marker."""

from __future__ import annotations

import time
from typing import Iterator

import pytest

from aurora.cli.versions import version_line, version_record
from aurora.drivers.base import Container, Object


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC for the test, and the process's zone again after it."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def version(marker: bool, latest: bool) -> Object:
    extra = {
        "version_id": "v1",
        "is_latest": latest,
        "is_delete_marker": marker,
        "last_modified": "2026-01-02T03:04:05.000Z",
    }
    return Object("dir/k", 0 if marker else 2048, None if marker else "abc", extra, {}, Container("b", {}, None), None)  # type: ignore[arg-type]


def test_record_and_lines() -> None:
    record = version_record(version(False, True))
    assert record == {
        "key": "dir/k",
        "version_id": "v1",
        "is_latest": True,
        "is_delete_marker": False,
        "size": 2048,
        "etag": "abc",
        "last_modified": "2026-01-02T03:04:05.000Z",
    }
    assert version_line(record, human=False) == "2026-01-02 03:04:05       2048 v1 latest dir/k"
    assert version_line(record, human=True) == "2026-01-02 03:04:05    2.0 KiB v1 latest dir/k"
    marker = version_record(version(True, False))
    assert version_line(marker, human=False) == "2026-01-02 03:04:05    DELETED v1        dir/k"
