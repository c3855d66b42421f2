"""Finding a running local Ceph RGW, or starting one for the benchmark and stopping it after.

Uses ``tests/servers/rgw.py`` (the same throwaway cluster the tests use).  An
RGW that is already up (``--env FILE``, ``$AURORA_TEST_RGW_ENV``, ``.run/rgw``
from ``make servers-up``) is used as it is and left running.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

__all__ = ["Server", "find_or_start"]

ROOT = Path(__file__).resolve().parent.parent
RGW_SCRIPT = ROOT / "tests" / "servers" / "rgw.py"


def read_env(path: Path) -> Dict[str, str]:
    """KEY=VALUE lines of an env file written by the server scripts."""
    values: Dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip().strip("'\"")
    return values


def answers(host: str, port: int) -> bool:
    """Whether an HTTP server answers on ``host:port``."""
    conn = http.client.HTTPConnection(host, port, timeout=3)
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class Server:
    """A running RGW: its env values, its state folder, and whether this run started it."""

    def __init__(self, env: Dict[str, str], state: Optional[Path], home: Path) -> None:
        self.env = env
        self.state = state
        self.home = home
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def daemon_cpu(self) -> Optional[float]:
        """CPU seconds used so far by the cluster's daemons (radosgw, OSD, monitor), None if unknown.

        The difference across a run is the server's share of that run's work.
        """
        total = 0.0
        found = False
        for pid_file in sorted((self.home / "run").glob("*.pid")):
            try:
                pid = int(pid_file.read_text().strip())
                with open("/proc/%d/stat" % pid) as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except (OSError, ValueError):
                continue
            total += (int(fields[11]) + int(fields[12])) / self._tick  # utime, stime
            found = True
        return total if found else None

    @property
    def host(self) -> str:
        return self.env["AURORA_SERVER_HOST"]

    @property
    def port(self) -> int:
        return int(self.env["AURORA_SERVER_PORT"])

    def stop(self) -> None:
        """Stop the RGW if this run started it."""
        if self.state is not None:
            subprocess.run([sys.executable, str(RGW_SCRIPT), "stop", "--dir", str(self.state)], check=False)


def _running(env_file: Path) -> Optional[Dict[str, str]]:
    if not env_file.is_file():
        return None
    env = read_env(env_file)
    if "AURORA_SERVER_HOST" not in env or not answers(env["AURORA_SERVER_HOST"], int(env["AURORA_SERVER_PORT"])):
        return None
    return env


def find_or_start(env_file: Optional[str], state: Path, store_gib: float) -> Server:
    """An RGW to measure against: the given or a known running one, else a fresh one in ``state``."""
    candidates = [Path(env_file)] if env_file else []
    if not env_file:
        if os.environ.get("AURORA_TEST_RGW_ENV"):
            candidates.append(Path(os.environ["AURORA_TEST_RGW_ENV"]))
        candidates += [ROOT / ".run" / "rgw" / "env", state / "env"]
    for candidate in candidates:
        env = _running(candidate)
        if env is not None:
            print("bench: using the RGW at %s (%s)" % (env["AWS_ENDPOINT_URL"], candidate), flush=True)
            return Server(env, None, candidate.parent)
    if env_file:
        raise SystemExit("bench: no RGW answers at the endpoint in %s" % env_file)
    check = subprocess.run([sys.executable, str(RGW_SCRIPT), "check"], stdout=subprocess.PIPE, check=False)
    if check.returncode != 0:
        raise SystemExit("bench: cannot start RGW here: %s" % check.stdout.decode().strip())
    command = [sys.executable, str(RGW_SCRIPT), "start", "--dir", str(state), "--port", "0"]
    command += ["--store-gib", str(store_gib)]
    if subprocess.run(command, check=False).returncode != 0:
        raise SystemExit("bench: RGW did not start (logs in %s/log)" % state)
    return Server(read_env(state / "env"), state, state)
