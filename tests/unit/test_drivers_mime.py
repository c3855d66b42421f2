"""The content type guessed for a new object: as ``mimetypes`` guesses it, the tables read once."""

from __future__ import annotations

import mimetypes
import threading
from typing import List

import pytest

from aurora.drivers import mime


def test_guessed_type_is_what_mimetypes_guesses() -> None:
    for name in ("a.txt", "b.JSON", "c.tar.gz", "d", "e.bin", "dir/f.html", "g.unknown-ext"):
        assert mime.guessed_type(name) == mimetypes.guess_type(name)[0]


def test_threads_asking_at_once_read_the_tables_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: List[int] = []
    real_init = mimetypes.init

    def counting_init(files: object = None) -> None:
        reads.append(1)
        real_init()

    monkeypatch.setattr(mimetypes, "init", counting_init)
    monkeypatch.setattr(mimetypes, "inited", False)
    monkeypatch.setattr(mime, "_READY", threading.Event())
    start = threading.Barrier(8)
    answers: List[object] = []

    def ask() -> None:
        start.wait()
        answers.append(mime.guessed_type("x.html"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reads == [1]
    assert answers == ["text/html"] * 8


def test_tables_already_read_by_the_caller_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mime, "_READY", threading.Event())
    mimetypes.init()
    mimetypes.add_type("application/x-aurora-test", ".auroratest")
    assert mime.guessed_type("f.auroratest") == "application/x-aurora-test"
