"""Tags: S3's limits checked before sending, the header and XML forms, liberal parsing."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora.core.tagging import MAX_TAGS, parse_tagging, tagging_header, tagging_xml, validate_tags
from aurora.errors import InvalidArgumentError, XMLParseError

TAG_TEXT = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd")) | st.sampled_from(" +-=._:/@"))


@settings(deadline=None)  # a time limit would fail on a loaded machine, not on a wrong answer
@given(
    st.dictionaries(
        TAG_TEXT.filter(lambda key: 1 <= len(key) <= 128), TAG_TEXT.filter(lambda v: len(v) <= 256), max_size=MAX_TAGS
    )
)
def test_header_and_xml_round_trip(tags: Any) -> None:
    assert dict(parse_qsl(tagging_header(tags), keep_blank_values=True)) == tags
    assert parse_tagging(tagging_xml(tags)) == tags


def test_header_is_query_encoded() -> None:
    assert tagging_header({"a b": "c/d=e", "é": ""}) == "a%20b=c%2Fd%3De&%C3%A9="


def test_xml_shape() -> None:
    body = tagging_xml({"k": "v"})
    assert body.endswith(
        b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>'
    )


@pytest.mark.parametrize(
    "tags",
    [
        {"k%d" % i: "" for i in range(11)},
        {"x" * 129: ""},
        {"k": "v" * 257},
        {"": "v"},
        {"k": None},
        {1: "v"},
        {"k": "a&b"},
        {"k\n": "v"},
        [("k", "v")],
    ],
)
def test_limits(tags: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        validate_tags(tags)
    with pytest.raises(InvalidArgumentError):
        tagging_header(tags)


def test_limits_exactly_reached_are_accepted() -> None:
    tags = {"k%d" % i: "v" * 256 for i in range(9)}
    tags["x" * 128] = ""
    assert validate_tags(tags) == tags


def test_parse_is_liberal_about_namespace_root_and_empty_answers() -> None:
    assert parse_tagging(b"") == {}
    assert parse_tagging(b"<Tagging><TagSet/></Tagging>") == {}
    assert parse_tagging(
        b"<GetObjectTaggingOutput><TagSet><Tag><Value>1</Value><Key>a</Key></Tag></TagSet></GetObjectTaggingOutput>"
    ) == {"a": "1"}
    assert parse_tagging(
        b'<x:Tagging xmlns:x="urn:s3"><x:TagSet><x:Tag><x:Key>a</x:Key><x:Value/></x:Tag></x:TagSet></x:Tagging>'
    ) == {"a": ""}
    many = b"".join(b"<Tag><Key>k%d</Key><Value>v</Value></Tag>" % i for i in range(1000))
    assert len(parse_tagging(b"<Tagging><TagSet>" + many + b"</TagSet></Tagging>")) == 50
    with pytest.raises(XMLParseError):
        parse_tagging(b"<Tagging><TagSet><Tag><Value>1</Value></Tag></TagSet></Tagging>")
    with pytest.raises(XMLParseError):
        parse_tagging(b'<!DOCTYPE x [<!ENTITY a "b">]><Tagging/>')
