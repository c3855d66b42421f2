"""Server-side copies: the bytes stay on the server, nothing passes through this process.

Copies an object within a bucket and into another bucket (metadata kept),
then copies again replacing the content type and metadata. Objects above
5 GiB are copied as parallel part copies by the same call.

Runs against AWS_ENDPOINT_URL with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
(``make demo`` sets them); without AWS_ENDPOINT_URL it talks to AuroraObjects.
The same from the shell: ``aurora cp s3://a/key s3://b/key``.
"""

from __future__ import annotations

import os
import sys
import uuid

from aurora import Provider, get_driver


def make_driver():
    """Credentials and endpoint come from the AWS_* variables (or ~/.aws)."""
    provider = Provider.S3 if os.environ.get("AWS_ENDPOINT_URL") else Provider.AURORAOBJECTS
    return get_driver(provider)()


def empty_and_delete(driver, container) -> None:
    for listed in driver.list_container_objects(container):
        driver.delete_object(listed)
    driver.delete_container(container)
    print("deleted bucket", container.name)


def main() -> int:
    driver = make_driver()
    tag = uuid.uuid4().hex[:12]
    source = driver.create_container("copy-src-%s" % tag)
    target = driver.create_container("copy-dst-%s" % tag)
    try:
        original = driver.upload_object_via_stream(
            iter([b"quarterly numbers\n"]),
            source,
            "reports/q1.txt",
            extra={"content_type": "text/plain", "meta_data": {"team": "finance"}},
        )
        print("uploaded", original.name)

        same_bucket = driver.ex_copy_object(original, source, "archive/q1.txt")
        other_bucket = driver.ex_copy_object(original, target, "q1.txt")
        for copy in (same_bucket, other_bucket):
            stored = driver.get_object(copy.container.name, copy.name)
            print(
                "copied to %s/%s: %d bytes, metadata %s"
                % (copy.container.name, copy.name, stored.size, stored.meta_data)
            )

        replaced = driver.ex_copy_object(
            original, target, "q1.csv", extra={"content_type": "text/csv", "meta_data": {"team": "audit"}}
        )
        stored = driver.get_object(target.name, replaced.name)
        print("copied with new headers: %s, metadata %s" % (stored.extra.get("content_type"), stored.meta_data))
        ok = stored.meta_data == {"team": "audit"} and driver.get_object(target.name, "q1.txt").meta_data == {
            "team": "finance"
        }
    finally:
        empty_and_delete(driver, source)
        empty_and_delete(driver, target)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
