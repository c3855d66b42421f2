"""The ``aurora`` entry point imports per command: ``--version`` loads no driver, ``ls`` no transfer code.

Each case runs the command in a fresh interpreter and reads ``sys.modules``
afterwards; ``ls`` talks to a stub answering every request with an empty
listing (in this process, so the stub's own imports do not count).
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator, List

import pytest

from aurora import __version__
from aurora.cli.main import COMMANDS, command_function

ROOT = Path(__file__).resolve().parents[2]

TRANSFER_MACHINERY = [
    "aurora.cli.copying",
    "aurora.cli.syncing",
    "aurora.cli.transfers",
    "aurora.cli.progress",
    "aurora.transfer.upload",
    "aurora.transfer.download",
    "aurora.transfer.workers",
    "concurrent.futures",
    "tempfile",
    "mimetypes",
]
NOT_FOR_PLAIN_HTTP = ["ssl", "http.client", "email", "logging", "shutil", "encodings.idna", "urllib.parse", "random"]
"""Loaded by no plain-HTTP command without --debug: TLS, the email-based header parser, logging's set-up,
the URL parser (a plain endpoint URL is read without it), retry jitter..."""
DRIVER_MACHINERY = ["aurora.drivers.s3", "aurora.s3.client", "aurora.transport", "http.client", "ssl", "hashlib"]
EMPTY_LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix></Prefix>'
    b"<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>"
)


def modules_after_command(argv: List[str]) -> List[str]:
    """The modules loaded after ``aurora ARGV`` ran in a fresh interpreter."""
    script = (
        "import json, sys\n"
        "from aurora.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTHON"))}
    env.update(PYTHONPATH=str(ROOT), HOME=str(ROOT / "tests"), AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s")
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, *argv], env=env, cwd=str(ROOT), capture_output=True, text=True, check=True
    )
    code, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stderr
    return list(loaded)


class _EmptyListing(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(EMPTY_LISTING)))
        self.end_headers()
        self.wfile.write(EMPTY_LISTING)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server name
        pass


@pytest.fixture
def stub_endpoint() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EmptyListing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_version_loads_no_command_and_no_driver() -> None:
    loaded = modules_after_command(["--version"])
    assert [name for name in DRIVER_MACHINERY + TRANSFER_MACHINERY + NOT_FOR_PLAIN_HTTP if name in loaded] == []
    assert "aurora.cli.commands" not in loaded


def test_ls_loads_the_driver_but_no_transfer_machinery(stub_endpoint: str) -> None:
    loaded = modules_after_command(["--endpoint-url", stub_endpoint, "ls", "s3://bucket/"])
    assert "aurora.cli.commands" in loaded and "aurora.s3.client" in loaded
    assert [name for name in TRANSFER_MACHINERY + NOT_FOR_PLAIN_HTTP if name in loaded] == []


def test_a_many_file_run_loads_no_futures_nor_logging(stub_endpoint: str, tmp_path: Path) -> None:
    loaded = modules_after_command(["--endpoint-url", stub_endpoint, "cp", "-r", str(tmp_path), "s3://bucket/x/"])
    assert "aurora.cli.jobs" in loaded
    assert [name for name in ["concurrent.futures", "base64", *NOT_FOR_PLAIN_HTTP] if name in loaded] == []


def test_every_command_resolves_to_its_function() -> None:
    for name in COMMANDS:
        assert command_function(name).__name__ == "run_" + name


def run_module(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTHON"))}
    env.update(PYTHONPATH=str(ROOT), HOME=str(ROOT / "tests"))
    return subprocess.run(
        [sys.executable, "-m", "aurora", *argv], env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=60
    )


def test_the_process_exits_with_mains_status_and_its_output_flushed() -> None:
    done = run_module("--version")
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "aurora %s" % __version__, "")
    usage = run_module("cp", "only-one-argument")
    assert usage.returncode == 2 and "usage: aurora cp" in usage.stderr and usage.stdout == ""
    failed = run_module("--endpoint-url", "http://127.0.0.1:9", "ls", "s3://bucket/")  # no credentials
    assert failed.returncode == 1 and failed.stderr.startswith("aurora: ")


def test_the_process_skips_the_teardown_only_when_nothing_is_left_running() -> None:
    script = (
        "import sys, threading, aurora.cli\n"
        "m = sys.modules['aurora.cli.main']\n"
        "m.main = lambda: (sys.stdout.write('partial line, unflushed'), 3)[1]\n"
        "threading.Thread(target=lambda: (__import__('time').sleep(0.3), print(' and a thread'))).start()\n"
        "m.console()\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stdout == "partial line, unflushed and a thread\n"  # the thread ran to its end


def test_the_fast_exit_flushes_what_main_left_in_the_buffers() -> None:
    script = (
        "import os, sys, aurora.cli\n"
        "m = sys.modules['aurora.cli.main']\n"
        "m.main = lambda: (sys.stdout.write('partial line'), sys.stderr.write('err line'), 4)[2]\n"
        "os._exit = lambda code, real=os._exit: (sys.stderr.write(' [fast]'), sys.stderr.flush(), real(code))\n"
        "m.console()\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-S", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (4, "partial line", "err line [fast]")
