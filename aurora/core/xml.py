"""Parsers from S3 response bodies (bytes) to the frozen values of :mod:`aurora.core.models`.

Why the parsers are careful:

* Bodies come from the network, so a body carrying ``<!DOCTYPE`` or ``<!ENTITY``
  is refused outright (no entity expansion, no external entities).  The body is
  decoded as UTF-8 first and the refusal checks the very text handed to the
  parser, so no declared encoding can smuggle a DOCTYPE past the check.
* Whatever the bytes, a parser raises only :class:`~aurora.errors.XMLParseError`
  (an :class:`~aurora.errors.AuroraError`); its message names what was wrong and
  quotes at most a short, sanitised excerpt of the body.
* Elements are matched by local name, so the S3 namespace (or any other, or
  none) does not matter: some S3-compatible servers omit it.  The root's name
  does not matter either (servers name it ``...Response`` or otherwise): a
  parser reads the root's children, or those of the one child that carries
  the operation's elements when the server wrapped them.  Children may come
  in any order, unknown ones are ignored, optional ones may be missing; only
  an element the operation cannot do without is required, and its absence
  is named.  An S3 ``<Error>`` document is never read as a result.
* Numbers are range-checked (sizes at most 5 TiB, part numbers 1 to 10,000)
  and timestamps (ISO 8601 with or without fractions or an offset, or RFC 1123)
  are given in one form, ``2026-12-04T16:00:00.000Z``; a date that is neither
  is kept as sent.
* ``parse_error`` never raises: it is called on whatever an error answer carried.

URL-encoded listings: when a listing body says ``<EncodingType>url</EncodingType>``
the key-like fields are decoded, because the body is the best witness of what
the server did (the listing parsers' ``url_encoded`` argument overrides it for
servers that encode without saying so).  They are decoded with
``urllib.parse.unquote_plus``: AWS S3 encodes a space as ``+`` (botocore decodes
with ``unquote_plus`` in ``botocore.handlers._decode_list_object``; measured
``a b.txt`` -> ``a+b.txt`` and ``a+b.txt`` -> ``a%2Bb.txt`` in
brekkylab/backlot#178 and bcgov/gwells#1801), while Ceph RGW and moto send
``%20`` (ceph/s3-tests ``test_bucket_list_encoding_basic`` expects
``quux%20ab/`` and ``asdf%2Bb``).  Every one of them encodes a literal ``+`` as
``%2B``, so ``unquote_plus`` reads all of them right.  Continuation tokens and
upload ids are opaque and never decoded.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from typing import Callable, List, Optional, Tuple

from aurora.config import MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS
from aurora.core.models import (
    BucketInfo,
    CompleteMultipartResult,
    CopyResult,
    DeleteError,
    DeleteObjectsResult,
    ErrorDocument,
    InitiateMultipartResult,
    ListMultipartUploadsResult,
    ListObjectsResult,
    ListPartsResult,
    MultipartUploadInfo,
    ObjectInfo,
    PartInfo,
)
from aurora.core.numbers import server_int
from aurora.errors import XMLParseError

__all__ = [
    "parse_list_buckets",
    "parse_list_objects",
    "parse_list_multipart_uploads",
    "parse_initiate_multipart",
    "parse_complete_multipart",
    "parse_list_parts",
    "parse_copy_result",
    "parse_error",
    "parse_location",
    "parse_delete_result",
    "is_error_document",
]

_FORBIDDEN = re.compile(r"<!\s*(doctype|entity)", re.IGNORECASE)
_ISO_8601 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]{1,12}))?"
    r" ?([Zz]|GMT|UTC|[+-][0-9]{2}:?[0-9]{2})?"
)
_EXCERPT_CHARS = 80
_NAME_CHARS = 60

Decoder = Callable[[str], str]


# ---------------------------------------------------------------- helpers


def _excerpt(text: str, limit: int = _EXCERPT_CHARS) -> str:
    """A short, printable quotation of untrusted text for an error message."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return repr(cleaned + ("..." if len(text) > limit else ""))


def _body_text(body: bytes) -> str:
    """The body as text, refused when it is not UTF-8 or carries a DOCTYPE/ENTITY."""
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise XMLParseError(f"expected a bytes body, got {type(body).__name__}")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XMLParseError(f"response body is not UTF-8 (byte {exc.start})") from None
    text = text.lstrip("\ufeff \t\r\n")  # AWS pads slow answers with leading whitespace
    if _FORBIDDEN.search(text):
        raise XMLParseError("refusing an XML body with a DOCTYPE or ENTITY declaration")
    return text


