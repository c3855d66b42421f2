"""Downloads under faults: the exact bytes, or an error and no partial file.

A broken body is resumed with a ``Range`` request pinned to the ETag; the
destination only appears once every byte arrived, and an existing file is only
replaced by a complete download.
"""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from faults.matchers import is_get
from faults.proxy import Action, Close, FaultProxy, Request, Reset, Stall, Truncate, internal_error, slow_down
from faults.support import fast_config, leftovers, make_driver, payload, rgw_only

import aurora
from aurora.config import Config, MiB
from aurora.drivers.s3 import BaseS3StorageDriver

pytestmark = rgw_only()

SIZE = 3 * MiB + 12345
MID_BODY = MiB  # faults strike after this many bytes of the answer
STALL_READ_TIMEOUT = 1.0

FAULTS: Dict[str, Action] = {
    "reset-mid-body": Reset(after_bytes=MID_BODY),
    "close-mid-body": Close(after_bytes=MID_BODY),
    "truncated-body": Truncate(body_bytes=MID_BODY),
    "stall-mid-body": Stall(seconds=5.0, after_bytes=MID_BODY),
    "reset-before-answer": Reset(after_bytes=0),
    "500-internal-error": internal_error(),
    "503-slow-down": slow_down(),
}
MID_BODY_FAULTS = ("reset-mid-body", "close-mid-body", "truncated-body", "stall-mid-body")

MODES: Dict[str, Dict[str, Any]] = {
    "single-get": {},
    "parallel-ranges": {"multipart_download_threshold": 2 * MiB, "download_part_size": 2 * MiB},
}


def config_for(mode: str, action: Optional[Action] = None) -> Config:
    read = STALL_READ_TIMEOUT if isinstance(action, Stall) else 5.0
    return fast_config(read_timeout=read, **MODES[mode])


@pytest.fixture
def stored(bucket: str, boto3_client: Any) -> Tuple[str, bytes]:
    """A 3 MiB object put on the server directly."""
    data = payload(SIZE, seed=11)
    boto3_client.put_object(Bucket=bucket, Key="object", Body=data)
    return "object", data


def resumed(proxy: FaultProxy, mode: str) -> bool:
    """Whether a GET asked for a range that starts inside a body that broke (not on a part boundary)."""
    starts = []
    for request in proxy.seen(is_get):
        value = request.header("range") or ""
        if value.startswith("bytes="):
            starts.append(int(value[len("bytes=") :].split("-")[0]))
    boundary = MODES[mode].get("download_part_size", SIZE)
    return any(start % boundary for start in starts)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_download_survives_faults_within_the_budget(
    s3_server: Any,
    proxy: FaultProxy,
    bucket: str,
    stored: Tuple[str, bytes],
    tmp_path: Path,
    fault: str,
    mode: str,
) -> None:
    key, data = stored
    action = FAULTS[fault]
    rule = proxy.add_rule(is_get, action, times=1 if isinstance(action, Stall) else 3)
    target = tmp_path / "downloaded"
    with closing(make_driver(s3_server, proxy.host, proxy.port, config_for(mode, action))) as driver:
        obj = driver.get_object(bucket, key)
        assert driver.download_object(obj, str(target)) is True
    assert rule.fired == rule.times
    assert target.read_bytes() == data
    assert leftovers(tmp_path) == ["downloaded"]
    # A TCP reset makes the kernel drop what the client had not read yet, so whether any
    # body byte got through before it depends on scheduling; the other mid-body faults
    # (FIN, short body, stall) always leave a resumable prefix.
    if fault in MID_BODY_FAULTS and fault != "reset-mid-body":
        assert resumed(proxy, mode), [r.header("range") for r in proxy.seen(is_get)]


@pytest.mark.parametrize("fault", MID_BODY_FAULTS)
def test_stream_download_resumes_with_a_range_request(
    s3_server: Any, proxy: FaultProxy, bucket: str, stored: Tuple[str, bytes], fault: str
) -> None:
    key, data = stored
    action = FAULTS[fault]
    proxy.add_rule(is_get, action, times=2)
    with closing(make_driver(s3_server, proxy.host, proxy.port, config_for("single-get", action))) as driver:
        received = b"".join(driver.download_object_as_stream(driver.get_object(bucket, key), chunk_size=100_000))
    assert received == data
    ranges = [r.header("range") for r in proxy.seen(is_get)]
    assert ranges[0] is None and all(value and value.startswith("bytes=") for value in ranges[1:])
    assert len(ranges) == 3


def test_range_download_resumes_inside_its_range(
    s3_server: Any, proxy: FaultProxy, bucket: str, stored: Tuple[str, bytes], tmp_path: Path
) -> None:
    key, data = stored
    proxy.add_rule(is_get, Close(after_bytes=MID_BODY), times=2)  # FIN: the bytes sent before it arrive
    target = tmp_path / "range"
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver:
        obj = driver.get_object(bucket, key)
        assert driver.download_object_range(obj, str(target), 1000, 3 * MiB) is True
    assert target.read_bytes() == data[1000 : 3 * MiB]
    last = proxy.seen(is_get)[-1].header("range") or ""
    assert last.endswith("-%d" % (3 * MiB - 1)) and not last.startswith("bytes=1000-")


