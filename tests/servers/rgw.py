#!/usr/bin/env python3
"""A throwaway single-node Ceph RADOS Gateway on 127.0.0.1 for tests and demos.

One monitor, one in-memory OSD (memstore) and one radosgw, all run as plain
processes with a private ceph.conf under DIR, so nothing touches /etc/ceph or
/var/lib/ceph and two instances can run side by side. Needs root and the
Debian packages ceph-mon, ceph-osd, radosgw and ceph-common.

    rgw.py start --dir DIR [--port PORT]   # fresh cluster; writes DIR/env, returns when ready
    rgw.py stop --dir DIR
    rgw.py status --dir DIR                # exit 0 when it answers

DIR/env holds AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION as KEY=VALUE lines (source it from a shell).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if TYPE_CHECKING:  # run as a script, the folder is on sys.path; type-checked as servers._common
    from servers import _common as c
else:
    import _common as c

NAME = "rgw"
REGION = "us-east-1"
BINARIES = ("ceph-mon", "ceph-osd", "radosgw", "ceph", "monmaptool", "radosgw-admin")
RGW_NAME = "client.rgw"
# Stopped in this order; the OSD gets SIGKILL because memstore would dump
# every object to disk on a clean shutdown, and the data is thrown away anyway.
DAEMONS = (("client.rgw", signal.SIGTERM), ("osd.0", signal.SIGKILL), ("mon.a", signal.SIGTERM))
# Only these entries of DIR are ever deleted, so a mistyped --dir cannot wipe a tree.
STATE_ENTRIES = ("ceph.conf", "monmap", "env", "mon", "osd", "run", "log", "crash", "rgw")

CONF_TEMPLATE = """\
[global]
fsid = {fsid}
mon_host = [v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
# No cephx: the cluster lives and dies with one test run on loopback.
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# Without this radosgw waits 300 s for a monitor session and exits.
ms_mon_client_mode = crc
# One OSD: replicas of one, placement by OSD rather than host.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
# Commit monitor updates at once: a fresh start drops from ~11 s to ~2 s.
paxos_propose_interval = 0.1
run_dir = {dir}/run
crash_dir = {dir}/crash
admin_socket =
log_file = {dir}/log/$name.log
log_to_stderr = false
err_to_stderr = false
mon_cluster_log_file = {dir}/log/cluster.log

[mon]
mon_data = {dir}/mon/$id
pid_file = {dir}/run/$name.pid
mon_data_avail_warn = 1
mon_data_avail_crit = 0

[osd]
osd_data = {dir}/osd/$id
pid_file = {dir}/run/$name.pid
osd_objectstore = memstore
memstore_device_bytes = {store_bytes}
osd_crush_initial_weight = 1

[{rgw_name}]
pid_file = {dir}/run/$name.pid
rgw_data = {dir}/rgw
rgw_frontends = beast endpoint=127.0.0.1:{rgw_port}
rgw_init_timeout = 60
# Path-style only: no rgw_dns_name, so a bucket is never read from the Host header.
rgw_dns_name =
# SSE-C over plain HTTP on loopback; RGW refuses it otherwise.
rgw_crypt_require_ssl = false
# Reclaim deleted object data (multipart parts and tails go through the garbage
# collector) within seconds, not Ceph's 2 hours: memstore keeps it in RAM, and a
# full OSD blocks every request (a soak filled 4 GiB in two minutes).
rgw_gc_obj_min_wait = 10
rgw_gc_processor_period = 10
rgw_gc_processor_max_time = 10
debug_rgw = {debug_rgw}
debug_ms = 0
"""


def missing_binaries() -> List[str]:
    """The Ceph programs this script needs that are not on PATH."""
    return [name for name in BINARIES if shutil.which(name) is None]


def unavailable_reason() -> Optional[str]:
    """Why an RGW cannot run on this machine, or None when it can."""
    missing = missing_binaries()
    if missing:
        return "Ceph is not installed (missing {})".format(", ".join(missing))
    if os.geteuid() != 0:
        return "Ceph daemons here need root"
    return None


def conf_path(state: Path) -> Path:
    return state / "ceph.conf"


def marker(state: Path) -> str:
    """A string every process of this cluster has on its command line."""
    return str(conf_path(state))


def _ceph(state: Path, *args: str, timeout: float = 60.0) -> str:
    """Run one Ceph tool against this cluster; raise with its output on failure."""
    cmd = [args[0], "-c", str(conf_path(state))] + list(args[1:])
    try:
        done = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise c.ServerError("{} timed out after {:.0f} s".format(" ".join(args[:3]), timeout)) from exc
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        what = " ".join(args[:3])
        raise c.ServerError(f"{what} failed ({done.returncode}): {out.strip()[-2000:]}")
    return out


def _keys() -> Dict[str, str]:
    alphabet = string.ascii_uppercase + string.digits
    access = "".join(secrets.choice(alphabet) for _ in range(20))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))
    return {"access": access, "secret": secret}


def _wipe(state: Path) -> None:
    for entry in STATE_ENTRIES:
        path = state / entry
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _write_conf(state: Path, ports: Dict[str, int], store_bytes: int, debug_rgw: int) -> None:
    text = CONF_TEMPLATE.format(
        fsid=uuid.uuid4(), dir=state, store_bytes=store_bytes, rgw_name=RGW_NAME, debug_rgw=debug_rgw, **ports
    )
    conf_path(state).write_text(text)


def _start_mon(state: Path, ports: Dict[str, int], fsid: str) -> None:
    addr = f"[v2:127.0.0.1:{ports['mon_v2']},v1:127.0.0.1:{ports['mon_v1']}]"
    _ceph(state, "monmaptool", "--create", "--clobber", "--fsid", fsid, "--addv", "a", addr, str(state / "monmap"))
    _ceph(state, "ceph-mon", "--mkfs", "-i", "a", "--monmap", str(state / "monmap"))
    _ceph(state, "ceph-mon", "-i", "a")


def _start_osd(state: Path) -> None:
    osd_uuid = str(uuid.uuid4())
    osd_id = _ceph(state, "ceph", "--connect-timeout", "30", "osd", "create", osd_uuid).strip()
    if osd_id != "0":
        raise c.ServerError(f"expected osd id 0, the monitor gave {osd_id!r}")
    _ceph(state, "ceph-osd", "-i", "0", "--mkfs", "--osd-uuid", osd_uuid)
    _ceph(state, "ceph-osd", "-i", "0")


def _create_user(state: Path, keys: Dict[str, str]) -> None:
    _ceph(
        state,
        "radosgw-admin",
        "-n",
        RGW_NAME,
        "user",
        "create",
        "--uid",
        "test",
        "--display-name",
        "test",
        "--access-key",
        keys["access"],
        "--secret-key",
        keys["secret"],
        timeout=120.0,
    )


def _rgw_failed(state: Path) -> Optional[str]:
    """Why radosgw is gone, once it has written a pid and then died."""
    pid = c.read_pid(state / "run" / (RGW_NAME + ".pid"))
    if pid is not None and not c.pid_alive(pid, marker(state)):
        return "radosgw exited; log tail:\n" + c.log_tail(state / "log" / (RGW_NAME + ".log"))
    return None


def start(state: Path, port: int, timeout: float = 120.0, store_gib: float = 4.0, debug_rgw: int = 1) -> Dict[str, str]:
    """Stop whatever ran in `state`, boot a fresh cluster there and return its env values."""
    began = time.monotonic()
    reason = unavailable_reason()
    if reason:
        raise c.ServerError("cannot start RGW: " + reason)
    state.mkdir(parents=True, exist_ok=True)
    stop(state)
    _wipe(state)
    for sub in ("mon/a", "osd/0", "run", "log", "crash", "rgw"):
        (state / sub).mkdir(parents=True)
    rgw_port = c.chosen_port(port)
    mon_v2 = c.free_port(avoid=[rgw_port])
    ports = {"rgw_port": rgw_port, "mon_v2": mon_v2, "mon_v1": c.free_port(avoid=[rgw_port, mon_v2])}
    _write_conf(state, ports, int(store_gib * 1024**3), debug_rgw)
    fsid = conf_path(state).read_text().split("fsid = ", 1)[1].split()[0]
    keys = _keys()
    try:
        _start_mon(state, ports, fsid)
        _start_osd(state)
        _create_user(state, keys)
        _ceph(state, "radosgw", "-n", RGW_NAME)
        c.wait_until(
            lambda: c.http_status(c.LOOPBACK, rgw_port) == 200,
            timeout - (time.monotonic() - began),
            f"radosgw on port {rgw_port}",
            lambda: _rgw_failed(state),
        )
    except BaseException:
        stop(state)
        raise
    env = {
        "AWS_ENDPOINT_URL": f"http://{c.LOOPBACK}:{rgw_port}",
        "AWS_ACCESS_KEY_ID": keys["access"],
        "AWS_SECRET_ACCESS_KEY": keys["secret"],
        "AWS_DEFAULT_REGION": REGION,
        "AURORA_SERVER_NAME": NAME,
        "AURORA_SERVER_HOST": c.LOOPBACK,
        "AURORA_SERVER_PORT": str(rgw_port),
        "AURORA_SERVER_BOOT_SECONDS": "%.1f" % (time.monotonic() - began),
    }
    c.write_env(state / "env", env)
    return env


def stop(state: Path) -> None:
    """Stop every process of the cluster in `state`; a no-op when none runs."""
    mark = marker(state)
    for name, sig in DAEMONS:
        pid = c.read_pid(state / "run" / (name + ".pid"))
        if pid is not None:
            c.stop_pids([pid], mark, grace=10.0, sig=sig)
    # Anything else with our ceph.conf on its command line: a half-started daemon, a hung tool.
    c.stop_pids(c.pids_with_marker(mark), mark, grace=5.0)
    env = state / "env"
    if env.exists():
        env.unlink()


def status(state: Path) -> Optional[str]:
    """The endpoint when the cluster in `state` runs and answers, else None."""
    env_path = state / "env"
    if not env_path.exists():
        return None
    env = c.read_env(env_path)
    for name, _sig in DAEMONS:
        pid = c.read_pid(state / "run" / (name + ".pid"))
        if pid is None or not c.pid_alive(pid, marker(state)):
            return None
    if c.http_status(env["AURORA_SERVER_HOST"], int(env["AURORA_SERVER_PORT"]), timeout=c.STATUS_TIMEOUT) != 200:
        return None
    return str(env["AWS_ENDPOINT_URL"])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("start", "stop", "status", "check"))
    parser.add_argument("--dir", type=Path, default=Path(".run/rgw"), help="state folder (default .run/rgw)")
    parser.add_argument("--port", type=int, default=7480, help="preferred port; a free one if taken, 0 for any")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for readiness")
    parser.add_argument("--store-gib", type=float, default=4.0, help="memstore size in GiB (RAM, used lazily)")
    parser.add_argument("--debug-rgw", type=int, default=1, help="radosgw log level (20 shows signing details)")
    args = parser.parse_args(argv)
    state = args.dir.resolve()
    try:
        if args.command == "check":
            reason = unavailable_reason()
            print("rgw: " + (reason or "available"))
            return 1 if reason else 0
        if args.command == "start":
            env = start(state, args.port, args.timeout, args.store_gib, args.debug_rgw)
            print(
                "rgw: ready at {} in {} s (access key {}; env in {})".format(
                    env["AWS_ENDPOINT_URL"], env["AURORA_SERVER_BOOT_SECONDS"], env["AWS_ACCESS_KEY_ID"], state / "env"
                )
            )
            return 0
        if args.command == "stop":
            stop(state)
            print(f"rgw: stopped ({state})")
            return 0
        endpoint = status(state)
        print("rgw: " + ("running at " + endpoint if endpoint else "not running"))
        return 0 if endpoint else 1
    except (c.ServerError, OSError) as exc:
        print(f"rgw: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    sys.exit(main())
