"""Builders of S3 request bodies: exact output, refusals, and round trips through a parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Dict, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora.core.xml_build import (
    MAX_DELETE_KEYS,
    complete_multipart_xml,
    create_bucket_xml,
    delete_objects_xml,
)
from aurora.errors import InvalidArgumentError

S3 = "{http://s3.amazonaws.com/doc/2006-03-01/}"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


# Tiny test-local readers: the plain ElementTree reading a server would do.


def read_complete(body: bytes) -> List[Tuple[int, str]]:
    root = ET.fromstring(body)
    assert root.tag == S3 + "CompleteMultipartUpload"
    return [
        (int(part.findtext(S3 + "PartNumber") or ""), part.findtext(S3 + "ETag") or "")
        for part in root.findall(S3 + "Part")
    ]


def read_delete(body: bytes) -> Tuple[bool, List[str]]:
    root = ET.fromstring(body)
    assert root.tag == S3 + "Delete"
    quiet = root.findtext(S3 + "Quiet") == "true"
    return quiet, [obj.findtext(S3 + "Key") or "" for obj in root.findall(S3 + "Object")]


# ---------------------------------------------------------------- CompleteMultipartUpload


def test_complete_multipart_exact_bytes() -> None:
    body = complete_multipart_xml([(1, "a54357aff0632cce46d942af68356b38"), (2, '"0c78aef83f66abc1fa1e8477f296d394"')])
    assert body == DECLARATION + (
        b'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b'<Part><PartNumber>1</PartNumber><ETag>"a54357aff0632cce46d942af68356b38"</ETag></Part>'
        b'<Part><PartNumber>2</PartNumber><ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag></Part>'
        b"</CompleteMultipartUpload>"
    )


def test_complete_multipart_sorts_parts() -> None:
    assert [n for n, _ in read_complete(complete_multipart_xml([(3, "c"), (1, "a"), (2, "b")]))] == [1, 2, 3]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "at least one part"),
        ([(1, "a"), (1, "b")], "given twice"),
        ([(0, "a")], "from 1 to 10000"),
        ([(10001, "a")], "from 1 to 10000"),
        ([(True, "a")], "from 1 to 10000"),
        ([("1", "a")], "from 1 to 10000"),
        ([(1, "")], "non-empty ETag"),
        ([(1, '""')], "non-empty ETag"),
        ([(1, None)], "non-empty ETag"),
        ([(1, "a\x00b")], "U\\+0000"),
    ],
)
def test_complete_multipart_refusals(parts: List[Tuple[int, str]], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        complete_multipart_xml(parts)


def test_complete_multipart_accepts_every_part_number() -> None:
    parts = [(n, f"{n:032x}") for n in range(10000, 0, -1)]
    read = read_complete(complete_multipart_xml(parts))
    assert len(read) == 10000 and read[0] == (1, '"' + f"{1:032x}" + '"')


_ETAG_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"')
_ETAG = st.text(alphabet=_ETAG_CHARS, min_size=1).filter(lambda etag: etag.strip() != "")


@settings(max_examples=200)
@given(parts=st.dictionaries(st.integers(1, 10000), _ETAG, min_size=1, max_size=30))
def test_complete_multipart_round_trip(parts: Dict[int, str]) -> None:
    body = complete_multipart_xml(list(parts.items()))
    expected = [(n, '"' + parts[n].strip() + '"') for n in sorted(parts)]
    assert read_complete(body) == expected


# ---------------------------------------------------------------- CreateBucket


@pytest.mark.parametrize("location", ["", "us-east-1"])
def test_create_bucket_default_region_has_no_body(location: str) -> None:
    assert create_bucket_xml(location) == b""


def test_create_bucket_other_region() -> None:
    body = create_bucket_xml("eu-west-1")
    assert body == DECLARATION + (
        b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
    )
    root = ET.fromstring(body)
    assert root.findtext(S3 + "LocationConstraint") == "eu-west-1"
    assert ET.fromstring(create_bucket_xml("a&b")).findtext(S3 + "LocationConstraint") == "a&b"


# ---------------------------------------------------------------- DeleteObjects


def test_delete_objects_exact_bytes() -> None:
    body = delete_objects_xml(["a&b", "<c>"], quiet=False)
    assert body == DECLARATION + (
        b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>false</Quiet>'
        b"<Object><Key>a&amp;b</Key></Object><Object><Key>&lt;c&gt;</Key></Object></Delete>"
    )
    assert read_delete(delete_objects_xml(["k"])) == (True, ["k"])


def test_delete_objects_keeps_cr_lf_tab_through_parser_normalisation() -> None:
    keys = ["line\r\nbreak", "cr\ronly", "tab\tkey", " lead and trail "]
    assert read_delete(delete_objects_xml(keys))[1] == keys


def test_delete_objects_limits() -> None:
    assert len(read_delete(delete_objects_xml([str(n) for n in range(MAX_DELETE_KEYS)]))[1]) == 1000
    with pytest.raises(InvalidArgumentError, match="1 to 1000 keys, not 1001"):
        delete_objects_xml([str(n) for n in range(1001)])
    with pytest.raises(InvalidArgumentError, match="not 0"):
        delete_objects_xml([])
    with pytest.raises(InvalidArgumentError, match="not one str"):
        delete_objects_xml("abc")
    with pytest.raises(InvalidArgumentError, match="must not be empty"):
        delete_objects_xml(["a", ""])
    with pytest.raises(InvalidArgumentError, match="must be a str"):
        delete_objects_xml([b"bytes"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
)
def test_keys_xml_cannot_carry_are_refused_by_name(char: str) -> None:
    key = f"bad{char}key"
    with pytest.raises(InvalidArgumentError) as caught:
        delete_objects_xml(["fine", key])
    assert repr(key) in str(caught.value)
    assert f"U+{ord(char):04X}" in str(caught.value)


# Every character XML 1.0 can carry (lone surrogates and U+FFFE/U+FFFF excluded).
_XML_CHARS = st.characters(
    exclude_categories=["Cs"],
    exclude_characters="".join(chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)) + "\ufffe\uffff",
)


@settings(max_examples=300)
@given(
    keys=st.lists(st.text(alphabet=_XML_CHARS, min_size=1, max_size=40), min_size=1, max_size=20), quiet=st.booleans()
)
def test_delete_objects_round_trip(keys: List[str], quiet: bool) -> None:
    assert read_delete(delete_objects_xml(keys, quiet=quiet)) == (quiet, keys)


@settings(max_examples=200)
@given(
    prefix=st.text(alphabet=_XML_CHARS, max_size=10),
    bad=st.sampled_from([chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)] + ["\ufffe", "\uffff", "\ud83d"]),
    suffix=st.text(alphabet=_XML_CHARS, max_size=10),
)
def test_any_key_with_a_forbidden_character_is_refused(prefix: str, bad: str, suffix: str) -> None:
    with pytest.raises(InvalidArgumentError):
        delete_objects_xml([prefix + bad + suffix])
