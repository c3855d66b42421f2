"""The commands that do not move object bytes between places: ls, mb, rb, rm, stat, du, presign."""

from __future__ import annotations

import functools
from itertools import islice
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional

from aurora.cli.formatting import (
    bucket_line,
    human_size,
    json_line,
    object_line,
    prefix_line,
    summary_lines,
)
from aurora.cli.listing import iterate_objects
from aurora.cli.session import Session
from aurora.cli.urls import S3Url, UsageError, display_name, listing_prefix
from aurora.core.limits import MAX_DELETE_KEYS
from aurora.drivers.base import Container, Object

__all__ = [
    "run_ls",
    "run_mb",
    "run_rb",
    "run_rm",
    "run_stat",
    "run_du",
    "run_presign",
    "delete_keys",
    "delete_under",
    "BATCH",
]

BATCH = MAX_DELETE_KEYS
"""Keys per DeleteObjects request (the S3 maximum)."""


class _Listed(NamedTuple):
    lines: int
    objects: int
    size: int


def run_ls(session: Session) -> int:
    """Buckets, or the entries under a prefix; status 1 when a prefix matched nothing (as ``aws s3 ls``)."""
    url: Optional[S3Url] = session.args.url
    versions = bool(getattr(session.args, "versions", False))
    if url is not None and versions:
        from aurora.cli.versions import run_ls_versions

        return run_ls_versions(session)
    if url is None:
        if versions:
            raise UsageError("ls --versions needs a bucket: s3://bucket[/prefix]")
        try:
            _list_buckets(session)
        except Exception as error:  # noqa: BLE001
            session.fail("list", "buckets", error)
            return 1
        return 0
    try:
        listed = _list_prefix(session, url)
    except Exception as error:  # noqa: BLE001 - reported on one line
        session.fail("list", str(url), error)
        return 1
    if session.args.summarize and not session.json:
        for line in summary_lines(listed.objects, listed.size, session.args.human_readable):
            session.print(line)
    return 1 if url.key and listed.lines == 0 else 0


def _list_buckets(session: Session) -> None:
    for container in session.driver.iterate_containers():
        created = container.extra.get("creation_date")
        if session.json:
            session.print(json_line({"name": container.name, "creation_date": created}))
        else:
            session.print(bucket_line(container.name, created))


def _list_prefix(session: Session, url: S3Url) -> _Listed:
    """Print the folders and objects under ``url`` (everything below with ``-r``)."""
    recursive = bool(session.args.recursive)
    human = bool(session.args.human_readable)
    lines = objects = size = 0
    container = Container(url.bucket, {}, session.driver)
    entries = session.driver.ex_iterate_entries(container, url.key or None, None if recursive else "/")
    for entry in entries:
        lines += 1
        if isinstance(entry, str):
            session.print(json_line({"prefix": entry}) if session.json else prefix_line(display_name(entry, url.key)))
            continue
        objects, size = objects + 1, size + entry.size
        modified = entry.extra.get("last_modified")
        if session.json:
            record = {"key": entry.name, "size": entry.size, "etag": entry.hash, "last_modified": modified}
            session.print(json_line(record))
        else:
            name = entry.name if recursive else display_name(entry.name, url.key)
            session.print(object_line(name, entry.size, modified, human))
    return _Listed(lines, objects, size)


def run_mb(session: Session) -> int:
    url: S3Url = session.args.url
    _bucket_only(url, "mb")
    try:
        session.driver.create_container(url.bucket)
    except Exception as error:  # noqa: BLE001
        session.fail("make bucket", url.bucket, error)
        return 1
    session.print("make_bucket: %s" % url.bucket)
    return 0


def run_rb(session: Session) -> int:
    """Remove a bucket; ``--force`` empties it first (objects, then multipart uploads)."""
    url: S3Url = session.args.url
    _bucket_only(url, "rb")
    driver = session.driver
    container = Container(url.bucket, {}, driver)
    if session.args.force:
        if delete_under(session, url.bucket, ""):
            return 1
        try:
            driver.ex_cleanup_all_multipart_uploads(container)
        except Exception as error:  # noqa: BLE001
            session.fail("abort the multipart uploads of", str(url), error)
            return 1
    try:
        driver.delete_container(container)
    except Exception as error:  # noqa: BLE001
        session.fail("remove bucket", url.bucket, error)
        return 1
    session.print("remove_bucket: %s" % url.bucket)
    return 0


def _bucket_only(url: S3Url, command: str) -> None:
    if url.key:
        raise UsageError("%s takes a bucket (s3://bucket), not an object: %s" % (command, url))


def delete_under(session: Session, bucket: str, prefix: str, dry_run: bool = False) -> int:
    """Delete every key under ``prefix``, a batch of 1,000 handed to the job runner as soon as the
    listing has given it (``--jobs`` batches at once); how many failed (1 more if the listing did)."""
    from aurora.cli.jobs import run_concurrently

    before = session.failures
    keys = (obj.name for obj in iterate_objects(session.driver, bucket, prefix))
    with run_concurrently(session) as submit:
        try:
            for batch in _batches(keys, BATCH):
                submit(functools.partial(delete_keys, session, bucket, batch, dry_run), None)
        except Exception as error:  # noqa: BLE001 - the listing failed; what was deleted was reported
            session.fail("list", "s3://%s/%s" % (bucket, prefix), error)
    return session.failures - before


