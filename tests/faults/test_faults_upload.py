"""Uploads under faults: exact bytes within the retry budget, nothing left behind beyond it.

The driver under test talks to RGW through the fault proxy with four attempts
and tiny backoffs; every outcome is checked on the server directly (boto3).
"""

from __future__ import annotations

import hashlib
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
from faults.matchers import is_complete, is_create, is_part, is_put_object
from faults.proxy import (
    Action,
    Close,
    FaultProxy,
    Request,
    Reset,
    Stall,
    internal_error,
    request_timeout,
    service_unavailable,
    slow_down,
)
from faults.support import chunks, fast_config, make_driver, object_bytes, payload, pending_uploads, rgw_only

import aurora
from aurora.config import MiB, RetryPolicy
from aurora.drivers.s3 import BaseS3StorageDriver

pytestmark = rgw_only()

SINGLE = 256 * 1024
MULTI = 10 * MiB + 100 * 1024  # three parts of 5 MiB, 5 MiB and 100 KiB

# Faults an attempt can suffer; each is retried.  Stalls need the short read timeout.
FAULTS: Dict[str, Action] = {
    "reset-mid-request": Reset(after_bytes=1000, direction="request"),
    "close-mid-request": Close(after_bytes=1000, direction="request"),
    "reset-before-answer": Reset(after_bytes=0, direction="response"),
    "500-internal-error": internal_error(),
    "503-slow-down": slow_down(),
    "503-service-unavailable": service_unavailable(),
    "400-request-timeout": request_timeout(),
    "stall-before-answer": Stall(seconds=5.0),
}
STALL_READ_TIMEOUT = 1.0


def times(fault: str) -> int:
    """How often a fault fires within the budget of four attempts (a stall costs a read timeout each)."""
    return 1 if fault.startswith("stall") else 3


def upload(driver: BaseS3StorageDriver, bucket: str, key: str, data: bytes, source: str, tmp_path: Path) -> Any:
    container = driver.get_container(bucket)
    if source == "file":
        path = tmp_path / "source.bin"
        path.write_bytes(data)
        return driver.upload_object(str(path), container, key)
    return driver.upload_object_via_stream(chunks(data, 64 * 1024 + 7), container, key)


def driver_for(s3_server: Any, proxy: FaultProxy, action: Action) -> BaseS3StorageDriver:
    read = STALL_READ_TIMEOUT if isinstance(action, Stall) else 5.0
    return make_driver(s3_server, proxy.host, proxy.port, fast_config(read_timeout=read))


def fired(proxy: FaultProxy, match: Callable[[Request], bool]) -> List[str]:
    return [str(r.fault) for r in proxy.seen(match) if r.fault]


# -- within the budget: the exact bytes -----------------------------------------------------


