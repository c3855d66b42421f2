"""``python -m aurora``: the ``aurora`` command."""

from __future__ import annotations

from aurora.cli import console

if __name__ == "__main__":
    console()
