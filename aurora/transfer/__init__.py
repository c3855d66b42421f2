"""L4: multipart uploads and downloads with bounded memory.

The names below are loaded on first use, so importing one submodule (a driver
needs :mod:`aurora.transfer.buffers` to build headers) does not import them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aurora.transfer.download import download_file, iter_object
    from aurora.transfer.progress import Progress
    from aurora.transfer.upload import UploadResult, upload_file, upload_stream

__all__ = ["Progress", "UploadResult", "upload_file", "upload_stream", "download_file", "iter_object"]

_HOMES = {
    "Progress": "aurora.transfer.progress",
    "UploadResult": "aurora.transfer.upload",
    "upload_file": "aurora.transfer.upload",
    "upload_stream": "aurora.transfer.upload",
    "download_file": "aurora.transfer.download",
    "iter_object": "aurora.transfer.download",
}


def __getattr__(name: str) -> Any:
    """Import the module holding ``name`` when it is first asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    return getattr(importlib.import_module(home), name)