@pytest.mark.parametrize("source", ["file", "stream"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_single_put_survives_faults_within_the_budget(
    s3_server: Any, proxy: FaultProxy, bucket: str, boto3_client: Any, tmp_path: Path, fault: str, source: str
) -> None:
    action = FAULTS[fault]
    rule = proxy.add_rule(is_put_object, action, times=times(fault))
    data = payload(SINGLE, seed=1)
    with closing(driver_for(s3_server, proxy, action)) as driver:
        obj = upload(driver, bucket, "single", data, source, tmp_path)
    assert rule.fired == times(fault)
    assert obj.hash == hashlib.md5(data).hexdigest()
    assert object_bytes(boto3_client, bucket, "single") == data
    assert proxy.seen(is_put_object)[-1].fault is None


MULTIPART_CASES = [
    ("part-2", "reset-mid-request", "file"),
    ("part-2", "reset-mid-request", "stream"),
    ("part-2", "close-mid-request", "file"),
    ("part-2", "reset-before-answer", "file"),
    ("part-2", "reset-before-answer", "stream"),
    ("part-2", "500-internal-error", "file"),
    ("part-2", "503-slow-down", "stream"),
    ("part-2", "400-request-timeout", "file"),
    ("part-2", "stall-before-answer", "file"),
    ("part-2", "stall-before-answer", "stream"),
    ("part-3", "reset-mid-request", "file"),
    ("part-3", "500-internal-error", "stream"),
    ("create", "503-slow-down", "file"),
    ("create", "500-internal-error", "stream"),
    ("complete", "500-internal-error", "file"),
    ("complete", "503-slow-down", "stream"),
    ("complete", "reset-mid-request", "file"),
    ("complete", "reset-before-answer", "file"),
    ("complete", "reset-before-answer", "stream"),
]
TARGETS = {"part-2": is_part(2), "part-3": is_part(3), "create": is_create, "complete": is_complete}


@pytest.mark.parametrize("target, fault, source", MULTIPART_CASES, ids=["-".join(case) for case in MULTIPART_CASES])
def test_multipart_upload_survives_faults_within_the_budget(
    s3_server: Any,
    proxy: FaultProxy,
    bucket: str,
    boto3_client: Any,
    tmp_path: Path,
    target: str,
    fault: str,
    source: str,
) -> None:
    """Parts, CreateMultipartUpload and CompleteMultipartUpload are each retried on their own.

    ``complete-reset-before-answer``: RGW completed the upload but the answer was
    lost; the retried Complete is answered as a success (RGW treats it as idempotent).
    """
    action = FAULTS[fault]
    rule = proxy.add_rule(TARGETS[target], action, times=times(fault))
    data = payload(MULTI, seed=2)
    with closing(driver_for(s3_server, proxy, action)) as driver:
        obj = upload(driver, bucket, "multi", data, source, tmp_path)
    assert rule.fired == times(fault)
    assert len(proxy.seen(is_part(3))) >= 1 and len(proxy.seen(is_create)) >= 1
    assert obj.hash is not None and obj.hash.endswith("-3")
    assert object_bytes(boto3_client, bucket, "multi") == data
    assert pending_uploads(boto3_client, bucket) == []


def test_lost_answer_to_create_leaves_an_orphan_only_cleanup_removes(
    s3_server: Any,
    proxy: FaultProxy,
    bucket: str,
    boto3_client: Any,
    direct: BaseS3StorageDriver,
    tmp_path: Path,
) -> None:
    """A limit of the protocol, pinned: when the answer to CreateMultipartUpload is lost, the
    server holds an upload whose id the client never learned.  The retry succeeds with the
    exact bytes; the orphan stays until ``ex_cleanup_all_multipart_uploads`` (or a lifecycle rule)."""
    proxy.add_rule(is_create, Reset(after_bytes=0, direction="response"), times=1)
    data = payload(MULTI, seed=3)
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver:
        obj = upload(driver, bucket, "orphaned", data, "file", tmp_path)
    assert obj.hash is not None and obj.hash.endswith("-3")
    assert object_bytes(boto3_client, bucket, "orphaned") == data
    assert pending_uploads(boto3_client, bucket) == ["orphaned"]
    direct.ex_cleanup_all_multipart_uploads(direct.get_container(bucket))
    assert pending_uploads(boto3_client, bucket) == []
    assert object_bytes(boto3_client, bucket, "orphaned") == data


# -- beyond the budget: an error, and nothing left behind ---------------------------------


OLD = b"the object that was there before"


BEYOND = [
    ("reset-mid-request", "file"),
    ("reset-mid-request", "stream"),
    ("500-internal-error", "stream"),
    ("stall-before-answer", "file"),
]


@pytest.mark.parametrize("fault, source", BEYOND, ids=["-".join(case) for case in BEYOND])
def test_multipart_upload_beyond_the_budget_is_aborted_and_keeps_the_old_object(
    s3_server: Any, proxy: FaultProxy, bucket: str, boto3_client: Any, tmp_path: Path, fault: str, source: str
) -> None:
    boto3_client.put_object(Bucket=bucket, Key="doomed", Body=OLD)
    action = FAULTS[fault]
    proxy.add_rule(is_part(2), action, times=None)
    with closing(driver_for(s3_server, proxy, action)) as driver, pytest.raises(aurora.AuroraError) as caught:
        upload(driver, bucket, "doomed", payload(MULTI, seed=4), source, tmp_path)
    assert caught.value.upload_id
    assert caught.value.attempts == 4
    assert pending_uploads(boto3_client, bucket) == []
    assert object_bytes(boto3_client, bucket, "doomed") == OLD
    aborts = [r for r in proxy.seen() if r.method == "DELETE" and caught.value.upload_id in r.target]
    assert len(aborts) == 1


@pytest.mark.parametrize("source", ["file", "stream"])
def test_failing_complete_is_aborted_and_keeps_the_old_object(
    s3_server: Any, proxy: FaultProxy, bucket: str, boto3_client: Any, tmp_path: Path, source: str
) -> None:
    boto3_client.put_object(Bucket=bucket, Key="doomed", Body=OLD)
    proxy.add_rule(is_complete, internal_error(), times=None)
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver, pytest.raises(aurora.AuroraError) as caught:
        upload(driver, bucket, "doomed", payload(MULTI, seed=5), source, tmp_path)
    assert caught.value.upload_id and caught.value.status == 500
    assert len(proxy.seen(is_complete)) == 4
    assert pending_uploads(boto3_client, bucket) == []
    assert object_bytes(boto3_client, bucket, "doomed") == OLD


def test_failing_create_leaves_nothing(
    s3_server: Any, proxy: FaultProxy, bucket: str, boto3_client: Any, tmp_path: Path
) -> None:
    boto3_client.put_object(Bucket=bucket, Key="doomed", Body=OLD)
    proxy.add_rule(is_create, slow_down(), times=None)
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver, pytest.raises(aurora.AuroraError) as caught:
        upload(driver, bucket, "doomed", payload(MULTI, seed=6), "file", tmp_path)
    assert caught.value.code == "SlowDown" and caught.value.attempts == 4
    assert proxy.seen(is_part(1)) == []
    assert pending_uploads(boto3_client, bucket) == []
    assert object_bytes(boto3_client, bucket, "doomed") == OLD


@pytest.mark.parametrize("source", ["file", "stream"])
@pytest.mark.parametrize("fault", ["reset-mid-request", "reset-before-answer", "503-slow-down"])
def test_single_put_beyond_the_budget_keeps_the_old_object(
    s3_server: Any, proxy: FaultProxy, bucket: str, boto3_client: Any, tmp_path: Path, fault: str, source: str
) -> None:
    boto3_client.put_object(Bucket=bucket, Key="doomed", Body=OLD)
    proxy.add_rule(is_put_object, FAULTS[fault], times=None)
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver, pytest.raises(aurora.AuroraError) as caught:
        upload(driver, bucket, "doomed", payload(SINGLE, seed=7), source, tmp_path)
    assert caught.value.attempts == 4
    if fault != "reset-before-answer":  # there the server stored each attempt before the answer was lost
        assert object_bytes(boto3_client, bucket, "doomed") == OLD
    assert pending_uploads(boto3_client, bucket) == []


def test_single_put_cut_short_stores_nothing(s3_server: Any, proxy: FaultProxy, bucket: str, boto3_client: Any) -> None:
    """One attempt, its body cut: the server never stores the partial body."""
    proxy.add_rule(is_put_object, Reset(after_bytes=SINGLE // 2, direction="request"), times=None)
    config = fast_config(retry=RetryPolicy(max_attempts=1))
    driver = make_driver(s3_server, proxy.host, proxy.port, config)
    with closing(driver), pytest.raises(aurora.TransportError):
        driver.upload_object_via_stream(iter([payload(SINGLE, seed=8)]), driver.get_container(bucket), "cut")
    assert object_bytes(boto3_client, bucket, "cut") is None


# -- throttling: Retry-After -------------------------------------------------------------------


@pytest.mark.parametrize("retry_after, expected", [("1", 1.0), ("0.25", 0.25), ("30", 2.0)])
def test_slow_down_with_retry_after_is_honoured(
    s3_server: Any,
    proxy: FaultProxy,
    bucket: str,
    boto3_client: Any,
    monkeypatch: pytest.MonkeyPatch,
    retry_after: str,
    expected: float,
) -> None:
    """The wait before the retry is the server's Retry-After, capped by backoff_max (2 s here)."""
    proxy.add_rule(is_put_object, slow_down(retry_after=retry_after), times=1)
    policy = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=2.0)
    waits: List[float] = []
    with closing(make_driver(s3_server, proxy.host, proxy.port, fast_config(retry=policy))) as driver:
        monkeypatch.setattr(driver.client, "_sleep", waits.append)
        driver.upload_object_via_stream(iter([b"throttled"]), driver.get_container(bucket), "throttled")
    assert waits == [expected]
    assert fired(proxy, is_put_object) == ["Respond"]
    assert object_bytes(boto3_client, bucket, "throttled") == b"throttled"