def _tag_name(element: ET.Element) -> str:
    """An element's local name, shortened and sanitised for a message."""
    return _excerpt(_local(element.tag), _NAME_CHARS)[1:-1]


def _local(tag: object) -> str:
    """The tag without its ``{namespace}``; comments and PIs have no name."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse_root(body: bytes) -> ET.Element:
    text = _body_text(body)
    if not text:
        raise XMLParseError("empty response body where XML was expected")
    try:
        return ET.fromstring(text)
    except (ET.ParseError, ValueError) as exc:
        raise XMLParseError(f"malformed XML ({_excerpt(str(exc))}): {_excerpt(text)}") from None


def _root(body: bytes, *fields: str) -> ET.Element:
    """The element whose children are the result's ``fields``, whatever the root is called.

    That is the root, unless the root has none of ``fields`` and one of its
    children has some (a wrapper such as ``<ListBucketResponse>``).  An error
    document is refused, naming its code.
    """
    root = _parse_root(body)
    error = _error_of(root)
    if error is not None:
        code = _excerpt(_text(error, "Code") or "", _NAME_CHARS)
        raise XMLParseError(f"expected a result but the body is an S3 error document (<Code> {code})")
    if not fields or _has_any(root, fields):
        return root
    for child in root:
        if _has_any(child, fields):
            return child
    return root


def _has_any(element: ET.Element, names: Tuple[str, ...]) -> bool:
    return any(_local(child.tag) in names for child in element)


def _children(parent: ET.Element, name: str) -> List[ET.Element]:
    return [child for child in parent if _local(child.tag) == name]


def _child(parent: ET.Element, name: str) -> Optional[ET.Element]:
    for child in parent:
        if _local(child.tag) == name:
            return child
    return None


def _text(parent: ET.Element, name: str) -> Optional[str]:
    """Text of the first child ``name``: ``""`` when empty, None when absent."""
    child = _child(parent, name)
    if child is None:
        return None
    return child.text or ""


def _path_text(parent: ET.Element, *names: str) -> Optional[str]:
    node: Optional[ET.Element] = parent
    for name in names[:-1]:
        node = _child(node, name) if node is not None else None
    return _text(node, names[-1]) if node is not None else None


def _required(parent: ET.Element, name: str) -> str:
    value = _text(parent, name)
    if value is None:
        raise XMLParseError(f"missing <{name}> in <{_tag_name(parent)}>")
    return value


def _int(value: Optional[str], name: str, low: int = 0, high: int = MAX_OBJECT_SIZE) -> Optional[int]:
    """A decimal integer (ASCII digits only) within ``low..high``, or None when absent/empty."""
    return server_int(value, f"<{name}>", low, high, XMLParseError)


def _required_int(parent: ET.Element, name: str, low: int = 0, high: int = MAX_OBJECT_SIZE) -> int:
    value = _int(_required(parent, name), name, low, high)
    if value is None:
        raise XMLParseError(f"empty <{name}> in <{_tag_name(parent)}>")
    return value


def _timestamp(value: Optional[str]) -> Optional[str]:
    """``value`` as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC) when it is ISO 8601 or RFC 1123, else as sent."""
    if value is None or not value.strip():
        return value
    text = value.strip()
    try:
        moment = _iso_moment(text) or _rfc_moment(text)
        if moment.tzinfo is None:  # RFC 850's "-0000" and offset-less ISO forms mean UTC
            moment = moment.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc)
    except (TypeError, ValueError, OverflowError, IndexError):
        return value
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _rfc_moment(text: str) -> datetime:
    """An RFC 1123 (or 850, or asctime) time, as ``email.utils`` reads it."""
    from email.utils import parsedate_to_datetime  # with calendar and more: only for the rare non-ISO time

    return parsedate_to_datetime(text)


def _iso_moment(text: str) -> Optional[datetime]:
    match = _ISO_8601.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros)
    if zone is None or zone.upper() in ("Z", "GMT", "UTC"):
        return moment.replace(tzinfo=timezone.utc)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=timezone(sign * offset))


def _bool(parent: ET.Element, name: str) -> bool:
    """``true``/``false`` (any case); an absent element is false."""
    value = _text(parent, name)
    if value is None or not value.strip():
        return False
    word = value.strip().lower()
    if word not in ("true", "false"):
        raise XMLParseError(f"<{name}> is not true or false: {_excerpt(value)}")
    return word == "true"


def _etag(value: Optional[str]) -> str:
    """The ETag without surrounding whitespace and quotes (``&quot;`` is already decoded)."""
    return (value or "").strip().strip('"')


def _none_if_empty(value: Optional[str]) -> Optional[str]:
    return value if value else None


def _url_decode(value: str) -> str:
    if "%" not in value and "+" not in value:
        return value  # nothing to decode: most keys, and urllib.parse (with ipaddress) stays unloaded
    from urllib.parse import unquote_plus

    try:
        return unquote_plus(value, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise XMLParseError(f"url-encoded value is not UTF-8: {_excerpt(value)}") from None


def _decoder(root: ET.Element, url_encoded: Optional[bool]) -> Decoder:
    """url-decoding when forced, or when the body declares ``<EncodingType>url</EncodingType>``."""
    if url_encoded is None:
        url_encoded = (_text(root, "EncodingType") or "").strip().lower() == "url"
    return _url_decode if url_encoded else _identity


def _identity(value: str) -> str:
    return value


def _optional(value: Optional[str], decode: Decoder) -> Optional[str]:
    return decode(value) if value is not None else None


def _common_prefixes(root: ET.Element, decode: Decoder) -> Tuple[str, ...]:
    prefixes = []
    for node in _children(root, "CommonPrefixes"):
        for prefix in _children(node, "Prefix"):
            prefixes.append(decode(prefix.text or ""))
    return tuple(prefixes)


def _page_ends(keys: List[str], prefixes: Tuple[str, ...]) -> Tuple[str, ...]:
    """The last key and the last common prefix of a page: where a next marker points."""
    return tuple(keys[-1:]) + prefixes[-1:]


def _echoed_marker(raw: Optional[str], decode: Decoder, ends: Tuple[str, ...]) -> Optional[str]:
    """A next marker, url-decoded unless the server left it raw.

    Under ``encoding-type=url`` AWS encodes NextMarker and NextKeyMarker, but
    Ceph RGW leaves NextKeyMarker raw (and other servers vary), while the keys
    of the page are always encoded.  A marker names the last key or prefix of
    the page, so whichever reading matches one of them is the right one; with
    no match the documented (decoded) reading wins.
    """
    if raw is None or decode is _identity:
        return raw
    try:
        decoded: Optional[str] = decode(raw)
    except XMLParseError:
        decoded = None
    if decoded is not None and decoded in ends:
        return decoded
    if raw in ends or decoded is None:
        return raw
    return decoded


# ---------------------------------------------------------------- buckets


def parse_list_buckets(body: bytes) -> Tuple[BucketInfo, ...]:
    """The buckets of a ListBuckets (``ListAllMyBucketsResult``) answer."""
    root = _root(body, "Buckets", "Owner")
    buckets = _child(root, "Buckets")
    if buckets is None:
        return ()
    return tuple(
        BucketInfo(name=_required(node, "Name"), creation_date=_timestamp(_text(node, "CreationDate")))
        for node in _children(buckets, "Bucket")
    )


def parse_location(body: bytes) -> str:
    """The region of a GetBucketLocation answer; ``""`` means us-east-1."""
    root = _parse_root(body)
    if _error_of(root) is not None:
        raise XMLParseError("expected a location but the body is an S3 error document")
    nested = _child(root, "LocationConstraint")  # a server that wraps it
    return ((nested if nested is not None else root).text or "").strip()


# ---------------------------------------------------------------- listings

_LISTING_FIELDS = (
    "Contents",
    "CommonPrefixes",
    "IsTruncated",
    "Name",
    "Prefix",
    "KeyCount",
    "MaxKeys",
    "Marker",
    "NextMarker",
    "NextContinuationToken",
)


def _object_info(node: ET.Element, decode: Decoder) -> ObjectInfo:
    size = _required_int(node, "Size")
    return ObjectInfo(
        key=decode(_required(node, "Key")),
        size=size,
        etag=_etag(_text(node, "ETag")),
        last_modified=_timestamp(_text(node, "LastModified")),
        storage_class=_text(node, "StorageClass"),
        owner_id=_path_text(node, "Owner", "ID"),
        owner_name=_path_text(node, "Owner", "DisplayName"),
    )


def parse_list_objects(body: bytes, *, url_encoded: Optional[bool] = None) -> ListObjectsResult:
    """One page of ListObjects V1 or V2 (``ListBucketResult``).

    ``next_continuation_token`` is V2's ``NextContinuationToken``.  ``next_marker``
    is ``NextMarker`` when the server sent one; when the page is truncated and
    the server sent neither (V1 without a delimiter does not), it is the last key
    or the last common prefix of the page, whichever sorts later, which is where
    the next page must start (S3 orders by UTF-8 bytes, i.e. by code point).
    A truncated page with nothing to continue from is refused, since a caller
    would otherwise ask for the same page forever.

    ``url_encoded`` None lets the body decide (see the module docstring); the
    echoed ``prefix`` is decoded too, though Ceph RGW echoes it raw, so a
    caller should trust the prefix it sent over the one echoed.
    """
    root = _root(body, *_LISTING_FIELDS)
    decode = _decoder(root, url_encoded)
    objects = tuple(_object_info(node, decode) for node in _children(root, "Contents"))
    prefixes = _common_prefixes(root, decode)
    truncated = _bool(root, "IsTruncated")
    token = _none_if_empty(_text(root, "NextContinuationToken"))
    candidates = _page_ends([info.key for info in objects], prefixes)
    marker = _echoed_marker(_none_if_empty(_text(root, "NextMarker")), decode, candidates)
    if truncated and token is None and marker is None:
        if not candidates:
            raise XMLParseError("truncated listing without NextMarker, NextContinuationToken, keys or prefixes")
        marker = max(candidates)
    return ListObjectsResult(
        objects=objects,
        common_prefixes=prefixes,
        is_truncated=truncated,
        next_marker=marker,
        next_continuation_token=token,
        name=_text(root, "Name"),
        prefix=_optional(_text(root, "Prefix"), decode),
    )


def _upload_info(node: ET.Element, decode: Decoder) -> MultipartUploadInfo:
    upload_id = _required(node, "UploadId")
    return MultipartUploadInfo(
        key=decode(_required(node, "Key")),
        upload_id=upload_id,
        initiated=_timestamp(_text(node, "Initiated")),
        initiator_id=_path_text(node, "Initiator", "ID"),
        initiator_name=_path_text(node, "Initiator", "DisplayName"),
        owner_id=_path_text(node, "Owner", "ID"),
        owner_name=_path_text(node, "Owner", "DisplayName"),
        storage_class=_text(node, "StorageClass"),
    )


def parse_list_multipart_uploads(body: bytes, *, url_encoded: Optional[bool] = None) -> ListMultipartUploadsResult:
    """One page of ListMultipartUploads; empty next markers become None.

    Ceph RGW url-encodes the keys when asked (``encoding-type=url``) but does
    not say so in the body, so a caller that asked for it must pass
    ``url_encoded=True``; None lets the body decide, False never decodes.
    A truncated page without NextKeyMarker continues, as ListObjects does, from
    its last upload or prefix; a truncated page with neither is refused.
    """
    root = _root(body, "Upload", "IsTruncated", "Bucket", "NextKeyMarker", "CommonPrefixes", "KeyMarker")
    decode = _decoder(root, url_encoded)
    uploads = tuple(_upload_info(node, decode) for node in _children(root, "Upload"))
    prefixes = _common_prefixes(root, decode)
    ends = _page_ends([upload.key for upload in uploads], prefixes)
    truncated = _bool(root, "IsTruncated")
    key_marker = _echoed_marker(_none_if_empty(_text(root, "NextKeyMarker")), decode, ends)
    id_marker = _none_if_empty(_text(root, "NextUploadIdMarker"))
    if truncated and key_marker is None:
        if not ends:
            raise XMLParseError("truncated upload listing without NextKeyMarker, uploads or prefixes")
        key_marker = max(ends)
        id_marker = uploads[-1].upload_id if uploads and uploads[-1].key == key_marker else None
    return ListMultipartUploadsResult(
        uploads=uploads,
        common_prefixes=prefixes,
        is_truncated=truncated,
        next_key_marker=key_marker,
        next_upload_id_marker=id_marker,
    )


def parse_list_parts(body: bytes) -> ListPartsResult:
    """One page of ListParts (moto names the root ``ListPartsResponse``).

    A truncated page without a (non-zero) NextPartNumberMarker continues from
    its last part; a truncated page with no parts either is refused.
    """
    root = _root(body, "Part", "IsTruncated", "UploadId", "NextPartNumberMarker", "PartNumberMarker")
    parts = tuple(
        PartInfo(
            part_number=_required_int(node, "PartNumber", 1, MAX_PARTS),
            etag=_etag(_required(node, "ETag")),
            size=_int(_text(node, "Size"), "Size", 0, MAX_PART_SIZE) or 0,
            last_modified=_timestamp(_text(node, "LastModified")),
        )
        for node in _children(root, "Part")
    )
    truncated = _bool(root, "IsTruncated")
    marker = _int(_text(root, "NextPartNumberMarker"), "NextPartNumberMarker", 0, MAX_PARTS)
    if truncated and not marker:
        if not parts:
            raise XMLParseError("truncated part listing without NextPartNumberMarker or parts")
        marker = parts[-1].part_number
    return ListPartsResult(parts=parts, is_truncated=truncated, next_part_number_marker=marker)


# ---------------------------------------------------------------- multipart and copy


def parse_initiate_multipart(body: bytes) -> InitiateMultipartResult:
    """The upload id (with bucket and key) of a CreateMultipartUpload answer."""
    root = _root(body, "UploadId")
    upload_id = _required(root, "UploadId").strip()
    if not upload_id:
        raise XMLParseError(f"empty <UploadId> in <{_tag_name(root)}>")
    return InitiateMultipartResult(
        bucket=_text(root, "Bucket") or "", key=_text(root, "Key") or "", upload_id=upload_id
    )


def parse_complete_multipart(body: bytes) -> CompleteMultipartResult:
    """A CompleteMultipartUpload answer.

    S3 may answer 200 and still carry an ``<Error>`` document (check
    :func:`is_error_document` first; here it is refused as the wrong root).
    Ceph RGW sends an empty ``<ETag/>``, so an empty or absent ETag gives ``""``.
    moto names the root ``CompleteMultipartUploadResponse``.
    """
    root = _root(body, "ETag", "Location", "Bucket", "Key")
    return CompleteMultipartResult(
        location=_text(root, "Location"),
        bucket=_text(root, "Bucket"),
        key=_text(root, "Key"),
        etag=_etag(_text(root, "ETag")),
    )


def parse_copy_result(body: bytes) -> CopyResult:
    """A CopyObject (``CopyObjectResult``) or UploadPartCopy (``CopyPartResult``) answer."""
    root = _root(body, "ETag", "LastModified")
    etag = _etag(_required(root, "ETag"))
    if not etag:
        raise XMLParseError(f"empty <ETag> in <{_tag_name(root)}>")
    return CopyResult(etag=etag, last_modified=_timestamp(_text(root, "LastModified")))


def parse_delete_result(body: bytes) -> DeleteObjectsResult:
    """The deleted keys and per-key errors of a DeleteObjects answer."""
    root = _root(body, "Deleted", "Error")
    deleted = tuple(_required(node, "Key") for node in _children(root, "Deleted"))
    errors = tuple(
        DeleteError(key=_required(node, "Key"), code=_text(node, "Code"), message=_text(node, "Message"))
        for node in _children(root, "Error")
    )
    return DeleteObjectsResult(deleted=deleted, errors=errors)


# ---------------------------------------------------------------- errors


_ERROR_FIELDS = ("Code", "Message", "RequestId", "HostId", "Resource", "BucketName", "Key")


def _error_element(body: bytes) -> Optional[ET.Element]:
    """The ``<Error>`` element of a body, or None when there is none or the body is garbage."""
    try:
        root = _parse_root(body)
    except XMLParseError:
        return None
    return _error_of(root)


def _error_of(root: ET.Element) -> Optional[ET.Element]:
    """The error element of a parsed body: an ``<Error>`` root, the ``<Error>`` in an
    ``<ErrorResponse>`` (the STS/IAM shape some gateways use), or any root with a
    ``<Code>`` child (no S3 result has one); None for anything else."""
    name = _local(root.tag)
    if name == "ErrorResponse":
        return _child(root, "Error")
    if name == "Error" or _child(root, "Code") is not None:
        return root
    return None


def is_error_document(body: bytes) -> bool:
    """Whether ``body`` is an S3 ``<Error>`` document; never raises.

    CompleteMultipartUpload and UploadPartCopy may answer 200 with an error
    document, so their callers must look before they parse.
    """
    return _error_element(body) is not None


def parse_error(body: bytes) -> ErrorDocument:
    """The fields of an S3 error body; ``ErrorDocument()`` (code None) for anything else.

    Never raises: it reads whatever an error answer carried, HTML included.
    Other childless children (``UploadId``, ``StringToSign``...) are kept, in
    order, in ``extra``.
    """
    error = _error_element(body)
    if error is None:
        return ErrorDocument()
    extra = tuple(
        (_local(child.tag), child.text or "")
        for child in error
        if _local(child.tag) and _local(child.tag) not in _ERROR_FIELDS and len(child) == 0
    )
    return ErrorDocument(
        code=_text(error, "Code"),
        message=_text(error, "Message"),
        request_id=_text(error, "RequestId"),
        host_id=_text(error, "HostId"),
        resource=_text(error, "Resource"),
        bucket_name=_text(error, "BucketName"),
        key=_text(error, "Key"),
        extra=extra,
    )
