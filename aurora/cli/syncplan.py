"""What ``aurora sync`` must do, decided from two listings and nothing else.

The rule, per name present in the source:

* missing at the destination, or a different size: transfer;
* one side is a local file and the other an object whose ETag is a plain MD5
  (no ``-``: a single-part upload, not SSE-KMS/SSE-C): compare the MD5s, and
  transfer exactly when they differ; modification times do not matter;
* both are objects with the same plain-MD5 ETag: nothing to do;
* otherwise (a multipart ETag, or no MD5 on either side): transfer when the
  source is newer than the destination, whole seconds compared.

With ``delete``, names present only at the destination are deleted.  Because
uploads get a ``LastModified`` later than the file's mtime, and downloads are
given the object's ``LastModified`` as mtime, a second identical sync finds
nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional

__all__ = ["Entry", "SyncAction", "plan_sync", "merge_plan", "OutOfOrderError", "plain_md5", "TRANSFER", "DELETE"]

TRANSFER = "transfer"
DELETE = "delete"


@dataclass(frozen=True)
class Entry:
    """One file or object of a listing.

    Attributes:
        name: the path relative to the synced folder or prefix, ``/``-separated.
        size: bytes.
        mtime: seconds since the epoch (an object's LastModified).
        etag: an object's ETag without quotes; None for a local file.
        local: whether this is a local file (its MD5 can be computed).
    """

    name: str
    size: int
    mtime: float
    etag: Optional[str] = None
    local: bool = False
    ref: Any = field(default=None, compare=False, repr=False)
    """What the side knows of it beyond the listing (the driver's ``Object``), carried to the transfer."""


@dataclass(frozen=True)
class SyncAction:
    """``kind`` is :data:`TRANSFER` or :data:`DELETE`; ``reason`` says why, for ``--debug`` and tests."""

    kind: str
    name: str
    reason: str
    entry: Optional[Entry] = field(default=None, compare=False, repr=False)
    """The source entry of a transfer, the destination entry of a deletion."""


def plain_md5(etag: Optional[str]) -> Optional[str]:
    """The ETag as a lower-case MD5 hex when it is one (32 hex digits, no ``-``), else None."""
    if not etag:
        return None
    value = etag.strip().strip('"').lower()
    if len(value) == 32 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def _reason(source: Entry, dest: Optional[Entry], md5_of: Callable[[Entry], str]) -> Optional[str]:
    """Why ``source`` must be transferred over ``dest``, or None when they are already equal."""
    if dest is None:
        return "missing at the destination"
    if source.size != dest.size:
        return "size differs (%d, was %d)" % (source.size, dest.size)
    ours, theirs = plain_md5(source.etag), plain_md5(dest.etag)
    if ours and theirs:
        return None if ours == theirs else "ETag differs"
    if ours and dest.local or theirs and source.local:
        remote = ours or theirs
        return None if md5_of(dest if ours else source) == remote else "MD5 differs"
    if int(source.mtime) > int(dest.mtime):
        return "source is newer"
    return None


def plan_sync(
    source: Mapping[str, Entry],
    destination: Mapping[str, Entry],
    *,
    delete: bool = False,
    md5_of: Callable[[Entry], str] = lambda entry: "",
) -> List[SyncAction]:
    """The transfers (in name order), then the deletions, that make ``destination`` match ``source``.

    ``md5_of(entry)`` gives a local file's MD5 hex; it is called only where a
    plain-MD5 ETag on the other side makes the comparison by content.
    """
    actions: List[SyncAction] = []
    for name in sorted(source):
        reason = _reason(source[name], destination.get(name), md5_of)
        if reason is not None:
            actions.append(SyncAction(TRANSFER, name, reason))
    if delete:
        actions.extend(SyncAction(DELETE, name, "absent from the source") for name in _extra(source, destination))
    return actions


def _extra(source: Mapping[str, Entry], destination: Iterable[str]) -> List[str]:
    return sorted(name for name in destination if name not in source)


class OutOfOrderError(ValueError):
    """A side was not in name order, so a merge cannot compare it (a listing out of key order)."""


def _ordered(entries: Iterable[Entry], side: str) -> Iterator[Entry]:
    previous: Optional[str] = None
    for entry in entries:
        if previous is not None and entry.name <= previous:
            raise OutOfOrderError("the %s is not in name order: %r came after %r" % (side, entry.name, previous))
        previous = entry.name
        yield entry


def merge_plan(
    source: Iterable[Entry],
    destination: Iterable[Entry],
    *,
    delete: bool = False,
    md5_of: Callable[[Entry], str] = lambda entry: "",
) -> Iterator[SyncAction]:
    """:func:`plan_sync` for two sides given in name order, as one merge pass.

    Neither side is held: memory stays the same for ten keys or ten million,
    and each action comes out as soon as both sides have moved past its name
    (transfers and deletions interleaved, in name order).

    Raises:
        OutOfOrderError: a side is not strictly increasing by name.
    """
    sources, destinations = _ordered(source, "source"), _ordered(destination, "destination")
    ours, theirs = next(sources, None), next(destinations, None)
    while ours is not None or theirs is not None:
        if theirs is None or (ours is not None and ours.name < theirs.name):
            assert ours is not None
            yield SyncAction(TRANSFER, ours.name, "missing at the destination", ours)
            ours = next(sources, None)
        elif ours is None or theirs.name < ours.name:
            if delete:
                yield SyncAction(DELETE, theirs.name, "absent from the source", theirs)
            theirs = next(destinations, None)
        else:
            reason = _reason(ours, theirs, md5_of)
            if reason is not None:
                yield SyncAction(TRANSFER, ours.name, reason, ours)
            ours, theirs = next(sources, None), next(destinations, None)
