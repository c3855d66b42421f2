"""S3 URLs, local paths and the names ``aurora`` derives from them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aurora.cli.transfers import safe_local_path
from aurora.cli.urls import (
    LocalPath,
    S3Url,
    Stream,
    UsageError,
    display_name,
    join_key,
    key_basename,
    listing_prefix,
    local_target,
    parse_location,
    parse_s3_url,
    relative_display,
    split_pair,
)
from aurora.drivers.base import LocalTargets
from aurora.errors import InvalidArgumentError


@pytest.mark.parametrize(
    "text, bucket, key",
    [
        ("s3://bucket", "bucket", ""),
        ("s3://bucket/", "bucket", ""),
        ("s3://bucket/key", "bucket", "key"),
        ("s3://bucket/k/", "bucket", "k/"),
        ("s3://bucket/a/b/c.txt", "bucket", "a/b/c.txt"),
        ("s3://bucket//double", "bucket", "/double"),
        ("s3://my.bucket-1/with space", "my.bucket-1", "with space"),
    ],
)
def test_s3_urls_split_into_bucket_and_key(text: str, bucket: str, key: str) -> None:
    url = parse_s3_url(text)
    assert (url.bucket, url.key) == (bucket, key)


@pytest.mark.parametrize(
    "text",
    ["s3://", "s3:///key", "s3:/bucket/key", "bucket/key", "S3://bucket", "s3://b\x1bc/k", "s3://" + "b" * 256 + "/k"],
)
def test_malformed_s3_urls_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_s3_url(text)


@pytest.mark.parametrize("bucket", ["Bucket", "ab", "a_b", "Legacy_Upper.Case"])
def test_buckets_the_server_can_address_are_accepted_as_the_driver_accepts_them(bucket: str) -> None:
    # Only `mb` (create_container) applies the strict DNS rule; legacy names stay reachable.
    assert parse_s3_url("s3://%s/k" % bucket) == S3Url(bucket, "k")


def test_url_round_trips_and_folders() -> None:
    assert str(S3Url("b", "k/x")) == "s3://b/k/x"
    assert str(S3Url("b")) == "s3://b/"
    assert S3Url("b").is_dir and S3Url("b", "p/").is_dir
    assert not S3Url("b", "p").is_dir
    assert S3Url("b", "p").child("x") == S3Url("b", "p/x")
    assert S3Url("b", "p/").child("x") == S3Url("b", "p/x")
    assert S3Url("b").child("x") == S3Url("b", "x")


def test_locations() -> None:
    assert parse_location("-") == Stream()
    assert parse_location("s3://bkt/k") == S3Url("bkt", "k")
    assert parse_location("./x") == LocalPath("./x")
    assert parse_location("dir/") == LocalPath("dir/")
    for bad in ("gs://bucket/key", "https://host/x", ""):
        with pytest.raises(UsageError):
            parse_location(bad)


def test_key_helpers() -> None:
    assert join_key("", "x") == "x"
    assert join_key("p", "x") == "p/x"
    assert join_key("p/", "x") == "p/x"
    assert key_basename("a/b/c") == "c"
    assert key_basename("c") == "c"
    assert key_basename("a/") == ""
    assert listing_prefix("") == ""
    assert listing_prefix("a") == "a/"
    assert listing_prefix("a/") == "a/"


@pytest.mark.parametrize(
    "key, prefix, shown",
    [
        ("a/file", "a/", "file"),  # aws s3 ls s3://b/a/
        ("a/", "a", "a/"),  # aws s3 ls s3://b/a -> PRE a/
        ("ab", "a", "ab"),
        ("x/a/file", "x/a/", "file"),
        ("x/abc/", "x/a", "abc/"),
        ("top", "", "top"),
        ("a/sub/", "a/", "sub/"),
    ],
)
def test_listed_names_are_relative_to_the_folder_of_the_prefix(key: str, prefix: str, shown: str) -> None:
    assert display_name(key, prefix) == shown


def test_download_targets(tmp_path: Path) -> None:
    folder = str(tmp_path)
    assert local_target(folder, "k.txt", True) == os.path.join(folder, "k.txt")
    assert local_target("out/", "k.txt", False) == os.path.join("out/", "k.txt")
    assert local_target("out.txt", "k.txt", False) == "out.txt"


def test_relative_display_matches_aws(tmp_path: Path) -> None:
    cwd = str(tmp_path)
    assert relative_display(os.path.join(cwd, "x"), cwd) == os.path.join(".", "x")
    assert relative_display(os.path.join(cwd, "d", "x"), cwd) == os.path.join("d", "x")


def test_keys_cannot_escape_the_download_folder(tmp_path: Path) -> None:
    root = str(tmp_path)
    targets = LocalTargets()
    assert safe_local_path(targets, root, "a/b.txt") == os.path.join(os.path.realpath(root), "a", "b.txt")
    for bad in ("../x", "a/../../x", "..", ".", "/etc/passwd"):  # the library's rule: absolute keys refused too
        with pytest.raises(InvalidArgumentError, match="outside"):
            safe_local_path(targets, root, bad)


@pytest.mark.parametrize("pair, name, value", [("a=b", "a", "b"), ("a=", "a", ""), ("a=b=c", "a", "b=c")])
def test_pairs_split_at_the_first_equals_sign(pair: str, name: str, value: str) -> None:
    assert split_pair(pair, "NAME=VALUE") == (name, value)


@pytest.mark.parametrize("pair", ["novalue", "=value", ""])
def test_a_pair_without_a_name_or_equals_sign_is_a_usage_error(pair: str) -> None:
    with pytest.raises(UsageError, match="^--x takes NAME=VALUE, not %r$" % (pair,)):
        split_pair(pair, "--x takes NAME=VALUE")
