"""Every local file aurora writes: inside its destination, created exclusively, renamed into place.

One rule for the library's downloads (S3 and LOCAL drivers) and the command
line (through :mod:`aurora.drivers.base`):

- the final path's real location (symlinks of every existing parent
  resolved) is inside the destination folder's real location, else the key is
  refused with :class:`InvalidArgumentError` naming it;
- the bytes go to a temporary name created with ``O_CREAT | O_EXCL |
  O_NOFOLLOW``, so no existing file or link is ever opened for writing;
- the temporary file is renamed onto the final name: a symlink standing there
  is replaced by the file, never written through.

What it does not defend against: another local process swapping a folder for
a symlink between the check and the write (a race needs write access to the
destination, i.e. the user's own account).  :class:`LocalTargets`, which
serves runs of many files, checks each folder once per run, so for it that
window is the run.
"""

from __future__ import annotations

import itertools
import os
from typing import Dict, List, Tuple

from aurora.core.paths import is_inside, outside_error, relative_key_path
from aurora.errors import InvalidArgumentError

__all__ = ["LocalTargets", "contained_path", "make_parent", "create_exclusive"]

_CREATE = (
    os.O_RDWR
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def contained_path(root: str, name: str) -> str:
    """The file key ``name`` becomes inside folder ``root``, its parent folders' symlinks resolved.

    Nothing is created.  A key whose real location would be outside
    ``root``'s real location (``../x``, ``/etc/x``, ``link/x`` where ``link``
    points elsewhere) raises :class:`InvalidArgumentError`.
    """
    base = os.path.realpath(root)
    lexical = os.path.join(base, relative_key_path(name, root))
    parent = os.path.realpath(os.path.dirname(lexical))
    if not is_inside(base, parent):
        raise outside_error(name, root)
    return os.path.join(parent, os.path.basename(lexical))


def make_parent(path: str) -> None:
    """Create ``path``'s missing parent folders, refusing if one turns out to be a symlink."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):  # a stat, where mkdir of an existing folder locks its parent
        os.makedirs(parent, exist_ok=True)
    if os.path.realpath(parent) != parent:
        raise InvalidArgumentError("%s is (or passes through) a symlink: not written" % (parent,))


_SERIALS = itertools.count()
_SECRET: List[Tuple[int, str]] = []  # (pid, random hex) of this process


def unguessable_name() -> str:
    """Hex digits no other call in this process returns and no other process can predict:
    a random prefix drawn once a process (one ``getrandom``, not one a file) and a counter."""
    pid = os.getpid()
    if not _SECRET or _SECRET[0][0] != pid:  # first call, or a forked child
        _SECRET[:] = [(pid, os.urandom(8).hex())]
    return "%s%x" % (_SECRET[0][1], next(_SERIALS))


def create_exclusive(directory: str, prefix: str, suffix: str = "", mode: int = 0o600) -> Tuple[int, str]:
    """A new file in ``directory`` named ``prefix + unguessable + suffix``: ``(fd, path)``, open to write
    and read back.

    ``O_EXCL | O_NOFOLLOW``: never an existing file, never through a link.
    """
    while True:
        path = os.path.join(directory, prefix + unguessable_name() + suffix)
        try:
            return os.open(path, _CREATE, mode), path
        except FileExistsError:
            continue


class LocalTargets:
    """:func:`contained_path` and :func:`make_parent` for a run of many files, each folder checked once.

    Resolving every parent folder's real location for every key took about
    ten ``stat`` calls a file; here a folder that :meth:`make_parent` made or
    found, and found to be its own real location, is trusted for the rest of
    the run (a key below it is lexically inside its root, so it is inside in
    reality too).  Safe to share between threads.  At most :attr:`MAX_FOLDERS`
    folders are remembered (a listing of keys in a million folders must not
    grow memory with them): past that, the memory starts afresh.
    """

    MAX_FOLDERS = 4096

    def __init__(self) -> None:
        self._bases: Dict[str, str] = {}
        self._ready: Dict[str, bool] = {}

    def path_of(self, root: str, name: str) -> str:
        """:func:`contained_path` of ``name`` in ``root``."""
        base = self._bases.get(root)
        if base is None:
            base = self._bases.setdefault(root, os.path.realpath(root))
        lexical = os.path.join(base, relative_key_path(name, root))
        folder = os.path.dirname(lexical)
        if folder in self._ready:
            return lexical
        real = os.path.realpath(folder)
        if not is_inside(base, real):
            raise outside_error(name, root)
        return os.path.join(real, os.path.basename(lexical))

    def make_parent(self, path: str) -> None:
        """:func:`make_parent`, once a folder."""
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in self._ready:
            make_parent(path)
            if len(self._ready) >= self.MAX_FOLDERS:
                self._ready.clear()
            self._ready[folder] = True
