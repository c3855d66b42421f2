"""Helpers shared by the fault tier and the hostile-input, TLS, secrets and load tests.

Import as ``from faults.support import ...`` (``tests/`` is on ``sys.path`` once
``tests/conftest.py`` is loaded).
"""

from __future__ import annotations

import functools
import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional

import pytest

from aurora import Provider, get_driver
from aurora.config import Config, MiB, RetryPolicy, Timeouts, TransferConfig
from aurora.drivers.s3 import BaseS3StorageDriver

__all__ = [
    "rgw_only",
    "rgw_param",
    "FAST_RETRY",
    "fast_config",
    "make_driver",
    "payload",
    "chunks",
    "pending_uploads",
    "object_bytes",
    "object_keys",
    "fill_bucket",
    "leftovers",
    "remove_bucket",
    "make_certificates",
]

SERVERS_DIR = Path(__file__).resolve().parent.parent / "servers"

FAST_RETRY = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05)
"""Four attempts with waits of at most 50 ms: faults stay cheap to retry."""


@functools.cache
def _rgw_unavailable() -> Optional[str]:
    """Why RGW cannot run here, or None (an env file from ``make test`` counts as running)."""
    if os.environ.get("AURORA_TEST_RGW_ENV"):
        return None
    done = subprocess.run(
        [sys.executable, str(SERVERS_DIR / "rgw.py"), "check"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return None if done.returncode == 0 else (done.stdout.strip() or "its check failed")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def rgw_param() -> Any:
    """The ``s3_server`` parameter for RGW: left out with its reason where RGW cannot run
    (as ``tests/conftest.py`` does), required under CI."""
    reason = _rgw_unavailable()
    if reason and not _in_ci():
        return pytest.param("rgw", id="rgw", marks=[pytest.mark.rgw, pytest.mark.skip(reason="rgw: " + reason)])
    return pytest.param("rgw", id="rgw", marks=pytest.mark.rgw)


def rgw_only() -> pytest.MarkDecorator:
    """``pytestmark = rgw_only()``: every test of the module runs against Ceph RGW only."""
    return pytest.mark.parametrize("s3_server", [rgw_param()], indirect=True)


def fast_config(read_timeout: float = 5.0, retry: RetryPolicy = FAST_RETRY, **transfer: Any) -> Config:
    """Small parts (5 MiB, multipart above 5 MiB), two workers, short timeouts, fast retries."""
    settings: Dict[str, Any] = {"part_size": 5 * MiB, "multipart_threshold": 5 * MiB, "max_concurrency": 2}
    settings.update(transfer)
    return Config(
        transfer=TransferConfig(**settings),
        timeouts=Timeouts(connect=5.0, read=read_timeout),
        retry=retry,
    )


def make_driver(
    server: Any, host: str, port: int, config: Optional[Config] = None, signature_version: str = "4", **kwargs: Any
) -> BaseS3StorageDriver:
    """An aurora driver with ``server``'s credentials talking to ``host:port`` (plain HTTP unless told)."""
    cls = get_driver(Provider.AURORAOBJECTS) if server.name == "rgw" else get_driver(Provider.S3)
    kwargs.setdefault("secure", False)
    driver = cls(
        server.access_key,
        server.secret_key,
        host=host,
        port=port,
        region=server.region,
        signature_version=signature_version,
        ex_config=config or fast_config(),
        **kwargs,
    )
    assert isinstance(driver, BaseS3StorageDriver)
    return driver


@functools.lru_cache(maxsize=8)
def payload(size: int, seed: int = 0) -> bytes:
    """``size`` deterministic pseudo-random bytes, different for each seed."""
    return random.Random(seed).randbytes(size)


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def pending_uploads(boto3_client: Any, bucket: str) -> List[str]:
    """Keys of the multipart uploads still open in ``bucket``, as the server reports them."""
    return [upload["Key"] for upload in boto3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


def object_bytes(boto3_client: Any, bucket: str, key: str) -> Optional[bytes]:
    """The object's bytes straight from the server, or None when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        return bytes(boto3_client.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise


def object_keys(boto3_client: Any, bucket: str, prefix: str = "") -> List[str]:
    """Every key in ``bucket`` under ``prefix``, straight from the server."""
    keys: List[str] = []
    for page in boto3_client.get_paginator("list_objects").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def fill_bucket(boto3_client: Any, bucket: str, keys: Iterable[str], threads: int = 16) -> None:
    """PUT a small object (its key as body) under each key, in parallel."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda key: boto3_client.put_object(Bucket=bucket, Key=key, Body=key.encode()), keys))


def leftovers(directory: Path) -> List[str]:
    """Every entry under ``directory`` (temporary files included), relative, sorted."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def remove_bucket(driver: BaseS3StorageDriver, bucket: str) -> bool:
    """Abort the uploads, delete the objects and then ``bucket``; False if it did not exist.

    Cleanup only (checks use boto3): aurora's client is used because it answers
    in a few milliseconds where each boto3 call against RGW costs ~50 ms.
    """
    from aurora.errors import NoSuchBucket

    client = driver.client
    try:
        for _ in range(100):
            uploads = client.list_multipart_uploads(bucket).uploads
            for upload in uploads:
                client.abort_multipart_upload(bucket, upload.key, upload.upload_id)
            keys = [info.key for info in client.list_objects(bucket).objects]
            if keys:
                client.delete_objects(bucket, keys)
            if not uploads and not keys:
                break
        client.delete_bucket(bucket)
    except NoSuchBucket:
        return False
    return True


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(root: Path, sans: Dict[str, str]) -> Path:
    """A CA (``root/ca.pem``) and, for each ``name: subjectAltName``, ``NAME.pem``/``NAME.key`` it signed.

    Uses the ``openssl`` command (Debian package ``openssl``): skips without it, fails under CI.
    """
    if shutil.which("openssl") is None:
        message = "the openssl command is missing (Debian package: openssl)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=aurora test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=root)  # fmt: skip
    for name, san in sans.items():
        (root / f"{name}.ext").write_text(
            f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
            "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
        )
        _openssl("req", *curve, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=root)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=root)  # fmt: skip
    return root
