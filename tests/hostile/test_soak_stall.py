"""The soak fails loudly when the server stops answering, instead of printing "0 errors"
over a frozen count: against a server that creates the bucket and then never answers,
``benchmarks/soak.py`` exits 1 within its ``--stall`` time and names, for each thread,
the operation it is in and where it waits.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest
from hostile.server import ACCESS_KEY, SECRET_KEY, HostileServer, Reply, Request

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def silent_server() -> Iterator[HostileServer]:
    """Answers creating and checking the bucket, then holds every other request until the test ends."""
    release = threading.Event()

    def answer(request: Request) -> Reply:
        if request.key == "" and request.method in ("PUT", "HEAD"):
            return Reply(200)
        release.wait(120)
        return Reply(503, b"", reason="Slow Down")

    with HostileServer(answer) as server:
        yield server
        release.set()


def test_a_stalled_soak_exits_1_naming_what_each_thread_waits_on(silent_server: HostileServer, tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    env_file.write_text(
        "AWS_ENDPOINT_URL=%s\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nAWS_DEFAULT_REGION=us-east-1\n"
        % (silent_server.endpoint_url, ACCESS_KEY, SECRET_KEY)
    )
    command = [sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--env", str(env_file)]
    command += ["--duration", "300", "--threads", "2", "--stall", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done
    lines = done.stderr.splitlines()
    assert lines[0].startswith("soak: STALLED: no operation completed for"), lines
    for index in range(2):
        thread_line = next(line for line in lines if line.strip().startswith("soak-%d:" % index))
        assert thread_line.split()[1] == "put" and " in " in thread_line, thread_line
    assert "left in place" in lines[-1]
    assert "0 errors" not in done.stdout or "operations in" in done.stdout
