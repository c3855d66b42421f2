"""Plumbing shared by the local test servers: ports, pid files, env files, readiness.

Standard library only, so the server scripts run from any Python 3.9+ without the
dev virtualenv. The scripts import this module as a sibling (`import _common`),
which works because Python puts a script's own folder first on `sys.path`.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

LOOPBACK = "127.0.0.1"
# How long `status` waits for a running server to answer: a busy machine, or a moto holding
# many buckets (its "/" lists them all), can take seconds; a stopped server fails at once.
STATUS_TIMEOUT = 15.0


class ServerError(RuntimeError):
    """A test server could not be started, stopped or reached."""


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a TCP listener could bind `host:port` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = LOOPBACK, avoid: Iterable[int] = ()) -> int:
    """A port the kernel just handed out, so nothing listens there (barring a race)."""
    taken = set(avoid)
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in taken:
            return port
    raise ServerError("no free TCP port on " + host)


def chosen_port(preferred: int, host: str = LOOPBACK, avoid: Iterable[int] = ()) -> int:
    """`preferred` when it is free (0 means any), else another free port."""
    taken = set(avoid)
    if preferred and preferred not in taken and port_is_free(preferred, host):
        return preferred
    return free_port(host, taken)


def http_status(host: str, port: int, path: str = "/", timeout: float = 2.0) -> Optional[int]:
    """Status of an anonymous GET, or None when nothing answers."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_until(
    ready: Callable[[], bool], timeout: float, what: str, failed: Optional[Callable[[], Optional[str]]] = None
) -> None:
    """Poll `ready` until true; `failed` may return a reason to give up early."""
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        reason = failed() if failed is not None else None
        if reason:
            raise ServerError(what + ": " + reason)
        if time.monotonic() > deadline:
            raise ServerError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def write_env(path: Path, values: Dict[str, str]) -> None:
    """Write KEY=VALUE lines that both a shell (`. file`) and `read_env` understand."""
    for key, value in values.items():
        if any(c.isspace() or c in "'\"$`\\" for c in value):
            raise ServerError(f"env value for {key} is not shell-safe")
    tmp = path.with_suffix(".tmp")
    fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.writelines("{}={}\n".format(*item) for item in values.items())
    os.replace(str(tmp), str(path))


def read_env(path: Path) -> Dict[str, str]:
    """Parse a file written by `write_env`."""
    values: Dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def read_pid(path: Path) -> Optional[int]:
    """The pid in a pid file, or None when the file is missing or garbled."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def pid_alive(pid: int, marker: str) -> bool:
    """Whether `pid` runs and is ours (its command line holds `marker`); a zombie is not alive."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X") and marker in _cmdline(pid)


def pids_with_marker(marker: str) -> List[int]:
    """Live processes whose command line holds `marker` (a path unique to one server)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid() and pid_alive(int(entry.name), marker):
            found.append(int(entry.name))
    return found


def stop_pids(pids: Iterable[int], marker: str, grace: float = 10.0, sig: int = signal.SIGTERM) -> None:
    """Signal our own processes, wait `grace` seconds, then SIGKILL what is left."""
    targets = [pid for pid in pids if pid_alive(pid, marker)]
    for pid in targets:
        _signal(pid, sig)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(pid_alive(pid, marker) for pid in targets):
        time.sleep(0.05)
    for pid in targets:
        if pid_alive(pid, marker):
            _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and any(pid_alive(pid, marker) for pid in targets):
        time.sleep(0.05)
    left = [pid for pid in targets if pid_alive(pid, marker)]
    if left:
        raise ServerError(f"processes still running after SIGKILL: {left}")


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def log_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log, for an error message that explains itself."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])
