"""Upload from a generator with bounded memory, then read the object back as a stream.

The generator yields 60 MiB in 64 KiB pieces; aurora copies them into a few
recycled 5 MiB part buffers and sends them as a parallel multipart upload,
so memory stays near (max_concurrency + 1) x part size however long the
stream is. Nothing is written to disk.

Runs against AWS_ENDPOINT_URL with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
(``make demo`` sets them); without AWS_ENDPOINT_URL it talks to AuroraObjects.
"""

from __future__ import annotations

import hashlib
import os
import resource
import sys
import uuid

from aurora import Config, Provider, TransferConfig, get_driver

MiB = 1024 * 1024
TOTAL = 100 * MiB
PIECE = 64 * 1024


def make_driver():
    """Credentials and endpoint come from the AWS_* variables (or ~/.aws)."""
    provider = Provider.S3 if os.environ.get("AWS_ENDPOINT_URL") else Provider.AURORAOBJECTS
    config = Config(transfer=TransferConfig(part_size=5 * MiB, max_concurrency=4))
    return get_driver(provider)(ex_config=config)


def generate(total: int, digest):
    """Yield ``total`` pseudo-random bytes in small pieces, hashing what is produced."""
    seed = hashlib.sha256(b"streaming-upload").digest()
    sent = 0
    while sent < total:
        seed = hashlib.sha256(seed).digest()
        piece = (seed * (PIECE // len(seed)))[: min(PIECE, total - sent)]
        digest.update(piece)
        sent += len(piece)
        yield piece


def peak_rss_mib() -> float:
    """The process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> int:
    driver = make_driver()
    container = driver.create_container("stream-%s" % uuid.uuid4().hex[:12])
    print("created bucket", container.name)
    try:
        sent = hashlib.sha256()
        progress = []
        obj = driver.upload_object_via_stream(
            generate(TOTAL, sent), container, "generated.bin", ex_progress=lambda done, total: progress.append(done)
        )
        print("uploaded %s: %d bytes in %d progress steps, etag %s" % (obj.name, obj.size, len(progress), obj.hash))
        received = hashlib.sha256()
        for chunk in driver.download_object_as_stream(driver.get_object(container.name, obj.name), 1 * MiB):
            received.update(chunk)
        same = received.hexdigest() == sent.hexdigest()
        print("streamed back: sha256 %s" % ("matches" if same else "DIFFERS"))
        print("peak memory: %.0f MiB for a %d MiB object" % (peak_rss_mib(), TOTAL // MiB))
    finally:
        for listed in driver.list_container_objects(container):
            driver.delete_object(listed)
        driver.ex_cleanup_all_multipart_uploads(container)
        driver.delete_container(container)
        print("deleted bucket", container.name)
    return 0 if same and obj.size == TOTAL else 1


if __name__ == "__main__":
    sys.exit(main())
