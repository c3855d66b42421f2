"""``aurora tag get|set|rm s3://bucket/key``: an object's tags (of one version with ``--version-id``)."""

from __future__ import annotations

from typing import Dict, List

from aurora.cli.formatting import json_line
from aurora.cli.session import Session
from aurora.cli.urls import S3Url, UsageError, split_pair
from aurora.drivers.base import Container, Object

__all__ = ["run_tag", "parse_tags"]


def parse_tags(pairs: List[str]) -> Dict[str, str]:
    """``["k=v", "empty="]`` as a dict; a pair without ``=`` or a key given twice is a usage error."""
    tags: Dict[str, str] = {}
    for pair in pairs:
        key, value = split_pair(pair, "a tag is KEY=VALUE")
        if key in tags:
            raise UsageError("the tag %r is given twice" % (key,))
        tags[key] = value
    return tags


def run_tag(session: Session) -> int:
    args = session.args
    url: S3Url = args.url
    if url.is_dir:
        raise UsageError("tag needs an object: s3://bucket/key, not %s" % url)
    tags = parse_tags(args.tags) if args.action == "set" else {}
    driver = session.driver
    obj = Object(url.key, 0, None, {}, {}, Container(url.bucket, {}, driver), driver)
    version = args.version_id
    try:
        if args.action == "get":
            found = driver.ex_get_object_tags(obj, ex_version_id=version)
        elif args.action == "set":
            driver.ex_set_object_tags(obj, tags, ex_version_id=version)
        else:
            driver.ex_delete_object_tags(obj, ex_version_id=version)
    except Exception as error:  # noqa: BLE001 - reported on one line
        session.fail("%s the tags of" % ("read" if args.action == "get" else "change"), str(url), error)
        return 1
    if args.action != "get":
        session.report("tag " + args.action, str(url))
    elif session.json:
        session.print(json_line(dict(found)))
    else:
        for key, value in found.items():
            session.print("%s=%s" % (key, value))
    return 0
