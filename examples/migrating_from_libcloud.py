"""A libcloud storage script moved to aurora by changing its imports, and nothing else.

Everything below the imports is plain libcloud code: get a driver, create a
container, upload a file and a stream, list, download, read as a stream,
handle a missing object, clean up.  The comments marked "aurora:" say where
aurora deliberately behaves differently, and why.

Runs against AWS_ENDPOINT_URL with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
(``make demo`` sets them); without AWS_ENDPOINT_URL it talks to AuroraObjects.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from urllib.parse import urlsplit

# Was:
#   from libcloud.storage.providers import get_driver
#   from libcloud.storage.types import ContainerDoesNotExistError, ObjectDoesNotExistError, Provider
from aurora import ContainerDoesNotExistError, ObjectDoesNotExistError, Provider, get_driver


def connect():
    cls = get_driver(Provider.AURORAOBJECTS)
    key, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        return cls(key, secret)
    url = urlsplit(endpoint)
    # aurora: the same arguments as libcloud.  aurora could also find the key,
    # secret and endpoint itself (AWS_* variables, ~/.aws files) if they were
    # left out; libcloud requires them.
    return cls(key, secret, secure=url.scheme == "https", host=url.hostname, port=url.port)


def main() -> int:
    driver = connect()
    name = "migrated-%s" % uuid.uuid4().hex[:12]
    # aurora: bucket names are checked (S3's DNS rules) before any request is sent.
    container = driver.create_container(container_name=name)
    print("created container", container.name)
    try:
        with tempfile.TemporaryDirectory() as work:
            source = os.path.join(work, "notes.txt")
            with open(source, "wb") as handle:
                handle.write(b"first line\nsecond line\n")

            # aurora: above 8 MiB this becomes a parallel multipart upload, and the
            # ETag is checked against what was sent (multipart ETags included).
            obj = driver.upload_object(
                file_path=source,
                container=container,
                object_name="docs/notes.txt",
                extra={"meta_data": {"origin": "libcloud-script"}},
            )
            print("uploaded", obj.name, obj.size, "bytes")

            # aurora: a stream shorter than one part goes as a single PUT; longer
            # streams keep at most (workers + 1) parts in memory.  libcloud always
            # starts a multipart upload here, and on AuroraObjects or any Ceph RGW
            # (SigV2) it fails with SignatureDoesNotMatch: its signer leaves out
            # the ?uploads sub-resource.  This is the one line of this script that
            # does not work with the libcloud imports.
            driver.upload_object_via_stream(
                iterator=iter([b"generated ", b"content\n"]), container=container, object_name="docs/generated.txt"
            )

            # aurora: listings page past 1,000 keys, as libcloud's do.
            for item in container.list_objects(prefix="docs/"):
                print("listed %-20s %4d bytes  %s" % (item.name, item.size, item.hash))

            target = os.path.join(work, "copy.txt")
            # aurora: the download goes to a temporary file beside the target and is
            # renamed into place only when complete and its MD5 matches; libcloud
            # writes the target in place and buffers the whole object in memory.
            driver.download_object(driver.get_object(container.name, "docs/notes.txt"), target, overwrite_existing=True)
            with open(target, "rb") as handle:
                same = handle.read() == b"first line\nsecond line\n"
            print("downloaded:", "same bytes" if same else "DIFFERENT bytes")

            streamed = b"".join(
                driver.download_object_as_stream(driver.get_object(container.name, "docs/generated.txt"))
            )
            print("streamed:", streamed.decode().strip())

        try:
            driver.get_object(container.name, "docs/missing.txt")
        except ObjectDoesNotExistError as error:
            # aurora: the class raised is NoSuchKey, a subclass of libcloud's
            # ObjectDoesNotExistError that also carries .status, .code and .request_id.
            print("missing object:", type(error).__name__)

        try:
            driver.get_container("no-such-container-%s" % uuid.uuid4().hex[:8])
        except ContainerDoesNotExistError as error:
            print("missing container:", type(error).__name__)
    finally:
        for item in driver.list_container_objects(container):
            driver.delete_object(item)
        driver.delete_container(container)
        print("deleted container", container.name)
    # aurora: every request above had connect and read timeouts and was retried
    # with backoff on 5xx/SlowDown answers; libcloud has neither by default.
    return 0 if same and streamed == b"generated content\n" else 1


if __name__ == "__main__":
    sys.exit(main())
