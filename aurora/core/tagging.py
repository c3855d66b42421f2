"""Object tags: S3's limits, the ``x-amz-tagging`` header and the ``Tagging`` XML.

Tags are checked here, before anything is sent, against S3's documented
limits: at most 10 tags on an object, keys of 1 to 128 characters and values
of at most 256 (Unicode characters, as S3 counts them), both strings made of
letters, digits, spaces and ``+ - = . _ : / @`` (AWS's tag alphabet).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Tuple
from urllib.parse import quote

from aurora.core.xml import _child, _children, _parse_root, _required, _text
from aurora.core.xml_build import _document, _escaped
from aurora.errors import InvalidArgumentError

__all__ = [
    "TAGGING_HEADER",
    "MAX_TAGS",
    "MAX_TAG_KEY_CHARS",
    "MAX_TAG_VALUE_CHARS",
    "validate_tags",
    "tagging_header",
    "tagging_xml",
    "parse_tagging",
]

TAGGING_HEADER = "x-amz-tagging"
"""The header that tags a new object (PUT, CreateMultipartUpload, CopyObject)."""
MAX_TAGS = 10
MAX_TAG_KEY_CHARS = 128
MAX_TAG_VALUE_CHARS = 256
_ALPHABET = "letters, digits, spaces or + - = . _ : / @"
_TAG_TEXT = re.compile(r"[\w +\-=.:/@]*")
_MAX_PARSED_TAGS = 50
"""How many tags of an answer are kept: S3 sends at most 10; a server sending thousands is cut short."""


def validate_tags(tags: Any) -> Dict[str, str]:
    """``tags`` as a plain dict of str, or InvalidArgumentError naming what breaks S3's limits."""
    if not isinstance(tags, Mapping):
        raise InvalidArgumentError("tags must be a mapping of str to str, not %s" % type(tags).__name__)
    if len(tags) > MAX_TAGS:
        raise InvalidArgumentError("an object takes at most %d tags, not %d" % (MAX_TAGS, len(tags)))
    out: Dict[str, str] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY_CHARS or not _TAG_TEXT.fullmatch(key):
            raise InvalidArgumentError(
                "a tag key must be 1 to %d letters, digits, spaces or + - = . _ : / @, not %r"
                % (MAX_TAG_KEY_CHARS, key)
            )
        if not isinstance(value, str) or len(value) > MAX_TAG_VALUE_CHARS or not _TAG_TEXT.fullmatch(value):
            raise InvalidArgumentError(
                "the value of tag %r must be at most %d letters, digits, spaces or + - = . _ : / @"
                % (key, MAX_TAG_VALUE_CHARS)
            )
        out[key] = value
    return out


def tagging_header(tags: Any) -> str:
    """The ``x-amz-tagging`` value: ``k=v&k2=v2``, each side percent-encoded as in a query."""
    checked = validate_tags(tags)
    return "&".join("%s=%s" % (quote(key, safe=""), quote(value, safe="")) for key, value in checked.items())


def tagging_xml(tags: Any) -> bytes:
    """The PutObjectTagging body."""
    checked = validate_tags(tags)
    inner = "".join(
        "<Tag><Key>%s</Key><Value>%s</Value></Tag>" % (_escaped(key, "tag key"), _escaped(value, "tag value"))
        for key, value in checked.items()
    )
    return _document("Tagging", "<TagSet>%s</TagSet>" % inner)


def parse_tagging(body: bytes) -> Dict[str, str]:
    """The tags of a GetObjectTagging answer (``<Tagging><TagSet><Tag>...``), in the server's order.

    Ceph RGW answers an object without tags with an empty 200, read as no tags.
    """
    if not body.strip():
        return {}
    root = _parse_root(body)  # Tagging, whatever a server calls it
    tag_set = _child(root, "TagSet")
    pairs: Tuple[Tuple[str, str], ...] = ()
    if tag_set is not None:
        pairs = tuple((_required(tag, "Key"), _text(tag, "Value") or "") for tag in _children(tag_set, "Tag"))
    return dict(pairs[:_MAX_PARSED_TAGS])
