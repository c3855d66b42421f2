"""Presigned URLs: let someone without credentials download or upload one object.

Makes a PUT URL and uploads through it with urllib alone, then a GET URL
and downloads through it. Runs against AWS_ENDPOINT_URL with
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (``make demo`` sets them);
without AWS_ENDPOINT_URL it talks to AuroraObjects.

The same from the shell: ``aurora presign s3://bucket/key --expires-in 600``.
"""

from __future__ import annotations

import os
import sys
import urllib.request
import uuid

from aurora import Provider, get_driver


def make_driver():
    """Credentials and endpoint come from the AWS_* variables (or ~/.aws)."""
    provider = Provider.S3 if os.environ.get("AWS_ENDPOINT_URL") else Provider.AURORAOBJECTS
    return get_driver(provider)()


def main() -> int:
    driver = make_driver()
    container = driver.create_container("presign-%s" % uuid.uuid4().hex[:12])
    print("created bucket", container.name)
    try:
        data = b"uploaded by someone holding only a URL\n"
        put_url = driver.ex_presign_url(container.name, "shared/report.txt", method="PUT", expires=600)
        request = urllib.request.Request(
            put_url, data=data, method="PUT", headers={"Content-Type": "application/octet-stream"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            print("PUT through the presigned URL: HTTP %d" % answer.status)

        get_url = driver.ex_presign_url(container.name, "shared/report.txt", method="GET", expires=600)
        print("GET URL (valid 10 minutes):", get_url.split("?")[0] + "?...")
        with urllib.request.urlopen(get_url, timeout=30) as answer:
            fetched = answer.read()
        verdict = "same" if fetched == data else "DIFFERENT"
        print("GET through the presigned URL: %d bytes, %s" % (len(fetched), verdict))
    finally:
        for listed in driver.list_container_objects(container):
            driver.delete_object(listed)
        driver.delete_container(container)
        print("deleted bucket", container.name)
    return 0 if fetched == data else 1


if __name__ == "__main__":
    sys.exit(main())
