"""Making a driver imports only what construction needs; the transfer engine, the XML models, the
socket, TLS and HTTP code and the standard modules only requests and transfers use are imported on
first use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[2]

DEFERRED = [
    "aurora.core.models",
    "aurora.core.xml",
    "aurora.core.xml_build",
    "aurora.s3.errors",
    "aurora.core.signing_v4",
    "aurora.core.signing_v2",
    "hashlib",
    "aurora.transfer.upload",
    "aurora.transfer.download",
    "aurora.transfer.copy",
    "aurora.transfer.workers",
    "xml.etree.ElementTree",
    "tempfile",
    "concurrent.futures",
    "mimetypes",
    "aurora.transport.wire",
    "aurora.transport.sockets",
    "socket",
    "ssl",
    "http.client",
    "email",
    "xml.parsers.expat",
    "json",
    "configparser",
    "logging",
    "urllib.parse",
    "ipaddress",
]

DRIVERS = {
    "S3_RGW": "get_driver(Provider.S3_RGW)('key', 'secret', host='127.0.0.1', port=8000, secure=False)",
    "S3": "get_driver(Provider.S3)('key', 'secret', region='eu-west-1')",
    "LOCAL": "get_driver(Provider.LOCAL)(sys.argv[1])",
}


def modules_after(code: str, *argv: str) -> List[str]:
    """The modules loaded by ``code`` run in a fresh interpreter (``-S``: no site hooks of the machine)."""
    script = code + "\nimport sys\nloaded = sorted(sys.modules)\nimport json\nprint(json.dumps(loaded))\n"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTHON"))}
    env["PYTHONPATH"] = str(ROOT)
    env["HOME"] = str(ROOT / "tests")  # no ~/.aws files of the machine's user
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, *argv], env=env, cwd=str(ROOT), capture_output=True, text=True, check=True
    )
    loaded: List[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("provider", sorted(DRIVERS))
def test_constructing_a_driver_defers_transfers_xml_sockets_and_tls(provider: str, tmp_path: Path) -> None:
    loaded = modules_after("import sys\nfrom aurora import get_driver, Provider\n" + DRIVERS[provider], str(tmp_path))
    if provider != "LOCAL":
        assert "aurora.drivers.s3" in loaded and "aurora.s3.client" in loaded
        assert "aurora.transport.connection" in loaded
    assert [name for name in DEFERRED if name in loaded] == []


def test_the_first_client_request_parses_with_the_deferred_modules() -> None:
    loaded = modules_after(
        "from aurora.s3.client import S3Client\n"
        "from aurora.transport.response import Response\n"
        "class Answer:\n"
        "    def send(self, *args, **kwargs):\n"
        "        return Response(200, 'OK', {}, b'<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>')\n"
        "from aurora.core.credentials import Credentials\n"
        "client = S3Client(Answer(), Credentials('key', 'secret'), host_header='s3.example.com')\n"
        "assert client.list_buckets() == ()\n"
    )
    for name in ("aurora.core.xml", "aurora.core.models", "xml.etree.ElementTree"):
        assert name in loaded, name


def test_the_first_transfer_imports_what_it_needs() -> None:
    loaded = modules_after(
        "import aurora.transfer\n"
        "from aurora.transfer import upload_file, iter_object\n"
        "from aurora.transfer.workers import PartRunner\n"
        "with PartRunner(1) as runner:\n"
        "    runner.submit(len, b'abc')\n"
        "    assert runner.results() == [3]\n"
    )
    for name in ("aurora.transfer.upload", "aurora.transfer.download", "concurrent.futures"):
        assert name in loaded, name


def test_the_transfer_package_names_resolve_lazily() -> None:
    import aurora.transfer as transfer
    from aurora.transfer.download import download_file
    from aurora.transfer.upload import UploadResult

    assert transfer.download_file is download_file and transfer.UploadResult is UploadResult
    assert sorted(transfer.__all__) == sorted(
        ["Progress", "UploadResult", "upload_file", "upload_stream", "download_file", "iter_object"]
    )
    with pytest.raises(AttributeError, match="no_such_name"):
        transfer.no_such_name  # noqa: B018
