"""The content type of a new object guessed from its name, as libcloud guesses it.

``mimetypes.guess_type`` reads the system's tables (``/etc/mime.types``,
~3 ms) on its first call; threads that make that first call at once each read
them, so the first call here takes a lock.
"""

from __future__ import annotations

import threading
from typing import Optional

__all__ = ["guessed_type"]

_LOCK = threading.Lock()
_READY = threading.Event()


def guessed_type(name: str) -> Optional[str]:
    """``mimetypes.guess_type(name)[0]``, with the tables read once whatever the number of threads."""
    import mimetypes  # on first use, not when a driver is made

    if not _READY.is_set():
        with _LOCK:
            if not mimetypes.inited:
                mimetypes.init()
            _READY.set()
    return mimetypes.guess_type(name)[0]
