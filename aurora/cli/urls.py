"""Command-line locations: ``s3://bucket/key`` URLs, local paths and ``-``.

Pure functions: nothing here touches the network; only the helpers that say
where a download lands look at the local file system.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from aurora.core.validation import validate_bucket_name, validate_bucket_reference
from aurora.errors import InvalidContainerNameError

__all__ = [
    "UsageError",
    "split_pair",
    "S3Url",
    "LocalPath",
    "Stream",
    "Location",
    "parse_s3_url",
    "parse_location",
    "join_key",
    "key_basename",
    "listing_prefix",
    "display_name",
    "relative_display",
    "local_target",
]

SCHEME = "s3://"


class UsageError(Exception):
    """The command line asks for something impossible; reported with exit code 2."""


def split_pair(pair: str, usage: str) -> Tuple[str, str]:
    """``NAME=VALUE`` split at the first ``=`` (the value may be empty or hold more ``=``).

    One rule for every such argument (``--field``, tags): a pair without
    ``=`` or without a name is a :class:`UsageError` saying ``usage``.
    """
    name, equals, value = pair.partition("=")
    if not equals or not name:
        raise UsageError("%s, not %r" % (usage, pair))
    return name, value


@dataclass(frozen=True)
class S3Url:
    """``s3://bucket/key``; ``key`` is ``""`` for the bucket itself."""

    bucket: str
    key: str = ""

    def __str__(self) -> str:
        return "%s%s/%s" % (SCHEME, self.bucket, self.key)

    @property
    def is_dir(self) -> bool:
        """Whether the URL names a "folder": the bucket root or a key ending in ``/``."""
        return self.key == "" or self.key.endswith("/")

    def child(self, name: str) -> S3Url:
        """The URL of ``name`` inside this one taken as a folder."""
        return S3Url(self.bucket, join_key(self.key, name))


@dataclass(frozen=True)
class LocalPath:
    path: str

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True)
class Stream:
    """``-``: standard input as a source, standard output as a destination."""

    def __str__(self) -> str:
        return "-"


Location = Union[S3Url, LocalPath, Stream]


def parse_s3_url(text: str, *, new_bucket: bool = False) -> S3Url:
    """The bucket and key of ``s3://bucket[/key]``.

    Any name a request can carry is accepted, as the driver accepts it (legacy buckets
    stay reachable); ``new_bucket`` applies the strict DNS rule of a bucket being made.

    Raises:
        UsageError: not an ``s3://`` URL, no bucket, or an invalid bucket name.
    """
    if not text.startswith(SCHEME):
        raise UsageError("not an S3 URL (s3://bucket/key): %r" % (text,))
    bucket, _, key = text[len(SCHEME) :].partition("/")
    if not bucket:
        raise UsageError("no bucket in %r" % (text,))
    try:
        (validate_bucket_name if new_bucket else validate_bucket_reference)(bucket)
    except InvalidContainerNameError as error:
        raise UsageError("%s in %r" % (error.value, text)) from None
    return S3Url(bucket, key)


def parse_location(text: str) -> Location:
    """An S3 URL, ``-`` or a local path; another ``scheme://`` is refused."""
    if text == "-":
        return Stream()
    if text.startswith(SCHEME):
        return parse_s3_url(text)
    scheme, sep, _ = text.partition("://")
    if sep and scheme.isalnum():
        raise UsageError("unsupported URL %r: use s3://bucket/key or a local path" % (text,))
    if not text:
        raise UsageError("empty path")
    return LocalPath(text)


def join_key(prefix: str, name: str) -> str:
    """``name`` under ``prefix`` taken as a folder (a ``/`` is added between them when missing)."""
    if not prefix:
        return name
    return prefix + name if prefix.endswith("/") else prefix + "/" + name


def key_basename(key: str) -> str:
    """The last ``/``-separated part of a key (``""`` for a key ending in ``/``)."""
    return key.rsplit("/", 1)[-1]


def listing_prefix(key: str) -> str:
    """The prefix that lists everything "inside" ``key``: ``key`` with a trailing ``/``, or ``""``."""
    return join_key(key, "") if key else ""


def display_name(key: str, prefix: str) -> str:
    """A listed key or common prefix relative to the folder part of ``prefix``, as ``aws s3 ls`` shows it.

    ``prefix="a/"`` shows ``a/file`` as ``file``; ``prefix="a"`` shows the
    common prefix ``a/`` as ``a/`` and ``ab`` as ``ab``.
    """
    folder = prefix[: prefix.rfind("/") + 1]
    return key[len(folder) :] if key.startswith(folder) else key


def relative_display(path: str, cwd: Optional[str] = None) -> str:
    """A local path as ``aws s3`` prints it: relative to ``cwd`` with its folder, e.g. ``./x``."""
    folder, name = os.path.split(path)
    try:
        shown = os.path.relpath(folder or os.curdir, cwd or os.curdir)
    except ValueError:  # another drive on Windows
        return path
    return os.path.join(shown, name)


def local_target(destination: str, name: str, is_dir: bool) -> str:
    """Where a download of an object called ``name`` lands for ``destination``.

    A destination that is a folder (``is_dir``) or ends in a separator keeps
    the object's name; anything else is the file to write.
    """
    if is_dir or destination.endswith(("/", os.sep)):
        return os.path.join(destination, name)
    return destination
