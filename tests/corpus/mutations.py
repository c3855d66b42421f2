"""Rewrites of captured S3 answers that a liberal reader must read the same.

Each XML mutation takes a parsed fixture and returns a variant a real server
might send instead: the root renamed, the namespace dropped, changed or mixed,
children reordered, optional elements removed, unknown elements added, ETag
quotes and date formats varied.  :data:`XML_MUTATIONS` maps each name to its
rewrite and to the normaliser that states what the variant may lose (an
omitted Owner is no longer known; an RFC 1123 date has whole seconds only).
"""

from __future__ import annotations

import copy
import dataclasses
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Callable, Dict, Iterator, List, Tuple

__all__ = ["XML_MUTATIONS", "mutate", "normalised"]

Rewrite = Callable[[ET.Element], None]
Normaliser = Callable[[Any], Any]

OPTIONAL = {
    "Owner",
    "StorageClass",
    "Initiator",
    "MaxKeys",
    "KeyCount",
    "Delimiter",
    "Marker",
    "KeyMarker",
    "UploadIdMarker",
    "PartNumberMarker",
    "MaxParts",
    "MaxUploads",
    "Type",
    "ChecksumAlgorithm",
    "ChecksumType",
    "Location",
}
DATES = {"LastModified", "Initiated", "CreationDate"}
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z")


def _split(tag: str) -> Tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _tag(namespace: str, local: str) -> str:
    return "{%s}%s" % (namespace, local) if namespace else local


def _walk(element: ET.Element, depth: int = 0) -> Iterator[Tuple[ET.Element, int]]:
    yield element, depth
    for child in element:
        yield from _walk(child, depth + 1)


def _local(element: ET.Element) -> str:
    return _split(element.tag)[1]


# ---------------------------------------------------------------- rewrites


def renamed_root(root: ET.Element) -> None:
    root.tag = _tag(_split(root.tag)[0], "Result" if _local(root) != "Result" else "Answer")


def no_namespace(root: ET.Element) -> None:
    for element, _ in _walk(root):
        element.tag = _split(element.tag)[1]


def other_namespace(root: ET.Element) -> None:
    for element, _ in _walk(root):
        element.tag = _tag("urn:example:other-store", _split(element.tag)[1])


def mixed_namespaces(root: ET.Element) -> None:
    """Even depths in one namespace, odd ones in none (prefixes on the wire)."""
    for element, depth in _walk(root):
        element.tag = _tag("urn:example:a" if depth % 2 == 0 else "", _split(element.tag)[1])


def reordered(root: ET.Element) -> None:
    """Every element's kinds of children in reverse order; same-named siblings keep theirs."""
    for element, _ in list(_walk(root)):
        children = list(element)
        if len(children) < 2:
            continue
        groups: Dict[str, List[ET.Element]] = {}
        for child in children:
            groups.setdefault(_local(child), []).append(child)
        for child in children:
            element.remove(child)
        for name in reversed(list(groups)):
            element.extend(groups[name])


def optional_removed(root: ET.Element) -> None:
    for element, _ in list(_walk(root)):
        for child in list(element):
            if _local(child) in OPTIONAL:
                element.remove(child)


def unknown_added(root: ET.Element) -> None:
    """A vendor element first and a namespaced one last in every element that has children."""
    for element, _ in list(_walk(root)):
        if len(element) == 0:
            continue
        vendor = ET.Element("VendorExtension")
        ET.SubElement(vendor, "Detail").text = "x"
        trace = ET.Element("{urn:example:vendor}Trace")
        ET.SubElement(trace, "{urn:example:vendor}Id").text = "42"
        element.insert(0, vendor)
        element.append(trace)


def etag_quotes_varied(root: ET.Element) -> None:
    for element, _ in _walk(root):
        if _local(element) == "ETag" and element.text:
            bare = element.text.strip().strip('"')
            element.text = " %s " % bare if element.text.strip().startswith('"') else '"%s"' % bare


def _dates(render: Callable[[datetime, str], str]) -> Rewrite:
    def rewrite(root: ET.Element) -> None:
        for element, _ in _walk(root):
            match = _ISO.fullmatch((element.text or "").strip()) if _local(element) in DATES else None
            if match:
                year, month, day, hour, minute, second, millis = (int(group) for group in match.groups())
                moment = datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=timezone.utc)
                element.text = render(moment, match.group(7))

    return rewrite


dates_rfc1123 = _dates(lambda moment, millis: format_datetime(moment, usegmt=True))
dates_whole_seconds = _dates(lambda moment, millis: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
dates_microseconds = _dates(lambda moment, millis: moment.strftime("%Y-%m-%dT%H:%M:%S.") + millis + "417+00:00")


def _east(moment: datetime, millis: str) -> str:
    """The same instant two hours east of UTC, with its offset."""
    east = moment.astimezone(timezone(timedelta(hours=2)))
    return east.strftime("%Y-%m-%dT%H:%M:%S.") + millis + "+02:00"


dates_offset = _dates(_east)


# ---------------------------------------------------------------- normalisers


def _replace_fields(value: Any, change: Callable[[str, Any], Any]) -> Any:
    """``value`` with every model field (recursively, through tuples) passed through ``change``."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a model: a named tuple
        model: Any = value
        updates = {name: change(name, _replace_fields(getattr(model, name), change)) for name in model._fields}
        return model._replace(**updates)
    if isinstance(value, tuple):
        return tuple(_replace_fields(item, change) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        updates = {
            field.name: change(field.name, _replace_fields(getattr(value, field.name), change))
            for field in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **updates)
    return value


def _same(value: Any) -> Any:
    return value


def _without_optional(value: Any) -> Any:
    dropped = {"owner_id", "owner_name", "storage_class", "initiator_id", "initiator_name", "location"}
    return _replace_fields(value, lambda name, item: None if name in dropped else item)


def _whole_seconds(value: Any) -> Any:
    dated = {"last_modified", "initiated", "creation_date"}

    def change(name: str, item: Any) -> Any:
        if name in dated and isinstance(item, str):
            return re.sub(r"\.\d{3}Z$", ".000Z", item)
        return item

    return _replace_fields(value, change)


def normalised(value: Any) -> Any:
    """What every variant must agree on: unknown error fields as a set, not in order."""
    return _replace_fields(value, lambda name, item: tuple(sorted(item)) if name == "extra" else item)


XML_MUTATIONS: Dict[str, Tuple[Rewrite, Normaliser]] = {
    "renamed_root": (renamed_root, _same),
    "no_namespace": (no_namespace, _same),
    "other_namespace": (other_namespace, _same),
    "mixed_namespaces": (mixed_namespaces, _same),
    "reordered": (reordered, _same),
    "optional_removed": (optional_removed, _without_optional),
    "unknown_added": (unknown_added, _same),
    "etag_quotes_varied": (etag_quotes_varied, _same),
    "dates_rfc1123": (dates_rfc1123, _whole_seconds),
    "dates_whole_seconds": (dates_whole_seconds, _whole_seconds),
    "dates_microseconds": (dates_microseconds, _same),
    "dates_offset": (dates_offset, _same),
}


def mutate(body: bytes, rewrite: Rewrite) -> bytes:
    """``body`` parsed, rewritten and serialised again (UTF-8, with an XML declaration)."""
    root = copy.deepcopy(ET.fromstring(body.lstrip()))
    rewrite(root)
    serialised: bytes = ET.tostring(root, encoding="utf-8")
    return serialised
