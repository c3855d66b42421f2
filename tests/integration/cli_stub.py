"""A small S3 stand-in for the CLI's concurrency tests: it counts requests in progress.

It keeps no objects: a PUT is read and acknowledged (after ``delay`` seconds,
so requests overlap), a key containing ``refused`` is answered 403
AccessDenied, a GET serves ``object_size`` bytes of ``b"x"`` (``chunk_delay``
between 4 KiB pieces, to keep a download going), and a listing names
``listed`` synthetic keys ``<prefix>k0000000``... generated page by page (both
ListObjects versions), so a listing of any length costs the stub nothing.
"""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Tuple

PAGE = 1000


class Stub:
    """The stub's settings and counters (shared by its handler threads)."""

    def __init__(self) -> None:
        self.delay = 0.05
        self.chunk_delay = 0.0
        self.object_size = 4096
        self.listed = 0
        self.prefix = ""
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.requests: List[Tuple[str, str]] = []

    def enter(self, method: str, path: str) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.requests.append((method, path))

    def leave(self) -> None:
        with self.lock:
            self.active -= 1

    def listing_page(self, query: Dict[str, str]) -> bytes:
        """One page of the synthetic listing, after the marker or continuation token."""
        v2 = query.get("list-type") == "2"
        after = query.get("continuation-token") or query.get("start-after") or query.get("marker") or ""
        start = int(after[len(self.prefix) + 1 :]) + 1 if after else 0
        end = min(start + PAGE, self.listed)
        truncated = end < self.listed
        etag = hashlib.md5(b"x" * self.object_size).hexdigest()
        items = "".join(
            "<Contents><Key>%sk%07d</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
            '<ETag>"%s"</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>'
            % (self.prefix, index, etag, self.object_size)
            for index in range(start, end)
        )
        last = "%sk%07d" % (self.prefix, end - 1) if end > start else ""
        following = ""
        if truncated:
            following = "<NextContinuationToken>%s</NextContinuationToken>" % last if v2 else ""
            following += "" if v2 else "<NextMarker>%s</NextMarker>" % last
        return (
            '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bucket</Name><Prefix>%s</Prefix>'
            "<MaxKeys>1000</MaxKeys><KeyCount>%d</KeyCount><IsTruncated>%s</IsTruncated>%s%s</ListBucketResult>"
            % (self.prefix, end - start, "true" if truncated else "false", following, items)
        ).encode()


def handler_for(stub: Stub) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            pass

        def _reply(self, status: int, body: bytes = b"", headers: Tuple[Tuple[str, str], ...] = ()) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _refused(self) -> None:
            self._reply(403, b"<Error><Code>AccessDenied</Code><Message>refused by the stub</Message></Error>")

        def do_PUT(self) -> None:  # noqa: N802 - http.server's name
            stub.enter("PUT", self.path)
            try:
                remaining = int(self.headers.get("Content-Length") or 0)
                digest = hashlib.md5()
                while remaining:
                    block = self.rfile.read(min(remaining, 65536))
                    if not block:
                        return
                    digest.update(block)
                    remaining -= len(block)
                time.sleep(stub.delay)
                if "refused" in self.path:
                    self._refused()
                else:
                    self._reply(200, headers=(("ETag", '"%s"' % digest.hexdigest()),))
            finally:
                stub.leave()

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
            self._reply(404)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            stub.enter("GET", self.path)
            try:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                if url.path.rstrip("/").count("/") <= 1:
                    stub.prefix = query.get("prefix", "")
                    self._reply(200, stub.listing_page(query), (("Content-Type", "application/xml"),))
                    return
                time.sleep(stub.delay)
                if "refused" in url.path:
                    self._refused()
                    return
                self._send_object()
            finally:
                stub.leave()

        def _send_object(self) -> None:
            size = stub.object_size
            etag = hashlib.md5(b"x" * size).hexdigest()
            self.send_response(200)
            for name, value in (
                ("Content-Length", str(size)),
                ("ETag", '"%s"' % etag),
                ("Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT"),
            ):
                self.send_header(name, value)
            self.end_headers()
            sent = 0
            while sent < size:
                piece = min(4096, size - sent)
                self.wfile.write(b"x" * piece)
                self.wfile.flush()
                sent += piece
                time.sleep(stub.chunk_delay)

    return Handler


class StubServer:
    """The stub on 127.0.0.1 on a free port, serving from a daemon thread; a context manager."""

    def __init__(self) -> None:
        self.stub = Stub()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self.stub))
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
