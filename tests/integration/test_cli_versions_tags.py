"""``aurora ls --versions``, ``cp/rm --version-id``, ``tag get|set|rm`` and ``presign --post`` against real servers.

The command runs in this process (``aurora.cli.main.main`` with its output
captured) with the server in the AWS_* variables and no ~/.aws, and the result
is checked on the server with boto3.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any, List, Tuple

import pytest

from aurora.cli.main import main


class Run:
    """``run(*argv)`` -> (status, stdout lines, stderr text)."""

    def __init__(self, server: Any, monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret_key)
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
        monkeypatch.setenv("AWS_DEFAULT_REGION", server.region)

    def __call__(self, *argv: str) -> Tuple[int, List[str], str]:
        out, err = io.StringIO(), io.StringIO()
        status = main(list(argv), stdout=out, stderr=err)
        return status, out.getvalue().splitlines(), err.getvalue()

    def ok(self, *argv: str) -> List[str]:
        status, lines, err = self(*argv)
        assert (status, err) == (0, ""), err
        return lines


@pytest.fixture
def run(s3_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    return Run(s3_server, monkeypatch, tmp_path)


@pytest.fixture
def versioned(boto3_client: Any, bucket_name: str) -> str:
    boto3_client.create_bucket(Bucket=bucket_name)
    boto3_client.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    return bucket_name


def test_versions_listed_copied_back_and_removed(run: Run, boto3_client: Any, versioned: str, tmp_path: Path) -> None:
    first = boto3_client.put_object(Bucket=versioned, Key="a/doc", Body=b"one")["VersionId"]
    second = boto3_client.put_object(Bucket=versioned, Key="a/doc", Body=b"two!")["VersionId"]
    boto3_client.delete_object(Bucket=versioned, Key="a/doc")
    records = [json.loads(line) for line in run.ok("ls", "--versions", "--json", "s3://%s/a/" % versioned)]
    assert [(r["key"], r["is_delete_marker"], r["is_latest"]) for r in records] == [
        ("a/doc", True, True),
        ("a/doc", False, False),
        ("a/doc", False, False),
    ]
    assert [r["version_id"] for r in records[1:]] == [second, first]
    assert [r["size"] for r in records[1:]] == [4, 3]
    lines = run.ok("ls", "--versions", "s3://%s" % versioned)
    assert (
        len(lines) == 3
        and "DELETED" in lines[0]
        and "latest" in lines[0]
        and lines[2].endswith(first + "        a/doc")
    )
    # read an old version to a file, then restore it by a copy onto the key; "--version-id=ID"
    # because a version id may begin with "-" (RGW's often do), which argparse would take for an option
    target = tmp_path / "old"
    run.ok("cp", "--version-id=" + first, "s3://%s/a/doc" % versioned, str(target))
    assert target.read_bytes() == b"one"
    run.ok("cp", "--version-id=" + second, "s3://%s/a/doc" % versioned, "s3://%s/a/doc" % versioned)
    assert boto3_client.get_object(Bucket=versioned, Key="a/doc")["Body"].read() == b"two!"
    # delete each version for good
    for record in records:
        run.ok("rm", "--version-id=" + record["version_id"], "s3://%s/a/doc" % versioned)
    left = boto3_client.list_object_versions(Bucket=versioned, Prefix="a/")
    assert len(left.get("Versions", [])) == 1 and not left.get("DeleteMarkers")


def test_version_id_usage_errors(run: Run, versioned: str) -> None:
    for argv in (
        ["rm", "-r", "--version-id", "v", "s3://%s/a/" % versioned],
        ["cp", "--version-id", "v", "local-file", "s3://%s/x" % versioned],
        ["cp", "-r", "--version-id", "v", "s3://%s/a/" % versioned, "folder/"],
        ["ls", "--versions"],
    ):
        status, _, err = run(*argv)
        assert status == 2 and "version" in err, argv


def test_tags_get_set_rm(run: Run, boto3_client: Any, bucket_name: str) -> None:
    boto3_client.create_bucket(Bucket=bucket_name)
    boto3_client.put_object(Bucket=bucket_name, Key="k", Body=b"x")
    url = "s3://%s/k" % bucket_name
    assert run.ok("tag", "get", url) == []
    run.ok("tag", "set", url, "team=storage", "empty=", "note=a b:c")
    assert sorted(run.ok("tag", "get", url)) == ["empty=", "note=a b:c", "team=storage"]
    assert json.loads(run.ok("tag", "get", "--json", url)[0]) == {"team": "storage", "empty": "", "note": "a b:c"}
    tags = boto3_client.get_object_tagging(Bucket=bucket_name, Key="k")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "storage", "empty": "", "note": "a b:c"}
    run.ok("tag", "rm", url)
    assert run.ok("tag", "get", url) == []
    status, _, err = run("tag", "set", url, *["k%d=v" % i for i in range(11)])
    assert status == 1 and "at most 10 tags" in err
    status, _, err = run("tag", "set", url, "novalue")
    assert status == 2 and "KEY=VALUE" in err


def test_presign_post_prints_a_working_form(run: Run, s3_server: Any, boto3_client: Any, bucket_name: str) -> None:
    import http.client
    from urllib.parse import urlsplit

    boto3_client.create_bucket(Bucket=bucket_name)
    lines = run.ok(
        "presign",
        "--post",
        "s3://%s/in/${filename}" % bucket_name,
        "--expires-in",
        "300",
        "--condition",
        '["content-length-range", 1, 100]',
        "--condition",
        '{"x-amz-meta-from": "cli"}',
        "--field",
        "x-amz-meta-from=cli",
    )
    form = json.loads("\n".join(lines))
    assert set(form) == {"url", "fields"} and form["fields"]["key"] == "in/${filename}"
    boundary = uuid.uuid4().hex
    parts = [
        '--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, value)
        for name, value in form["fields"].items()
    ]
    parts.append('--%s\r\nContent-Disposition: form-data; name="file"; filename="up.txt"\r\n\r\n' % boundary)
    body = "".join(parts).encode() + b"uploaded" + ("\r\n--%s--\r\n" % boundary).encode()
    url = urlsplit(form["url"])
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    connection.request(
        "POST", url.path, body=body, headers={"Content-Type": "multipart/form-data; boundary=" + boundary}
    )
    answer = connection.getresponse()
    assert answer.status in (200, 201, 204), answer.read()
    connection.close()
    stored = boto3_client.get_object(Bucket=bucket_name, Key="in/up.txt")
    assert stored["Body"].read() == b"uploaded" and stored["Metadata"] == {"from": "cli"}
    status, _, err = run("presign", "--post", "s3://%s/k" % bucket_name, "--condition", "not json")
    assert status == 2 and "--condition" in err
