"""``python -m aurora``: the ``aurora`` command."""

from __future__ import annotations

import sys

from aurora.cli import main

if __name__ == "__main__":
    sys.exit(main())
