"""Parsers of S3 response bodies: captured bodies, hostile input, property tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora.core import xml as X
from aurora.core.models import ErrorDocument, ObjectInfo
from aurora.errors import AuroraError, ProtocolError, XMLParseError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ALL_FIXTURES = sorted(FIXTURES.glob("*/*.xml"))
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'

# Fixture file stem prefix -> the parser for it (longest prefixes first).
PARSERS: List[Tuple[str, Callable[[bytes], Any]]] = [
    ("list_buckets", X.parse_list_buckets),
    ("list_objects", X.parse_list_objects),
    ("list_multipart_uploads", X.parse_list_multipart_uploads),
    ("list_parts", X.parse_list_parts),
    ("initiate_multipart", X.parse_initiate_multipart),
    ("complete_multipart_error", X.parse_error),
    ("complete_multipart", X.parse_complete_multipart),
    ("copy_", X.parse_copy_result),
    ("delete_result", X.parse_delete_result),
    ("location", X.parse_location),
    ("error_", X.parse_error),
]
STRICT_PARSERS = [parser for _, parser in PARSERS if parser is not X.parse_error]


def parser_for(path: Path) -> Callable[[bytes], Any]:
    for prefix, parser in PARSERS:
        if path.stem.startswith(prefix):
            return parser
    raise AssertionError(f"no parser for fixture {path}")


def load(server: str, name: str) -> bytes:
    return (FIXTURES / server / (name + ".xml")).read_bytes()


# ---------------------------------------------------------------- every captured body


def test_fixtures_cover_every_server() -> None:
    servers = {path.parent.name for path in ALL_FIXTURES}
    assert {"moto", "rgw", "aws"} <= servers
    assert len(ALL_FIXTURES) >= 60


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fixture_parses(path: Path) -> None:
    body = path.read_bytes()
    result = parser_for(path)(body)
    is_error = parser_for(path) is X.parse_error
    assert X.is_error_document(body) is is_error
    if is_error:
        assert isinstance(result, ErrorDocument) and result.code
    else:
        assert X.parse_error(body) == ErrorDocument()


# ---------------------------------------------------------------- buckets and location


@pytest.mark.parametrize("server", ["moto", "rgw"])
def test_list_buckets(server: str) -> None:
    buckets = X.parse_list_buckets(load(server, "list_buckets"))
    assert len(buckets) == 2
    assert buckets[1].name == buckets[0].name + "-eu"
    assert all(b.creation_date and b.creation_date.endswith("Z") for b in buckets)


def test_list_buckets_without_buckets_element() -> None:
    assert X.parse_list_buckets(b"<ListAllMyBucketsResult><Owner/></ListAllMyBucketsResult>") == ()
    body = b"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>"
    assert X.parse_list_buckets(body) == ()


def test_location() -> None:
    assert X.parse_location(load("moto", "location_default")) == ""
    assert X.parse_location(load("moto", "location_eu_west_1")) == "eu-west-1"
    assert X.parse_location(load("aws", "location_eu_west_1")) == "eu-west-1"
    assert X.parse_location(load("rgw", "location_default")) == "default"


# ---------------------------------------------------------------- object listings


@pytest.mark.parametrize("server", ["moto", "rgw"])
def test_list_objects_keys_survive_escaping(server: str) -> None:
    for name in ("list_objects_v1", "list_objects_v2"):
        result = X.parse_list_objects(load(server, name))
        keys = [o.key for o in result.objects]
        assert keys == sorted(keys)
        assert "dir/x&y<z>'\".txt" in keys
        assert "dir/\u00e9\u4e2d\u6587.txt" in keys
        assert "zeta/\U0001f600.bin" in keys
        assert "a b.txt" in keys and "a+b.txt" in keys and "100%.csv" in keys
        first = result.objects[0]
        assert first == ObjectInfo(
            key="100%.csv",
            size=8,
            etag="0a6dd219475077435fb93cb3a1b11f44",
            last_modified=first.last_modified,
            storage_class="STANDARD",
            owner_id=first.owner_id,
            owner_name=first.owner_name,
        )
        assert not result.is_truncated and result.next_marker is None


@pytest.mark.parametrize("server", ["moto", "rgw"])
def test_list_objects_url_encoded_bodies_are_decoded(server: str) -> None:
    v1 = X.parse_list_objects(load(server, "list_objects_v1_url"))
    assert [o.key for o in v1.objects] == ["100%.csv", "a b.txt", "a+b.txt"]
    assert v1.common_prefixes == ("dir/", "run books/", "zeta/")
    v2 = X.parse_list_objects(load(server, "list_objects_v2_url"))
    assert [o.key for o in v2.objects] == ["a+b.txt"]
    assert v2.common_prefixes == ("dir/", "run books/", "zeta/")
    prefixed = X.parse_list_objects(load(server, "list_objects_v1_url_prefix"))
    assert [o.key for o in prefixed.objects] == ["run books/one.txt", "run books/two.txt"]
    assert prefixed.prefix == "run books/"


def test_rgw_encodes_slash_in_url_mode() -> None:
    assert b"run%20books%2Fone.txt" in load("rgw", "list_objects_v1_url_prefix")


def test_aws_plus_means_space_and_tokens_stay_opaque() -> None:
    result = X.parse_list_objects(load("aws", "list_objects_v2_url"))
    assert [o.key for o in result.objects] == ["run books/a b.txt", "run books/a+b.txt"]
    assert result.common_prefixes == ("run books/\ud55c\uae00/",)
    assert result.prefix == "run books/"
    assert result.next_continuation_token == "1w41l63U0xa8q7smH50vCxyTQqdxo69O3EmK28Bi5PcROI4wI/EyIJg=="
    assert result.is_truncated and result.next_marker is None
    assert result.objects[1].etag == "599bab3ed2c697f1d26842727561fd94-3"


def test_v1_truncated_without_next_marker_continues_from_last_key() -> None:
    result = X.parse_list_objects(load("aws", "list_objects_v1_url_truncated"))
    assert result.is_truncated
    assert result.next_marker == "my third image.jpg"
    assert result.objects[1].storage_class == "STANDARD_IA"
    assert result.objects[0].owner_name == "mtd@amazon.com"


def test_truncated_listing_markers_from_servers() -> None:
    rgw_v1 = X.parse_list_objects(load("rgw", "list_objects_v1_truncated"))
    assert rgw_v1.is_truncated and rgw_v1.next_marker == "a b.txt"
    rgw_delim = X.parse_list_objects(load("rgw", "list_objects_v1_delimiter_truncated"))
    assert rgw_delim.is_truncated and rgw_delim.next_marker == "dir/"
    assert rgw_delim.common_prefixes == ("dir/",)
    for server in ("moto", "rgw"):
        v2 = X.parse_list_objects(load(server, "list_objects_v2_truncated"))
        assert v2.is_truncated and v2.next_continuation_token and v2.next_marker is None
        assert len(v2.objects) == 3


def test_rgw_v2_token_is_not_url_decoded() -> None:
    # RGW's token is the raw last key; decoding would turn its '+' into a space.
    assert X.parse_list_objects(load("rgw", "list_objects_v2_truncated")).next_continuation_token == "a+b.txt"


def _listing(inner: str, truncated: bool = True) -> bytes:
    flag = "true" if truncated else "false"
    return f"<ListBucketResult {NS}><IsTruncated>{flag}</IsTruncated>{inner}</ListBucketResult>".encode()


def _contents(key: str) -> str:
    return f"<Contents><Key>{key}</Key><Size>1</Size><ETag>&quot;e&quot;</ETag></Contents>"


def test_next_marker_fallback_takes_whichever_sorts_later() -> None:
    later_prefix = _listing(_contents("a/1") + "<CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>")
    assert X.parse_list_objects(later_prefix).next_marker == "b/"
    later_key = _listing(_contents("c") + "<CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>")
    assert X.parse_list_objects(later_key).next_marker == "c"
    not_truncated = _listing(_contents("c"), truncated=False)
    assert X.parse_list_objects(not_truncated).next_marker is None


def test_truncated_listing_with_nothing_to_continue_from_is_refused() -> None:
    with pytest.raises(XMLParseError, match="truncated listing"):
        X.parse_list_objects(_listing(""))
    with pytest.raises(XMLParseError, match="truncated listing"):
        X.parse_list_objects(_listing("<NextMarker></NextMarker><NextContinuationToken/>"))


def test_url_encoded_next_marker_is_decoded_or_kept_raw_by_the_page() -> None:
    encoded = "<EncodingType>url</EncodingType>" + _contents("a+b") + "<NextMarker>a+b</NextMarker>"
    assert X.parse_list_objects(_listing(encoded)).next_marker == "a b"
    raw = "<EncodingType>url</EncodingType>" + _contents("a%2Bb") + "<NextMarker>a+b</NextMarker>"
    assert X.parse_list_objects(_listing(raw)).next_marker == "a+b"
    unmatched = "<EncodingType>url</EncodingType>" + _contents("x") + "<NextMarker>y+z</NextMarker>"
    assert X.parse_list_objects(_listing(unmatched)).next_marker == "y z"


def test_url_encoded_override() -> None:
    body = _listing(_contents("a+b%2Bc"), truncated=False)
    assert X.parse_list_objects(body).objects[0].key == "a+b%2Bc"
    assert X.parse_list_objects(body, url_encoded=True).objects[0].key == "a b+c"
    declared = _listing("<EncodingType>URL</EncodingType>" + _contents("a+b"), truncated=False)
    assert X.parse_list_objects(declared).objects[0].key == "a b"
    assert X.parse_list_objects(declared, url_encoded=False).objects[0].key == "a+b"


def test_url_decoding_refuses_invalid_utf8() -> None:
    body = _listing("<EncodingType>url</EncodingType>" + _contents("%FF%FE"), truncated=False)
    with pytest.raises(XMLParseError, match="not UTF-8"):
        X.parse_list_objects(body)


def test_empty_listing() -> None:
    for server in ("moto", "rgw"):
        result = X.parse_list_objects(load(server, "list_objects_v2_empty"))
        assert result.objects == () and result.common_prefixes == ()
        assert result.prefix == "nothing-here/" and not result.is_truncated


# ---------------------------------------------------------------- multipart


@pytest.mark.parametrize("server", ["moto", "rgw"])
def test_initiate_multipart(server: str) -> None:
    result = X.parse_initiate_multipart(load(server, "initiate_multipart"))
    assert result.key == "multi part/\u00e9.bin"
    assert result.bucket.startswith("fixture-")
    assert len(result.upload_id) > 10


def test_initiate_multipart_requires_an_upload_id() -> None:
    body = f"<InitiateMultipartUploadResult {NS}><Bucket>b</Bucket><Key>k</Key><UploadId> </UploadId>"
    with pytest.raises(XMLParseError, match="UploadId"):
        X.parse_initiate_multipart((body + "</InitiateMultipartUploadResult>").encode())
    missing = b"<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key></InitiateMultipartUploadResult>"
    with pytest.raises(XMLParseError, match="missing <UploadId>"):
        X.parse_initiate_multipart(missing)


def test_complete_multipart_moto_aws_and_rgw_empty_etag() -> None:
    moto = X.parse_complete_multipart(load("moto", "complete_multipart"))
    assert moto.key == "multi part/\u00e9.bin" and moto.etag.endswith("-2") and '"' not in moto.etag
    aws = X.parse_complete_multipart(load("aws", "complete_multipart"))
    assert aws.etag == "3858f62230ac3c915f300c664312c11f-9"
    assert aws.location == "http://Example-Bucket.s3.region.amazonaws.com/Example-Object"
    rgw = X.parse_complete_multipart(load("rgw", "complete_multipart"))
    assert rgw.etag == "" and rgw.key == "multi part/\u00e9.bin"


def test_complete_multipart_200_error_document() -> None:
    body = load("aws", "complete_multipart_error_200")
    assert body.startswith(b" ")
    assert X.is_error_document(body)
    assert X.parse_error(body).code == "InternalError"
    with pytest.raises(XMLParseError, match="body is an S3 error document .<Code> 'InternalError'"):
        X.parse_complete_multipart(body)


@pytest.mark.parametrize("server", ["moto", "rgw"])
def test_list_parts(server: str) -> None:
    result = X.parse_list_parts(load(server, "list_parts"))
    assert [(p.part_number, p.size) for p in result.parts] == [(1, 5 * 1024 * 1024), (2, 5 * 1024 * 1024)]
    assert result.parts[0].etag == "79b281060d337b9b2b84ccf390adcf74"
    assert not result.is_truncated
    truncated = X.parse_list_parts(load(server, "list_parts_truncated"))
    assert truncated.is_truncated and truncated.next_part_number_marker == 1 and len(truncated.parts) == 1


def test_list_multipart_uploads_rgw() -> None:
    result = X.parse_list_multipart_uploads(load("rgw", "list_multipart_uploads"))
    assert [u.key for u in result.uploads] == ["multi part/\u00e9.bin", "nested/dir/upload", "other upload+1"]
    assert result.uploads[0].initiator_id == "test" and result.uploads[0].storage_class == "STANDARD"
    truncated = X.parse_list_multipart_uploads(load("rgw", "list_multipart_uploads_truncated"))
    assert truncated.is_truncated and truncated.next_key_marker == "multi part/\u00e9.bin"
    assert truncated.next_upload_id_marker == truncated.uploads[0].upload_id


def test_rgw_url_encodes_upload_keys_without_saying_so() -> None:
    body = load("rgw", "list_multipart_uploads_url")
    assert b"<EncodingType>" not in body
    assert X.parse_list_multipart_uploads(body).uploads[0].key == "multi%20part/%C3%A9.bin"
    result = X.parse_list_multipart_uploads(body, url_encoded=True)
    assert [u.key for u in result.uploads] == ["multi part/\u00e9.bin", "nested/dir/upload", "other upload+1"]
    # RGW leaves NextKeyMarker raw while it encodes the keys: it must stay "+".
    assert result.next_key_marker == "other upload+1"


def test_list_multipart_uploads_aws_url() -> None:
    result = X.parse_list_multipart_uploads(load("aws", "list_multipart_uploads_url"))
    assert [u.key for u in result.uploads] == ["my divisor", "my movie.m2ts"]
    assert result.next_key_marker == "my movie.m2ts"
    assert result.next_upload_id_marker == "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ"


def test_list_multipart_uploads_moto() -> None:
    result = X.parse_list_multipart_uploads(load("moto", "list_multipart_uploads"))
    assert len(result.uploads) == 3 and result.next_key_marker is None and result.next_upload_id_marker is None


# ---------------------------------------------------------------- copy and delete


@pytest.mark.parametrize("server", ["moto", "rgw"])
def test_copy_results(server: str) -> None:
    copied = X.parse_copy_result(load(server, "copy_object_result"))
    assert copied.etag == "7621c71dae731ac4bc8217dabc0e1d30"  # RGW sends it unquoted
    part = X.parse_copy_result(load(server, "copy_part_result"))
    assert part.etag == "9ef97c1d91fbc026bd3435b8914357bd" and part.last_modified


def test_copy_result_needs_an_etag() -> None:
    with pytest.raises(XMLParseError, match="empty <ETag>"):
        X.parse_copy_result(b'<CopyObjectResult><ETag>""</ETag></CopyObjectResult>')
    with pytest.raises(XMLParseError, match="missing <ETag> in <CopyPartResult>"):
        X.parse_copy_result(b"<CopyPartResult><LastModified>x</LastModified></CopyPartResult>")


def test_delete_results() -> None:
    moto = X.parse_delete_result(load("moto", "delete_result"))
    assert moto.deleted == ("a b.txt", "never existed") and moto.errors == ()
    rgw = X.parse_delete_result(load("rgw", "delete_result"))
    assert set(rgw.deleted) == {"a b.txt", "never existed"}
    assert X.parse_delete_result(load("rgw", "delete_result_quiet")).deleted == ()
    aws = X.parse_delete_result(load("aws", "delete_result_with_error"))
    assert aws.deleted == ("sample1.txt",)
    assert aws.errors[0].key == "sample2.txt" and aws.errors[0].code == "AccessDenied"


# ---------------------------------------------------------------- error documents


@pytest.mark.parametrize(
    ("server", "name", "code"),
    [
        ("moto", "error_no_such_key", "NoSuchKey"),
        ("moto", "error_no_such_bucket", "NoSuchBucket"),
        ("moto", "error_no_such_upload", "NoSuchUpload"),
        ("moto", "error_invalid_part", "InvalidPart"),
        ("moto", "error_entity_too_small", "EntityTooSmall"),
        ("moto", "error_bucket_not_empty", "BucketNotEmpty"),
        ("rgw", "error_no_such_key", "NoSuchKey"),
        ("rgw", "error_no_such_bucket", "NoSuchBucket"),
        ("rgw", "error_no_such_upload", "NoSuchKey"),  # RGW's answer to ListParts on a bad upload id
        ("rgw", "error_invalid_part", "InvalidPart"),
        ("rgw", "error_entity_too_small", "EntityTooSmall"),
        ("rgw", "error_bucket_not_empty", "BucketNotEmpty"),
        ("rgw", "error_invalid_location", "InvalidLocationConstraint"),
    ],
)
def test_error_documents(server: str, name: str, code: str) -> None:
    error = X.parse_error(load(server, name))
    assert error.code == code
    assert error.request_id and error.host_id is not None


def test_error_fields_and_extra() -> None:
    moto = X.parse_error(load("moto", "error_no_such_key"))
    assert moto.key == "missing key&.txt" and moto.message == "The specified key does not exist."
    upload = X.parse_error(load("moto", "error_no_such_upload"))
    assert upload.extra[0][0] == "UploadId"
    rgw = X.parse_error(load("rgw", "error_no_such_bucket"))
    assert rgw.bucket_name and rgw.bucket_name.endswith("-missing") and rgw.message == ""
    aws = X.parse_error(load("aws", "error_signature_does_not_match"))
    assert aws.code == "SignatureDoesNotMatch" and aws.request_id == "4442587FB7D0A2F9"
    assert [name for name, _ in aws.extra] == ["AWSAccessKeyId", "StringToSign", "SignatureProvided"]


def test_error_response_wrapper() -> None:
    body = b"<ErrorResponse><Error><Code>Throttling</Code><Message>slow</Message></Error></ErrorResponse>"
    assert X.parse_error(body) == ErrorDocument(code="Throttling", message="slow")
    assert X.is_error_document(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"\xff\xfe\x00<",
        b"<html><body>502 Bad Gateway</body></html>",
        b"<Error><Code>Slow",
        b"Service Unavailable",
        b'<!DOCTYPE Error [<!ENTITY x "y">]><Error><Code>&x;</Code></Error>',
        b"<ErrorResponse><Nothing/></ErrorResponse>",
        b"\x00" * 10,
    ],
)
def test_parse_error_never_raises(body: bytes) -> None:
    assert X.parse_error(body) == ErrorDocument()
    assert X.is_error_document(body) is False


# ---------------------------------------------------------------- hostile and malformed input


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<ListAllMyBucketsResult><Buckets><Bucket><Name>&lol2;</Name></Bucket></Buckets></ListAllMyBucketsResult>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<LocationConstraint>&x;</LocationConstraint>"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        b"<!doctype LocationConstraint><LocationConstraint>x</LocationConstraint>",
        b'  \n<!DocType x SYSTEM "http://127.0.0.1/x.dtd"><LocationConstraint/>',
        b"<LocationConstraint>x</LocationConstraint><!ENTITY y 'z'>",
        b"<LocationConstraint><!-- <!ENTITY --></LocationConstraint>",
    ],
)
def test_doctype_and_entity_are_refused(body: bytes) -> None:
    for parser in (X.parse_location, X.parse_list_buckets):
        with pytest.raises(XMLParseError, match="DOCTYPE or ENTITY"):
            parser(body)


def test_non_utf8_bodies_are_refused_so_no_encoding_hides_a_doctype() -> None:
    hidden = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><LocationConstraint/>'.encode("utf-16")
    with pytest.raises(XMLParseError, match="not UTF-8"):
        X.parse_location(hidden)
    with pytest.raises(XMLParseError, match="not UTF-8"):
        X.parse_location(b"<LocationConstraint>\xe9</LocationConstraint>")


def test_declared_foreign_encoding_is_read_as_utf8() -> None:
    body = '<?xml version="1.0" encoding="ISO-8859-1"?><LocationConstraint>\u00e9</LocationConstraint>'
    assert X.parse_location(body.encode("utf-8")) == "\u00e9"


def test_bom_and_leading_whitespace_are_tolerated() -> None:
    body = b"\xef\xbb\xbf \r\n<?xml version='1.0'?><LocationConstraint>us-west-2</LocationConstraint>"
    assert X.parse_location(body) == "us-west-2"


def test_namespace_tolerance() -> None:
    bare = b"<LocationConstraint>eu-west-1</LocationConstraint>"
    other = b'<LocationConstraint xmlns="urn:example">eu-west-1</LocationConstraint>'
    prefixed = (
        b'<s3:LocationConstraint xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</s3:LocationConstraint>'
    )
    assert X.parse_location(bare) == X.parse_location(other) == X.parse_location(prefixed) == "eu-west-1"
    mixed = (
        b'<a:ListBucketResult xmlns:a="urn:a" xmlns:b="urn:b"><b:IsTruncated>true</b:IsTruncated>'
        b"<Contents><a:Key>k</a:Key><b:Size>3</b:Size></Contents></a:ListBucketResult>"
    )
    result = X.parse_list_objects(mixed)
    assert result.objects == (ObjectInfo(key="k", size=3, etag=""),) and result.next_marker == "k"


def test_any_root_name_is_read_by_its_children() -> None:
    assert X.parse_list_objects(b"<Foo/>").objects == ()
    assert X.parse_copy_result(b"<Foo><ETag>e</ETag></Foo>").etag == "e"
    wrapped = (
        b"<ListBucketResponse><ListBucketResult><Contents><Key>k</Key><Size>1</Size></Contents>"
        b"</ListBucketResult></ListBucketResponse>"
    )
    assert [o.key for o in X.parse_list_objects(wrapped).objects] == ["k"]


def test_only_a_missing_required_element_is_an_error_and_it_is_named() -> None:
    with pytest.raises(XMLParseError, match="missing <ETag> in <Foo>"):
        X.parse_copy_result(b"<Foo/>")
    with pytest.raises(XMLParseError, match="missing <UploadId> in <Anything>"):
        X.parse_initiate_multipart(b"<Anything><Bucket>b</Bucket><Key>k</Key></Anything>")
    assert X.parse_initiate_multipart(b"<R><UploadId>u</UploadId></R>").upload_id == "u"


def test_an_error_document_under_any_root_is_never_a_result() -> None:
    body = b"<Oops><Code>SlowDown</Code><Message>m</Message></Oops>"
    assert X.is_error_document(body) and X.parse_error(body).code == "SlowDown"
    for parser in STRICT_PARSERS:
        with pytest.raises(XMLParseError, match="S3 error document"):
            parser(body)


def test_messages_stay_short_and_printable() -> None:
    long_root = b"<" + b"R" * 5000 + b"><IsTruncated>maybe</IsTruncated></" + b"R" * 5000 + b">"
    garbage = b"<a>" + ("\u2603\x1b[31m" * 3000).encode() + b"</b>"
    for body in (long_root, garbage, b"x" * 100000):
        with pytest.raises(XMLParseError) as caught:
            X.parse_list_objects(body)
        message = str(caught.value)
        assert len(message) <= 300
        assert "\x1b" not in message


def test_empty_body_is_refused() -> None:
    with pytest.raises(XMLParseError, match="empty response body"):
        X.parse_list_buckets(b" \n")


def test_missing_and_bad_values_are_named() -> None:
    with pytest.raises(XMLParseError, match="missing <Key> in <Contents>"):
        X.parse_list_objects(_listing("<Contents><Size>1</Size></Contents>", truncated=False))
    with pytest.raises(XMLParseError, match="missing <Size> in <Contents>"):
        X.parse_list_objects(_listing("<Contents><Key>k</Key></Contents>", truncated=False))
    with pytest.raises(XMLParseError, match="empty <Size>"):
        X.parse_list_objects(_listing("<Contents><Key>k</Key><Size> </Size></Contents>", truncated=False))
    with pytest.raises(XMLParseError, match="<IsTruncated> is not true or false"):
        X.parse_list_objects(b"<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>")
    with pytest.raises(XMLParseError, match="missing <PartNumber> in <Part>"):
        X.parse_list_parts(b"<ListPartsResult><Part><ETag>x</ETag></Part></ListPartsResult>")
    with pytest.raises(XMLParseError, match="missing <Name> in <Bucket>"):
        X.parse_list_buckets(b"<ListAllMyBucketsResult><Buckets><Bucket/></Buckets></ListAllMyBucketsResult>")


@pytest.mark.parametrize("size", ["-1", "+1", "1.0", "1e3", "0x10", "\u0661\u0662", "1_000", "9" * 21, "１"])
def test_sizes_must_be_plain_ascii_integers(size: str) -> None:
    body = _listing(f"<Contents><Key>k</Key><Size>{size}</Size></Contents>", truncated=False)
    with pytest.raises(XMLParseError, match="not a non-negative integer"):
        X.parse_list_objects(body)


def test_sizes_and_booleans_tolerate_whitespace_and_case() -> None:
    body = (
        b"<ListBucketResult><IsTruncated> False </IsTruncated><Contents><Key>k</Key><Size>\n 42 </Size>"
        b"<ETag> &quot;abc&quot; </ETag></Contents></ListBucketResult>"
    )
    result = X.parse_list_objects(body)
    assert result.objects[0].size == 42 and result.objects[0].etag == "abc" and not result.is_truncated
    assert X.parse_list_objects(b"<ListBucketResult/>").objects == ()


def test_non_bytes_input_is_refused() -> None:
    with pytest.raises(XMLParseError, match="bytes"):
        X.parse_location("<LocationConstraint/>")  # type: ignore[arg-type]
    assert X.parse_location(bytes(bytearray(b"<LocationConstraint>x</LocationConstraint>"))) == "x"


# ---------------------------------------------------------------- property tests


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=400))
def test_parsers_raise_only_aurora_errors_on_arbitrary_bytes(body: bytes) -> None:
    for parser in STRICT_PARSERS:
        try:
            parser(body)
        except AuroraError as exc:
            assert isinstance(exc, XMLParseError)
    assert isinstance(X.parse_error(body), ErrorDocument)
    assert isinstance(X.is_error_document(body), bool)


_XMLISH = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "/",
            "</",
            "<Key>",
            "</Key>",
            "<Size>",
            "</Size>",
            "<Contents>",
            "</Contents>",
            "<IsTruncated>",
            "true",
            "</IsTruncated>",
            "&amp;",
            "&",
            "%",
            "%2B",
            "+",
            "\u00e9",
            "\x00",
            "<EncodingType>url</EncodingType>",
            "<NextMarker>",
            "</NextMarker>",
            "-1",
            "9",
            " ",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(inner=_XMLISH)
def test_listing_parser_on_xml_like_noise(inner: str) -> None:
    body = f"<ListBucketResult>{inner}</ListBucketResult>".encode()
    try:
        result = X.parse_list_objects(body)
    except XMLParseError:
        return
    assert all(info.size >= 0 for info in result.objects)
    assert not result.is_truncated or result.next_marker or result.next_continuation_token


@st.composite
def mutated_fixture(draw: Any) -> Tuple[Path, bytes]:
    path = draw(st.sampled_from(ALL_FIXTURES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([b"<", b">", b"&", b"\x00", b"\xff", b"</Key>", b"<Size>-", b"%"]))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        else:
            del data[at:]
    return path, bytes(data)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_fixture())
def test_parsers_raise_only_aurora_errors_on_mutated_fixtures(case: Tuple[Path, bytes]) -> None:
    path, body = case
    parser = parser_for(path)
    try:
        parser(body)
    except AuroraError as exc:
        assert isinstance(exc, XMLParseError) and parser is not X.parse_error
    assert isinstance(X.parse_error(body), ErrorDocument)


def test_fixture_parser_table_is_complete() -> None:
    seen: Dict[str, int] = {}
    for path in ALL_FIXTURES:
        seen[parser_for(path).__name__] = seen.get(parser_for(path).__name__, 0) + 1
    assert set(seen) == {parser.__name__ for _, parser in PARSERS}


def test_truncated_part_and_upload_listings_without_markers() -> None:
    parts = b"<ListPartsResult><IsTruncated>true</IsTruncated><Part><PartNumber>7</PartNumber><ETag>e</ETag></Part>"
    assert X.parse_list_parts(parts + b"</ListPartsResult>").next_part_number_marker == 7
    zero = parts + b"<NextPartNumberMarker>0</NextPartNumberMarker></ListPartsResult>"
    assert X.parse_list_parts(zero).next_part_number_marker == 7
    with pytest.raises(XMLParseError, match="truncated part listing"):
        X.parse_list_parts(b"<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>")
    uploads = (
        b"<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
        b"<Upload><Key>a</Key><UploadId>u1</UploadId></Upload>"
        b"<Upload><Key>b</Key><UploadId>u2</UploadId></Upload>"
    )
    page = X.parse_list_multipart_uploads(uploads + b"</ListMultipartUploadsResult>")
    assert (page.next_key_marker, page.next_upload_id_marker) == ("b", "u2")
    with_prefix = uploads + b"<CommonPrefixes><Prefix>c/</Prefix></CommonPrefixes></ListMultipartUploadsResult>"
    page = X.parse_list_multipart_uploads(with_prefix)
    assert (page.next_key_marker, page.next_upload_id_marker) == ("c/", None)
    with pytest.raises(XMLParseError, match="truncated upload listing"):
        X.parse_list_multipart_uploads(
            b"<ListMultipartUploadsResult><IsTruncated>true</IsTruncated></ListMultipartUploadsResult>"
        )


@pytest.mark.parametrize(
    "sent",
    [
        "2026-12-04T16:05:09.123Z",
        "2026-12-04T16:05:09.123456Z",
        "2026-12-04T18:05:09.123+02:00",
        "2026-12-04T11:05:09.1234-0500",
        "2026-12-04 16:05:09.123 UTC",
    ],
)
def test_iso_8601_dates_come_out_in_one_form(sent: str) -> None:
    body = "<R><Contents><Key>k</Key><Size>1</Size><LastModified>%s</LastModified></Contents></R>" % sent
    assert X.parse_list_objects(body.encode()).objects[0].last_modified == "2026-12-04T16:05:09.123Z"


@pytest.mark.parametrize(
    "sent, shown",
    [
        ("Fri, 04 Dec 2026 16:05:09 GMT", "2026-12-04T16:05:09.000Z"),
        ("2026-12-04T16:05:09Z", "2026-12-04T16:05:09.000Z"),
        ("yesterday", "yesterday"),
        ("9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59-23:59"),
        ("2026-13-40T99:00:00Z", "2026-13-40T99:00:00Z"),
    ],
)
def test_other_dates_are_read_or_kept_as_sent(sent: str, shown: str) -> None:
    body = "<R><Contents><Key>k</Key><Size>1</Size><LastModified>%s</LastModified></Contents></R>" % sent
    assert X.parse_list_objects(body.encode()).objects[0].last_modified == shown


@pytest.mark.parametrize(
    "body, field",
    [
        (b"<R><Contents><Key>k</Key><Size>99999999999999999999</Size></Contents></R>", "<Size>"),
        (b"<R><Contents><Key>k</Key><Size>5497558138881</Size></Contents></R>", "<Size>"),
    ],
)
def test_numbers_out_of_range_are_protocol_errors(body: bytes, field: str) -> None:
    with pytest.raises(ProtocolError, match=field + " .* out of range"):
        X.parse_list_objects(body)


@pytest.mark.parametrize("number", ["0", "10001"])
def test_part_numbers_run_from_1_to_10000(number: str) -> None:
    body = "<R><Part><PartNumber>%s</PartNumber><ETag>e</ETag></Part></R>" % number
    with pytest.raises(ProtocolError, match="<PartNumber> %s is out of range" % number):
        X.parse_list_parts(body.encode())
