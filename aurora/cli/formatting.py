"""How listings, sizes and times look on the terminal, as ``aws s3`` prints them.

Pure functions: times are converted with the process's time zone (as
``aws s3 ls`` shows local time) but no clock is read.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional

from aurora.cli.safetext import json_safe

__all__ = [
    "parse_timestamp",
    "format_time",
    "human_size",
    "size_text",
    "bucket_line",
    "prefix_line",
    "object_line",
    "summary_lines",
    "json_line",
    "last_modified_of",
]

_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_NO_TIME = " " * 19
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]")
_FRACTION = re.compile(r"\.(\d+)")


def parse_timestamp(text: Optional[str]) -> Optional[float]:
    """Seconds since the epoch of an ISO-8601 (listing) or RFC 1123 (header) time; None if unreadable."""
    if not text:
        return None
    value = text.strip()
    try:
        if _ISO.match(value):
            moment = datetime.fromisoformat(_iso_for_python39(value))
        else:
            from email.utils import parsedate_to_datetime  # a header's RFC 1123 time: rarer than a listing's

            moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _iso_for_python39(value: str) -> str:
    """``2026-01-01T12:00:00.5Z`` in the narrower form ``fromisoformat`` reads before Python 3.11."""
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    match = _FRACTION.search(value)
    if match is None:
        return value
    digits = (match.group(1) + "000000")[:6]
    return value[: match.start()] + "." + digits + value[match.end() :]


def format_time(epoch: Optional[float]) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in local time (blank when unknown)."""
    if epoch is None:
        return _NO_TIME
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def human_size(size: float) -> str:
    """``1 Byte``, ``512 Bytes``, ``1.5 KiB``... as ``aws s3 ls --human-readable`` writes sizes."""
    if size == 1:
        return "1 Byte"
    if size < 1024:
        return "%d Bytes" % size
    value = float(size)
    for unit in _UNITS:
        value /= 1024.0
        if round(value, 1) < 1024 or unit == _UNITS[-1]:
            return "%.1f %s" % (value, unit)
    raise AssertionError("unreachable")


def size_text(size: int, human: bool) -> str:
    return human_size(size) if human else str(size)


def bucket_line(name: str, created: Optional[str]) -> str:
    """``2026-01-01 12:00:00 bucket``"""
    return "%s %s" % (format_time(parse_timestamp(created)), name)


def prefix_line(name: str) -> str:
    """``                           PRE dir/`` (``PRE`` right-aligned in 30 columns)."""
    return "%s %s" % ("PRE".rjust(30), name)


def object_line(name: str, size: int, modified: Optional[str], human: bool = False) -> str:
    """``2026-01-01 12:00:00       1234 name`` (size right-aligned in 10 columns)."""
    return "%s %s %s" % (format_time(parse_timestamp(modified)), size_text(size, human).rjust(10), name)


def summary_lines(count: int, total: int, human: bool) -> List[str]:
    """The two lines ``aws s3 ls --summarize`` ends with."""
    return ["", "Total Objects: %d" % count, "   Total Size: %s" % size_text(total, human)]


def json_line(value: Dict[str, Any]) -> str:
    """One JSON object on one line, keys in the order given.

    Values stay exact: JSON escapes C0 controls itself, and DEL, C1 and bidi
    controls are written as ``\\u`` escapes too, so no raw control reaches the terminal.
    """
    import json  # only --json output needs it

    return json_safe(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))


def last_modified_of(extra: Mapping[str, Any]) -> Optional[float]:
    """An object's ``extra["last_modified"]`` (listing or HEAD form) as seconds since the epoch."""
    value = extra.get("last_modified")
    return parse_timestamp(value) if isinstance(value, str) else None
