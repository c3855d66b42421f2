"""``aurora presign --post``: a browser upload form, printed as JSON (``{"url": ..., "fields": {...}}``)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from aurora.cli.safetext import json_safe
from aurora.cli.session import Session
from aurora.cli.urls import S3Url, UsageError, split_pair

__all__ = ["run_presign_post", "parse_conditions", "parse_fields"]


def parse_conditions(texts: List[str]) -> List[Any]:
    """Each ``--condition`` is one JSON policy condition (``'["content-length-range", 1, 1048576]'``)."""
    conditions = []
    for text in texts:
        try:
            conditions.append(json.loads(text))
        except ValueError:
            raise UsageError("--condition takes one JSON condition, not %r" % (text,)) from None
    return conditions


def parse_fields(pairs: List[str]) -> Dict[str, str]:
    """Each ``--field`` is ``NAME=VALUE``."""
    return dict(split_pair(pair, "--field takes NAME=VALUE") for pair in pairs)


def run_presign_post(session: Session) -> int:
    """Print the form as one JSON object: post each field, then the file (as ``file``), to the URL."""
    args = session.args
    url: S3Url = args.url
    if not url.key:
        raise UsageError("presign --post needs a key (s3://bucket/key, or s3://bucket/prefix/${filename})")
    if args.method != "GET":
        raise UsageError("presign --post makes a POST form; --method does not apply")
    conditions = parse_conditions(args.condition or [])
    fields = parse_fields(args.field or [])
    try:
        form = session.driver.ex_presign_post(url.bucket, url.key, args.expires_in, conditions, fields)
    except Exception as error:  # noqa: BLE001 - reported on one line
        session.fail("presign", str(url), error)
        return 1
    session.print(json_safe(json.dumps(form, ensure_ascii=False, indent=2)))  # exact values, no raw controls
    return 0
