"""Builders of the XML request bodies S3 takes: bytes out, UTF-8, S3 namespace.

Why escaping is done by hand: besides ``&``, ``<`` and ``>``, a key may hold a
carriage return, newline or tab.  XML parsers normalise a raw CR (or CR LF) to
LF, so those three are written as character references (``&#13;``...), which
survive normalisation.  Every other control character (and U+FFFE, U+FFFF, lone
surrogates) cannot be carried by XML 1.0 at all, so a key holding one is refused
with :class:`~aurora.errors.InvalidArgumentError` naming the key, before any
request is sent.
"""

from __future__ import annotations

import re
from typing import Sequence, Tuple

from aurora.config import MAX_PARTS
from aurora.core.limits import MAX_DELETE_KEYS
from aurora.errors import InvalidArgumentError

__all__ = ["complete_multipart_xml", "create_bucket_xml", "delete_objects_xml", "MAX_DELETE_KEYS"]

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
_TO_ESCAPE = re.compile("[&<>\r\n\t]")


def _escaped(value: str, what: str) -> str:
    """``value`` as XML character data, or InvalidArgumentError when XML 1.0 cannot carry it."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, not {type(value).__name__}")
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise InvalidArgumentError(f"{what} {value!r} holds U+{ord(bad.group()):04X}, which XML 1.0 cannot carry")
    return _TO_ESCAPE.sub(lambda match: _ESCAPES[match.group()], value)


def _document(root: str, inner: str) -> bytes:
    return (_DECLARATION + f'<{root} xmlns="{S3_NAMESPACE}">{inner}</{root}>').encode("utf-8")


def _part_number(number: object) -> int:
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= MAX_PARTS:
        raise InvalidArgumentError(f"part number must be an integer from 1 to {MAX_PARTS}, not {number!r}")
    return number


def _quoted_etag(etag: object, number: int) -> str:
    if not isinstance(etag, str) or not etag.strip().strip('"'):
        raise InvalidArgumentError(f"part {number} needs a non-empty ETag, not {etag!r}")
    return '"' + _escaped(etag.strip().strip('"'), f"ETag of part {number}") + '"'


def complete_multipart_xml(parts: Sequence[Tuple[int, str]]) -> bytes:
    """The CompleteMultipartUpload body for ``(part number, etag)`` pairs.

    The parts are written in ascending order whatever order they come in (S3
    refuses any other with InvalidPartOrder), and each ETag is quoted as S3
    clients send it (quotes already present are not doubled).  No parts, or a
    part number given twice, is refused.
    """
    ordered = sorted(((_part_number(number), etag) for number, etag in parts), key=lambda pair: pair[0])
    if not ordered:
        raise InvalidArgumentError("a multipart upload needs at least one part to complete")
    chunks = []
    previous = 0
    for number, etag in ordered:
        if number == previous:
            raise InvalidArgumentError(f"part number {number} is given twice")
        previous = number
        chunks.append(f"<Part><PartNumber>{number}</PartNumber><ETag>{_quoted_etag(etag, number)}</ETag></Part>")
    return _document("CompleteMultipartUpload", "".join(chunks))


def create_bucket_xml(location: str) -> bytes:
    """The CreateBucket body for a region; ``b""`` for us-east-1 (or ``""``), which takes none."""
    if location in ("", "us-east-1"):
        return b""
    constraint = _escaped(location, "bucket location")
    return _document("CreateBucketConfiguration", f"<LocationConstraint>{constraint}</LocationConstraint>")


def delete_objects_xml(keys: Sequence[str], quiet: bool = True) -> bytes:
    """The DeleteObjects body for 1 to 1000 keys.

    ``quiet`` asks the server to report only the keys it failed to delete.
    """
    if isinstance(keys, str):
        raise InvalidArgumentError("keys must be a sequence of keys, not one str")
    if not 1 <= len(keys) <= MAX_DELETE_KEYS:
        raise InvalidArgumentError(f"DeleteObjects takes 1 to {MAX_DELETE_KEYS} keys, not {len(keys)}")
    chunks = ["<Quiet>true</Quiet>" if quiet else "<Quiet>false</Quiet>"]
    for key in keys:
        if key == "":
            raise InvalidArgumentError("an object key must not be empty")
        chunks.append(f"<Object><Key>{_escaped(key, 'key')}</Key></Object>")
    return _document("Delete", "".join(chunks))
