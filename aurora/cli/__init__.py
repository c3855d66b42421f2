"""The ``aurora`` command: ``aws s3``-style ls, cp, mv, rm, sync, presign... on the aurora drivers."""

from __future__ import annotations

from aurora.cli.main import console, main

__all__ = ["main", "console"]
