"""The examples run as a user runs them: a plain interpreter, the repository on PYTHONPATH, a real RGW."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    "streaming_upload.py",
    "presigned_urls.py",
    "copy_objects.py",
    "migrating_from_libcloud.py",
    "browser_upload.py",
]


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_runs_against_rgw(script: str, s3_server: Any, tmp_path: Path, boto3_client: Any) -> None:
    if s3_server.name != "rgw":
        pytest.skip("the examples target the `make demo` server, Ceph RGW")
    before = {bucket["Name"] for bucket in boto3_client.list_buckets()["Buckets"]}
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "AWS_ENDPOINT_URL": s3_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert done.stderr == b""
    assert b"deleted" in done.stdout
    after = {bucket["Name"] for bucket in boto3_client.list_buckets()["Buckets"]}
    assert after - before == set()  # the example cleaned up its buckets
