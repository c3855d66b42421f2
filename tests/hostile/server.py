"""A crafted S3 server on loopback that answers whatever a test tells it to.

A test gives :class:`HostileServer` a function from :class:`Request` to
:class:`Reply`; the server sends that reply byte for byte (any status, any
reason phrase, any header value, any body), so a test can lie in every way a
broken or hostile S3 endpoint could.  Every request is recorded.  Past
``max_requests`` the server answers 599 and counts the overflow, so a client
caught in a loop fails instead of running on; :func:`bounded` and
:func:`run_cli` add a wall-clock limit for the same reason.

The page builders (:func:`list_v2_page`, :func:`list_v1_page`,
:func:`uploads_page`, :func:`parts_page`) write the listing bodies S3 sends,
with whatever tokens and markers the test chooses.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

from aurora.config import Config, RetryPolicy, Timeouts
from aurora.drivers.s3 import S3StorageDriver

__all__ = [
    "Request",
    "Reply",
    "HostileServer",
    "bounded",
    "run_cli",
    "make_driver",
    "list_v2_page",
    "list_v1_page",
    "uploads_page",
    "parts_page",
    "xml_reply",
    "ACCESS_KEY",
    "SECRET_KEY",
    "LOOP_LIMIT",
]

ACCESS_KEY = "AKIDHOSTILE"
SECRET_KEY = "hostile-secret"
LOOP_LIMIT = 200
"""Requests a test server answers before it answers 599: far more than any test needs."""
ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Request:
    """One request as the server saw it (``path`` unquoted, without the query)."""

    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes

    @property
    def bucket(self) -> str:
        return self.path.lstrip("/").split("/", 1)[0]

    @property
    def key(self) -> str:
        parts = self.path.lstrip("/").split("/", 1)
        return parts[1] if len(parts) > 1 else ""


@dataclasses.dataclass(frozen=True)
class Reply:
    """What to send: ``reason`` and header values go out as given (latin-1), controls included."""

    status: int = 200
    body: bytes = b""
    headers: Sequence[Tuple[str, str]] = ()
    reason: Optional[str] = None


Answer = Callable[[Request], Reply]


def xml_reply(body: str, status: int = 200) -> Reply:
    return Reply(status, body.encode("utf-8"), (("Content-Type", "application/xml"),))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            self.command,
            unquote(parts.path),
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            {name.lower(): value for name, value in self.headers.items()},
            self.rfile.read(length) if length else b"",
        )
        reply = self.server.owner.answer_to(request)
        self.send_response_only(reply.status, reply.reason)
        names = {name.lower() for name, _ in reply.headers}
        for name, value in reply.headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HostileServer


class HostileServer:
    """A loopback HTTP server answering each request with ``answer(request)``.

    Use as a context manager, or through the ``hostile_server`` fixture (which
    starts it with an answer of 404 and lets the test set :attr:`answer`).
    """

    def __init__(self, answer: Optional[Answer] = None, max_requests: int = LOOP_LIMIT) -> None:
        self.answer: Answer = answer or (lambda request: Reply(404, b"", reason="Not Found"))
        self.max_requests = max_requests
        self.requests: List[Request] = []
        self.overflow = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.host, self.port = "127.0.0.1", self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostile-server", daemon=True)

    @property
    def endpoint_url(self) -> str:
        return "http://%s:%d" % (self.host, self.port)

    def answer_to(self, request: Request) -> Reply:
        with self._lock:
            if len(self.requests) >= self.max_requests:
                self.overflow += 1
                return Reply(599, b"", reason="Too Many Requests For A Test")
            self.requests.append(request)
        return self.answer(request)

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def make_driver(server: HostileServer, **kwargs: Any) -> S3StorageDriver:
    """An S3 driver for ``server``: plain HTTP, short timeouts, no retries (a lie is not retried away)."""
    config = Config(timeouts=Timeouts(connect=5.0, read=10.0), retry=RetryPolicy(max_attempts=1))
    return S3StorageDriver(
        ACCESS_KEY, SECRET_KEY, secure=False, host=server.host, port=server.port, ex_config=config, **kwargs
    )


def bounded(call: Callable[[], T], seconds: float = 30.0) -> T:
    """``call()``'s result or exception; fails the test if it has not returned within ``seconds``."""
    outcome: Dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, name="bounded-call", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError("still running after %s s: a loop the client should have ended" % seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def run_cli(
    server: HostileServer, *args: str, cwd: Optional[str] = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[bytes]:
    """``python -m aurora ARGS`` against ``server`` with nothing from the user's own AWS files; raw bytes out."""
    home = cwd or str(ROOT)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C.UTF-8",  # file names are UTF-8 whatever the runtime's default (PyPy's is ASCII)
        "HOME": os.path.join(home, ".no-home") if cwd else "/nonexistent",
        "PYTHONPATH": str(ROOT),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = [sys.executable, "-m", "aurora", "--endpoint-url", server.endpoint_url, *args]
    return subprocess.run(command, cwd=cwd or str(ROOT), env=env, capture_output=True, timeout=timeout, check=False)


# -- listing bodies ------------------------------------------------------------------------

_CONTENTS = (
    "<Contents><Key>%s</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
    "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>%d</Size>"
    "<StorageClass>STANDARD</StorageClass></Contents>"
)


def _keys_xml(keys: Sequence[str], url_encoded: bool, size: int = 0) -> str:
    return "".join(_CONTENTS % (escape(quote(key, safe="/") if url_encoded else key), size) for key in keys)


def _prefixes_xml(prefixes: Sequence[str]) -> str:
    return "".join("<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>" % escape(p) for p in prefixes)


def list_v2_page(
    keys: Sequence[str],
    token: Optional[str] = None,
    truncated: Optional[bool] = None,
    prefixes: Sequence[str] = (),
    url_encoded: bool = False,
    size: int = 0,
) -> str:
    """A ListObjectsV2 page; truncated when it names a ``token`` unless told otherwise."""
    more = token is not None if truncated is None else truncated
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix></Prefix>'
        "<KeyCount>%d</KeyCount><MaxKeys>1000</MaxKeys>%s<IsTruncated>%s</IsTruncated>%s%s%s</ListBucketResult>"
        % (
            len(keys) + len(prefixes),
            "<EncodingType>url</EncodingType>" if url_encoded else "",
            "true" if more else "false",
            "" if token is None else "<NextContinuationToken>%s</NextContinuationToken>" % escape(token),
            _keys_xml(keys, url_encoded, size),
            _prefixes_xml(prefixes),
        )
    )


def list_v1_page(
    keys: Sequence[str],
    next_marker: Optional[str] = None,
    truncated: Optional[bool] = None,
    prefixes: Sequence[str] = (),
) -> str:
    """A ListObjects (V1) page: no KeyCount, so the driver lists with V1 from then on."""
    more = next_marker is not None if truncated is None else truncated
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix></Prefix>'
        "<Marker></Marker><MaxKeys>1000</MaxKeys><IsTruncated>%s</IsTruncated>%s%s%s</ListBucketResult>"
        % (
            "true" if more else "false",
            "" if next_marker is None else "<NextMarker>%s</NextMarker>" % escape(next_marker),
            _keys_xml(keys, False),
            _prefixes_xml(prefixes),
        )
    )


