"""aurora's main job in one script: bucket, 50 MB multipart upload, list, download, verify, clean up.

Runs against the endpoint in AWS_ENDPOINT_URL with AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (``make demo`` starts a throwaway Ceph RGW and sets them).
Without AWS_ENDPOINT_URL it talks to AuroraObjects itself.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
import uuid
from urllib.parse import urlsplit

from aurora import Config, Provider, TransferConfig, get_driver

MiB = 1024 * 1024


def make_driver():
    key = os.environ["AWS_ACCESS_KEY_ID"]
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    config = Config(transfer=TransferConfig(part_size=5 * MiB, multipart_threshold=5 * MiB))
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    cls = get_driver(Provider.AURORAOBJECTS)
    if not endpoint:
        return cls(key, secret, ex_config=config)
    url = urlsplit(endpoint)
    return cls(key, secret, secure=url.scheme == "https", host=url.hostname, port=url.port, ex_config=config)


def write_random_file(path: str, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        for _ in range(size // MiB):
            block = os.urandom(MiB)
            digest.update(block)
            handle.write(block)
    return digest.hexdigest()


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(MiB), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    driver = make_driver()
    bucket = "quickstart-%s" % uuid.uuid4().hex[:12]
    with tempfile.TemporaryDirectory() as work:
        source = os.path.join(work, "data.bin")
        expected = write_random_file(source, 50 * MiB)
        container = driver.create_container(bucket)
        print("created bucket", bucket)
        try:
            started = time.monotonic()
            obj = driver.upload_object(source, container, "demo/data.bin")
            print("uploaded %s: %d bytes, etag %s, %.2f s" % (obj.name, obj.size, obj.hash, time.monotonic() - started))
            for listed in driver.list_container_objects(container):
                print("listed  %s  %d bytes" % (listed.name, listed.size))
            target = os.path.join(work, "copy.bin")
            started = time.monotonic()
            driver.download_object(driver.get_object(bucket, "demo/data.bin"), target)
            print("downloaded to %s in %.2f s" % (target, time.monotonic() - started))
            ok = sha256_of(target) == expected
            print("verified: sha256 %s" % ("matches" if ok else "DIFFERS"))
        finally:
            for listed in driver.list_container_objects(container):
                driver.delete_object(listed)
            driver.ex_cleanup_all_multipart_uploads(container)
            driver.delete_container(container)
            print("deleted bucket", bucket)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
