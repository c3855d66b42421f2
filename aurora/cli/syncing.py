"""``sync``: list both sides, let :func:`plan_sync` decide, then transfer and delete.

Directions: local folder to S3 prefix, S3 prefix to local folder, and S3 to
S3 (server-side copies).  A prefix is taken as a folder (``s3://b/p`` means
the keys under ``p/``).  Keys ending in ``/`` ("folder" markers) are left out
when one side is local: they have no file to match.
"""

from __future__ import annotations

import errno
import hashlib
import os
from typing import Dict, List, Tuple

from aurora.cli.commands import delete_keys
from aurora.cli.copying import Job, check_pair, run_job, shown
from aurora.cli.formatting import last_modified_of
from aurora.cli.listing import iterate_objects
from aurora.cli.session import Session
from aurora.cli.syncplan import DELETE, Entry, SyncAction, plan_sync
from aurora.cli.transfers import safe_local_path
from aurora.cli.urls import LocalPath, Location, S3Url, Stream, UsageError, join_key, listing_prefix, relative_display
from aurora.drivers.base import Object

__all__ = ["run_sync", "local_entries", "s3_entries", "file_md5"]

Listing = Dict[str, Entry]


def file_md5(path: str, chunk_size: int = 1024 * 1024) -> str:
    """The MD5 hex of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


def local_entries(root: str) -> Listing:
    """Every regular file below ``root`` by ``/``-separated relative name (none if ``root`` is missing)."""
    entries: Listing = {}
    for folder, _subfolders, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                info = os.stat(path)
            except OSError:
                continue  # vanished, or a broken link
            if os.path.isfile(path):
                relative = os.path.relpath(path, root).replace(os.sep, "/")
                entries[relative] = Entry(relative, info.st_size, info.st_mtime, local=True)
    return entries


def s3_entries(session: Session, url: S3Url, skip_markers: bool) -> Tuple[Listing, Dict[str, Object]]:
    """The objects under ``url`` taken as a folder, by relative name, with the objects themselves."""
    prefix = listing_prefix(url.key)
    entries: Listing = {}
    objects: Dict[str, Object] = {}
    for obj in iterate_objects(session.driver, url.bucket, prefix):
        name = obj.name[len(prefix) :]
        if not name or (skip_markers and name.endswith("/")):
            continue
        modified = last_modified_of(obj.extra) or 0.0
        entries[name] = Entry(name, obj.size, modified, etag=obj.hash)
        objects[name] = obj
    return entries, objects


def _check_folder(path: str, must_exist: bool) -> None:
    """A local side must be a folder; a missing source is an error (with ``--delete`` it would empty DST)."""
    if not os.path.exists(path):
        if must_exist:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    elif not os.path.isdir(path):
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", path)


class _Side:
    """One end of a sync: a local folder or an S3 prefix, with its listing."""

    def __init__(self, session: Session, location: Location, skip_markers: bool, is_source: bool) -> None:
        if isinstance(location, Stream):
            raise UsageError("sync works on folders and prefixes, not '-'")
        self.location = location
        self.objects: Dict[str, Object] = {}
        if isinstance(location, S3Url):
            self.entries, self.objects = s3_entries(session, location, skip_markers)
        else:
            _check_folder(location.path, must_exist=is_source)
            self.entries = local_entries(location.path)

    def location_of(self, name: str) -> Location:
        if isinstance(self.location, S3Url):
            return S3Url(self.location.bucket, join_key(listing_prefix(self.location.key), name))
        assert isinstance(self.location, LocalPath)
        return LocalPath(safe_local_path(self.location.path, name))

    def md5_of(self, entry: Entry) -> str:
        assert isinstance(self.location, LocalPath)
        return file_md5(os.path.join(self.location.path, *entry.name.split("/")))


def run_sync(session: Session) -> int:
    args = session.args
    check_pair(args.source, args.destination, recursive=False, move=False)
    one_local = isinstance(args.source, LocalPath) or isinstance(args.destination, LocalPath)
    try:
        source = _Side(session, args.source, one_local, is_source=True)
        destination = _Side(session, args.destination, one_local, is_source=False)
    except UsageError:
        raise
    except Exception as error:  # noqa: BLE001
        session.fail("sync", "%s to %s" % (shown(args.source), shown(args.destination)), error)
        return 1
    local = destination if isinstance(destination.location, LocalPath) else source
    actions = plan_sync(source.entries, destination.entries, delete=args.delete, md5_of=local.md5_of)
    _apply(session, source, destination, actions, bool(args.dry_run))
    return 1 if session.failures else 0


def _apply(session: Session, source: _Side, destination: _Side, actions: List[SyncAction], dry_run: bool) -> None:
    doomed: List[str] = []
    for action in actions:
        if action.kind == DELETE:
            doomed.append(action.name)
            continue
        try:
            job = Job(
                source.location_of(action.name), destination.location_of(action.name), source.objects.get(action.name)
            )
        except Exception as error:  # noqa: BLE001 - a key that cannot become a local path
            session.fail("sync", action.name, error)
            continue
        run_job(session, job, dry_run=dry_run)
    if doomed:
        _delete(session, destination, doomed, dry_run)


def _delete(session: Session, side: _Side, names: List[str], dry_run: bool) -> None:
    """Delete what only the destination holds: one batch request per 1,000 keys, or file by file."""
    if isinstance(side.location, S3Url):
        prefix = listing_prefix(side.location.key)
        delete_keys(session, side.location.bucket, [join_key(prefix, name) for name in names], dry_run)
        return
    for name in names:
        path = os.path.join(side.location.path, *name.split("/"))
        if dry_run:
            session.report("delete", relative_display(path), dry_run=True)
            continue
        try:
            os.remove(path)
        except OSError as error:
            session.fail("delete", relative_display(path), error)
            continue
        session.report("delete", relative_display(path))
