"""``sync``'s local walk: regular files in the order S3 lists keys, without sorting the tree whole."""

from __future__ import annotations

from pathlib import Path

from aurora.cli.syncing import walk_sorted


def test_the_walk_is_in_key_order_where_a_folder_sorts_as_its_name_and_a_slash(tmp_path: Path) -> None:
    for name in ("a/b", "a-c", "a0", "a/z/y", "b", "ab/c", "é", "Z"):
        path = tmp_path.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
    (tmp_path / "empty").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    names = [entry.name for entry in walk_sorted(str(tmp_path))]
    assert names == sorted(names, key=lambda name: name.encode("utf-8"))
    assert names == ["Z", "a-c", "a/b", "a/z/y", "a0", "ab/c", "b", "é"]
    entry = next(iter(walk_sorted(str(tmp_path))))
    assert (entry.size, entry.local) == (1, True)


def test_a_missing_folder_has_no_files(tmp_path: Path) -> None:
    assert list(walk_sorted(str(tmp_path / "missing"))) == []


def test_cp_r_walks_files_in_name_order_with_sizes_following_file_links_but_not_folder_links(tmp_path: Path) -> None:
    from aurora.cli.copying import _local_files

    root = tmp_path / "src"
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"12")
    (root / "b" / "deep" / "z").write_bytes(b"")
    (root / "b" / "y").write_bytes(b"123")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_bytes(b"x")
    (root / "c-link").symlink_to(root / "a.txt")
    (root / "d-folder-link").symlink_to(tmp_path / "outside", target_is_directory=True)
    (root / "e-dangling").symlink_to(tmp_path / "nowhere")
    found = [(path[len(str(root)) :], name, size) for path, name, size in _local_files(str(root))]
    assert found == [
        ("/a.txt", "a.txt", 2),
        ("/c-link", "c-link", 2),
        ("/b/y", "b/y", 3),
        ("/b/deep/z", "b/deep/z", 0),
    ]
