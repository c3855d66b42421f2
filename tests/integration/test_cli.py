"""The ``aurora`` command, run for real (``python -m aurora``) against Ceph RGW and moto.

Each command runs in a subprocess whose environment holds only
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL (and a HOME
with no ~/.aws), so what is tested is what a user at a shell gets: output,
exit status, files, and the objects left on the server (checked with boto3).
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from integration.terminal import read_terminal

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


def payload(size: int, seed: int = 0) -> bytes:
    block = hashlib.sha256(b"cli-%d" % seed).digest() * 128  # 4 KiB
    return (block * (size // len(block) + 1))[:size]


class Cli:
    """Runs ``python -m aurora`` with the server's credentials, from a work folder, HOME elsewhere."""

    def __init__(self, server: Any, tmp_path: Path) -> None:
        self.server = server
        self.work = tmp_path / "work"
        self.work.mkdir()
        home = tmp_path / "home"
        home.mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "TZ": "UTC",
            "PYTHONPATH": str(ROOT),
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_ENDPOINT_URL": server.endpoint_url,
        }

    def command(self, *args: str) -> List[str]:
        return [sys.executable, "-m", "aurora", *args]

    def __call__(self, *args: str, stdin: Optional[bytes] = None) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run(
            self.command(*args),
            input=stdin if stdin is not None else b"",
            cwd=self.work,
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert self.server.secret_key.encode() not in done.stdout + done.stderr
        return done

    def ok(self, *args: str, stdin: Optional[bytes] = None) -> List[str]:
        """Run, expect status 0 and a silent stderr; returns stdout's lines."""
        done = self(*args, stdin=stdin)
        assert (done.returncode, done.stderr) == (0, b""), done.stderr.decode()
        return done.stdout.decode().splitlines()


@pytest.fixture
def cli(s3_server: Any, tmp_path: Path) -> Cli:
    return Cli(s3_server, tmp_path)


@pytest.fixture
def bucket(boto3_client: Any, bucket_name: str) -> str:
    boto3_client.create_bucket(Bucket=bucket_name)
    return bucket_name


def put(client: Any, bucket: str, objects: Dict[str, bytes]) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: client.put_object(Bucket=bucket, Key=item[0], Body=item[1]), objects.items()))


def keys(client: Any, bucket: str, prefix: str = "") -> List[str]:
    found: List[str] = []
    for page in client.get_paginator("list_objects").paginate(Bucket=bucket, Prefix=prefix):
        found += [item["Key"] for item in page.get("Contents", [])]
    return sorted(found)


def body(client: Any, bucket: str, key: str) -> bytes:
    return bytes(client.get_object(Bucket=bucket, Key=key)["Body"].read())


