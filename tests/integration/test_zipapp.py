"""``dist/aurora.pyz``: built with the standard library's zipapp, run with nothing installed.

The archive is built once per session into a temporary folder and run with
``-I -S`` (no site-packages, no PYTHON* variables, no user folder), from a
folder outside the repository, by this interpreter and by PyPy when present.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]

INTERPRETERS = [sys.executable] + [path for path in [shutil.which("pypy3")] if path]


@pytest.fixture(scope="session")
def pyz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("zipapp") / "aurora.pyz"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_zipapp.py"), "--output", str(target)],
        check=True,
        capture_output=True,
    )
    return target


def environment(server: Any, home: Path) -> Dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_ENDPOINT_URL": server.endpoint_url,
    }


def run(argv: List[str], server: Any, work: Path) -> str:
    done = subprocess.run(argv, cwd=work, env=environment(server, work), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert server.secret_key.encode() not in done.stdout + done.stderr
    return done.stdout.decode()


def test_the_archive_holds_the_package_and_a_main(pyz: Path) -> None:
    import zipfile

    with zipfile.ZipFile(pyz) as archive:
        names = set(archive.namelist())
    assert {"__main__.py", "aurora/__init__.py", "aurora/cli/main.py", "aurora/py.typed"} <= names
    assert not [name for name in names if "__pycache__" in name]
    assert pyz.read_bytes().startswith(b"#!/usr/bin/env python3\n")


@pytest.mark.parametrize("python", INTERPRETERS, ids=[Path(path).name for path in INTERPRETERS])
def test_the_command_round_trips_a_file(
    pyz: Path, python: str, s3_server: Any, boto3_client: Any, bucket_name: str, tmp_path: Path
) -> None:
    aurora = [python, "-I", "-S", str(pyz)]
    sent = os.urandom(3000) + b"zipapp"
    (tmp_path / "sent.bin").write_bytes(sent)
    assert run(aurora + ["--version"], s3_server, tmp_path).startswith("aurora ")
    run(aurora + ["mb", "s3://%s" % bucket_name], s3_server, tmp_path)
    run(aurora + ["cp", "sent.bin", "s3://%s/dir/sent.bin" % bucket_name], s3_server, tmp_path)
    listed = run(aurora + ["ls", "s3://%s/dir/" % bucket_name], s3_server, tmp_path)
    assert listed.split()[-2:] == [str(len(sent)), "sent.bin"]
    run(aurora + ["cp", "s3://%s/dir/sent.bin" % bucket_name, "back.bin"], s3_server, tmp_path)
    assert (tmp_path / "back.bin").read_bytes() == sent
    assert boto3_client.get_object(Bucket=bucket_name, Key="dir/sent.bin")["Body"].read() == sent


@pytest.mark.parametrize("python", INTERPRETERS, ids=[Path(path).name for path in INTERPRETERS])
def test_the_package_imports_from_the_archive_on_sys_path(
    pyz: Path, python: str, s3_server: Any, boto3_client: Any, bucket_name: str, tmp_path: Path
) -> None:
    boto3_client.create_bucket(Bucket=bucket_name)
    boto3_client.put_object(Bucket=bucket_name, Key="k", Body=b"from the archive")
    script = (
        "import os, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import aurora\n"
        "from aurora import get_driver, Provider\n"
        "assert aurora.__file__.startswith(sys.argv[1]), aurora.__file__\n"
        "driver = get_driver(Provider.S3)(os.environ['AWS_ACCESS_KEY_ID'], os.environ['AWS_SECRET_ACCESS_KEY'],"
        " ex_endpoint_url=os.environ['AWS_ENDPOINT_URL'])\n"
        "obj = driver.get_object(sys.argv[2], 'k')\n"
        "print(obj.size, b''.join(driver.download_object_as_stream(obj)).decode())\n"
    )
    out = run([python, "-I", "-S", "-c", script, str(pyz), bucket_name], s3_server, tmp_path)
    assert out.strip() == "16 from the archive"
