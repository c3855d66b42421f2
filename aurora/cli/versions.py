"""``aurora ls --versions``: every version and delete marker under a prefix, each key's newest first."""

from __future__ import annotations

from typing import Any, Dict

from aurora.cli.formatting import format_time, json_line, parse_timestamp, size_text
from aurora.cli.session import Session
from aurora.cli.urls import S3Url
from aurora.drivers.base import Container, Object

__all__ = ["run_ls_versions", "version_record", "version_line"]


def version_record(obj: Object) -> Dict[str, Any]:
    """What ``--json`` prints for one version."""
    extra = obj.extra
    return {
        "key": obj.name,
        "version_id": extra.get("version_id"),
        "is_latest": bool(extra.get("is_latest")),
        "is_delete_marker": bool(extra.get("is_delete_marker")),
        "size": obj.size,
        "etag": obj.hash,
        "last_modified": extra.get("last_modified"),
    }


def version_line(record: Dict[str, Any], human: bool) -> str:
    """``2026-01-01 12:00:00       1234 VERSION-ID  latest  key`` (``DELETED`` for a delete marker)."""
    size = "DELETED" if record["is_delete_marker"] else size_text(int(record["size"]), human)
    flag = "latest" if record["is_latest"] else "      "
    when = format_time(parse_timestamp(record["last_modified"]))
    return "%s %s %s %s %s" % (when, size.rjust(10), record["version_id"], flag, record["key"])


def run_ls_versions(session: Session) -> int:
    """List versions under the URL's prefix (every key below it, as ``list-object-versions``)."""
    url: S3Url = session.args.url
    human = bool(session.args.human_readable)
    container = Container(url.bucket, {}, session.driver)
    count = 0
    try:
        for obj in session.driver.ex_iterate_object_versions(container, prefix=url.key or None):
            record = version_record(obj)
            session.print(json_line(record) if session.json else version_line(record, human))
            count += 1
    except Exception as error:  # noqa: BLE001 - reported on one line
        session.fail("list the versions of", str(url), error)
        return 1
    return 1 if url.key and count == 0 else 0
