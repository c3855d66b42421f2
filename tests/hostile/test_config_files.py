"""Config files bounded: ``~/.aws/config`` and ``credentials`` (or ``AWS_CONFIG_FILE`` and
``AWS_SHARED_CREDENTIALS_FILE``) are read only when they are regular files of at most
1 MiB.  ``/dev/zero`` used to end in ``MemoryError``, a FIFO hung for ever and a 100 MB
file cost a gigabyte; each is now an ``InvalidArgumentError`` naming the file, quickly.

Every case runs in a worker thread with a deadline, so a hang fails the test instead of
the suite.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

import pytest

from aurora import Provider, get_driver
from aurora.cli.main import main as cli_main
from aurora.core.profiles import MAX_AWS_FILE_BYTES
from aurora.drivers.environment import load_settings
from aurora.errors import InvalidArgumentError

DEADLINE = 30.0
VARIABLES = ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]


def within_deadline(call: Callable[[], Any]) -> Any:
    """``call()``'s result or exception, failing the test if it does not end in time."""
    outcome: Dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    assert not thread.is_alive(), "reading the AWS files did not end within %.0f s" % DEADLINE
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".aws").mkdir()
    return tmp_path


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "a-fifo"
    os.mkfifo(path)
    yield path
    # Unblock a reader that got through (the test has failed then): open for writing, non-blocking.
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def refused(path: Path, variable: Optional[str], home: Path, expect: str) -> None:
    """The driver, load_settings and the CLI each refuse ``path`` with a message naming it."""
    environ = {variable: str(path)} if variable else {}
    with pytest.raises(InvalidArgumentError) as caught:
        within_deadline(lambda: load_settings(environ=environ, home=str(home)))
    message = str(caught.value)
    assert str(path) in message and expect in message, message


@pytest.mark.parametrize("variable", VARIABLES)
def test_dev_zero_is_refused(home: Path, variable: str) -> None:
    refused(Path("/dev/zero"), variable, home, "not a regular file but a character device")


@pytest.mark.parametrize("variable", VARIABLES)
def test_a_fifo_is_refused_without_waiting_for_a_writer(home: Path, fifo: Path, variable: str) -> None:
    refused(fifo, variable, home, "not a regular file but a FIFO")


@pytest.mark.parametrize("variable", VARIABLES)
def test_a_directory_is_refused(home: Path, tmp_path: Path, variable: str) -> None:
    refused(tmp_path, variable, home, "not a regular file but a directory")


@pytest.mark.parametrize("name", ["config", "credentials"])
def test_a_large_default_file_is_refused_without_reading_it(home: Path, name: str) -> None:
    path = home / ".aws" / name
    with open(path, "wb") as handle:
        handle.truncate(100 * 1000 * 1000)  # 100 MB, sparse: costs no disk
    refused(path, None, home, "100000000 bytes long")


@pytest.mark.parametrize("name", ["config", "credentials"])
def test_a_default_fifo_is_refused(home: Path, name: str) -> None:
    path = home / ".aws" / name
    os.mkfifo(path)
    refused(path, None, home, "FIFO")


def test_one_byte_over_the_cap_is_refused_and_the_cap_itself_is_read(home: Path) -> None:
    section = "[default]\naws_access_key_id = AKIDCAP\naws_secret_access_key = secret\n"
    path = home / ".aws" / "credentials"
    filler = "#" * (MAX_AWS_FILE_BYTES - len(section) - 1) + "\n"
    path.write_text(filler + section)
    assert path.stat().st_size == MAX_AWS_FILE_BYTES
    assert load_settings(environ={}, home=str(home)).access_key == "AKIDCAP"
    path.write_text("#" + filler + section)
    refused(path, None, home, "%d bytes long" % (MAX_AWS_FILE_BYTES + 1))


def test_a_symlink_to_a_regular_file_is_read(home: Path) -> None:
    target = home / "real-credentials"
    target.write_text("[default]\naws_access_key_id = AKIDLINK\naws_secret_access_key = secret\n")
    (home / ".aws" / "credentials").symlink_to(target)
    assert load_settings(environ={}, home=str(home)).access_key == "AKIDLINK"


def test_dev_null_is_an_empty_file(home: Path) -> None:
    environ = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    assert load_settings(environ=environ, home=str(home)).source == "none"


def test_a_missing_file_is_still_no_file(home: Path) -> None:
    environ = {"AWS_CONFIG_FILE": str(home / "missing"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "missing")}
    assert load_settings(environ=environ, home=str(home)).source == "none"


def test_the_driver_refuses_dev_zero(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/zero")
    with pytest.raises(InvalidArgumentError, match="/dev/zero"):
        within_deadline(lambda: get_driver(Provider.S3)("AKID", "secret", host="127.0.0.1", port=9, secure=False))


def test_the_cli_refuses_a_fifo_in_one_line(
    home: Path, fifo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(fifo))
    status = within_deadline(lambda: cli_main(["--endpoint-url", "http://127.0.0.1:9", "ls"]))
    err = capsys.readouterr().err
    assert status != 0
    assert err.count("\n") == 1 and str(fifo) in err and "FIFO" in err
