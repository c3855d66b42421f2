"""Every code block of README.md and docs/*.md runs against the test RGW, so the docs cannot rot.

A document's blocks run in order. Its ```python blocks share one namespace, as a reader's
session would; its ```sh blocks run in bash with an `aurora` command on the PATH. Both run in
one scratch folder holding the files the snippets name (`db.tar`, `site/`), with the server in
`AWS_ENDPOINT_URL` / `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, and a `backup` profile in
the credentials file. Two substitutions make the snippets runnable as written: the
placeholders "ACCESS_KEY" and "SECRET_KEY" become the server's keys, and each bucket name in
DOC_BUCKETS gets a unique suffix (the server is shared) and is removed afterwards.

Blocks marked ```sh human (`make test` itself, exports with placeholder keys) are for people;
```text blocks are synopses and layouts. Any other info string fails the test, so that a new
block cannot go unrun by accident.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple

import pytest

import aurora

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
DOC_BUCKETS = ("backups", "reports", "archive")
RUN = {"python", "sh"}
NOT_RUN = {"sh human", "text"}
FENCE = re.compile(r"^```(.*)$")
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


class Block(NamedTuple):
    info: str
    line: int
    code: str


def code_blocks(path: Path) -> Iterator[Block]:
    """The fenced blocks of a Markdown file: info string, first line number, text."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        start = index
        while not lines[index].startswith("```"):
            index += 1
        yield Block(opening.group(1).strip(), start + 1, "\n".join(lines[start:index]) + "\n")
        index += 1


def _doc_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_block_is_marked_run_or_not_run(doc: Path) -> None:
    infos = {block.info for block in code_blocks(doc)}
    assert infos <= RUN | NOT_RUN, "unknown code block kinds in %s: %s" % (doc.name, infos - RUN - NOT_RUN)


def test_the_readme_links_every_doc_and_every_link_resolves() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in DOCS[1:]:
        assert "](docs/%s" % doc.name in readme, "%s is not linked from the README" % doc.name
    for doc in DOCS:
        for target, _ in LINK.findall(doc.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (doc.parent / target).exists(), "%s links to a missing %s" % (doc.name, target)


def _with_unique_buckets(code: str, suffix: str) -> str:
    for name in DOC_BUCKETS:
        code = code.replace('"%s"' % name, '"%s-%s"' % (name, suffix))
        code = code.replace("s3://%s" % name, "s3://%s-%s" % (name, suffix))
    return code


def _runnable(code: str, server: Any, suffix: str) -> str:
    code = code.replace('"ACCESS_KEY"', repr(server.access_key)).replace('"SECRET_KEY"', repr(server.secret_key))
    return _with_unique_buckets(code, suffix)


def _scratch(tmp_path: Path, server: Any) -> Dict[str, str]:
    """The folder the snippets run in, and the environment they see."""
    (tmp_path / "db.tar").write_bytes(b"\x00" * (9 << 20))
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hello</h1>\n")
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text(
        "[backup]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (server.access_key, server.secret_key)
    )
    (aws / "config").write_text("[profile backup]\nregion = %s\n" % server.region)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "aurora"
    shim.write_text('#!/bin/sh\nexec "%s" -m aurora "$@"\n' % sys.executable)
    shim.chmod(0o755)
    return {
        "HOME": str(tmp_path),
        "PATH": "%s:/usr/bin:/bin" % bin_dir,
        "PYTHONPATH": str(ROOT),
        "AWS_ENDPOINT_URL": server.endpoint_url,
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_DEFAULT_REGION": server.region,
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
    }


def _remove_bucket(client: Any, name: str) -> None:
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=name, Key=item["Key"])
        for upload in client.list_multipart_uploads(Bucket=name).get("Uploads", []):
            client.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
        client.delete_bucket(Bucket=name)
    except client.exceptions.NoSuchBucket:
        pass


RUNNABLE = [doc for doc in DOCS if any(block.info in RUN for block in code_blocks(doc))]


@pytest.mark.parametrize("doc", RUNNABLE, ids=_doc_id)
def test_every_code_block_runs(
    doc: Path, s3_server: Any, boto3_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if s3_server.name != "rgw":
        pytest.skip("the docs target the `make demo` server, Ceph RGW")
    blocks = [block for block in code_blocks(doc) if block.info in RUN]
    suffix = uuid.uuid4().hex[:10]
    env = _scratch(tmp_path, s3_server)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    namespace: Dict[str, Any] = {"__name__": "__doc__"}
    ran: List[int] = []
    try:
        for block in blocks:
            code = _runnable(block.code, s3_server, suffix)
            if block.info == "python":
                exec(compile(code, "%s:%d" % (doc, block.line), "exec"), namespace)
            else:
                done = subprocess.run(
                    ["bash", "-euo", "pipefail", "-c", code], env=env, capture_output=True, timeout=300, check=False
                )
                assert done.returncode == 0, "%s:%d\n%s%s" % (
                    doc,
                    block.line,
                    done.stdout.decode(),
                    done.stderr.decode(),
                )
            ran.append(block.line)
    finally:
        for value in list(namespace.values()):
            if isinstance(value, aurora.StorageDriver) and hasattr(value, "close"):
                value.close()  # the snippets' drivers give their kept-alive connections back
        for name in DOC_BUCKETS:
            _remove_bucket(boto3_client, "%s-%s" % (name, suffix))
    assert ran == [block.line for block in blocks]
