"""A server that writes to the terminal: every control it sends is printed escaped.

Keys (sent url-encoded, so any byte survives the XML), metadata values, HTTP
reason phrases and error messages reach ``aurora``'s human output with their
controls shown as ``\\x1b``; ``--json`` keeps the exact values.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hostile.server import HostileServer, Reply, Request, list_v2_page, run_cli, xml_reply

from aurora.cli.safetext import UNSAFE_CONTROLS

RETITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
KEY = "report" + RETITLE + CLEAR + "\u202egpj.exe"
SHOWN_KEY = "report\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H\\u202egpj.exe"
# Raw controls a terminal would act on (tab and newline are ordinary output).
RAW_CONTROL = re.compile("[%s]" % UNSAFE_CONTROLS)


def assert_no_raw_control(*outputs: bytes) -> None:
    for output in outputs:
        assert RAW_CONTROL.search(output.decode("utf-8")) is None, output


def listing_with_hostile_key(request: Request) -> Reply:
    if request.method == "GET" and not request.key:
        return xml_reply(list_v2_page([KEY], url_encoded=True, size=5))
    if request.method in ("GET", "HEAD") and request.key == KEY:
        return Reply(200, b"hello", (("ETag", '"5d41402abc4b2a76b9719d911017c592"'),))
    return Reply(404, reason="Not Found")


def test_ls_shows_a_key_with_escape_sequences_escaped(hostile_server: HostileServer) -> None:
    hostile_server.answer = listing_with_hostile_key
    result = run_cli(hostile_server, "ls", "s3://bkt/")
    assert result.returncode == 0
    assert result.stdout.decode().endswith(" 5 " + SHOWN_KEY + "\n")
    assert_no_raw_control(result.stdout, result.stderr)


def test_ls_json_keeps_the_exact_key_and_no_raw_control(hostile_server: HostileServer) -> None:
    hostile_server.answer = listing_with_hostile_key
    result = run_cli(hostile_server, "ls", "--json", "s3://bkt/")
    assert result.returncode == 0
    assert json.loads(result.stdout)["key"] == KEY
    assert_no_raw_control(result.stdout)


def test_cp_recursive_lines_show_the_key_escaped(hostile_server: HostileServer, tmp_path: Path) -> None:
    hostile_server.answer = listing_with_hostile_key
    result = run_cli(hostile_server, "cp", "-r", "s3://bkt/", str(tmp_path / "dest"), cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "download: s3://bkt/%s to dest/%s\n" % (SHOWN_KEY, SHOWN_KEY)
    assert (tmp_path / "dest" / KEY).read_bytes() == b"hello"  # the file itself has the exact name
    assert_no_raw_control(result.stdout, result.stderr)


def metadata_answer(request: Request) -> Reply:
    headers = (("Content-Length", "5"), ("ETag", '"e"'), ("x-amz-meta-note", "hi" + RETITLE + CLEAR))
    return Reply(200, b"", headers)


def test_stat_shows_metadata_escaped_and_json_keeps_it(hostile_server: HostileServer) -> None:
    hostile_server.answer = metadata_answer
    human = run_cli(hostile_server, "stat", "s3://bkt/k")
    assert human.returncode == 0
    assert "Metadata: note=hi\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H\n" in human.stdout.decode()
    assert_no_raw_control(human.stdout, human.stderr)
    exact = run_cli(hostile_server, "stat", "--json", "s3://bkt/k")
    assert json.loads(exact.stdout)["metadata"] == {"note": "hi" + RETITLE + CLEAR}
    assert_no_raw_control(exact.stdout)


@pytest.mark.parametrize("debug", [False, True])
def test_a_reason_phrase_with_escape_sequences_is_printed_escaped(hostile_server: HostileServer, debug: bool) -> None:
    hostile_server.answer = lambda request: Reply(403, b"", reason="Denied" + RETITLE + CLEAR)
    result = run_cli(hostile_server, *(["--debug"] if debug else []), "ls", "s3://bkt/")
    assert result.returncode == 1
    assert b"Denied\\x1b]0;pwned\\x07" in result.stderr
    assert_no_raw_control(result.stdout, result.stderr)


def test_an_error_message_with_c1_and_bidi_controls_is_printed_escaped(hostile_server: HostileServer) -> None:
    body = "<Error><Code>AccessDenied</Code><Message>no\u009b2J\u202eyes</Message></Error>"
    hostile_server.answer = lambda request: xml_reply(body, status=403)
    result = run_cli(hostile_server, "ls", "s3://bkt/")
    assert result.returncode == 1
    assert b"no\\x9b2J\\u202eyes" in result.stderr
    assert_no_raw_control(result.stdout, result.stderr)


def test_bucket_names_with_c1_and_bidi_controls_are_printed_escaped(hostile_server: HostileServer) -> None:
    body = (
        "<ListAllMyBucketsResult><Buckets><Bucket><Name>evil\u009b2J\u202egnp</Name>"
        "<CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>"
    )
    hostile_server.answer = lambda request: xml_reply(body)
    human = run_cli(hostile_server, "ls")
    assert human.returncode == 0 and human.stdout.decode().endswith(" evil\\x9b2J\\u202egnp\n")
    exact = run_cli(hostile_server, "ls", "--json")
    assert json.loads(exact.stdout)["name"] == "evil\u009b2J\u202egnp"
    assert_no_raw_control(human.stdout, human.stderr, exact.stdout)