# -- beyond the budget: an error and no partial file ----------------------------------------


def failing_download(driver: BaseS3StorageDriver, obj: aurora.Object, target: Path, overwrite: bool) -> bool:
    """False (libcloud's answer to a short transfer) or an aurora error; anything else fails the test."""
    try:
        return driver.download_object(obj, str(target), overwrite_existing=overwrite)
    except aurora.AuroraError:
        return False


# Each resume makes progress, so a fault mid-body is beyond the budget only when it leaves
# too little: four resumes of a few hundred bytes cannot finish 3 MiB.
BEYOND_FAULTS: Dict[str, Action] = {
    "reset-mid-body": Reset(after_bytes=2000),
    "truncated-body": Truncate(body_bytes=1000),
    "500-internal-error": internal_error(),
    "reset-before-answer": Reset(after_bytes=0),
}
BEYOND = sorted(BEYOND_FAULTS)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("fault", BEYOND)
def test_failed_download_leaves_no_file(
    s3_server: Any,
    proxy: FaultProxy,
    bucket: str,
    stored: Tuple[str, bytes],
    tmp_path: Path,
    fault: str,
    mode: str,
) -> None:
    key, _ = stored
    with closing(make_driver(s3_server, proxy.host, proxy.port, config_for(mode))) as driver:
        obj = driver.get_object(bucket, key)
        proxy.add_rule(is_get, BEYOND_FAULTS[fault], times=None)
        assert failing_download(driver, obj, tmp_path / "never", overwrite=False) is False
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("fault", BEYOND)
def test_failed_overwrite_leaves_the_old_file_untouched(
    s3_server: Any,
    proxy: FaultProxy,
    bucket: str,
    stored: Tuple[str, bytes],
    tmp_path: Path,
    fault: str,
    mode: str,
) -> None:
    key, _ = stored
    target = tmp_path / "existing"
    target.write_bytes(b"precious old contents")
    os.chmod(target, 0o640)
    before = os.stat(target)
    with closing(make_driver(s3_server, proxy.host, proxy.port, config_for(mode))) as driver:
        obj = driver.get_object(bucket, key)
        proxy.add_rule(is_get, BEYOND_FAULTS[fault], times=None)
        assert failing_download(driver, obj, target, overwrite=True) is False
    after = os.stat(target)
    assert target.read_bytes() == b"precious old contents"
    assert (after.st_ino, after.st_mtime_ns, after.st_mode) == (before.st_ino, before.st_mtime_ns, before.st_mode)
    assert leftovers(tmp_path) == ["existing"]


def test_stream_beyond_the_budget_raises_instead_of_ending_short(
    s3_server: Any, proxy: FaultProxy, bucket: str, stored: Tuple[str, bytes]
) -> None:
    key, data = stored
    received = bytearray()
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver:
        obj = driver.get_object(bucket, key)
        proxy.add_rule(is_get, Reset(after_bytes=2000), times=None)
        with pytest.raises(aurora.AuroraError):
            for chunk in driver.download_object_as_stream(obj, chunk_size=65536):
                received += chunk
    assert len(received) < len(data)
    assert bytes(received) == data[: len(received)]


# -- the object changes while a download resumes --------------------------------------------


def replace_on_resume(boto3_client: Any, bucket: str, key: str) -> Callable[[Request], bool]:
    """A rule predicate that never matches, but replaces the object when the first resume arrives."""
    done: List[Request] = []

    def match(request: Request) -> bool:
        if is_get(request) and (request.header("range") or "").startswith("bytes=") and not done:
            done.append(request)
            boto3_client.put_object(Bucket=bucket, Key=key, Body=b"a newer version")
        return False

    return match


def test_resume_never_mixes_two_versions(
    s3_server: Any, proxy: FaultProxy, bucket: str, stored: Tuple[str, bytes], tmp_path: Path, boto3_client: Any
) -> None:
    key, _ = stored
    proxy.add_rule(replace_on_resume(boto3_client, bucket, key), Reset(), times=None)
    proxy.add_rule(is_get, Reset(after_bytes=MID_BODY), times=1)
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver:
        obj = driver.get_object(bucket, key)
        assert failing_download(driver, obj, tmp_path / "mixed", overwrite=False) is False
    assert leftovers(tmp_path) == []
    resumes = proxy.seen(lambda r: is_get(r) and r.header("range") is not None)
    assert resumes and all(r.header("if-match") == '"%s"' % obj.hash for r in resumes)


def test_stream_resume_never_mixes_two_versions(
    s3_server: Any, proxy: FaultProxy, bucket: str, stored: Tuple[str, bytes], boto3_client: Any
) -> None:
    key, data = stored
    proxy.add_rule(replace_on_resume(boto3_client, bucket, key), Reset(), times=None)
    proxy.add_rule(is_get, Reset(after_bytes=MID_BODY), times=1)
    received = bytearray()
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver:
        stream: Iterator[bytes] = driver.download_object_as_stream(driver.get_object(bucket, key), chunk_size=65536)
        with pytest.raises(aurora.AuroraError):
            for chunk in stream:
                received += chunk
    assert bytes(received) == data[: len(received)]
