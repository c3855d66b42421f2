"""Listings under faults: every key exactly once, in order, or an error (never a silent gap).

The bucket holds 1,234 keys (two pages: RGW answers at most 1,000 keys a page),
created once for the module; the faults strike the request for the second page.
"""

from __future__ import annotations

import uuid
from contextlib import closing
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
from faults.matchers import is_list
from faults.proxy import Action, Close, FaultProxy, Reset, Stall, Truncate, internal_error, slow_down
from faults.support import fast_config, fill_bucket, make_driver, object_keys, rgw_only

import aurora
from aurora.drivers.s3 import BaseS3StorageDriver

pytestmark = rgw_only()

COUNT = 1234
SUFFIXES = ["plain", "with space", "plus+sign", "per%cent", "ünïcødé", "dir/nested", "tilde~", "amp&"]


def listing_keys() -> List[str]:
    return ["%05d-%s" % (i, SUFFIXES[i % len(SUFFIXES)]) for i in range(COUNT)]


@pytest.fixture(scope="module")
def listed(s3_server: Any, make_boto3_client: Callable[..., Any]) -> Iterator[Tuple[str, List[str]]]:
    """A bucket of 1,234 small objects, made once for the module, and its keys in listing order."""
    client = make_boto3_client(s3_server)
    name = "t-list-" + uuid.uuid4().hex[:20]
    client.create_bucket(Bucket=name)
    keys = listing_keys()
    try:
        fill_bucket(client, name, keys)
        yield name, sorted(keys, key=lambda key: key.encode("utf-8"))
    finally:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            client.delete_objects(Bucket=name, Delete={"Objects": batch, "Quiet": True})
        client.delete_bucket(Bucket=name)


def test_the_fixture_matches_the_server(listed: Tuple[str, List[str]], make_boto3_client: Any, s3_server: Any) -> None:
    bucket, keys = listed
    assert object_keys(make_boto3_client(s3_server), bucket) == keys


FAULTS: Dict[str, Action] = {
    "reset-before-answer": Reset(after_bytes=0),
    "reset-mid-body": Reset(after_bytes=5000),
    "close-mid-body": Close(after_bytes=5000),
    "truncated-body": Truncate(body_bytes=3000),
    "stall-mid-body": Stall(seconds=5.0, after_bytes=5000),
    "500-internal-error": internal_error(),
    "503-slow-down": slow_down(),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_listing_resumes_without_duplicates_or_gaps(
    s3_server: Any, proxy: FaultProxy, listed: Tuple[str, List[str]], fault: str
) -> None:
    bucket, expected = listed
    action = FAULTS[fault]
    stall = isinstance(action, Stall)
    rule = proxy.add_rule(is_list, action, times=1 if stall else 3, skip=1)
    config = fast_config(read_timeout=1.0 if stall else 5.0)
    with closing(make_driver(s3_server, proxy.host, proxy.port, config)) as driver:
        names = [obj.name for obj in driver.iterate_container_objects(aurora.Container(bucket, {}, driver))]
    assert rule.fired == rule.times
    assert len(names) == len(set(names)) == COUNT
    assert names == expected
    second_page = [r.target for r in proxy.seen(is_list)][1:]  # every attempt asks from the same place
    assert len(second_page) == rule.times + 1 and len(set(second_page)) == 1


def test_listing_with_a_prefix_and_delimiter_resumes(
    s3_server: Any, proxy: FaultProxy, listed: Tuple[str, List[str]]
) -> None:
    bucket, expected = listed
    proxy.add_rule(is_list, Reset(after_bytes=5000), times=2, skip=1)
    with closing(make_driver(s3_server, proxy.host, proxy.port)) as driver:
        container = aurora.Container(bucket, {}, driver)
        names = [obj.name for obj in driver.iterate_container_objects(container, prefix="0", ex_delimiter="/")]
    assert names == [key for key in expected if key.startswith("0") and "/" not in key]


def test_listing_beyond_the_budget_raises_after_a_clean_prefix(
    s3_server: Any, proxy: FaultProxy, listed: Tuple[str, List[str]]
) -> None:
    """The pages before the failure are complete; the failure is an error, not a short listing."""
    bucket, expected = listed
    proxy.add_rule(is_list, internal_error(), times=None, skip=1)
    names: List[str] = []
    driver: BaseS3StorageDriver = make_driver(s3_server, proxy.host, proxy.port)
    with closing(driver), pytest.raises(aurora.AuroraError) as caught:
        for obj in driver.iterate_container_objects(aurora.Container(bucket, {}, driver)):
            names.append(obj.name)
    assert caught.value.status == 500 and caught.value.attempts == 4
    assert names == expected[:1000]
