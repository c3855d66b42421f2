"""``sync``: walk both sides in name order and merge them (:func:`merge_plan` decides), transferring
and deleting as the merge goes, ``--jobs`` operations at once.

Neither side is held whole: the local walk and the listing are read as the
merge needs them, so memory stays flat for any number of keys.  A download
lands only below names the destination walk has already passed, so the walk
never sees (or deletes) a file this run created.

Directions: local folder to S3 prefix, S3 prefix to local folder, and S3 to
S3 (server-side copies).  A prefix is taken as a folder (``s3://b/p`` means
the keys under ``p/``).  Keys ending in ``/`` ("folder" markers) are left out
when one side is local: they have no file to match.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import stat
from typing import Iterable, Iterator, List

from aurora.cli.commands import BATCH, delete_keys
from aurora.cli.copying import Job, check_pair, run_job, shown
from aurora.cli.formatting import last_modified_of
from aurora.cli.listing import iterate_objects
from aurora.cli.session import Session
from aurora.cli.syncplan import DELETE, Entry, SyncAction, merge_plan
from aurora.cli.transfers import safe_local_path
from aurora.cli.urls import LocalPath, Location, S3Url, Stream, UsageError, join_key, listing_prefix, relative_display

__all__ = ["run_sync", "walk_sorted", "listed_entries", "file_md5"]


def file_md5(path: str, chunk_size: int = 1024 * 1024) -> str:
    """The MD5 hex of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


def walk_sorted(root: str) -> Iterator[Entry]:
    """Every regular file below ``root``, in the order S3 lists keys (by whole relative name).

    A folder ``d`` sorts as ``d/`` among its siblings, which is where its files'
    names fall, so the walk is ordered as a listing is without sorting it whole:
    memory holds one folder's names per level, not the tree's.
    """
    if not os.path.isdir(root):
        return
    yield from _walk_folder(root, "")


def _walk_folder(folder: str, relative: str) -> Iterator[Entry]:
    try:
        with os.scandir(folder) as scan:
            found = [(item.name + "/" if item.is_dir() else item.name, item) for item in scan]
    except OSError:
        return  # vanished or unreadable: nothing to offer
    found.sort(key=lambda pair: pair[0])
    for key, item in found:
        if key.endswith("/"):
            yield from _walk_folder(item.path, relative + key)
            continue
        try:
            info = item.stat()
        except OSError:
            continue  # vanished, or a broken link
        if stat.S_ISREG(info.st_mode):
            yield Entry(relative + item.name, info.st_size, info.st_mtime, local=True)


def listed_entries(session: Session, url: S3Url, skip_markers: bool) -> Iterator[Entry]:
    """The objects under ``url`` taken as a folder, in key order, page by page (``ref`` is the Object)."""
    prefix = listing_prefix(url.key)
    for obj in iterate_objects(session.driver, url.bucket, prefix):
        name = obj.name[len(prefix) :]
        if not name or (skip_markers and name.endswith("/")):
            continue
        modified = last_modified_of(obj.extra) or 0.0
        yield Entry(name, obj.size, modified, etag=obj.hash, ref=obj)


def _check_folder(path: str, must_exist: bool) -> None:
    """A local side must be a folder; a missing source is an error (with ``--delete`` it would empty DST)."""
    if not os.path.exists(path):
        if must_exist:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    elif not os.path.isdir(path):
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", path)


class _Side:
    """One end of a sync: a local folder or an S3 prefix, read in name order when :meth:`entries` is."""

    def __init__(self, session: Session, location: Location, skip_markers: bool, is_source: bool) -> None:
        if isinstance(location, Stream):
            raise UsageError("sync works on folders and prefixes, not '-'")
        self.location = location
        self._session = session
        self._skip_markers = skip_markers
        if isinstance(location, LocalPath):
            _check_folder(location.path, must_exist=is_source)

    def entries(self) -> Iterator[Entry]:
        if isinstance(self.location, S3Url):
            return listed_entries(self._session, self.location, self._skip_markers)
        assert isinstance(self.location, LocalPath)
        return walk_sorted(self.location.path)

    def location_of(self, name: str) -> Location:
        if isinstance(self.location, S3Url):
            return S3Url(self.location.bucket, join_key(listing_prefix(self.location.key), name))
        assert isinstance(self.location, LocalPath)
        return LocalPath(safe_local_path(self._session.targets, self.location.path, name))

    def md5_of(self, entry: Entry) -> str:
        assert isinstance(self.location, LocalPath)
        return file_md5(os.path.join(self.location.path, *entry.name.split("/")))


def run_sync(session: Session) -> int:
    """Merge the two sides' name-ordered walks, transferring and deleting as the merge goes."""
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
    actions = merge_plan(source.entries(), destination.entries(), delete=args.delete, md5_of=local.md5_of)
    try:
        _apply(session, source, destination, actions, bool(args.dry_run))
    except Exception as error:  # noqa: BLE001 - a listing or the walk failed midway; what was started finished
        session.fail("sync", "%s to %s" % (shown(args.source), shown(args.destination)), error)
    return 1 if session.failures else 0


def _apply(session: Session, source: _Side, destination: _Side, actions: Iterable[SyncAction], dry_run: bool) -> None:
    """Run each action as the merge produces it: transfers one a job, deletions in batches of 1,000."""
    from aurora.cli.jobs import run_concurrently
    from aurora.cli.small_uploads import submit_jobs

    with run_concurrently(session, uploads=isinstance(source.location, LocalPath)) as submit:

        def transfers() -> Iterator[Job]:
            """The merge's transfers, in order; its deletions go to ``submit`` in batches on the way."""
            doomed: List[str] = []
            for action in actions:
                if action.kind == DELETE:
                    doomed.append(action.name)
                    if len(doomed) == BATCH:
                        submit(functools.partial(_delete, session, destination, doomed, dry_run), None)
                        doomed = []
                    continue
                try:
                    entry = action.entry
                    obj = entry.ref if entry is not None else None
                    size = entry.size if entry is not None and entry.local else None  # the walk's stat
                    job = Job(source.location_of(action.name), destination.location_of(action.name), obj, size)
                except Exception as error:  # noqa: BLE001 - a key that cannot become a local path
                    session.fail("sync", action.name, error)
                    continue
                yield job
            if doomed:
                submit(functools.partial(_delete, session, destination, doomed, dry_run), None)

        submit_jobs(
            session, submit, transfers(), lambda job: functools.partial(run_job, session, job, False, dry_run), False
        )


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
