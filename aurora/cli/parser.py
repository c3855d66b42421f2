"""The command line grammar: global options, then one command and its arguments.

Global options are accepted before and after the command
(``aurora --debug ls`` and ``aurora ls --debug``), as ``aws`` accepts them.
S3 URLs are checked while parsing, so a malformed one exits with status 2
like any other usage error.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from typing import Any, Dict, Optional, Sequence

import aurora
from aurora.cli.urls import Location, S3Url, UsageError, parse_location, parse_s3_url
from aurora.config import Timeouts
from aurora.core.limits import MAX_PRESIGN_EXPIRES, PRESIGN_METHODS

__all__ = [
    "build_parser",
    "parse_args",
    "command_word",
    "COMMANDS",
    "MAX_EXPIRES",
    "DEFAULT_JOBS",
    "DEFAULT_UPLOAD_JOBS",
    "MAX_JOBS",
]

MAX_EXPIRES = MAX_PRESIGN_EXPIRES

DEFAULT_JOBS = 16
"""Object operations at once for ``-r`` and ``sync`` unless ``--jobs`` says otherwise (uploads:
:data:`DEFAULT_UPLOAD_JOBS`).  On 2 cores against RGW (1,000 small files, medians of 9 alternating
runs, benchmarks/README.md), downloads took 0.80 s with 16 jobs, 0.81 s with 32 and 0.89 s with
64: each thread more costs GIL turns and local folder locks."""

DEFAULT_UPLOAD_JOBS = 64
"""Uploads at once when ``--jobs`` is not given: the same 1,000 small files went up in 1.00-1.06 s
with 64 jobs and 1.08-1.20 s with 16 (RGW spent ~10 % less CPU on them); the client's own CPU grows
a little with the threads, but the server sets the pace of an upload."""

PART_JOBS = 8
"""Parts of one large file in flight at once (the library's ``TransferConfig.max_concurrency`` is 4).
A 1 GiB upload to RGW on 2 cores took 3.49 s with 8 and 3.86 s with 4 (5 MiB parts; medians of 3
alternating runs, each after RGW's garbage collector had freed the last one); aws-cli took 4.20 s.
A stream from standard input then holds at most 9 parts of 5 MiB."""

MAX_JOBS = 256

_EPILOG = """\
Credentials, region and endpoint come from the options, then AWS_* environment
variables, then ~/.aws/credentials and ~/.aws/config. With no endpoint
configured anywhere, aurora talks to AuroraObjects (o.auroraobjects.eu).

exit status: 0 success, 1 an operation failed, 2 bad usage, 130 interrupted.
"""


def _s3_url(text: str) -> S3Url:
    try:
        return parse_s3_url(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _new_bucket_url(text: str) -> S3Url:
    try:
        return parse_s3_url(text, new_bucket=True)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _location(text: str) -> Location:
    try:
        return parse_location(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _whole_number(text: str, highest: int, unit: str, note: str = "") -> int:
    """``text`` as an integer from 1 to ``highest``, or argparse's usage error saying why not."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a whole number%s: %r" % (unit and " of " + unit, text)) from None
    if not 1 <= value <= highest:
        raise argparse.ArgumentTypeError("must be between 1 and %d%s" % (highest, unit and " " + unit) + note)
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number of seconds: %r" % (text,)) from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 86400 seconds")
    return value


def _expires(text: str) -> int:
    return _whole_number(text, MAX_EXPIRES, "seconds", " (7 days)")


def _add_global(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """The connection options; on commands they default to SUPPRESS so they never undo the global ones."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("connection options")
    group.add_argument("--endpoint-url", metavar="URL", default=default(None), help="the S3 endpoint")
    group.add_argument("--region", metavar="R", default=default(None), help="the signing region")
    group.add_argument("--profile", metavar="P", default=default(None), help="a profile of ~/.aws/credentials")
    group.add_argument("--signature-version", choices=("2", "4"), default=default(None), help="SigV2 or SigV4")
    group.add_argument("--ca-bundle", metavar="FILE", default=default(None), help="CA certificates to trust")
    group.add_argument(
        "--no-verify-ssl", action="store_true", default=default(False), help="do not verify TLS certificates"
    )
    for name, what in (("connect", "to connect"), ("read", "to wait for each read from the server")):
        group.add_argument(
            "--cli-%s-timeout" % name,
            metavar="S",
            type=_seconds,
            default=default(None),
            help="seconds %s, per attempt (default %g)" % (what, getattr(Timeouts(), name)),
        )
    group.add_argument("--debug", action="store_true", default=default(False), help="log requests and show tracebacks")


def _output_options(parser: argparse.ArgumentParser, dry_run: bool = True) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no per-file lines")
    parser.add_argument("--json", action="store_true", help="one JSON object a line per file")
    if dry_run:
        parser.add_argument(
            "--dry-run", "--dryrun", dest="dry_run", action="store_true", help="show what would be done"
        )


def _jobs(text: str) -> int:
    return _whole_number(text, MAX_JOBS, "")


def _jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        metavar="N",
        help="objects moved or deleted at once with --recursive and sync (default %d for uploads, %d otherwise)"
        % (DEFAULT_UPLOAD_JOBS, DEFAULT_JOBS),
    )


class _Unbuilt:
    """Stands for the parser of a command the command line does not name: takes its options, keeps none."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        return None


def _command(commands: Any, common: argparse.ArgumentParser, name: str, summary: str) -> Any:
    """The parser of command ``name`` (an :class:`_Unbuilt` when the parser is built for another one)."""
    only: Optional[str] = getattr(commands, "aurora_only", None)
    if only is not None and name != only:
        return _Unbuilt()
    return commands.add_parser(name, parents=[common], help=summary, description=summary, formatter_class=_plain_help)


def _add_listing_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    ls = _command(
        commands, common, "ls", "list buckets, or the objects and folders under a prefix (--versions: every version)"
    )
    ls.add_argument("url", nargs="?", type=_s3_url, metavar="s3://bucket[/prefix]")
    ls.add_argument("-r", "--recursive", action="store_true", help="everything below, with full keys")
    ls.add_argument("--json", action="store_true", help="one JSON object a line")
    ls.add_argument("--human-readable", action="store_true", help="sizes in KiB, MiB...")
    ls.add_argument("--summarize", action="store_true", help="end with the object count and total size")
    ls.add_argument("--versions", action="store_true", help="every version and delete marker under the prefix")
    stat = _command(commands, common, "stat", "show an object's size, ETag, type, date and metadata")
    stat.add_argument("url", type=_s3_url, metavar="s3://bucket/key")
    stat.add_argument("--json", action="store_true", help="one JSON object")
    du = _command(commands, common, "du", "total size and object count under a prefix")
    du.add_argument("url", type=_s3_url, metavar="s3://bucket[/prefix]")
    du.add_argument("--json", action="store_true", help="one JSON object")
    du.add_argument("--human-readable", action="store_true", help="the size in KiB, MiB...")


def _add_bucket_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    mb = _command(commands, common, "mb", "make a bucket")
    mb.add_argument("url", type=_new_bucket_url, metavar="s3://bucket")
    rb = _command(commands, common, "rb", "remove an empty bucket")
    rb.add_argument("url", type=_s3_url, metavar="s3://bucket")
    rb.add_argument("--force", action="store_true", help="delete every object and multipart upload first")


def _add_object_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    for name, summary in (
        ("cp", "copy files and objects (--version-id: an older version)"),
        ("mv", "move files and objects"),
    ):
        command = _command(commands, common, name, summary)
        command.add_argument("source", type=_location, metavar="SRC", help="s3://bucket/key, a path, or -")
        command.add_argument("destination", type=_location, metavar="DST", help="s3://bucket/key, a path, or -")
        command.add_argument("-r", "--recursive", action="store_true", help="a whole folder or prefix")
        if name == "cp":
            command.add_argument("--version-id", metavar="ID", help="copy this version of the source object")
        _output_options(command)
        _jobs_option(command)
    rm = _command(commands, common, "rm", "delete an object, or everything under a prefix (--version-id: one version)")
    rm.add_argument("url", type=_s3_url, metavar="s3://bucket/key")
    rm.add_argument("-r", "--recursive", action="store_true", help="everything under the prefix")
    rm.add_argument("--version-id", metavar="ID", help="delete this version for good (no delete marker)")
    _output_options(rm)
    _jobs_option(rm)
    cat = _command(commands, common, "cat", "write an object to standard output")
    cat.add_argument("url", type=_s3_url, metavar="s3://bucket/key")
    sync = _command(commands, common, "sync", "make DST hold what SRC holds (only what changed is sent)")
    sync.add_argument("source", type=_location, metavar="SRC", help="a folder or s3://bucket/prefix")
    sync.add_argument("destination", type=_location, metavar="DST", help="a folder or s3://bucket/prefix")
    sync.add_argument("--delete", action="store_true", help="delete what DST holds and SRC does not")
    _output_options(sync)
    _jobs_option(sync)
    presign = _command(
        commands, common, "presign", "print a URL that works without credentials (--post: a browser upload form)"
    )
    presign.add_argument("url", type=_s3_url, metavar="s3://bucket/key")
    presign.add_argument(
        "--expires-in",
        "--expires",
        dest="expires_in",
        type=_expires,
        default=3600,
        metavar="S",
        help="seconds the URL stays valid (default 3600, at most %d)" % MAX_EXPIRES,
    )
    presign.add_argument(
        "--method",
        type=str.upper,
        choices=PRESIGN_METHODS,
        default="GET",
        help="the HTTP method the URL allows (default GET)",
    )
    _add_post_options(presign)
    _add_tag_command(commands, common)


def _add_post_options(presign: argparse.ArgumentParser) -> None:
    presign.add_argument(
        "--post", action="store_true", help="print a browser upload form as JSON (url and fields) instead"
    )
    presign.add_argument(
        "--condition",
        action="append",
        metavar="JSON",
        help="with --post: a policy condition, e.g. '[\"content-length-range\", 1, 1048576]' (repeatable)",
    )
    presign.add_argument(
        "--field", action="append", metavar="NAME=VALUE", help="with --post: a form field (repeatable)"
    )


def _add_tag_command(commands: Any, common: argparse.ArgumentParser) -> None:
    tag = _command(commands, common, "tag", "show, set or remove an object's tags")
    tag.add_argument("action", choices=("get", "set", "rm"), help="get: print them; set: replace them; rm: remove them")
    tag.add_argument("url", type=_s3_url, metavar="s3://bucket/key")
    tag.add_argument("tags", nargs="*", metavar="KEY=VALUE", help="with set: the new tags (at most 10)")
    tag.add_argument("--version-id", metavar="ID", help="the tags of this version")
    tag.add_argument("--json", action="store_true", help="with get: one JSON object")


@functools.lru_cache(maxsize=1)
def _help_width() -> int:
    """The help text's width as argparse picks it (``COLUMNS``, else the terminal, else 80, less 2),
    without ``shutil``, which argparse would import (with its compression modules) for every run."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 80
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(columns - 2, 11)


def _plain_help(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=_help_width())


def _raw_help(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, width=_help_width())


COMMANDS: Dict[str, str] = {
    "ls": "aurora.cli.commands:run_ls",
    "mb": "aurora.cli.commands:run_mb",
    "rb": "aurora.cli.commands:run_rb",
    "cp": "aurora.cli.copying:run_cp",
    "mv": "aurora.cli.copying:run_mv",
    "rm": "aurora.cli.commands:run_rm",
    "cat": "aurora.cli.copying:run_cat",
    "sync": "aurora.cli.syncing:run_sync",
    "presign": "aurora.cli.commands:run_presign",
    "stat": "aurora.cli.commands:run_stat",
    "du": "aurora.cli.commands:run_du",
    "tag": "aurora.cli.tagging:run_tag",
}
"""Each command's function, as ``module:name``: imported when that command runs, so a command
(and ``--version``) loads only its own modules."""


_GLOBAL_VALUED = frozenset(
    ("--endpoint-url", "--region", "--profile", "--signature-version", "--ca-bundle")
    + ("--cli-connect-timeout", "--cli-read-timeout")
)
_GLOBAL_FLAGS = frozenset(("--no-verify-ssl", "--debug"))


def command_word(argv: Sequence[str]) -> Optional[str]:
    """The command ``argv`` names after its connection options, when that is certain; else None.

    Only exact option spellings are skipped; anything else that starts with ``-``
    (help, ``--version``, an abbreviation) gives None, and so does a word that
    is not a command.
    """
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in _GLOBAL_FLAGS or word.partition("=")[0] in _GLOBAL_VALUED and "=" in word:
            index += 1
        elif word in _GLOBAL_VALUED:
            index += 2
        elif word.startswith("-"):
            return None
        else:
            return word if word in COMMANDS else None
    return None


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The ``aurora`` parser with every command, or with command ``only`` alone.

    Building one command's parser instead of all dozen saves ~2 ms of start-up;
    the one command parses and reports errors exactly as in the full parser.
    """
    parser = argparse.ArgumentParser(
        prog="aurora",
        description="S3 object storage from the command line (aws s3 conventions).",
        epilog=_EPILOG,
        formatter_class=_raw_help,
    )
    parser.add_argument("--version", action="version", version="aurora %s" % aurora.__version__)
    _add_global(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False, formatter_class=_plain_help)
    _add_global(common, suppress=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    commands.aurora_only = only  # type: ignore[attr-defined]
    _add_listing_commands(commands, common)
    _add_bucket_commands(commands, common)
    _add_object_commands(commands, common)
    return parser


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The parsed command line; exits with status 2 (argparse's) on bad usage."""
    words = sys.argv[1:] if argv is None else argv
    return build_parser(command_word(words)).parse_args(words)
