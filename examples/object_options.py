"""Object options through ``extra``: headers, metadata, ACL, SSE-C, SSE-S3 and checksums.

Runs against the endpoint in AWS_ENDPOINT_URL with AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (``make demo`` starts a throwaway Ceph RGW and sets
them); makes its own bucket and removes it at the end.
"""

from __future__ import annotations

import os
import uuid

from aurora import AuroraError, Provider, get_driver


def main() -> int:
    driver = get_driver(Provider.S3)()  # key, secret, endpoint and region from the environment
    container = driver.create_container("options-%s" % uuid.uuid4().hex[:12])
    try:
        page = driver.upload_object_via_stream(
            iter([b"<h1>hello</h1>"]),
            container,
            "site/index.html",
            extra={
                "content_type": "text/html; charset=utf-8",
                "cache_control": "max-age=300",
                "content_language": "en",
                "meta_data": {"author": "ops"},
                "acl": "public-read",
                "ex_checksum_algorithm": "SHA256",  # verified by servers that support it
            },
        )
        got = driver.get_object(container.name, page.name)
        print("headers:", got.extra["content_type"], got.extra["cache_control"], got.meta_data)

        key = os.urandom(32)  # SSE-C: the server encrypts with a key only the client keeps
        driver.upload_object_via_stream(iter([b"secret"]), container, "vault", extra={"ex_sse_customer_key": key})
        vault = driver.get_object(container.name, "vault", ex_sse_customer_key=key)
        data = b"".join(driver.download_object_as_stream(vault, ex_sse_customer_key=key))
        print("SSE-C round trip:", data, vault.extra.get("sse_customer_algorithm"))
        try:
            driver.get_object(container.name, "vault")
            print("this server serves SSE-C objects without the key (not encrypted at rest)")
        except AuroraError as error:
            print("without the key the server refuses:", error.status)

        sse_s3 = {"ex_server_side_encryption": "AES256"}
        driver.upload_object_via_stream(iter([b"x"]), container, "sse-s3", extra=sse_s3)
        reported = driver.get_object(container.name, "sse-s3").extra.get("server_side_encryption")
        print("SSE-S3 reported by the server:", reported or "nothing (not supported here)")
    finally:
        for obj in list(driver.iterate_container_objects(container)):
            driver.delete_object(obj)
        driver.delete_container(container)
        driver.close()
        print("deleted bucket", container.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
