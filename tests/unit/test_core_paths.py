"""aurora/core/paths.py: where a key may go below a folder, decided from the name alone."""

from __future__ import annotations

import os

import pytest

from aurora.core.paths import is_inside, relative_key_path
from aurora.errors import InvalidArgumentError


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("a", "a"),
        ("a/b.txt", os.path.join("a", "b.txt")),
        ("a//b", os.path.join("a", "b")),
        ("a/./b", os.path.join("a", "b")),
        ("a/../b", "b"),
        ("dir/", "dir"),
    ],
)
def test_keys_that_stay_below_become_relative_paths(key: str, path: str) -> None:
    assert relative_key_path(key, "dest") == path


@pytest.mark.parametrize("key", ["", ".", "..", "./", "../x", "a/../../x", "/etc/x", "//x", "a/..", "nul\x00byte"])
def test_keys_that_would_leave_or_name_the_folder_are_refused_naming_them(key: str) -> None:
    with pytest.raises(InvalidArgumentError, match="would be written outside dest") as caught:
        relative_key_path(key, "dest")
    assert repr(key) in str(caught.value)


def test_inside_is_the_folder_itself_or_below_it_never_a_sibling_with_the_same_start() -> None:
    assert is_inside("/data/dest", "/data/dest")
    assert is_inside("/data/dest", "/data/dest/a/b")
    assert not is_inside("/data/dest", "/data/destination")
    assert not is_inside("/data/dest", "/data")
