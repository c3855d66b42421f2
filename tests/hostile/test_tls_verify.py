"""TLS off only on purpose: ``ex_verify`` takes True, False or a CA-bundle path, nothing else.

A falsy value that is not False (None, 0, "", an empty list...) used to turn certificate
checks off silently.  Against a loopback HTTPS server whose certificate comes from its
own CA (made with the ``openssl`` command), each such value must be refused before any
connection, True must refuse the unknown CA, and only False or the CA's path connect.
The CLI's ``--no-verify-ssl`` works and says so on standard error, in one line.
"""

from __future__ import annotations

import http.server
import os
import ssl
import threading
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from faults.support import make_certificates
from hostile.server import bounded

from aurora import Provider, get_driver
from aurora.cli.main import main as cli_main
from aurora.errors import InvalidArgumentError, TLSError

LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Owner><ID>o</ID><DisplayName>o</DisplayName></Owner>"
    b"<Buckets><Bucket><Name>tls-bucket</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets>"
    b"</ListAllMyBucketsResult>"
)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ca.pem`` and a certificate for localhost and 127.0.0.1 (``server.pem``/``server.key``) it signed."""
    return make_certificates(tmp_path_factory.mktemp("tls-verify"), {"server": "DNS:localhost,IP:127.0.0.1"})


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests: List[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(LISTING)))
        self.end_headers()
        self.wfile.write(LISTING)

    def log_message(self, *args: Any) -> None:
        pass


class _TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.handshakes = 0

    def get_request(self) -> Any:
        connection, address = self.socket.accept()
        self.handshakes += 1
        connection.settimeout(10)
        try:
            return self.context.wrap_socket(connection, server_side=True), address
        except (ssl.SSLError, OSError):
            connection.close()  # the client refused the certificate
            raise


@pytest.fixture
def server(certs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[_TLSServer]:
    for name in list(os.environ):
        if name.startswith("AWS_") or name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certs / "server.pem"), str(certs / "server.key"))  # PyPy: str paths only
    httpd = _TLSServer(context)
    _Handler.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


def make(server: _TLSServer, **kwargs: Any) -> Any:
    return get_driver(Provider.S3)(
        "AKIDTLS", "secret", secure=True, host="localhost", port=server.server_address[1], **kwargs
    )


@pytest.mark.parametrize("value", [None, 0, 0.0, "", [], {}, (), 1, b"/etc/ssl/ca.pem", object()], ids=repr)
def test_anything_but_true_false_or_a_path_is_refused(server: _TLSServer, value: Any) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        make(server, ex_verify=value)
    assert "ex_verify" in str(caught.value) and "only False" in str(caught.value)
    assert server.handshakes == 0


def test_verification_is_on_by_default_and_refuses_an_unknown_ca(server: _TLSServer) -> None:
    for driver in (make(server), make(server, ex_verify=True)):
        with pytest.raises(TLSError):
            driver.list_containers()
        driver.close()
    assert _Handler.requests == []


def test_the_ca_bundle_path_verifies_the_server(server: _TLSServer, certs: Path) -> None:
    for value in (str(certs / "ca.pem"), certs / "ca.pem"):
        driver = make(server, ex_verify=value)
        assert [container.name for container in driver.list_containers()] == ["tls-bucket"]
        driver.close()


@pytest.mark.parametrize("value", ["0", "false", "no-such-ca.pem"])
def test_a_string_is_a_ca_path_and_a_missing_one_is_refused(server: _TLSServer, value: str) -> None:
    with pytest.raises(InvalidArgumentError, match="cannot load the CA file"):
        make(server, ex_verify=value)
    assert server.handshakes == 0


def test_false_turns_verification_off_on_purpose(server: _TLSServer) -> None:
    driver = make(server, ex_verify=False)
    assert [container.name for container in driver.list_containers()] == ["tls-bucket"]
    driver.close()


def test_the_cli_warns_in_one_line_when_verification_is_off(
    server: _TLSServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTLS")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    endpoint = "https://localhost:%d" % server.server_address[1]
    assert cli_main(["--endpoint-url", endpoint, "--no-verify-ssl", "ls"]) == 0
    captured = capsys.readouterr()
    assert "tls-bucket" in captured.out
    warnings = captured.err.splitlines()
    assert len(warnings) == 1 and "--no-verify-ssl" in warnings[0] and "not checked" in warnings[0]


def test_the_cli_verifies_by_default(
    server: _TLSServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTLS")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    endpoint = "https://localhost:%d" % server.server_address[1]
    assert cli_main(["--endpoint-url", endpoint, "ls"]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1
    assert "--no-verify-ssl" not in captured.err


S3_FAMILY = [name for name in dir(Provider) if name.isupper() and name != "LOCAL"]


@pytest.mark.parametrize("provider", S3_FAMILY)
def test_every_s3_family_driver_refuses_a_falsy_ex_verify(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/nonexistent")
    key = "GOOG1EXAMPLEHMACACCESSID" if provider == "GOOGLE_STORAGE" else "AKIDTLS"
    with pytest.raises(InvalidArgumentError, match="ex_verify"):
        get_driver(getattr(Provider, provider))(key, "secret", host="127.0.0.1", ex_verify=None)


def test_a_fifo_as_ca_bundle_is_refused_without_waiting(server: _TLSServer, tmp_path: Path) -> None:
    fifo = tmp_path / "ca-fifo"
    os.mkfifo(fifo)
    with pytest.raises(InvalidArgumentError, match="not a regular file"):
        bounded(lambda: make(server, ex_verify=str(fifo)), 30.0)
    with pytest.raises(InvalidArgumentError, match="not a regular file"):
        bounded(lambda: make(server, ex_ca_cert=str(fifo)), 30.0)
