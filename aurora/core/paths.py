"""The rule for where a key may be written below a destination folder (the pure half).

A key is a name chosen by whoever wrote the object: ``../x``, ``/etc/x`` or
``a/../../x`` must never become a path outside the folder the user named.
:func:`relative_key_path` decides lexically; :mod:`aurora.transfer.destination`
adds what needs the file system (symlinks resolved, exclusive creation).
"""

from __future__ import annotations

import os
from typing import List

from aurora.errors import InvalidArgumentError

__all__ = ["relative_key_path", "is_inside", "outside_error"]


def outside_error(name: str, root: str) -> InvalidArgumentError:
    """The error for a key that would be written outside ``root`` (it names the key)."""
    return InvalidArgumentError("object name %r would be written outside %s" % (name, root))


def relative_key_path(name: str, root: str) -> str:
    """The relative path (native separators) key ``name`` becomes below ``root``.

    ``.`` and empty segments are dropped and ``..`` goes up one segment; a key
    that is absolute, climbs above ``root``, names ``root`` itself, or holds a
    NUL or another separator of this system is refused with
    :class:`InvalidArgumentError` naming it (``root`` is only for the message).
    """
    if not name or name.startswith("/") or "\x00" in name:
        raise outside_error(name, root)
    parts: List[str] = []
    for segment in name.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                raise outside_error(name, root)
            parts.pop()
        elif any(sep and sep != "/" and sep in segment for sep in (os.sep, os.altsep)):
            raise outside_error(name, root)
        else:
            parts.append(segment)
    if not parts:
        raise outside_error(name, root)
    return os.path.join(*parts)


def is_inside(root: str, path: str) -> bool:
    """Whether absolute ``path`` is ``root`` or below it (both already resolved)."""
    return os.path.commonpath([root, path]) == root
