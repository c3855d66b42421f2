"""A server that stops answering costs a call at most its configured timeouts.

A private Ceph RGW (its own state folder and ports, stopped after the module) gets a
deliberately tiny in-memory store, filled past 5% of it (the full ratio, lowered) and then
left until RADOS's health reports the OSD full.
From then on RGW takes every write and accepts the connection but never answers:
the state in which ``make soak`` used to freeze.  Each library call must end, with
success or an aurora error, and each write with :class:`ReadTimeout` after its
attempts; the CLI prints one line and exits 1.  Every call runs under a deadline well
above its configured bound, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
from hostile.server import bounded

from aurora import Provider, get_driver
from aurora.config import Config, MiB, RetryPolicy, Timeouts
from aurora.drivers.s3 import BaseS3StorageDriver
from aurora.errors import AuroraError, ReadTimeout

ROOT = Path(__file__).resolve().parents[2]
RGW = ROOT / "tests" / "servers" / "rgw.py"
TIMEOUTS = Timeouts(connect=2.0, read=2.0)
RETRY = RetryPolicy(max_attempts=2, backoff_base=0.05, backoff_max=0.2)
# What one call may cost at most: every attempt waits its timeouts, plus the backoff.
CALL_BOUND = RETRY.max_attempts * (TIMEOUTS.connect + TIMEOUTS.read) + RETRY.max_attempts * RETRY.backoff_max
DEADLINE = 4 * CALL_BOUND  # the hang guard: far above the bound, far below "for ever"
STORE_GIB = 0.125
FILL_OBJECT = 4 * MiB
FULL_WAIT = 120.0  # seconds for RADOS to mark the OSD full once the store is past its ratio


def _rgw_unavailable() -> str:
    done = subprocess.run([sys.executable, str(RGW), "check"], capture_output=True, text=True, timeout=120, check=False)
    return "" if done.returncode == 0 else done.stdout.strip()


@pytest.fixture(scope="module")
def full_rgw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    """The env values of a private RGW whose memstore is full; stopped after the module."""
    reason = _rgw_unavailable()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("RGW is required under CI: " + reason, pytrace=False)
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("tiny-rgw")
    start = [sys.executable, str(RGW), "start", "--dir", str(state), "--port", "0", "--store-gib", str(STORE_GIB)]
    subprocess.run(start, check=True, capture_output=True, timeout=180)
    try:
        env = dict(line.split("=", 1) for line in (state / "env").read_text().splitlines() if "=" in line)
        _lower_full_ratios(state)
        _fill(_driver(env), state)
        yield env
    finally:
        subprocess.run([sys.executable, str(RGW), "stop", "--dir", str(state)], capture_output=True, timeout=120)
        shutil.rmtree(state, ignore_errors=True)


def _lower_full_ratios(state: Path) -> None:
    """Mark the OSD full at 5% of its store, so the fill does not race the OSD's late reports."""
    ratios = (("set-nearfull-ratio", "0.03"), ("set-backfillfull-ratio", "0.04"), ("set-full-ratio", "0.05"))
    for command, ratio in ratios:
        ceph = ["ceph", "-c", str(state / "ceph.conf"), "--connect-timeout", "30", "osd", command, ratio]
        subprocess.run(ceph, check=True, capture_output=True, timeout=60)


def _driver(env: Dict[str, str]) -> BaseS3StorageDriver:
    host, port = env["AURORA_SERVER_HOST"], int(env["AURORA_SERVER_PORT"])
    config = Config(timeouts=TIMEOUTS, retry=RETRY)
    driver = get_driver(Provider.S3)(
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], secure=False, host=host, port=port, ex_config=config
    )
    assert isinstance(driver, BaseS3StorageDriver)
    return driver