def delete_keys(session: Session, bucket: str, keys: Iterable[str], dry_run: bool = False) -> int:
    """Delete ``keys`` in batches of 1,000 (``ex_delete_objects``), reporting each; how many were not deleted."""
    failed = 0
    container = Container(bucket, {}, session.driver)
    for batch in _batches(keys, BATCH):
        if dry_run:
            for key in batch:
                session.report("delete", "s3://%s/%s" % (bucket, key), dry_run=True)
            continue
        try:
            refused = session.driver.ex_delete_objects(container, batch)
        except Exception as error:  # noqa: BLE001 - the whole request failed: every key of it did
            failed += len(batch)
            session.fail("delete", "%d objects of s3://%s/" % (len(batch), bucket), error)
            continue
        for key in batch:
            if key in refused:
                failed += 1
                session.fail("delete", "s3://%s/%s" % (bucket, key), refused[key])
            else:
                session.report("delete", "s3://%s/%s" % (bucket, key))
    return failed


def _batches(keys: Iterable[str], size: int) -> Iterator[List[str]]:
    """``keys`` ``size`` at a time, taken from the iterable as needed."""
    iterator = iter(keys)
    while True:
        batch = list(islice(iterator, size))
        if not batch:
            return
        yield batch


def run_rm(session: Session) -> int:
    """Delete one object, or with ``-r`` every object under the prefix (taken as a folder)."""
    url: S3Url = session.args.url
    dry_run = bool(session.args.dry_run)
    version = getattr(session.args, "version_id", None)
    if version and session.args.recursive:
        raise UsageError("rm --version-id deletes one object's version; it does not go with --recursive")
    if not session.args.recursive:
        if not url.key:
            raise UsageError("rm needs a key (s3://bucket/key); use --recursive for a prefix or rb for a bucket")
        if dry_run:
            session.report("delete", str(url), dry_run=True)
            return 0
        try:
            container = Container(url.bucket, {}, session.driver)
            obj = Object(url.key, 0, None, {}, {}, container, session.driver)
            session.driver.delete_object(obj, ex_version_id=version)
        except Exception as error:  # noqa: BLE001
            session.fail("delete", str(url), error)
            return 1
        session.report("delete", str(url) + (" (version %s)" % version if version else ""))
        return 0
    return 1 if delete_under(session, url.bucket, listing_prefix(url.key), dry_run) else 0


def run_stat(session: Session) -> int:
    """An object's size, ETag, content type, date and metadata (one HEAD)."""
    url: S3Url = session.args.url
    if not url.key:
        raise UsageError("stat needs an object: s3://bucket/key")
    try:
        obj = session.driver.get_object(url.bucket, url.key)
    except Exception as error:  # noqa: BLE001
        session.fail("stat", str(url), error)
        return 1
    record: Dict[str, Any] = {
        "key": obj.name,
        "size": obj.size,
        "etag": obj.hash,
        "content_type": obj.extra.get("content_type"),
        "last_modified": obj.extra.get("last_modified"),
        "storage_class": obj.extra.get("storage_class"),
        "metadata": dict(obj.meta_data),
    }
    if session.json:
        session.print(json_line(record))
        return 0
    session.print("URL: %s" % url)
    for label, field in (
        ("Size", "size"),
        ("ETag", "etag"),
        ("Content-Type", "content_type"),
        ("Last-Modified", "last_modified"),
        ("Storage-Class", "storage_class"),
    ):
        if record[field] is not None:
            session.print("%s: %s" % (label, record[field]))
    for name, value in sorted(record["metadata"].items()):
        session.print("Metadata: %s=%s" % (name, value))
    return 0


def run_du(session: Session) -> int:
    """Total bytes and object count of every key starting with the prefix."""
    url: S3Url = session.args.url
    count = total = 0
    try:
        for obj in iterate_objects(session.driver, url.bucket, url.key):
            count, total = count + 1, total + obj.size
    except Exception as error:  # noqa: BLE001
        session.fail("list", str(url), error)
        return 1
    if session.json:
        session.print(json_line({"url": str(url), "objects": count, "size": total}))
    else:
        size = human_size(total) if session.args.human_readable else str(total)
        session.print("%s\t%d objects\t%s" % (size, count, url))
    return 0


def run_presign(session: Session) -> int:
    """Print the presigned URL alone, so ``$(aurora presign ...)`` is the URL; ``--post``: a form as JSON."""
    if getattr(session.args, "post", False):
        from aurora.cli.presign_post import run_presign_post

        return run_presign_post(session)
    url: S3Url = session.args.url
    if not url.key:
        raise UsageError("presign needs an object: s3://bucket/key")
    try:
        signed = session.driver.ex_presign_url(url.bucket, url.key, session.args.method, session.args.expires_in)
    except Exception as error:  # noqa: BLE001
        session.fail("presign", str(url), error)
        return 1
    session.print(signed)
    return 0
