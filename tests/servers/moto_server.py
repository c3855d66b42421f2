#!/usr/bin/env python3
"""A moto S3 server on 127.0.0.1 for tests, with the same CLI shape as rgw.py.

    moto_server.py start --dir DIR [--port PORT]   # writes DIR/env, returns when ready
    moto_server.py stop --dir DIR
    moto_server.py status --dir DIR

Run it with the Python that has `moto[server]` installed (the dev virtualenv):
the server is started as `sys.executable -m moto.server`. moto accepts any
credentials; DIR/env carries fixed placeholder keys so clients sign as usual.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if TYPE_CHECKING:  # run as a script, the folder is on sys.path; type-checked as servers._common
    from servers import _common as c
else:
    import _common as c

NAME = "moto"
REGION = "us-east-1"
ACCESS_KEY = "AURORAMOTOACCESSKEY0"
SECRET_KEY = "aurora-moto-secret-key-not-checked-by-moto"  # noqa: S105 - moto ignores it


def unavailable_reason() -> Optional[str]:
    """Why moto cannot run under this Python, or None when it can."""
    for module in ("moto", "flask", "flask_cors"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not importable by {sys.executable} (install moto[server])"
    return None


def marker(state: Path) -> str:
    """A string on the server's command line, unique to this state folder."""
    return "--aurora-state=" + str(state)


def _pid_file(state: Path) -> Path:
    return state / "moto.pid"


# Handles of the servers this process launched: a server outlives the call that starts it.
_LAUNCHED: List[subprocess.Popen[bytes]] = []


def _launch(state: Path, port: int, env: Optional[Mapping[str, str]] = None) -> int:
    """Start the server detached from this process and return its pid.

    `env` adds to (or overrides) this process's environment for the server,
    e.g. moto's S3_UPLOAD_PART_MIN_SIZE.
    """
    # moto.server rejects unknown options, so the marker rides in a `-c` no-op prefix.
    # moto guesses the service from a SigV4 credential scope; a SigV2 signature that
    # happens to hold four '/' is mistaken for one and answered with a 500. This
    # server is for S3 alone, so SigV2 requests are routed to S3 outright.
    code = (
        "import sys, runpy; sys.argv = sys.argv[:1] + sys.argv[2:]; "
        "from moto.moto_server import werkzeug_app as w; "
        "guess = w.DomainDispatcherApplication.infer_service_region_host; "
        "w.DomainDispatcherApplication.infer_service_region_host = lambda self, environ, path: "
        "'s3.amazonaws.com' if environ.get('HTTP_AUTHORIZATION', '').startswith('AWS ') "
        "else guess(self, environ, path); "
        "runpy.run_module('moto.server', run_name='__main__')"
    )
    cmd = [sys.executable, "-c", code, marker(state), "-H", c.LOOPBACK, "-p", str(port)]
    with open(str(state / "moto.log"), "ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env={**os.environ, **env} if env else None,
        )
    _pid_file(state).write_text(f"{proc.pid}\n")
    _LAUNCHED.append(proc)  # the server outlives this call; its handle must not be collected while it runs
    return proc.pid


def start(state: Path, port: int, timeout: float = 60.0, env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Stop whatever ran in `state`, start a fresh server and return its env values.

    `env` is passed to the server's environment (see `_launch`).
    """
    began = time.monotonic()
    reason = unavailable_reason()
    if reason:
        raise c.ServerError("cannot start moto: " + reason)
    state.mkdir(parents=True, exist_ok=True)
    stop(state)
    log = state / "moto.log"
    if log.exists():
        log.unlink()
    port = c.chosen_port(port)
    pid = _launch(state, port, env)

    def failed() -> Optional[str]:
        if c.pid_alive(pid, marker(state)):
            return None
        return "moto exited; log tail:\n" + c.log_tail(log)

    try:
        c.wait_until(lambda: c.http_status(c.LOOPBACK, port) == 200, timeout, f"moto on port {port}", failed)
    except BaseException:
        stop(state)
        raise
    env = {
        "AWS_ENDPOINT_URL": f"http://{c.LOOPBACK}:{port}",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AURORA_SERVER_NAME": NAME,
        "AURORA_SERVER_HOST": c.LOOPBACK,
        "AURORA_SERVER_PORT": str(port),
        "AURORA_SERVER_BOOT_SECONDS": "%.1f" % (time.monotonic() - began),
    }
    c.write_env(state / "env", env)
    return env


def stop(state: Path) -> None:
    """Stop the server of `state`; a no-op when none runs."""
    mark = marker(state)
    pid = c.read_pid(_pid_file(state))
    if pid is not None:
        c.stop_pids([pid], mark, grace=10.0)
    c.stop_pids(c.pids_with_marker(mark), mark, grace=5.0)
    for proc in [p for p in _LAUNCHED if p.pid == pid]:
        proc.wait(timeout=10)  # reap the child this process launched
        _LAUNCHED.remove(proc)
    for path in (_pid_file(state), state / "env"):
        if path.exists():
            path.unlink()


def status(state: Path) -> Optional[str]:
    """The endpoint when the server of `state` runs and answers, else None."""
    env_path = state / "env"
    pid = c.read_pid(_pid_file(state))
    if not env_path.exists() or pid is None or not c.pid_alive(pid, marker(state)):
        return None
    env = c.read_env(env_path)
    if c.http_status(env["AURORA_SERVER_HOST"], int(env["AURORA_SERVER_PORT"]), timeout=c.STATUS_TIMEOUT) != 200:
        return None
    return str(env["AWS_ENDPOINT_URL"])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("start", "stop", "status", "check"))
    parser.add_argument("--dir", type=Path, default=Path(".run/moto"), help="state folder (default .run/moto)")
    parser.add_argument("--port", type=int, default=5000, help="preferred port; a free one if taken, 0 for any")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for readiness")
    args = parser.parse_args(argv)
    state = args.dir.resolve()
    try:
        if args.command == "check":
            reason = unavailable_reason()
            print("moto: " + (reason or "available"))
            return 1 if reason else 0
        if args.command == "start":
            env = start(state, args.port, args.timeout)
            print(
                "moto: ready at {} in {} s (env in {})".format(
                    env["AWS_ENDPOINT_URL"], env["AURORA_SERVER_BOOT_SECONDS"], state / "env"
                )
            )
            return 0
        if args.command == "stop":
            stop(state)
            print(f"moto: stopped ({state})")
            return 0
        endpoint = status(state)
        print("moto: " + ("running at " + endpoint if endpoint else "not running"))
        return 0 if endpoint else 1
    except (c.ServerError, OSError) as exc:
        print(f"moto: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
