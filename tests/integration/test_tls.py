"""TLS verification against RGW behind a loopback TLS-terminating forwarder with its own CA.

The forwarder is the fault proxy with a server-side ``ssl`` context; the CA and
the server certificates are made with the ``openssl`` command (Debian package
``openssl``) into a temporary folder.  Results are checked on RGW directly.
"""

from __future__ import annotations

import ssl
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest
from faults.proxy import FaultProxy
from faults.support import make_certificates, make_driver, object_bytes, rgw_only

import aurora
from aurora.drivers.s3 import BaseS3StorageDriver
from aurora.errors import TLSError

pytestmark = rgw_only()

CERTS = {"localhost": "DNS:localhost", "ip": "IP:127.0.0.1"}


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA (``ca.pem``) and two server certificates it signed: ``localhost`` and ``ip`` (127.0.0.1)."""
    return make_certificates(tmp_path_factory.mktemp("tls"), CERTS)


@pytest.fixture
def tls_forwarder(s3_server: Any, certs: Path) -> Iterator[Callable[[str], FaultProxy]]:
    """``tls_forwarder("localhost" | "ip")``: a TLS endpoint on 127.0.0.1 presenting that certificate."""
    started: List[FaultProxy] = []

    def start(cert: str) -> FaultProxy:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certs / f"{cert}.pem"), str(certs / f"{cert}.key"))  # PyPy: str paths
        forwarder = FaultProxy(s3_server.host, s3_server.port, tls=context, timeout=10.0)
        started.append(forwarder)
        return forwarder

    yield start
    for forwarder in started:
        forwarder.close()


@pytest.fixture
def bucket(bucket_name: str, boto3_client: Any) -> str:
    boto3_client.create_bucket(Bucket=bucket_name)
    return bucket_name


def tls_driver(s3_server: Any, host: str, forwarder: FaultProxy, **kwargs: Any) -> BaseS3StorageDriver:
    return make_driver(s3_server, host, forwarder.port, secure=True, **kwargs)


def round_trip(driver: BaseS3StorageDriver, bucket: str, boto3_client: Any, key: str) -> None:
    container = driver.get_container(bucket)
    obj = driver.upload_object_via_stream(iter([b"over TLS: ", key.encode()]), container, key)
    assert b"".join(driver.download_object_as_stream(obj)) == b"over TLS: " + key.encode()
    assert object_bytes(boto3_client, bucket, key) == b"over TLS: " + key.encode()


def assert_refused(forwarder: FaultProxy, call: Callable[[], Any]) -> TLSError:
    with pytest.raises(TLSError) as caught:
        call()
    assert forwarder.seen() == []  # no request went over the untrusted connection
    assert forwarder.connections == 1  # and a verification failure is not retried
    assert isinstance(caught.value, aurora.TransportError)
    return caught.value


def test_untrusted_certificate_is_refused_by_default(
    s3_server: Any, tls_forwarder: Callable[[str], FaultProxy], bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    forwarder = tls_forwarder("localhost")
    with closing(tls_driver(s3_server, "localhost", forwarder)) as driver:
        error = assert_refused(forwarder, lambda: driver.get_container(bucket))
    assert "certificate" in str(error).lower()


def test_accepted_with_ex_ca_cert(
    s3_server: Any, tls_forwarder: Callable[[str], FaultProxy], certs: Path, bucket: str, boto3_client: Any
) -> None:
    forwarder = tls_forwarder("localhost")
    with closing(tls_driver(s3_server, "localhost", forwarder, ex_ca_cert=str(certs / "ca.pem"))) as driver:
        round_trip(driver, bucket, boto3_client, "ex-ca-cert")
    assert forwarder.handshake_failures == 0 and forwarder.connections == 1  # one kept-alive TLS connection


def test_accepted_with_aws_ca_bundle(
    s3_server: Any,
    tls_forwarder: Callable[[str], FaultProxy],
    certs: Path,
    bucket: str,
    boto3_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(certs / "ca.pem"))
    forwarder = tls_forwarder("ip")
    with closing(tls_driver(s3_server, "127.0.0.1", forwarder)) as driver:
        round_trip(driver, bucket, boto3_client, "aws-ca-bundle")
    assert forwarder.handshake_failures == 0


@pytest.mark.parametrize(
    "cert, host",
    [("localhost", "127.0.0.1"), ("ip", "localhost")],
    ids=["localhost-cert-via-ip", "ip-cert-via-localhost"],
)
def test_hostname_mismatch_is_refused(
    s3_server: Any, tls_forwarder: Callable[[str], FaultProxy], certs: Path, bucket: str, cert: str, host: str
) -> None:
    forwarder = tls_forwarder(cert)
    with closing(tls_driver(s3_server, host, forwarder, ex_ca_cert=str(certs / "ca.pem"))) as driver:
        error = assert_refused(forwarder, lambda: driver.get_container(bucket))
    assert "mismatch" in str(error).lower() or "hostname" in str(error).lower()


def test_hostname_mismatch_is_refused_even_with_aws_ca_bundle(
    s3_server: Any,
    tls_forwarder: Callable[[str], FaultProxy],
    certs: Path,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(certs / "ca.pem"))
    forwarder = tls_forwarder("localhost")
    with closing(tls_driver(s3_server, "127.0.0.1", forwarder)) as driver:
        assert_refused(forwarder, lambda: driver.get_container(bucket))


def test_uploads_are_refused_before_any_byte_of_the_body(
    s3_server: Any,
    tls_forwarder: Callable[[str], FaultProxy],
    bucket: str,
    boto3_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    forwarder = tls_forwarder("localhost")
    with closing(tls_driver(s3_server, "localhost", forwarder)) as driver:
        container = aurora.Container(bucket, {}, driver)
        assert_refused(forwarder, lambda: driver.upload_object_via_stream(iter([b"secret data"]), container, "k"))
    assert object_bytes(boto3_client, bucket, "k") is None


@pytest.mark.parametrize(
    "cert, host", [("localhost", "127.0.0.1"), ("ip", "127.0.0.1")], ids=["untrusted-and-mismatched", "untrusted"]
)
def test_ex_verify_false_accepts_any_certificate(
    s3_server: Any,
    tls_forwarder: Callable[[str], FaultProxy],
    bucket: str,
    boto3_client: Any,
    monkeypatch: pytest.MonkeyPatch,
    cert: str,
    host: str,
) -> None:
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    forwarder = tls_forwarder(cert)
    with closing(tls_driver(s3_server, host, forwarder, ex_verify=False)) as driver:
        round_trip(driver, bucket, boto3_client, "unverified-" + cert)
    assert forwarder.handshake_failures == 0


def test_many_small_uploads_at_once_over_tls(
    s3_server: Any,
    tls_forwarder: Callable[[str], FaultProxy],
    certs: Path,
    bucket: str,
    boto3_client: Any,
    tmp_path: Path,
) -> None:
    """ex_upload_objects drives non-blocking TLS sockets (want-read/want-write, pending bytes) on one thread."""
    forwarder = tls_forwarder("localhost")
    files = []
    for index in range(24):
        path = tmp_path / ("f%02d.bin" % index)
        path.write_bytes(bytes([index]) * (1000 + 5000 * index))
        files.append((str(path), "tls-many/f%02d.bin" % index))
    with closing(tls_driver(s3_server, "localhost", forwarder, ex_ca_cert=str(certs / "ca.pem"))) as driver:
        container = driver.get_container(bucket)
        outcomes = list(driver.ex_upload_objects(iter(files), container, ex_jobs=6))
    assert sorted(name for _, name, _ in outcomes) == sorted(name for _, name in files)
    assert all(isinstance(outcome, aurora.Object) for _, _, outcome in outcomes), outcomes
    for file_path, name in files:
        assert object_bytes(boto3_client, bucket, name) == Path(file_path).read_bytes()
    assert forwarder.handshake_failures == 0 and 1 < forwarder.connections <= 6