def uploads(client: Any, bucket: str) -> List[Any]:
    return list(client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


def one_error_line(done: subprocess.CompletedProcess[bytes]) -> str:
    text = done.stderr.decode()
    assert text.count("\n") == 1 and text.startswith("aurora: ") and "Traceback" not in text, text
    return text.strip()


# -- buckets and listings ---------------------------------------------------------------------


def test_make_list_and_remove_a_bucket(cli: Cli, bucket_name: str, boto3_client: Any) -> None:
    assert cli.ok("mb", "s3://%s" % bucket_name) == ["make_bucket: %s" % bucket_name]
    listed = cli.ok("ls")
    assert any(re.fullmatch(DATE + " " + bucket_name, line) for line in listed), listed
    records = [json.loads(line) for line in cli.ok("ls", "--json")]
    assert bucket_name in [record["name"] for record in records]
    assert cli.ok("rb", "s3://%s" % bucket_name) == ["remove_bucket: %s" % bucket_name]
    gone = cli("ls", "s3://%s" % bucket_name)
    assert gone.returncode == 1 and gone.stdout == b""
    assert "NoSuchBucket" in one_error_line(gone) and bucket_name in gone.stderr.decode()


def test_ls_shows_names_relative_to_the_prefix_like_aws(cli: Cli, bucket: str, boto3_client: Any) -> None:
    put(boto3_client, bucket, {"a/file": b"x" * 1234, "a/sub/deep": b"12345", "ab": b"7" * 7, "top": b""})
    url = "s3://%s" % bucket
    under_a_folder = cli.ok("ls", url + "/a/")
    assert under_a_folder[0] == "                           PRE sub/"
    assert re.fullmatch(DATE + "       1234 file", under_a_folder[1]) and len(under_a_folder) == 2
    under_a = cli.ok("ls", url + "/a")
    assert under_a[0] == "                           PRE a/"
    assert re.fullmatch(DATE + "          7 ab", under_a[1]) and len(under_a) == 2
    root = cli.ok("ls", url)
    assert root[0] == "                           PRE a/"
    assert [line[20:] for line in root[1:]] == ["         7 ab", "         0 top"]
    everything = cli.ok("ls", "-r", url, "--summarize")
    assert [line[31:] for line in everything[:4]] == ["a/file", "a/sub/deep", "ab", "top"]
    assert everything[4:] == ["", "Total Objects: 4", "   Total Size: 1246"]
    records = [json.loads(line) for line in cli.ok("ls", "--json", url + "/a/")]
    assert records[0] == {"prefix": "a/sub/"}
    assert (records[1]["key"], records[1]["size"]) == ("a/file", 1234) and records[1]["etag"]
    nothing = cli("ls", url + "/nothing")
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (1, b"", b"")


def test_stat_and_du(cli: Cli, bucket: str, boto3_client: Any) -> None:
    boto3_client.put_object(
        Bucket=bucket, Key="d/x.txt", Body=b"hello", ContentType="text/plain", Metadata={"owner": "ops"}
    )
    boto3_client.put_object(Bucket=bucket, Key="d/y", Body=b"1234567")
    lines = cli.ok("stat", "s3://%s/d/x.txt" % bucket)
    assert lines[:4] == [
        "URL: s3://%s/d/x.txt" % bucket,
        "Size: 5",
        "ETag: %s" % hashlib.md5(b"hello").hexdigest(),
        "Content-Type: text/plain",
    ]
    assert lines[4].startswith("Last-Modified: ") and "Metadata: owner=ops" in lines
    record = json.loads(cli.ok("stat", "--json", "s3://%s/d/x.txt" % bucket)[0])
    assert (record["size"], record["metadata"]) == (5, {"owner": "ops"})
    assert cli.ok("du", "s3://%s/d" % bucket) == ["12\t2 objects\ts3://%s/d" % bucket]
    assert json.loads(cli.ok("du", "--json", "s3://%s" % bucket)[0]) == {
        "url": "s3://%s/" % bucket,
        "objects": 2,
        "size": 12,
    }
    missing = cli("stat", "s3://%s/d/none" % bucket)
    assert missing.returncode == 1 and "NoSuchKey" in one_error_line(missing)


# -- cp, mv, cat, streams -----------------------------------------------------------------------


def test_upload_and_download_keep_bytes_names_and_dates(
    cli: Cli, s3_server: Any, bucket: str, boto3_client: Any
) -> None:
    multipart = s3_server.name == "rgw"  # moto is slow with big bodies
    big = payload(9 * MiB if multipart else 3000, 1)  # 9 MiB: above the 8 MiB multipart threshold
    (cli.work / "small.txt").write_bytes(b"small")
    (cli.work / "big.bin").write_bytes(big)
    url = "s3://%s/" % bucket
    assert cli.ok("cp", "small.txt", url) == ["upload: ./small.txt to %ssmall.txt" % url]
    assert cli.ok("cp", "big.bin", url + "dir/renamed.bin") == ["upload: ./big.bin to %sdir/renamed.bin" % url]
    assert body(boto3_client, bucket, "dir/renamed.bin") == big
    assert ("-" in boto3_client.head_object(Bucket=bucket, Key="dir/renamed.bin")["ETag"]) == multipart
    (cli.work / "out").mkdir()
    assert cli.ok("cp", url + "dir/renamed.bin", "out") == ["download: %sdir/renamed.bin to out/renamed.bin" % url]
    assert (cli.work / "out" / "renamed.bin").read_bytes() == big
    modified = boto3_client.head_object(Bucket=bucket, Key="dir/renamed.bin")["LastModified"].timestamp()
    assert (cli.work / "out" / "renamed.bin").stat().st_mtime == modified
    assert cli.ok("cp", url + "small.txt", "new/folder/") == ["download: %ssmall.txt to new/folder/small.txt" % url]
    assert (cli.work / "new" / "folder" / "small.txt").read_bytes() == b"small"
    assert [name for name in os.listdir(cli.work / "out") if name != "renamed.bin"] == []  # no temp files left


def test_streams_from_stdin_and_to_stdout(cli: Cli, s3_server: Any, bucket: str, boto3_client: Any) -> None:
    # More than two 5 MiB parts: a multipart upload from the pipe (moto, slow with big bodies: one PUT).
    data = payload(11 * MiB if s3_server.name == "rgw" else 100000, 2)
    assert cli.ok("cp", "-", "s3://%s/piped.bin" % bucket, stdin=data) == ["upload: - to s3://%s/piped.bin" % bucket]
    assert body(boto3_client, bucket, "piped.bin") == data
    assert cli("cp", "s3://%s/piped.bin" % bucket, "-").stdout == data
    assert cli.ok("cp", "-", "s3://%s/tiny" % bucket, "--quiet", stdin=b"tiny") == []
    cat = cli("cat", "s3://%s/tiny" % bucket)
    assert (cat.returncode, cat.stdout, cat.stderr) == (0, b"tiny", b"")


def test_recursive_copies_server_side_copies_and_moves(cli: Cli, bucket: str, boto3_client: Any) -> None:
    tree = {"a.txt": b"a", "sub/b.txt": b"bb", "sub/deeper/c.txt": b"ccc"}
    for name, data in tree.items():
        (cli.work / "tree" / name).parent.mkdir(parents=True, exist_ok=True)
        (cli.work / "tree" / name).write_bytes(data)
    url = "s3://%s" % bucket
    lines = cli.ok("cp", "-r", "tree", url + "/up")  # in the order the uploads ended
    assert sorted(lines) == ["upload: tree/%s to %s/up/%s" % (name, url, name) for name in sorted(tree)]
    assert keys(boto3_client, bucket) == ["up/" + name for name in sorted(tree)]
    assert len(cli.ok("cp", "--recursive", url + "/up/", "down")) == 3
    for name, data in tree.items():
        assert (cli.work / "down" / name).read_bytes() == data
    assert cli.ok("cp", url + "/up/a.txt", url + "/copied/") == ["copy: %s/up/a.txt to %s/copied/a.txt" % (url, url)]
    assert json.dumps({"action": "copy", "source": url + "/up/a.txt", "destination": url + "/again/a.txt"}) in cli.ok(
        "cp", "-r", url + "/up", url + "/again", "--json"
    )
    assert body(boto3_client, bucket, "again/sub/deeper/c.txt") == b"ccc"
    assert cli.ok("mv", "tree/a.txt", url + "/moved/") == ["move: tree/a.txt to %s/moved/a.txt" % url]
    assert not (cli.work / "tree" / "a.txt").exists()
    assert cli.ok("mv", url + "/moved/a.txt", url + "/final.txt") == [
        "move: %s/moved/a.txt to %s/final.txt" % (url, url)
    ]
    assert keys(boto3_client, bucket, "moved/") == [] and body(boto3_client, bucket, "final.txt") == b"a"
    assert cli.ok("mv", "-r", url + "/again", "back", "--quiet") == []
    assert keys(boto3_client, bucket, "again/") == [] and (cli.work / "back" / "sub" / "b.txt").read_bytes() == b"bb"
    assert cli.ok("cp", "--dry-run", "-r", "tree", url + "/dry") == [
        "(dryrun) upload: tree/%s to %s/dry/%s" % (name, url, name) for name in ("sub/b.txt", "sub/deeper/c.txt")
    ]
    assert keys(boto3_client, bucket, "dry/") == []


def test_rm_single_and_recursive(cli: Cli, bucket: str, boto3_client: Any) -> None:
    put(boto3_client, bucket, {"keep": b"k", "p/1": b"1", "p/2/3": b"3", "pq": b"q"})
    url = "s3://%s" % bucket
    assert cli.ok("rm", url + "/keep", "--dry-run") == ["(dryrun) delete: %s/keep" % url]
    assert cli.ok("rm", url + "/keep") == ["delete: %s/keep" % url]
    assert cli.ok("rm", "-r", url + "/p") == ["delete: %s/p/1" % url, "delete: %s/p/2/3" % url]
    assert keys(boto3_client, bucket) == ["pq"]


# -- failures -------------------------------------------------------------------------------------


def test_a_missing_key_is_one_line_exit_1_and_leaves_nothing(cli: Cli, bucket: str) -> None:
    url = "s3://%s/no/such-key" % bucket
    done = cli("cp", url, "target")
    line = one_error_line(done)
    assert done.returncode == 1 and done.stdout == b""
    assert line.startswith("aurora: cannot download %s: " % url) and "NoSuchKey" in line
    assert os.listdir(cli.work) == []
    cat = cli("cat", url)
    assert cat.returncode == 1 and "NoSuchKey" in one_error_line(cat) and cat.stdout == b""
    debug = cli("--debug", "cp", url, "target")
    assert debug.returncode == 1
    assert b"Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.decode().strip().splitlines()[-1].startswith("aurora: cannot download %s: " % url)
    upload = cli("cp", "does-not-exist.txt", "s3://%s/" % bucket)
    assert upload.returncode == 1 and "does-not-exist.txt" in one_error_line(upload)


def test_debug_logs_requests_but_never_the_secret(cli: Cli, bucket: str) -> None:
    done = cli("ls", "s3://%s" % bucket, "--debug", "--signature-version", "2")
    assert done.returncode == 0 and b"DEBUG" in done.stderr, done.stderr.decode()  # Cli() checks the secret
    assert cli.ok("--signature-version", "2", "ls") != []


class NoServer:
    """Usage errors are found before any request: no server is needed (nothing listens on port 9)."""

    name, endpoint_url, access_key, secret_key = "none", "http://127.0.0.1:9", "AKIDNOSERVER", "no-server-secret"


@pytest.mark.parametrize(
    "argv",
    [
        ["cp", "only-one"],
        ["ls", "s3://"],
        ["rm", "s3://bucket-x"],
        ["cp", "a", "b"],
        ["presign", "s3://bucket-x/k", "--expires-in", "0"],
        ["nosuchcommand"],
    ],
)
def test_bad_usage_exits_2(tmp_path: Path, argv: Sequence[str]) -> None:
    done = Cli(NoServer(), tmp_path)(*argv)
    assert done.returncode == 2 and done.stdout == b"" and b"Traceback" not in done.stderr and done.stderr


def test_wrong_credentials_are_one_line(cli: Cli, s3_server: Any, bucket: str) -> None:
    if s3_server.name != "rgw":
        pytest.skip("moto accepts any signature")
    cli.env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-for-this-test"
    done = cli("ls", "s3://%s" % bucket)
    assert done.returncode == 1 and b"wrong-secret-for-this-test" not in done.stderr
    assert "s3://%s" % bucket in one_error_line(done)


# -- sync --------------------------------------------------------------------------------------


def write_tree(root: Path, files: Dict[str, bytes]) -> None:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def test_sync_up_and_down_twice_transfers_nothing_the_second_time(
    cli: Cli, s3_server: Any, bucket: str, boto3_client: Any
) -> None:
    # Above 8 MiB the ETag is a multipart one and dates decide instead of MD5s (moto is slow with big bodies).
    big = payload(9 * MiB if s3_server.name == "rgw" else 1000, 3)
    files = {"one.txt": b"1", "dir/two.txt": b"22", "dir/big.bin": big}
    write_tree(cli.work / "src", files)
    url = "s3://%s/mirror" % bucket
    assert sorted(cli.ok("sync", "src", url)) == sorted("upload: src/%s to %s/%s" % (name, url, name) for name in files)
    assert cli.ok("sync", "src", url) == []
    assert sorted(cli.ok("sync", url, "copy")) == sorted(
        "download: %s/%s to copy/%s" % (url, name, name) for name in files
    )
    assert cli.ok("sync", url, "copy") == []
    for name, data in files.items():
        assert (cli.work / "copy" / name).read_bytes() == data
    (cli.work / "src" / "one.txt").write_bytes(b"9")  # same size, new content: the MD5 decides
    (cli.work / "src" / "dir" / "two.txt").unlink()
    assert cli.ok("sync", "src", url) == ["upload: src/one.txt to %s/one.txt" % url]
    assert cli.ok("sync", "--delete", "--dry-run", "src", url) == ["(dryrun) delete: %s/dir/two.txt" % url]
    assert "mirror/dir/two.txt" in keys(boto3_client, bucket)
    assert cli.ok("sync", "src", url, "--delete") == ["delete: %s/dir/two.txt" % url]
    assert keys(boto3_client, bucket) == ["mirror/dir/big.bin", "mirror/one.txt"]
    assert sorted(cli.ok("sync", "--delete", url, "copy")) == [
        "delete: copy/dir/two.txt",
        "download: %s/one.txt to copy/one.txt" % url,
    ]
    assert (cli.work / "copy" / "one.txt").read_bytes() == b"9" and not (cli.work / "copy/dir/two.txt").exists()
    assert cli.ok("sync", "--delete", url, "copy") == [] and cli.ok("sync", "--delete", "src", url) == []
    typo = cli("sync", "--delete", "no-such-folder", url)  # must not read as "an empty source"
    assert typo.returncode == 1 and "no-such-folder" in one_error_line(typo)
    assert keys(boto3_client, bucket) == ["mirror/dir/big.bin", "mirror/one.txt"]


def test_sync_between_prefixes_is_server_side(cli: Cli, bucket: str, boto3_client: Any) -> None:
    put(boto3_client, bucket, {"from/a": b"a", "from/b/c": b"c"})
    url = "s3://%s" % bucket
    assert sorted(cli.ok("sync", url + "/from", url + "/to")) == [
        "copy: %s/from/a to %s/to/a" % (url, url),
        "copy: %s/from/b/c to %s/to/b/c" % (url, url),
    ]
    assert cli.ok("sync", url + "/from", url + "/to") == []
    assert body(boto3_client, bucket, "to/b/c") == b"c"


# -- presigned URLs ----------------------------------------------------------------------------


def test_presigned_get_and_put_urls_work_without_credentials(cli: Cli, bucket: str, boto3_client: Any) -> None:
    boto3_client.put_object(Bucket=bucket, Key="shared.txt", Body=b"shared bytes")
    [url] = cli.ok("presign", "s3://%s/shared.txt" % bucket, "--expires-in", "300")
    assert url.startswith(cli.server.endpoint_url + "/")
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.read() == b"shared bytes"
    [put_url] = cli.ok("presign", "s3://%s/posted.txt" % bucket, "--method", "PUT", "--expires", "60")
    request = urllib.request.Request(
        put_url, data=b"via presigned PUT", method="PUT", headers={"Content-Type": "application/octet-stream"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
    assert body(boto3_client, bucket, "posted.txt") == b"via presigned PUT"


# -- buckets with contents ------------------------------------------------------------------------


def test_rb_force_empties_the_bucket_and_aborts_uploads(cli: Cli, bucket: str, boto3_client: Any) -> None:
    count = 40  # batches of 1,000 keys are checked in tests/unit/test_cli_commands.py
    put(boto3_client, bucket, {"k/%04d" % number: b"" for number in range(count)})
    boto3_client.create_multipart_upload(Bucket=bucket, Key="unfinished")
    refused = cli("rb", "s3://%s" % bucket)
    assert refused.returncode == 1 and "BucketNotEmpty" in one_error_line(refused)
    lines = cli.ok("rb", "--force", "s3://%s" % bucket)
    assert lines[-1] == "remove_bucket: %s" % bucket
    assert sorted(lines[:-1]) == ["delete: s3://%s/k/%04d" % (bucket, number) for number in range(count)]
    assert bucket not in [b["Name"] for b in boto3_client.list_buckets()["Buckets"]]


# -- the terminal: progress bar, Ctrl-C ---------------------------------------------------------


def run_with_stderr_on_a_terminal(cli: Cli, *args: str) -> Tuple[int, bytes, str]:
    """Run with standard error on a pseudo-terminal; returns (status, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    with subprocess.Popen(
        cli.command(*args), cwd=cli.work, env=cli.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
    ) as proc:
        os.close(slave)
        seen = read_terminal(master)
        out = proc.stdout.read() if proc.stdout else b""
        return proc.wait(timeout=60), out, seen.decode("utf-8", "replace")


def test_a_progress_bar_on_a_terminal_and_none_on_a_pipe(cli: Cli, s3_server: Any, bucket: str) -> None:
    if s3_server.name != "rgw":
        pytest.skip("terminal behaviour, the same whatever the server: checked once, against RGW")
    (cli.work / "bar.bin").write_bytes(payload(2 * MiB, 4))
    code, out, terminal = run_with_stderr_on_a_terminal(cli, "cp", "bar.bin", "s3://%s/bar.bin" % bucket)
    assert code == 0 and out.decode().startswith("upload: ./bar.bin")
    assert "upload bar.bin" in terminal and "2.0 MiB/2.0 MiB" in terminal and "/s" in terminal
    assert terminal.endswith("\r\x1b[K")  # the line is wiped at the end
    code, out, terminal = run_with_stderr_on_a_terminal(cli, "cp", "s3://%s/bar.bin" % bucket, "back.bin")
    assert code == 0 and "download back.bin" in terminal
    code, _, terminal = run_with_stderr_on_a_terminal(cli, "cp", "--quiet", "bar.bin", "s3://%s/q" % bucket)
    assert (code, terminal) == (0, "")
    piped = cli("cp", "bar.bin", "s3://%s/piped.bin" % bucket)
    assert piped.returncode == 0 and piped.stderr == b""


def test_ctrl_c_aborts_the_multipart_upload_and_exits_130(cli: Cli, bucket: str, boto3_client: Any) -> None:
    proc = subprocess.Popen(
        cli.command("cp", "-", "s3://%s/interrupted.bin" % bucket),
        cwd=cli.work,
        env=cli.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a shell leaves it
    )
    assert proc.stdin is not None
    try:
        proc.stdin.write(payload(12 * MiB, 5))  # two full parts: the multipart upload starts
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while not uploads(boto3_client, bucket) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert uploads(boto3_client, bucket), "the upload never started"
        proc.send_signal(signal.SIGINT)  # stdin stays open: the command is waiting for more
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()  # reaps it and closes its pipes, whatever happened above
    assert proc.returncode == 130
    assert err == b"aurora: interrupted\n" and out == b""
    assert uploads(boto3_client, bucket) == []
    assert keys(boto3_client, bucket) == []