def _fill(driver: BaseS3StorageDriver, state: Path) -> None:
    """Objects into the bucket ``full`` past the full ratio, then wait until RADOS says the OSD is full.

    Writing on until a write hangs raced the OSD's late usage reports (on a fast machine
    hundreds of MiB went in first); waiting for the health check does not.
    """
    container = driver.create_container("full")
    blob = os.urandom(FILL_OBJECT)
    past_full = int(0.05 * STORE_GIB * 1024 * MiB / FILL_OBJECT) + 2  # 5% of the store, and two objects more
    for index in range(past_full):
        key = "fill/%04d" % index
        try:
            bounded(functools.partial(driver.upload_object_via_stream, iter([blob]), container, key), DEADLINE)
        except ReadTimeout:
            return  # full already
    deadline = time.monotonic() + FULL_WAIT
    while not _osd_full(state):
        if time.monotonic() > deadline:
            raise AssertionError("the OSD was not marked full %.0f s after the store passed its full ratio" % FULL_WAIT)
        time.sleep(1.0)


def _osd_full(state: Path) -> bool:
    """Whether the cluster's health reports OSD_FULL."""
    ceph = ["ceph", "-c", str(state / "ceph.conf"), "--connect-timeout", "30", "health", "--format", "json"]
    done = subprocess.run(ceph, capture_output=True, text=True, timeout=60, check=True)
    return "OSD_FULL" in json.loads(done.stdout).get("checks", {})


def _calls(driver: BaseS3StorageDriver, tmp_path: Path) -> List[Tuple[str, bool, Callable[[], Any]]]:
    """(name, is_a_write, call) for one operation of each kind against the full server."""
    container = driver.get_container("full")
    source = tmp_path / "six-mib"
    source.write_bytes(os.urandom(6 * MiB))
    return [
        ("put", True, lambda: driver.upload_object_via_stream(iter([b"x"]), container, "small")),
        ("multipart", True, lambda: driver.upload_object(str(source), container, "big")),
        ("delete", True, lambda: driver.delete_object(driver.get_object("full", "fill/0000"))),
        ("create bucket", True, lambda: driver.create_container("another")),
        ("head", False, lambda: driver.get_object("full", "fill/0001")),
        ("get", False, lambda: len(b"".join(driver.download_object_as_stream(driver.get_object("full", "fill/0001"))))),
        ("list", False, lambda: len(driver.list_container_objects(container))),
        ("buckets", False, lambda: driver.list_containers()),
    ]


def test_every_call_ends_within_its_timeouts_in_an_aurora_error_or_a_result(
    full_rgw: Dict[str, str], tmp_path: Path
) -> None:
    driver = _driver(full_rgw)
    outcomes: Dict[str, str] = {}
    for name, is_write, call in _calls(driver, tmp_path):
        try:
            bounded(call, DEADLINE)
        except AuroraError as error:
            outcomes[name] = type(error).__name__
            assert "attempts=%d" % RETRY.max_attempts in str(error) or not isinstance(error, ReadTimeout), error
        else:
            outcomes[name] = "ok"
        if is_write:
            assert outcomes[name] == "ReadTimeout", outcomes
    driver.close()
    print("calls against the full server: %s" % outcomes)


def test_the_cli_prints_one_line_and_exits_1(full_rgw: Dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "file"
    source.write_bytes(b"payload")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "AWS_ACCESS_KEY_ID": full_rgw["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": full_rgw["AWS_SECRET_ACCESS_KEY"],
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    timeouts = ["--cli-connect-timeout", "2", "--cli-read-timeout", "2"]
    for args in (["cp", str(source), "s3://full/from-cli"], ["rm", "s3://full/fill/0002"]):
        command = [sys.executable, "-m", "aurora", "--endpoint-url", full_rgw["AWS_ENDPOINT_URL"], *timeouts, *args]
        # The CLI keeps the default 5 attempts: 5 x 2 s of reads plus backoff, under the guard.
        done = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
        assert done.returncode == 1, done
        lines = done.stderr.decode().splitlines()
        assert len(lines) == 1 and lines[0].startswith("aurora: ") and "timeout" in lines[0].lower(), lines
