"""The local driver: the calls you would make against S3, on a folder.

Run it with ``python examples/local_driver.py``: it works in a temporary folder
and removes it at the end.  Swap ``get_driver(Provider.LOCAL)(folder)`` for
``get_driver(Provider.S3)(key, secret, region=...)`` and the rest runs unchanged.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from aurora import ObjectDoesNotExistError, Provider, get_driver  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        driver = get_driver(Provider.LOCAL)(folder)
        container = driver.create_container("reports")
        print("containers:", [c.name for c in driver.list_containers()])

        source = os.path.join(folder, "q1.csv")
        with open(source, "w", encoding="utf-8") as handle:
            handle.write("month,total\njan,10\nfeb,12\nmar,15\n")
        obj = driver.upload_object(source, container, "2024/q1.csv", extra={"meta_data": {"owner": "finance"}})
        print("uploaded %s: %d bytes, md5 %s, %s" % (obj.name, obj.size, obj.hash, obj.extra["content_type"]))

        chunks = (b"line %d\n" % n for n in range(1000))
        driver.upload_object_via_stream(chunks, container, "logs/app.log")
        driver.upload_object_via_stream(iter([b"{}"]), container, "logs/empty.json")

        print("all keys:", [o.name for o in driver.list_container_objects(container)])
        print("under logs/:", [o.name for o in driver.list_container_objects(container, prefix="logs/")])
        print("top-level folders:", list(driver.ex_list_prefixes(container)))

        fetched = driver.get_object("reports", "2024/q1.csv")
        print("metadata:", fetched.meta_data, "modified:", fetched.extra["last_modified"])
        data = b"".join(driver.download_object_as_stream(fetched))
        assert hashlib.md5(data).hexdigest() == fetched.hash
        print("bytes 0-11:", b"".join(driver.download_object_range_as_stream(fetched, 0, 11)))

        target = os.path.join(folder, "downloaded.csv")
        driver.download_object(fetched, target)
        print("downloaded to", target, "->", os.path.getsize(target), "bytes")
        print("the object's file:", driver.get_object_cdn_url(fetched))

        for listed in driver.list_container_objects(container):
            driver.delete_object(listed)
        try:
            driver.get_object("reports", "2024/q1.csv")
        except ObjectDoesNotExistError as error:
            print("after delete:", error)
        driver.delete_container(container)
        print("containers left:", driver.list_containers())


if __name__ == "__main__":
    main()
