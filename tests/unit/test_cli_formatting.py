"""``ls`` lines, sizes and times as ``aws s3`` prints them."""

from __future__ import annotations

import json
import time
from typing import Iterator

import pytest

from aurora.cli.formatting import (
    bucket_line,
    format_time,
    human_size,
    json_line,
    last_modified_of,
    object_line,
    parse_timestamp,
    prefix_line,
    summary_lines,
)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


JAN_1_NOON = 1767268800.0  # 2026-01-01 12:00:00 UTC


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T12:00:00.000Z",
        "2026-01-01T12:00:00Z",
        "2026-01-01T12:00:00+00:00",
        "2026-01-01T13:00:00+01:00",
        "Thu, 01 Jan 2026 12:00:00 GMT",
    ],
)
def test_listing_and_header_times_parse_to_the_same_instant(text: str) -> None:
    assert parse_timestamp(text) == JAN_1_NOON


def test_fractions_and_garbage() -> None:
    assert parse_timestamp("2026-01-01T12:00:00.5Z") == JAN_1_NOON + 0.5
    assert parse_timestamp("2026-01-01T12:00:00.123456789Z") == pytest.approx(JAN_1_NOON + 0.123456)
    for bad in (None, "", "yesterday", "2026-13-01T00:00:00Z", "Thu, 99 Foo 2026"):
        assert parse_timestamp(bad) is None


def test_last_modified_of_extra() -> None:
    assert last_modified_of({"last_modified": "2026-01-01T12:00:00.000Z"}) == JAN_1_NOON
    assert last_modified_of({}) is None
    assert last_modified_of({"last_modified": None}) is None


def test_lines_look_like_aws(utc: None) -> None:
    assert format_time(JAN_1_NOON) == "2026-01-01 12:00:00"
    assert format_time(None) == " " * 19
    assert bucket_line("bucket", "2026-01-01T12:00:00.000Z") == "2026-01-01 12:00:00 bucket"
    assert prefix_line("dir/") == "                           PRE dir/"
    assert object_line("name", 1234, "2026-01-01T12:00:00.000Z") == "2026-01-01 12:00:00       1234 name"
    assert object_line("n", 1536, "2026-01-01T12:00:00.000Z", human=True) == "2026-01-01 12:00:00    1.5 KiB n"


def test_times_are_shown_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Etc/GMT-2")  # POSIX sign: two hours east of UTC
    time.tzset()
    try:
        assert format_time(JAN_1_NOON) == "2026-01-01 14:00:00"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    "size, text",
    [
        (0, "0 Bytes"),
        (1, "1 Byte"),
        (1023, "1023 Bytes"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (1048576, "1.0 MiB"),
        (5 * 1024**3, "5.0 GiB"),
        (3 * 1024**6, "3.0 EiB"),
    ],
)
def test_human_sizes(size: int, text: str) -> None:
    assert human_size(size) == text


def test_summary_and_json() -> None:
    assert summary_lines(3, 2048, False) == ["", "Total Objects: 3", "   Total Size: 2048"]
    assert summary_lines(3, 2048, True)[2] == "   Total Size: 2.0 KiB"
    line = json_line({"key": "é", "size": 1})
    assert "\n" not in line and json.loads(line) == {"key": "é", "size": 1}
    assert list(json.loads(json_line({"b": 1, "a": 2}))) == ["b", "a"]
