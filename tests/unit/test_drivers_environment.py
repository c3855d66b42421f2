"""load_settings: the AWS files found, read and handed to the resolver (tmp_path homes only)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict

import pytest

from aurora.drivers.environment import config_path, credentials_path, load_settings
from aurora.errors import InvalidArgumentError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLETOKENVALUE"


def write_aws(home: Path, credentials: str = "", config: str = "") -> None:
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    if credentials:
        (aws / "credentials").write_text(credentials, encoding="utf-8")
    if config:
        (aws / "config").write_text(config, encoding="utf-8")


CREDENTIALS = "[default]\naws_access_key_id = HOMEKEY\naws_secret_access_key = %s\naws_session_token = %s\n" % (
    SECRET,
    TOKEN,
)
CONFIG = "[default]\nregion = eu-north-1\n[profile minio]\nendpoint_url = http://127.0.0.1:9000\nregion = local\n"


def test_reads_both_files_from_the_home_directory(tmp_path: Path) -> None:
    write_aws(tmp_path, CREDENTIALS, CONFIG)
    settings = load_settings(environ={}, home=str(tmp_path))
    assert (settings.access_key, settings.secret_key, settings.session_token) == ("HOMEKEY", SECRET, TOKEN)
    assert (settings.region, settings.source) == ("eu-north-1", "shared-credentials-file:default")


def test_missing_files_and_directory_are_fine(tmp_path: Path) -> None:
    settings = load_settings(environ={}, home=str(tmp_path))
    assert (settings.access_key, settings.region, settings.source) == (None, None, "none")


def test_empty_files_are_fine(tmp_path: Path) -> None:
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text("", encoding="utf-8")
    (aws / "config").write_text("\n# nothing yet\n", encoding="utf-8")
    assert load_settings(environ={}, home=str(tmp_path)).source == "none"


def test_arguments_pass_through_and_win(tmp_path: Path) -> None:
    write_aws(tmp_path, CREDENTIALS, CONFIG)
    settings = load_settings(
        key="ARG",
        secret="arg-secret",
        token="arg-token",
        region="arg-region",
        endpoint_url="http://localhost:1",
        environ={"AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "env"},
        home=str(tmp_path),
    )
    assert (settings.access_key, settings.session_token, settings.source) == ("ARG", "arg-token", "arguments")
    assert (settings.region, settings.endpoint_url) == ("arg-region", "http://localhost:1")


def test_environment_beats_the_files(tmp_path: Path) -> None:
    write_aws(tmp_path, CREDENTIALS, CONFIG)
    environ = {"AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "env", "AWS_DEFAULT_REGION": "env-region"}
    settings = load_settings(environ=environ, home=str(tmp_path))
    assert (settings.access_key, settings.session_token, settings.region) == ("ENV", None, "env-region")


def test_a_profile_argument_selects_the_config_profile(tmp_path: Path) -> None:
    write_aws(tmp_path, CREDENTIALS, CONFIG)
    settings = load_settings(profile="minio", environ={}, home=str(tmp_path))
    assert (settings.endpoint_url, settings.region, settings.source) == ("http://127.0.0.1:9000", "local", "none")


def test_an_unknown_profile_is_named_in_the_error(tmp_path: Path) -> None:
    write_aws(tmp_path, CREDENTIALS, CONFIG)
    with pytest.raises(InvalidArgumentError, match="'typo'"):
        load_settings(environ={"AWS_PROFILE": "typo"}, home=str(tmp_path))


def test_file_locations_come_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "creds.ini").write_text(CREDENTIALS.replace("HOMEKEY", "ELSEKEY"), encoding="utf-8")
    (tmp_path / "cfg.ini").write_text(CONFIG, encoding="utf-8")
    write_aws(tmp_path / "home", CREDENTIALS.replace("HOMEKEY", "WRONG"), "[default]\nregion = wrong\n")
    environ = {
        "AWS_SHARED_CREDENTIALS_FILE": "$BASE/elsewhere/creds.ini",
        "AWS_CONFIG_FILE": "${BASE}/cfg.ini",
        "BASE": str(tmp_path),
    }
    settings = load_settings(environ=environ, home=str(tmp_path / "home"))
    assert (settings.access_key, settings.region) == ("ELSEKEY", "eu-north-1")


def test_file_paths_expand_tilde_with_the_given_home(tmp_path: Path) -> None:
    environ: Dict[str, str] = {"AWS_CONFIG_FILE": "~/conf/aws", "AWS_SHARED_CREDENTIALS_FILE": "~"}
    assert config_path(environ, str(tmp_path)) == str(tmp_path / "conf" / "aws")
    assert credentials_path(environ, str(tmp_path)) == str(tmp_path)
    assert credentials_path({}, str(tmp_path)) == str(tmp_path / ".aws" / "credentials")
    assert config_path({"AWS_CONFIG_FILE": "$UNSET/x"}, str(tmp_path)) == "$UNSET/x"
    assert config_path({"AWS_CONFIG_FILE": ""}, str(tmp_path)) == str(tmp_path / ".aws" / "config")


def test_a_missing_file_named_by_the_environment_is_fine(tmp_path: Path) -> None:
    environ = {"AWS_CONFIG_FILE": str(tmp_path / "no" / "such"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "x")}
    assert load_settings(environ=environ, home=str(tmp_path)).source == "none"


def test_a_path_through_a_regular_file_counts_as_missing(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("", encoding="utf-8")
    environ = {"AWS_CONFIG_FILE": str(tmp_path / "plain" / "config")}
    assert load_settings(environ=environ, home=str(tmp_path)).region is None


def test_an_unreadable_file_is_an_error_naming_its_path(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    with pytest.raises(InvalidArgumentError) as caught:
        load_settings(environ={"AWS_CONFIG_FILE": str(directory)}, home=str(tmp_path))
    assert str(directory) in str(caught.value) and "cannot read" in str(caught.value)


def test_a_file_that_is_not_utf8_is_an_error_naming_its_path(tmp_path: Path) -> None:
    aws = tmp_path / ".aws"
    aws.mkdir()
    path = aws / "credentials"
    path.write_bytes(b"[default]\naws_secret_access_key = \xff" + SECRET.encode() + b"\n")
    with pytest.raises(InvalidArgumentError) as caught:
        load_settings(environ={}, home=str(tmp_path))
    assert str(path) in str(caught.value) and "UTF-8" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert caught.value.__context__ is None  # the decode error holds the file's bytes


def test_a_malformed_file_is_an_error_naming_its_path_but_not_its_lines(tmp_path: Path) -> None:
    write_aws(tmp_path, "[default]\naws_access_key_id = K\n%s\n" % SECRET)
    with pytest.raises(InvalidArgumentError) as caught:
        load_settings(environ={}, home=str(tmp_path))
    message = str(caught.value)
    assert str(tmp_path / ".aws" / "credentials") in message and "line(s) 3" in message
    assert SECRET not in message and SECRET not in repr(caught.value)
    assert caught.value.__context__ is None


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "config").write_bytes(b"\xef\xbb\xbf[default]\nregion = bom-region\n")
    assert load_settings(environ={}, home=str(tmp_path)).region == "bom-region"


def test_windows_line_endings_are_read(tmp_path: Path) -> None:
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "config").write_bytes(b"[default]\r\nregion = crlf-region\r\ns3 =\r\n  addressing_style = path\r\n")
    settings = load_settings(environ={}, home=str(tmp_path))
    assert (settings.region, settings.addressing_style) == ("crlf-region", "path")


def test_endpoint_from_the_environment_and_the_ignore_flag(tmp_path: Path) -> None:
    write_aws(tmp_path, CREDENTIALS, CONFIG)
    environ = {"AWS_ENDPOINT_URL_S3": "http://[::1]:9000", "AWS_PROFILE": "minio"}
    assert load_settings(environ=environ, home=str(tmp_path)).endpoint_url == "http://[::1]:9000"
    environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
    assert load_settings(environ=environ, home=str(tmp_path)).endpoint_url is None


def test_the_debug_log_line_and_the_repr_never_show_secrets(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_aws(tmp_path, CREDENTIALS, CONFIG)
    with caplog.at_level(logging.DEBUG, logger="aurora"):
        settings = load_settings(environ={}, home=str(tmp_path))
    records = [record.getMessage() for record in caplog.records]
    assert any("shared-credentials-file:default" in line for line in records)
    for text in records + [repr(settings), str(settings)]:
        assert SECRET not in text and TOKEN not in text
