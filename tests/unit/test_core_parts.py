"""Part planning within S3's limits, stream part sizes, and multipart ETags."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora.config import GiB, MiB, TiB
from aurora.core.parts import Part, is_multipart_etag, multipart_etag, plan_parts, stream_part_size
from aurora.core.xml import parse_complete_multipart, parse_list_parts
from aurora.errors import InvalidArgumentError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


# ---------------------------------------------------------------- plan_parts


def test_plan_parts_last_part_is_smaller() -> None:
    assert plan_parts(12 * MiB, 5 * MiB) == (
        Part(1, 0, 5 * MiB),
        Part(2, 5 * MiB, 5 * MiB),
        Part(3, 10 * MiB, 2 * MiB),
    )


def test_plan_parts_exact_multiple_and_single_part() -> None:
    assert [p.size for p in plan_parts(10 * MiB, 5 * MiB)] == [5 * MiB, 5 * MiB]
    assert plan_parts(1, 5 * MiB) == (Part(1, 0, 1),)


def test_plan_parts_empty_object_is_one_empty_part() -> None:
    assert plan_parts(0, 5 * MiB) == (Part(1, 0, 0),)


def test_plan_parts_grows_part_size_to_fit_ten_thousand_parts() -> None:
    parts = plan_parts(5 * TiB, 5 * MiB)
    assert parts[0].size == 525 * MiB
    assert len(parts) == 9987
    assert parts[-1].offset + parts[-1].size == 5 * TiB
    just_over = plan_parts(10000 * 5 * MiB + 1, 5 * MiB)
    assert len(just_over) <= 10000 and just_over[0].size == 6 * MiB
    exactly = plan_parts(10000 * 5 * MiB, 5 * MiB)
    assert len(exactly) == 10000 and exactly[0].size == 5 * MiB


@pytest.mark.parametrize(
    ("size", "part_size", "message"),
    [
        (5 * TiB + 1, 5 * MiB, str(5 * TiB + 1)),
        (-1, 5 * MiB, "-1"),
        (10, 5 * MiB - 1, "between"),
        (10, 5 * GiB + 1, "between"),
        (10, 0, "between"),
        (1.5, 5 * MiB, "must be an int"),
        (True, 5 * MiB, "must be an int"),
        (10, float(5 * MiB), "must be an int"),
    ],
)
def test_plan_parts_refusals(size: int, part_size: int, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        plan_parts(size, part_size)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 5 * TiB), part_size=st.integers(5 * MiB, 5 * GiB))
def test_plan_parts_properties(size: int, part_size: int) -> None:
    parts = plan_parts(size, part_size)
    assert 1 <= len(parts) <= 10000
    assert [p.number for p in parts] == list(range(1, len(parts) + 1))
    assert parts[0].offset == 0
    assert all(a.offset + a.size == b.offset for a, b in zip(parts, parts[1:]))
    assert parts[-1].offset + parts[-1].size == size
    chunk = parts[0].size
    assert all(p.size == chunk for p in parts[:-1])
    assert 0 < parts[-1].size <= chunk or size == 0
    assert chunk <= 5 * GiB
    if len(parts) > 1:
        assert chunk >= part_size
        assert chunk == part_size or chunk % MiB == 0


# ---------------------------------------------------------------- stream_part_size


def _sizes(base: int, allow_small: bool = False) -> List[int]:
    return [stream_part_size(n, base, allow_small=allow_small) for n in range(1, 10001)]


@pytest.mark.parametrize("base", [5 * MiB, 8 * MiB, 16 * MiB, 64 * MiB, 100 * MiB, GiB, 5 * GiB])
def test_stream_of_five_tib_fits_in_ten_thousand_parts(base: int) -> None:
    sizes = _sizes(base)
    assert sum(sizes) >= 5 * TiB
    assert all(a <= b for a, b in zip(sizes, sizes[1:]))
    assert max(sizes) <= 5 * GiB
    assert sizes[0] == base


def test_stream_keeps_the_base_size_for_early_parts() -> None:
    sizes = _sizes(5 * MiB)
    assert sizes[:997] == [5 * MiB] * 997
    assert sizes[997] == 10 * MiB
    # The first ~4.9 GiB of a stream go in 5 MiB parts.
    assert sum(sizes[:997]) > 4.8 * GiB


@pytest.mark.parametrize("base", [1, 1024, 64 * 1024, MiB])
def test_stream_small_parts_need_allow_small(base: int) -> None:
    with pytest.raises(InvalidArgumentError, match="between"):
        stream_part_size(1, base)
    sizes = _sizes(base, allow_small=True)
    assert sizes[0] == base and sum(sizes) >= 5 * TiB
    assert all(a <= b for a, b in zip(sizes, sizes[1:]))


@settings(max_examples=40, deadline=None)
@given(base=st.integers(1, 5 * GiB))
def test_stream_part_sizes_property(base: int) -> None:
    sizes = _sizes(base, allow_small=True)
    assert sizes[0] == base
    assert sum(sizes) >= 5 * TiB
    assert all(a <= b for a, b in zip(sizes, sizes[1:]))
    assert all(size <= 5 * GiB for size in sizes)


@pytest.mark.parametrize("number", [0, -1, 10001])
def test_stream_part_number_range(number: int) -> None:
    with pytest.raises(InvalidArgumentError, match="part number"):
        stream_part_size(number, 5 * MiB)


def test_stream_refuses_bad_bases() -> None:
    with pytest.raises(InvalidArgumentError):
        stream_part_size(1, 0, allow_small=True)
    with pytest.raises(InvalidArgumentError):
        stream_part_size(1, 5 * GiB + 1)


# ---------------------------------------------------------------- multipart ETags


def test_multipart_etag_matches_the_server() -> None:
    # moto computes the ETag as S3 does (RGW's answer carries an empty one).
    listed = parse_list_parts((FIXTURES / "moto" / "list_parts.xml").read_bytes())
    completed = parse_complete_multipart((FIXTURES / "moto" / "complete_multipart.xml").read_bytes())
    digests = [bytes.fromhex(part.etag) for part in listed.parts]
    assert multipart_etag(digests) == completed.etag


def test_part_etags_in_fixtures_are_md5_of_the_uploaded_bytes() -> None:
    # The capture script uploaded 5 MiB of b"a" then 5 MiB of b"b".
    listed = parse_list_parts((FIXTURES / "rgw" / "list_parts.xml").read_bytes())
    assert [p.etag for p in listed.parts] == [
        hashlib.md5(b"a" * 5 * MiB).hexdigest(),
        hashlib.md5(b"b" * 5 * MiB).hexdigest(),
    ]


def test_multipart_etag_form_and_refusals() -> None:
    etag = multipart_etag([b"\x00" * 16])
    assert etag.endswith("-1") and len(etag) == 34
    with pytest.raises(InvalidArgumentError, match="at least one"):
        multipart_etag([])
    with pytest.raises(InvalidArgumentError, match="16 bytes"):
        multipart_etag([b"\x00" * 15])
    with pytest.raises(InvalidArgumentError, match="part 2"):
        multipart_etag([b"\x00" * 16, "0" * 16])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("etag", "expected"),
    [
        ("f65590340fd7a9f7c0643548071050c7-2", True),
        ('"3858f62230ac3c915f300c664312c11f-9"', True),
        ("3858F62230AC3C915F300C664312C11F-10000", True),
        ("3858f62230ac3c915f300c664312c11f", False),
        ("3858f62230ac3c915f300c664312c11f-0", False),
        ("3858f62230ac3c915f300c664312c11f-", False),
        ("xyz-2", False),
        ("", False),
    ],
)
def test_is_multipart_etag(etag: str, expected: bool) -> None:
    assert is_multipart_etag(etag) is expected
