"""aurora/transfer/destination.py: symlinks resolved, nothing written through a link."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

import pytest

from aurora.errors import InvalidArgumentError
from aurora.transfer import destination
from aurora.transfer.destination import LocalTargets, contained_path, create_exclusive, make_parent


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    """``dest/`` with ``inner -> dest/real`` (inside) and ``out -> outside`` (not)."""
    (tmp_path / "dest" / "real").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "dest" / "inner").symlink_to(tmp_path / "dest" / "real", target_is_directory=True)
    (tmp_path / "dest" / "out").symlink_to(tmp_path / "outside", target_is_directory=True)
    return tmp_path / "dest"


def test_a_key_lands_at_its_real_place_inside(dest: Path) -> None:
    assert contained_path(str(dest), "a/b") == str(dest.resolve() / "a" / "b")
    assert contained_path(str(dest), "inner/x") == str(dest.resolve() / "real" / "x")


def test_a_key_through_a_link_leading_out_is_refused_and_nothing_is_made(dest: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="'out/new/x' would be written outside"):
        contained_path(str(dest), "out/new/x")
    assert list((dest.parent / "outside").iterdir()) == []


def test_a_link_at_the_final_name_is_not_resolved(dest: Path) -> None:
    (dest / "file").symlink_to(dest.parent / "outside" / "target")
    assert contained_path(str(dest), "file") == str(dest.resolve() / "file")  # replaced later, not followed


def test_make_parent_refuses_a_folder_that_is_a_link(dest: Path) -> None:
    make_parent(str(dest / "new" / "deeper" / "file"))
    assert (dest / "new" / "deeper").is_dir()
    with pytest.raises(InvalidArgumentError, match="symlink"):
        make_parent(str(dest / "out" / "file"))


def test_create_exclusive_never_opens_an_existing_name_or_link(dest: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names: Iterator[str] = iter(["00" * 8, "01" * 8])
    monkeypatch.setattr(destination, "unguessable_name", lambda: next(names))
    planted = dest / (".t." + "00" * 8)
    planted.symlink_to(dest.parent / "outside" / "victim")
    fd, path = create_exclusive(str(dest), ".t.")
    os.close(fd)
    assert path == str(dest / (".t." + "01" * 8)) and os.path.isfile(path)
    assert planted.is_symlink() and list((dest.parent / "outside").iterdir()) == []


def test_unguessable_names_differ_within_a_process_and_start_from_a_random_prefix() -> None:
    names = [destination.unguessable_name() for _ in range(1000)]
    assert len(set(names)) == 1000
    assert len({name[:16] for name in names}) == 1 and all(len(name) > 16 for name in names)
    int(names[0], 16)  # hex digits only


def test_a_forked_child_draws_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    first = destination.unguessable_name()
    monkeypatch.setattr(os, "getpid", lambda: -1)
    assert destination.unguessable_name()[:16] != first[:16]


@pytest.mark.parametrize("name", ["a/b", "inner/x", "file", "deep/er/y"])
def test_local_targets_follow_the_same_rule_as_contained_path(dest: Path, name: str) -> None:
    targets = LocalTargets()
    first = targets.path_of(str(dest), name)
    assert first == contained_path(str(dest), name)
    targets.make_parent(first)
    assert targets.path_of(str(dest), name) == first  # the second time, from the checked folder


@pytest.mark.parametrize("name", ["out/new/x", "out/x", "../x", "inner/../../x", "/etc/passwd"])
def test_local_targets_refuse_what_contained_path_refuses_even_after_other_folders_were_checked(
    dest: Path, name: str
) -> None:
    targets = LocalTargets()
    targets.make_parent(targets.path_of(str(dest), "a/ok"))
    targets.make_parent(targets.path_of(str(dest), "inner/ok"))
    with pytest.raises(InvalidArgumentError, match="outside"):
        targets.path_of(str(dest), name)
    assert list((dest.parent / "outside").iterdir()) == []


def test_local_targets_check_each_folder_once(dest: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    targets = LocalTargets()
    resolved: List[str] = []
    real = os.path.realpath

    def counting(path: str) -> str:
        resolved.append(path)
        return real(path)

    monkeypatch.setattr(os.path, "realpath", counting)
    for index in range(50):
        targets.make_parent(targets.path_of(str(dest), "many/f%d" % index))
    assert len(resolved) <= 4  # the root, the new folder before and after it was made
    assert (dest / "many").is_dir()


def test_local_targets_make_parent_still_refuses_a_linked_folder(dest: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="symlink"):
        LocalTargets().make_parent(str(dest / "out" / "file"))


def test_local_targets_remember_a_bounded_number_of_folders(dest: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LocalTargets, "MAX_FOLDERS", 3)
    targets = LocalTargets()
    for index in range(10):
        target = targets.path_of(str(dest), "f%d/x" % index)
        targets.make_parent(target)
        assert len(targets._ready) <= 3
    assert targets.path_of(str(dest), "f9/y") == str(dest.resolve() / "f9" / "y")
