"""File windows: reads, absolute seek/tell, sendfile, and the part MD5."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import threading
from pathlib import Path
from typing import Any, Dict, List

import pytest

from aurora.errors import TransferError
from aurora.transfer.window import FileWindow, window_md5

DATA = bytes(range(256)) * 40  # 10,240 bytes, every offset distinguishable


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


def test_read_stops_at_the_end_of_the_window(data_file: Path) -> None:
    with FileWindow(data_file, 100, 50) as window:
        assert window.read(30) == DATA[100:130]
        assert window.read() == DATA[130:150]
        assert window.read(10) == b""


def test_readinto_fills_at_most_the_window(data_file: Path) -> None:
    with FileWindow(data_file, 1000, 20) as window:
        buffer = bytearray(64)
        assert window.readinto(buffer) == 20
        assert bytes(buffer[:20]) == DATA[1000:1020]
        assert window.readinto(buffer) == 0


def test_positions_are_absolute_and_limited_to_the_window(data_file: Path) -> None:
    with FileWindow(data_file, 4096, 1024) as window:
        assert window.tell() == 4096
        assert window.seekable() and window.readable()
        window.read(10)
        assert window.tell() == 4106
        assert window.seek(4096 + 512) == 4608
        assert window.read(4) == DATA[4608:4612]
        assert window.seek(-4, io.SEEK_CUR) == 4608
        assert window.seek(0, io.SEEK_END) == 5120
        assert window.remaining == 0
        with pytest.raises(ValueError):
            window.seek(0)
        with pytest.raises(ValueError):
            window.seek(5121)
        assert window.tell() == 5120


def test_rewinding_to_the_start_replays_the_same_bytes(data_file: Path) -> None:
    """What S3Client does before a retry: seek back to the tell() it saw first."""
    with FileWindow(data_file, 333, 777) as window:
        start = window.tell()
        first = window.read()
        window.seek(start)
        assert window.read() == first == DATA[333:1110]


def test_fileno_and_tell_let_sendfile_send_exactly_the_window(data_file: Path) -> None:
    left, right = socket.socketpair()
    received: List[bytes] = []

    def drain() -> None:
        while True:
            chunk = right.recv(65536)
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    with left, right, FileWindow(data_file, 2000, 5000) as window:
        sent = left.sendfile(window, window.tell(), window.length)
        left.shutdown(socket.SHUT_WR)
        reader.join()
        assert sent == 5000
        assert window.tell() == 7000  # socket.sendfile seeks to where it stopped
    assert b"".join(received) == DATA[2000:7000]


def test_each_window_has_its_own_file_position(data_file: Path) -> None:
    windows = [FileWindow(data_file, offset, 1024) for offset in range(0, len(DATA), 1024)]
    results: Dict[Any, Any] = {}

    def read_all(index: int, window: FileWindow) -> None:
        chunks = []
        while True:
            chunk = window.read(7)
            if not chunk:
                break
            chunks.append(chunk)
        results[index] = b"".join(chunks)

    threads = [threading.Thread(target=read_all, args=(i, w)) for i, w in enumerate(windows)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for window in windows:
        window.close()
    assert b"".join(results[i] for i in range(len(windows))) == DATA


def test_window_md5_reads_once_and_restores_the_position(data_file: Path) -> None:
    with FileWindow(data_file, 10, 3000) as window:
        window.seek(20)
        assert window_md5(window, 256) == hashlib.md5(DATA[10:3010]).digest()
        assert window.tell() == 20


def test_window_md5_refuses_a_file_that_shrank(data_file: Path) -> None:
    with FileWindow(data_file, 9000, 2000) as window, pytest.raises(TransferError, match="shrink"):
        window_md5(window, 512)


def test_closed_window_refuses_io_and_releases_its_descriptor(data_file: Path) -> None:
    window = FileWindow(data_file, 0, 10)
    fd = window.fileno()
    window.close()
    assert window.closed
    with pytest.raises(ValueError):
        window.tell()
    with pytest.raises(OSError):
        os.fstat(fd)


def test_negative_offsets_are_refused(data_file: Path) -> None:
    with pytest.raises(ValueError):
        FileWindow(data_file, -1, 10)
