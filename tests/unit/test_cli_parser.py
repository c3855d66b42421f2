"""The command line grammar and the exit status of usage errors (no server needed)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from aurora.cli import main
from aurora.cli.parser import build_parser, parse_args
from aurora.cli.urls import LocalPath, S3Url, Stream


@pytest.fixture(autouse=True)
def no_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials or endpoint from the machine: these tests must fail before any request."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


def run(argv: List[str]) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_global_options_before_or_after_the_command() -> None:
    before = parse_args(["--endpoint-url", "http://127.0.0.1:9", "--region", "r", "--debug", "ls"])
    after = parse_args(["ls", "--endpoint-url", "http://127.0.0.1:9", "--region", "r", "--debug"])
    for args in (before, after):
        assert (args.endpoint_url, args.region, args.debug, args.command) == ("http://127.0.0.1:9", "r", True, "ls")
    mixed = parse_args(["--profile", "p", "ls", "--signature-version", "2"])
    assert (mixed.profile, mixed.signature_version) == ("p", "2")
    plain = parse_args(["ls"])
    assert (plain.endpoint_url, plain.profile, plain.debug, plain.no_verify_ssl, plain.url) == (
        None,
        None,
        False,
        False,
        None,
    )


def test_timeouts_before_or_after_the_command() -> None:
    before = parse_args(["--cli-read-timeout", "2.5", "--cli-connect-timeout", "1", "ls"])
    after = parse_args(["ls", "--cli-read-timeout", "2.5", "--cli-connect-timeout", "1"])
    for args in (before, after):
        assert (args.cli_read_timeout, args.cli_connect_timeout) == (2.5, 1.0)
    plain = parse_args(["ls"])
    assert (plain.cli_read_timeout, plain.cli_connect_timeout) == (None, None)


def test_command_arguments() -> None:
    ls = parse_args(["ls", "-r", "--json", "s3://bucket/pre"])
    assert (ls.recursive, ls.json, ls.url) == (True, True, S3Url("bucket", "pre"))
    cp = parse_args(["cp", "-", "s3://bucket/k", "--quiet"])
    assert (cp.source, cp.destination, cp.quiet, cp.recursive, cp.dry_run) == (
        Stream(),
        S3Url("bucket", "k"),
        True,
        False,
        False,
    )
    mv = parse_args(["mv", "s3://bucket/k", "./x", "--recursive", "--dryrun"])
    assert (mv.source, mv.destination, mv.recursive, mv.dry_run) == (S3Url("bucket", "k"), LocalPath("./x"), True, True)
    sync = parse_args(["sync", "dir", "s3://bucket/p", "--delete", "--dry-run"])
    assert (sync.delete, sync.dry_run, sync.destination) == (True, True, S3Url("bucket", "p"))
    assert parse_args(["rb", "--force", "s3://bucket"]).force
    assert parse_args(["rm", "-r", "s3://bucket/p"]).recursive


def test_presign_options_and_aliases() -> None:
    default = parse_args(["presign", "s3://bucket/k"])
    assert (default.expires_in, default.method) == (3600, "GET")
    assert parse_args(["presign", "s3://bucket/k", "--expires", "60"]).expires_in == 60
    assert parse_args(["presign", "s3://bucket/k", "--expires-in", "604800", "--method", "put"]).method == "PUT"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["ls", "bucket"],
        ["ls", "s3://"],
        ["ls", "s3://bad\x1bbucket"],
        ["mb", "s3://Bad_Bucket"],
        ["cp", "s3://bucket/k"],
        ["cp", "gs://bucket/k", "x"],
        ["cp", "a", "b"],  # local to local
        ["cp", "-", "-"],
        ["cp", "-r", "-", "s3://bucket/p/"],
        ["cp", "-", "s3://bucket/"],  # stdin needs a key
        ["cp", "s3://bucket/folder/", "x"],  # a folder without -r
        ["mv", "-", "s3://bucket/k"],
        ["mv", "s3://bucket/k", "s3://bucket/k"],
        ["rm", "s3://bucket"],
        ["mb", "s3://bucket/key"],
        ["rb", "s3://bucket/key"],
        ["stat", "s3://bucket"],
        ["cat", "s3://bucket/"],
        ["presign", "s3://bucket"],
        ["presign", "s3://bucket/k", "--expires-in", "0"],
        ["presign", "s3://bucket/k", "--expires-in", "604801"],
        ["presign", "s3://bucket/k", "--expires-in", "soon"],
        ["presign", "s3://bucket/k", "--method", "POST"],
        ["sync", "-", "s3://bucket/p"],
        ["ls", "--signature-version", "3"],
        ["--endpoint-url", "ftp://127.0.0.1:9", "ls"],
        ["--cli-read-timeout", "0", "ls"],
        ["ls", "--cli-connect-timeout", "-1"],
        ["--cli-read-timeout", "nan", "ls"],
        ["--cli-read-timeout", "soon", "ls"],
    ],
)
def test_bad_usage_exits_2_with_a_message_and_no_traceback(
    argv: List[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret-value")
    code, out, err = run(argv)
    captured = capsys.readouterr()
    errors = err + captured.err
    assert code == 2
    assert out == "" and "Traceback" not in errors
    assert errors.strip()
    assert "not-a-real-secret-value" not in errors


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"])[0] == 0
    assert "sync" in capsys.readouterr().out
    assert run(["--version"])[0] == 0
    assert capsys.readouterr().out.startswith("aurora ")


@pytest.mark.parametrize(
    "argv",
    [
        ["ls"],
        ["ls", "s3://bucket/p"],
        ["cp", "s3://bucket/k", "x"],
        ["rm", "-r", "s3://bucket"],
        ["sync", "s3://bucket/p", "s3://bucket/q"],
        ["presign", "s3://bucket/k"],
    ],
)
def test_missing_credentials_is_said_once_whatever_the_command(argv: List[str]) -> None:
    code, out, err = run(argv + ["--endpoint-url", "http://127.0.0.1:9"])
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("aurora: no credentials: "), err


def test_every_command_is_in_the_help() -> None:
    text = build_parser().format_help()
    for command in ("ls", "mb", "rb", "cp", "mv", "rm", "cat", "sync", "presign", "stat", "du"):
        assert command in text


def test_jobs_is_a_bounded_whole_number_on_the_many_file_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_args(["cp", "-r", "d", "s3://bucket/p", "--jobs", "4"]).jobs == 4
    assert parse_args(["sync", "d", "s3://bucket/p", "-j", "256"]).jobs == 256
    assert parse_args(["rm", "-r", "s3://bucket/p"]).jobs is None  # the default, chosen by the runner
    for bad in ("0", "257", "many"):
        code, _, _ = run(["mv", "-r", "d", "s3://bucket/p", "--jobs", bad])
        assert code == 2 and "argument --jobs/-j" in capsys.readouterr().err


# -- the parser built for the one command named -----------------------------------------


def test_the_command_table_names_every_command_of_the_full_parser() -> None:
    from aurora.cli.parser import COMMANDS

    subparsers = build_parser()._subparsers
    assert subparsers is not None
    choices: Dict[str, Any] = getattr(subparsers._group_actions[0], "choices", None) or {}
    assert set(choices) == set(COMMANDS)


@pytest.mark.parametrize(
    "argv, word",
    [
        (["cp", "-r", "a", "s3://b/"], "cp"),
        (["--endpoint-url", "http://h:1", "--debug", "ls"], "ls"),
        (["--region=r", "--no-verify-ssl", "sync", "a", "s3://b"], "sync"),
        (["--profile", "ls", "rm", "s3://b/k"], "rm"),  # an option's value that is a command's name
        (["--endp", "http://h:1", "ls"], None),  # an abbreviation: the full parser decides
        (["--version"], None),
        (["-h"], None),
        (["lss"], None),
        ([], None),
        (["--endpoint-url"], None),
    ],
)
def test_command_word(argv: List[str], word: object) -> None:
    from aurora.cli.parser import command_word

    assert command_word(argv) == word


@pytest.mark.parametrize(
    "argv",
    [
        ["--endpoint-url", "http://127.0.0.1:9", "cp", "-r", "--jobs", "3", "a", "s3://b/p/"],
        ["ls", "--recursive", "--human-readable", "s3://b/p"],
        ["--profile", "ls", "rm", "-r", "s3://b/k", "--dry-run"],
        ["presign", "s3://b/k", "--expires-in", "60", "--method", "put"],
        ["tag", "set", "s3://b/k", "a=1", "b=2"],
        ["sync", "a", "s3://b/p", "--delete", "--quiet", "--cli-read-timeout", "5"],
    ],
)
def test_the_one_command_parser_reads_a_command_line_as_the_full_one(argv: List[str]) -> None:
    from aurora.cli.parser import command_word

    assert command_word(argv) is not None
    assert vars(build_parser(command_word(argv)).parse_args(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv", [["cp", "a"], ["cp", "a", "b", "--jobs", "0"], ["ls", "--nope"], ["tag", "frob", "s3://b/k"]]
)
def test_the_one_command_parser_refuses_as_the_full_one(argv: List[str], capsys: pytest.CaptureFixture[str]) -> None:
    from aurora.cli.parser import command_word

    messages = []
    for parser in (build_parser(command_word(argv)), build_parser()):
        with pytest.raises(SystemExit) as caught:
            parser.parse_args(argv)
        messages.append((caught.value.code, capsys.readouterr().err))
    assert messages[0] == messages[1] and messages[0][0] == 2
