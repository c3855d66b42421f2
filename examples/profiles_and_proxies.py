"""Profiles from the AWS files, and a forward proxy by argument or by HTTP_PROXY / NO_PROXY.

Runs against the endpoint in AWS_ENDPOINT_URL with AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (``make demo`` starts a throwaway Ceph RGW and sets
them).  It writes a throwaway ``~/.aws``-style pair of files naming those
settings as profile ``demo``, starts a tiny logging proxy on 127.0.0.1, makes
its own bucket and removes everything at the end.
"""

from __future__ import annotations

import http.client
import os
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List
from urllib.parse import urlsplit

from aurora import Provider, get_driver
from aurora.drivers.s3 import BaseS3StorageDriver

SEEN: List[str] = []


class LoggingProxy(BaseHTTPRequestHandler):
    """Forwards absolute-form requests (``GET http://host/path``) and remembers them."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def forward(self) -> None:
        SEEN.append("%s %s" % (self.command, self.path))
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(url.hostname or "", url.port or 80, timeout=60)
        skip = {"connection", "proxy-connection", "content-length"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        headers["Content-Length"] = str(len(body))
        upstream.request(self.command, url.path + ("?" + url.query if url.query else ""), body, headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in skip | {"transfer-encoding"}:
                self.send_header(name, value)
        self.send_header(
            "Content-Length", answer.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data))
        )
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


def write_profile(folder: str) -> None:
    """A profile ``demo`` holding the endpoint, region, credentials and path-style addressing."""
    with open(os.path.join(folder, "config"), "w") as config:
        config.write(
            "[profile demo]\nregion = %s\nendpoint_url = %s\ns3 =\n    addressing_style = path\n"
            % (os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), os.environ["AWS_ENDPOINT_URL"])
        )
    with open(os.path.join(folder, "credentials"), "w") as credentials:
        credentials.write(
            "[demo]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
            % (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
        )
    os.environ["AWS_CONFIG_FILE"] = os.path.join(folder, "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(folder, "credentials")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        os.environ.pop(name)  # from here on, only the profile knows them


def round_trip(driver: BaseS3StorageDriver) -> None:
    container = driver.create_container("profiles-%s" % uuid.uuid4().hex[:12])
    obj = driver.upload_object_via_stream(iter([b"through the proxy"]), container, "hello.txt")
    assert b"".join(driver.download_object_as_stream(obj)) == b"through the proxy"
    driver.delete_object(obj)
    driver.delete_container(container)
    driver.close()
    print("deleted bucket", container.name)


def main() -> int:
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), LoggingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proxy_url = "http://127.0.0.1:%d" % proxy.server_address[1]
    with tempfile.TemporaryDirectory() as folder:
        write_profile(folder)
        driver = get_driver(Provider.S3)(ex_profile="demo", proxy_url=proxy_url)
        assert isinstance(driver, BaseS3StorageDriver)
        print("profile demo:", driver, "addressing:", driver.addressing_style)
        round_trip(driver)
        print("proxy_url= sent %d requests through the proxy, e.g. %s" % (len(SEEN), SEEN[0]))

        os.environ["HTTP_PROXY"] = proxy_url
        before = len(SEEN)
        round_trip(get_driver(Provider.S3)(ex_profile="demo"))
        print("HTTP_PROXY sent %d more" % (len(SEEN) - before))

        os.environ["NO_PROXY"] = "127.0.0.1,localhost"
        before = len(SEEN)
        round_trip(get_driver(Provider.S3)(ex_profile="demo"))
        print("with NO_PROXY=127.0.0.1 the proxy saw %d requests" % (len(SEEN) - before))
    proxy.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
