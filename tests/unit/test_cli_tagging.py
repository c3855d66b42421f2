"""``aurora tag set``'s KEY=VALUE arguments."""

from __future__ import annotations

import pytest

from aurora.cli.tagging import parse_tags
from aurora.cli.urls import UsageError


def test_pairs_become_tags_in_order() -> None:
    assert parse_tags(["b=2", "a=", "c=x=y"]) == {"b": "2", "a": "", "c": "x=y"}
    assert list(parse_tags(["b=2", "a=1"])) == ["b", "a"]


@pytest.mark.parametrize("pairs", [["novalue"], ["=v"], ["k=1", "k=2"]])
def test_bad_pairs_are_usage_errors(pairs: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(UsageError):
        parse_tags(pairs)
