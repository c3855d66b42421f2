"""Every credential byte checked: a NUL, a control byte, a space or a non-ASCII letter in an
access key, secret, session token or SSE-C key is refused before anything is sent, by an
``InvalidArgumentError`` that names the field and never shows the value.

Each case is tried through the driver's arguments, the environment and the shared
credentials file, against a loopback listener that must see no connection.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

from aurora import Provider, get_driver
from aurora.cli.main import main as cli_main
from aurora.core.credentials import Credentials
from aurora.errors import InvalidArgumentError

KEY = "AKIDPLAINKEY"
SECRET = "s3cr3t/Value+Shown=Never"
TOKEN = "T0KEN/value=="
# A NUL, a vertical tab, ESC, DEL, a line feed, a space, a non-ASCII letter, a C1 control.
BAD_CHARACTERS = ["\x00", "\x0b", "\x1b", "\x7f", "\n", " ", "\u00e9", "\x85"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AWS variables and an empty home: only what a test gives is seen."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    return tmp_path


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback socket that must never be connected to."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.0)
    yield server
    try:
        connection, _ = server.accept()
    except (BlockingIOError, socket.timeout):
        pass
    else:
        connection.close()
        raise AssertionError("a request went out with bad credentials")
    finally:
        server.close()


def make(listener: socket.socket, key: Optional[str] = None, secret: Optional[str] = None, **kwargs: Any) -> Any:
    port = listener.getsockname()[1]
    driver = get_driver(Provider.S3)(key, secret, secure=False, host="127.0.0.1", port=port, **kwargs)
    driver.list_containers()  # only reached if the constructor let the value through
    return driver


def assert_names_field_only(error: InvalidArgumentError, field: str, value: str) -> None:
    message = str(error)
    assert field in message
    assert value not in message and repr(value) not in message
    for part in (KEY, SECRET, TOKEN):
        assert part not in message
    assert error.__context__ is None or value not in str(error.__context__)


@pytest.mark.parametrize("bad", BAD_CHARACTERS, ids=repr)
@pytest.mark.parametrize(
    "field, arguments",
    [
        ("key argument", lambda bad: {"key": KEY[:4] + bad + KEY[4:], "secret": SECRET}),
        ("secret argument", lambda bad: {"key": KEY, "secret": SECRET[:4] + bad + SECRET[4:]}),
        ("token", lambda bad: {"key": KEY, "secret": SECRET, "token": TOKEN[:4] + bad + TOKEN[4:]}),
    ],
)
def test_a_bad_byte_in_an_argument_is_refused(
    clean_env: Path, listener: socket.socket, field: str, arguments: Any, bad: str
) -> None:
    values: Dict[str, str] = arguments(bad)
    with pytest.raises(InvalidArgumentError) as caught:
        make(listener, **values)
    bad_value = next(value for value in values.values() if bad in value)
    assert_names_field_only(caught.value, field, bad_value)


# An environment variable cannot hold a NUL.
ENV_CHARACTERS = [bad for bad in BAD_CHARACTERS if bad != "\x00"]


@pytest.mark.parametrize("bad", ENV_CHARACTERS, ids=repr)
@pytest.mark.parametrize(
    "field", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"], ids=lambda name: name
)
def test_a_bad_byte_in_the_environment_is_refused(
    clean_env: Path, listener: socket.socket, monkeypatch: pytest.MonkeyPatch, field: str, bad: str
) -> None:
    values = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}
    values[field] = values[field][:4] + bad + values[field][4:]
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(InvalidArgumentError) as caught:
        make(listener)
    assert_names_field_only(caught.value, field, values[field])


# In a file, a line feed ends the value and a space at either end is stripped;
# the NEL (\x85) is in the middle of a UTF-8 value and stays.
FILE_CHARACTERS = [bad for bad in BAD_CHARACTERS if bad != "\n"]


@pytest.mark.parametrize("bad", FILE_CHARACTERS, ids=repr)
@pytest.mark.parametrize("field", ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"])
def test_a_bad_byte_in_the_credentials_file_is_refused(
    clean_env: Path, listener: socket.socket, field: str, bad: str
) -> None:
    values = {"aws_access_key_id": KEY, "aws_secret_access_key": SECRET, "aws_session_token": TOKEN}
    values[field] = values[field][:4] + bad + values[field][4:]
    text = "[default]\n" + "".join("%s = %s\n" % item for item in values.items())
    (clean_env / "no-credentials").write_bytes(text.encode("utf-8"))
    with pytest.raises(InvalidArgumentError) as caught:
        make(listener)
    assert_names_field_only(caught.value, field, values[field])
    assert "shared-credentials-file:default" in str(caught.value)


@pytest.mark.parametrize("bad", FILE_CHARACTERS, ids=repr)
def test_a_bad_byte_in_a_config_file_profile_is_refused(clean_env: Path, listener: socket.socket, bad: str) -> None:
    text = "[profile work]\naws_access_key_id = AK%sID\naws_secret_access_key = %s\n" % (bad, SECRET)
    (clean_env / "no-config").write_bytes(text.encode("utf-8"))
    with pytest.raises(InvalidArgumentError) as caught:
        make(listener, ex_profile="work")
    assert_names_field_only(caught.value, "aws_access_key_id in config-file:work", "AK%sID" % bad)


@pytest.mark.parametrize("bad", BAD_CHARACTERS, ids=repr)
@pytest.mark.parametrize("position", [0, 1, 2])
def test_credentials_made_directly_are_checked_too(bad: str, position: int) -> None:
    values = [KEY, SECRET, TOKEN]
    values[position] = values[position] + bad
    with pytest.raises(InvalidArgumentError) as caught:
        Credentials(*values)
    field = ("the access key", "the secret key", "the session token")[position]
    assert_names_field_only(caught.value, field, values[position])


def test_a_credential_that_is_not_a_string_is_refused(clean_env: Path, listener: socket.socket) -> None:
    with pytest.raises(InvalidArgumentError, match="key argument must be a string, not bytes"):
        make(listener, key=b"AKID", secret=SECRET)  # type: ignore[arg-type]


def test_printable_credentials_are_accepted(clean_env: Path) -> None:
    printable = "".join(chr(code) for code in range(0x21, 0x7F))
    credentials = Credentials(printable, printable, printable)
    assert credentials.secret_key == printable
    driver = get_driver(Provider.S3)(KEY, printable, token=printable, secure=False, host="127.0.0.1", port=9)
    assert driver.secret == printable


@pytest.mark.parametrize(
    "sse_key",
    [
        "\x00" * 32,  # 32 characters of text, not 32 bytes
        "QUJD\x00REVG",  # base64 with a NUL in it
        b"\x00" * 31,
        "A" * 44,  # base64 text of 33 bytes
        "\u00e9" * 32,
        42,
    ],
    ids=["nul-text", "nul-base64", "31-bytes", "33-bytes", "non-ascii", "int"],
)
def test_a_bad_sse_c_key_is_refused_before_any_request(clean_env: Path, listener: socket.socket, sse_key: Any) -> None:
    port = listener.getsockname()[1]
    driver = get_driver(Provider.S3)(KEY, SECRET, secure=False, host="127.0.0.1", port=port)
    with pytest.raises(InvalidArgumentError) as caught:
        driver.get_object("bucket", "key", ex_sse_customer_key=sse_key)
    message = str(caught.value)
    assert "ex_sse_customer_key" in message
    if isinstance(sse_key, str):
        assert sse_key not in message


def test_the_cli_says_which_field_in_one_line(
    clean_env: Path, listener: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_env / "no-credentials").write_text("[default]\naws_access_key_id = AK\x0bID\naws_secret_access_key = x\n")
    port = listener.getsockname()[1]
    status = cli_main(["--endpoint-url", "http://127.0.0.1:%d" % port, "ls"])
    err = capsys.readouterr().err
    assert status != 0
    assert err.count("\n") == 1 and "aws_access_key_id" in err and "\x0b" not in err
