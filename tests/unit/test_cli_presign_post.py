"""``aurora presign --post``'s --condition and --field arguments."""

from __future__ import annotations

import pytest

from aurora.cli.presign_post import parse_conditions, parse_fields
from aurora.cli.urls import UsageError


def test_conditions_are_json() -> None:
    assert parse_conditions(['["content-length-range", 1, 10]', '{"acl": "private"}']) == [
        ["content-length-range", 1, 10],
        {"acl": "private"},
    ]
    with pytest.raises(UsageError, match="--condition"):
        parse_conditions(["[1,"])


def test_fields_are_name_value() -> None:
    assert parse_fields(["acl=private", "x-amz-meta-a=b=c", "empty="]) == {
        "acl": "private",
        "x-amz-meta-a": "b=c",
        "empty": "",
    }
    for bad in ("novalue", "=v"):
        with pytest.raises(UsageError, match="--field"):
            parse_fields([bad])
