"""Kept-alive connections the server closes are replaced without the caller noticing.

The driver runs with a single attempt here, so nothing is hidden by the retry
loop: a success means the transport itself recovered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from faults.matchers import is_get, is_list, is_part, is_put_object
from faults.proxy import Close, CloseAfterResponse, FaultProxy, Request, Reset
from faults.support import fast_config, make_driver, object_bytes, payload, pending_uploads, rgw_only

import aurora
from aurora.config import MiB, RetryPolicy
from aurora.drivers.s3 import BaseS3StorageDriver

pytestmark = rgw_only()


@pytest.fixture
def single(s3_server: Any, proxy: FaultProxy) -> Iterator[BaseS3StorageDriver]:
    """The driver under test with one attempt per request and sequential parts."""
    driver = make_driver(
        s3_server, proxy.host, proxy.port, fast_config(retry=RetryPolicy(max_attempts=1), max_concurrency=1)
    )
    yield driver
    driver.close()


def test_idle_connection_closed_by_the_server_is_replaced(
    single: BaseS3StorageDriver, proxy: FaultProxy, bucket: str, boto3_client: Any, tmp_path: Path
) -> None:
    container = single.get_container(bucket)
    obj = single.upload_object_via_stream(iter([b"first"]), container, "k")
    assert proxy.connections == 1
    assert proxy.close_idle_connections() == 1
    assert single.download_object(obj, str(tmp_path / "k")) is True
    assert (tmp_path / "k").read_bytes() == b"first"
    assert proxy.connections == 2
    assert object_bytes(boto3_client, bucket, "k") == b"first"


def test_server_that_closes_after_every_answer(
    single: BaseS3StorageDriver, proxy: FaultProxy, bucket: str, boto3_client: Any, tmp_path: Path
) -> None:
    proxy.add_rule(lambda request: True, CloseAfterResponse(), times=None)
    container = single.get_container(bucket)
    data = payload(5 * MiB + 1000, seed=21)
    source = tmp_path / "source"
    source.write_bytes(data)
    big = single.upload_object(str(source), container, "big")
    single.upload_object_via_stream(iter([b"small"]), container, "small")
    assert sorted(o.name for o in single.list_container_objects(container)) == ["big", "small"]
    assert b"".join(single.download_object_as_stream(big)) == data
    assert single.delete_object(single.get_object(bucket, "small")) is True
    assert proxy.connections == len(proxy.seen())
    assert object_bytes(boto3_client, bucket, "big") == data
    assert object_bytes(boto3_client, bucket, "small") is None


def on_reused_connection(match: Callable[[Request], bool]) -> Callable[[Request], bool]:
    """``match``, but only for a request that is not the first on its connection."""
    return lambda request: request.sequence > 0 and match(request)


CLOSES = {"fin": Close(after_bytes=0, direction="request"), "rst": Reset(after_bytes=0, direction="request")}


@pytest.mark.parametrize("how", sorted(CLOSES))
def test_request_lost_on_a_stale_connection_is_sent_again(
    single: BaseS3StorageDriver, proxy: FaultProxy, bucket: str, boto3_client: Any, tmp_path: Path, how: str
) -> None:
    """The server closed the connection just as the next request went out (the keep-alive race):
    nothing reached it, so every kind of request is sent once more on a fresh connection."""
    container = single.get_container(bucket)
    rule = proxy.add_rule(on_reused_connection(lambda request: True), CLOSES[how], times=None)
    data = payload(5 * MiB + 2000, seed=22)
    source = tmp_path / "source"
    source.write_bytes(data)

    single.upload_object_via_stream(iter([b"via stream"]), container, "stream")  # PUT from a buffer
    single.upload_object(str(source), container, "file")  # multipart: parts read from the file
    small = tmp_path / "small"
    small.write_bytes(b"via file")
    single.upload_object(str(small), container, "small-file")  # one PUT from a file window
    names = sorted(o.name for o in single.list_container_objects(container))
    streamed = b"".join(single.download_object_as_stream(single.get_object(bucket, "file")))
    assert single.download_object(single.get_object(bucket, "stream"), str(tmp_path / "got")) is True

    assert names == ["file", "small-file", "stream"]
    assert streamed == data
    assert (tmp_path / "got").read_bytes() == b"via stream"
    assert object_bytes(boto3_client, bucket, "file") == data
    assert object_bytes(boto3_client, bucket, "small-file") == b"via file"
    assert pending_uploads(boto3_client, bucket) == []
    assert rule.fired >= 5
    for kind in (is_put_object, is_part(2), is_list, is_get):
        lost = [r.target for r in proxy.seen(kind) if r.fault]
        assert lost, kind
        sent = [r.target for r in proxy.seen(kind) if not r.fault]
        assert set(lost) <= set(sent)


def test_request_lost_on_a_fresh_connection_is_left_to_the_retry_budget(
    single: BaseS3StorageDriver, proxy: FaultProxy, bucket: str, boto3_client: Any
) -> None:
    """A fresh connection that dies unanswered is not the keep-alive race: with one attempt it fails."""
    container = single.get_container(bucket)
    proxy.close_idle_connections()
    proxy.add_rule(lambda request: request.sequence == 0, Close(after_bytes=0, direction="request"), times=1)
    with pytest.raises(aurora.TransportError):
        single.upload_object_via_stream(iter([b"x"]), container, "x")
    assert [r.fault for r in proxy.seen(is_put_object)] == ["Reset"]
    assert object_bytes(boto3_client, bucket, "x") is None
