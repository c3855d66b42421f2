"""aurora/core/numbers.py: a server's numbers are plain decimal digits within their range."""

from __future__ import annotations

import pytest

from aurora.core.numbers import server_int, server_size
from aurora.errors import ProtocolError, XMLParseError


def test_plain_numbers_within_range() -> None:
    assert server_size(" 42 ") == 42 and server_size("0") == 0
    assert server_size(str(5 * 1024**4)) == 5 * 1024**4
    assert server_size(None) is None and server_size("  ") is None
    assert server_int("10000", "<PartNumber>", 1, 10000) == 10000


@pytest.mark.parametrize("value", ["-1", "+1", "1.0", "1e3", "0x10", "\u0661", "1_000", "9" * 21, "\x00"])
def test_anything_but_digits_is_a_protocol_error(value: str) -> None:
    with pytest.raises(ProtocolError, match="Content-Length is not a non-negative integer"):
        server_size(value)


@pytest.mark.parametrize("value", [str(5 * 1024**4 + 1), "99999999999999999999"])
def test_a_size_above_5_tib_is_a_protocol_error(value: str) -> None:
    with pytest.raises(ProtocolError, match="out of range"):
        server_size(value)


def test_the_error_class_and_bounds_are_the_callers() -> None:
    with pytest.raises(XMLParseError, match=r"<PartNumber> 0 is out of range \(1 to 10000\)"):
        server_int("0", "<PartNumber>", 1, 10000, XMLParseError)