def uploads_page(
    uploads: Sequence[Tuple[str, str]], next_key: Optional[str] = None, next_upload_id: Optional[str] = None
) -> str:
    """A ListMultipartUploads page of (key, upload id); truncated when it names a next marker."""
    more = next_key is not None or next_upload_id is not None
    items = "".join(
        "<Upload><Key>%s</Key><UploadId>%s</UploadId><Initiated>2026-01-01T00:00:00.000Z</Initiated></Upload>"
        % (escape(key), escape(upload_id))
        for key, upload_id in uploads
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>bkt</Bucket>'
        "<IsTruncated>%s</IsTruncated>%s%s%s</ListMultipartUploadsResult>"
        % (
            "true" if more else "false",
            "" if next_key is None else "<NextKeyMarker>%s</NextKeyMarker>" % escape(next_key),
            "" if next_upload_id is None else "<NextUploadIdMarker>%s</NextUploadIdMarker>" % escape(next_upload_id),
            items,
        )
    )


def parts_page(numbers: Sequence[int], next_marker: Optional[int] = None) -> str:
    """A ListParts page; truncated when it names a next part number marker."""
    items = "".join(
        "<Part><PartNumber>%d</PartNumber><ETag>&quot;etag-%d&quot;</ETag><Size>5242880</Size></Part>" % (n, n)
        for n in numbers
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>bkt</Bucket><Key>k</Key>'
        "<UploadId>u</UploadId><IsTruncated>%s</IsTruncated>%s%s</ListPartsResult>"
        % (
            "false" if next_marker is None else "true",
            "" if next_marker is None else "<NextPartNumberMarker>%d</NextPartNumberMarker>" % next_marker,
            items,
        )
    )
