"""aurora's loggers: DEBUG and INFO reach ``logging`` once the program uses it, and not before."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from aurora._log import Log, route_warnings

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` run by a fresh interpreter without site hooks, with aurora from this tree."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-S", "-c", script], env=env, capture_output=True, text=True, check=True)


def test_records_go_to_the_named_logger_with_the_callers_place(caplog: pytest.LogCaptureFixture) -> None:
    log = Log("aurora.test")
    caplog.set_level(logging.DEBUG, logger="aurora.test")

    def caller() -> None:
        log.debug("one %s", "debug")
        log.info("one %s", "info")
        log.warning("one %s", "warning")

    caller()
    assert [(r.name, r.levelname, r.getMessage(), r.funcName) for r in caplog.records] == [
        ("aurora.test", "DEBUG", "one debug", "caller"),
        ("aurora.test", "INFO", "one info", "caller"),
        ("aurora.test", "WARNING", "one warning", "caller"),
    ]
    assert all(r.pathname == __file__ for r in caplog.records)


def test_debug_and_info_import_nothing_until_the_program_imports_logging() -> None:
    script = (
        "import sys\n"
        "from aurora._log import Log\n"
        "log = Log('aurora.test')\n"
        "log.debug('dropped %s', 1)\n"
        "log.info('dropped %s', 2)\n"
        "assert 'logging' not in sys.modules\n"
        "log.warning('shown %s', 3)\n"
        "assert 'logging' in sys.modules\n"
    )
    done = run_fresh(script)
    assert done.stderr.strip() == "shown 3"  # logging's last resort shows an unconfigured warning


def test_routed_warnings_go_to_the_sink_and_debug_and_info_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    log = Log("aurora.test")
    caplog.set_level(logging.DEBUG, logger="aurora.test")
    seen: List[str] = []
    previous = route_warnings(seen.append)
    try:
        log.debug("dropped %s", 1)
        log.info("dropped %s", 2)
        log.warning("shown %s and %d%%", "this", 5)
        log.warning("no arguments: 100%")
    finally:
        assert route_warnings(previous) == seen.append
    log.warning("to logging again")
    assert seen == ["shown this and 5%", "no arguments: 100%"]
    assert [r.getMessage() for r in caplog.records] == ["to logging again"]


def test_the_command_shows_warnings_without_importing_logging() -> None:
    script = (
        "import io, sys\n"
        "from aurora._log import Log\n"
        "from aurora.cli.session import logging_to\n"
        "stream = io.StringIO()\n"
        "with logging_to(stream, debug=False):\n"
        "    Log('aurora.test').info('dropped')\n"
        "    Log('aurora.test').warning('careful: %s', 'x\\x1b[2J')\n"
        "assert 'logging' not in sys.modules, sorted(sys.modules)\n"
        "print(repr(stream.getvalue()))\n"
    )
    done = run_fresh(script)
    assert done.stdout.strip() == repr("aurora: warning: careful: x\\x1b[2J\n")
