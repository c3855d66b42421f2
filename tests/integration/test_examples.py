"""Every example in examples/ runs as a user runs it: a plain interpreter, the repository on
PYTHONPATH, the `make demo` server (a real RGW) in the AWS environment variables.

The local driver's example needs no server and runs with no AWS setting at all. Each server
example prints `deleted bucket NAME` for every bucket it made; the test checks those are gone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCAL_EXAMPLE = "local_driver.py"
SERVER_EXAMPLES = sorted(path.name for path in (ROOT / "examples").glob("*.py") if path.name != LOCAL_EXAMPLE)
DELETED = re.compile(rb"^deleted (?:bucket |container )?(\S+)$", re.MULTILINE)


def run_example(script: str, env: Dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("script", SERVER_EXAMPLES)
def test_example_runs_against_rgw(script: str, s3_server: Any, tmp_path: Path, boto3_client: Any) -> None:
    if s3_server.name != "rgw":
        pytest.skip("the examples target the `make demo` server, Ceph RGW")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "AWS_ENDPOINT_URL": s3_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
    }
    done = run_example(script, env, tmp_path)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert done.stderr == b""
    deleted: List[str] = [name.decode() for name in DELETED.findall(done.stdout)]
    assert deleted, "the example reported no bucket it deleted:\n" + done.stdout.decode()
    remaining = {bucket["Name"] for bucket in boto3_client.list_buckets()["Buckets"]}
    assert remaining & set(deleted) == set()  # the example cleaned up its buckets


def test_the_local_example_needs_no_server_and_no_setting(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    done = run_example(LOCAL_EXAMPLE, env, tmp_path)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert done.stderr == b""
    assert done.stdout.splitlines()[-1] == b"containers left: []"
