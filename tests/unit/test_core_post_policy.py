"""The browser POST policy: AWS's documented SigV4 example, and boto3's generate_presigned_post as the oracle."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional
from unittest import mock

import pytest

from aurora.core.credentials import Credentials
from aurora.core.post_policy import (
    expiration,
    policy_conditions,
    policy_signature,
    presigned_post_fields,
    validate_condition,
)
from aurora.errors import InvalidArgumentError

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "s3-sigv4-examples.json").read_text())
EXAMPLE = next(example for example in VECTORS["examples"] if example["kind"] == "post-policy")
EXAMPLE_CREDENTIALS = Credentials(VECTORS["credentials"]["access_key_id"], VECTORS["credentials"]["secret_access_key"])
EXAMPLE_NOW = datetime(2015, 12, 29, tzinfo=timezone.utc)


def decoded(policy: str) -> Dict[str, Any]:
    result: Dict[str, Any] = json.loads(base64.b64decode(policy))
    return result


def test_documented_policy_signs_to_the_documented_signature() -> None:
    policy = EXAMPLE["expected"]["policy_base64"]
    sig = policy_signature(policy, EXAMPLE_CREDENTIALS, now=EXAMPLE_NOW, region="us-east-1", signature_version="4")
    assert sig == EXAMPLE["published_values_verified"]["signature"]


def test_documented_example_rebuilt_gives_its_fields_and_conditions() -> None:
    """The example's form, built from its own conditions: same fields, same set of conditions."""
    documented = decoded(EXAMPLE["expected"]["policy_base64"])
    own = [
        condition
        for condition in documented["conditions"]
        if not (isinstance(condition, dict) and set(condition) & {"bucket", "x-amz-credential", "x-amz-algorithm"})
        and not (isinstance(condition, dict) and "x-amz-date" in condition)
        and condition != ["starts-with", "$key", "user/user1/"]
    ]
    fields = presigned_post_fields(
        "sigv4examplebucket",
        "user/user1/${filename}",
        EXAMPLE_CREDENTIALS,
        now=EXAMPLE_NOW,
        expires=36 * 3600,
        conditions=own,
    )
    assert fields["x-amz-credential"] == EXAMPLE["expected"]["x-amz-credential"]
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert fields["x-amz-date"] == EXAMPLE["request"]["date"]
    ours = decoded(fields["policy"])
    assert ours["expiration"] == "2015-12-30T12:00:00Z"  # the example's 2015-12-30T12:00:00.000Z
    assert sorted(map(json.dumps, ours["conditions"])) == sorted(map(json.dumps, documented["conditions"]))
    expected_sig = policy_signature(
        fields["policy"], EXAMPLE_CREDENTIALS, now=EXAMPLE_NOW, region="us-east-1", signature_version="4"
    )
    assert fields["x-amz-signature"] == expected_sig


def boto3_post(signature_version: str, token: Optional[str], now: datetime, **kwargs: Any) -> Dict[str, Any]:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="eu-west-3",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        aws_session_token=token,
        config=Config(signature_version=signature_version, s3={"addressing_style": "path"}),
    )
    naive = now.replace(tzinfo=None)
    with (
        mock.patch("botocore.signers.get_current_datetime", return_value=naive),
        mock.patch("botocore.auth.get_current_datetime", return_value=naive),
    ):
        # a copy: the botocore that installs on Python 3.9 (the PyPy venv) appends to the caller's Conditions
        result: Dict[str, Any] = client.generate_presigned_post(**copy.deepcopy(kwargs))
    return result


CASES: List[Dict[str, Any]] = [
    {"Bucket": "bkt", "Key": "plain.txt"},
    {"Bucket": "bkt", "Key": "uploads/${filename}", "ExpiresIn": 120},
    {
        "Bucket": "bkt",
        "Key": "a b/é.txt",
        "Fields": {"acl": "public-read", "Content-Type": "image/png", "x-amz-meta-owner": "ann"},
        "Conditions": [
            {"acl": "public-read"},
            ["starts-with", "$Content-Type", "image/"],
            ["content-length-range", 1, 1048576],
            {"success_action_status": "201"},
            {"x-amz-meta-owner": "ann"},
        ],
        "ExpiresIn": 604800,
    },
]


@pytest.mark.parametrize("case", CASES, ids=["plain", "filename", "conditions"])
@pytest.mark.parametrize("version", ["4", "2"])
@pytest.mark.parametrize("token", [None, "session-token"])
def test_same_form_as_boto3(case: Dict[str, Any], version: str, token: Optional[str]) -> None:
    now = datetime(2026, 3, 1, 12, 30, 45, tzinfo=timezone.utc)
    expected = boto3_post("s3v4" if version == "4" else "s3", token, now, **case)
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    fields = presigned_post_fields(
        case["Bucket"],
        case["Key"],
        credentials,
        now=now,
        expires=case.get("ExpiresIn", 3600),
        signature_version=version,
        region="eu-west-3",
        conditions=case.get("Conditions"),
        fields=case.get("Fields"),
    )
    assert list(fields) == list(expected["fields"])
    assert decoded(fields["policy"]) == decoded(expected["fields"]["policy"])
    assert fields == expected["fields"]


def test_conditions_are_checked_before_anything_is_signed() -> None:
    for bad in (
        {},
        {"a": 1},
        {"a": "x", "b": "y"},
        ["eq", "key", "x"],
        ["starts-with", "$", "x"],
        ["matches", "$key", "x"],
        ["content-length-range", 10, 1],
        ["content-length-range", "1", 10],
        ["content-length-range", True, 10],
        "acl",
        ["eq", "$key"],
    ):
        with pytest.raises(InvalidArgumentError):
            validate_condition(bad)
    validate_condition(["eq", "$acl", "private"])
    validate_condition(["content-length-range", 0, 0])


def test_key_condition_is_a_prefix_only_for_filename() -> None:
    assert policy_conditions("b", "k", None) == [{"bucket": "b"}, {"key": "k"}]
    assert policy_conditions("b", "p/${filename}", None)[-1] == ["starts-with", "$key", "p/"]


@pytest.mark.parametrize("expires", [0, -1, 604801, 1.5, True, "60"])
def test_expiry_is_bounded(expires: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        expiration(EXAMPLE_NOW, expires)


def test_expiration_is_utc_whatever_the_zone_of_now() -> None:
    from datetime import timedelta

    paris = timezone(timedelta(hours=1))
    assert expiration(datetime(2026, 1, 1, 13, 0, tzinfo=paris), 60) == "2026-01-01T12:01:00Z"
    assert expiration(datetime(2026, 1, 1, 12, 0), 60) == "2026-01-01T12:01:00Z"
