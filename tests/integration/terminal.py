"""Reading what a child process wrote to a pseudo-terminal, for the CLI's progress-bar tests."""

from __future__ import annotations

import os
import select


def read_terminal(master: int, timeout: float = 60.0) -> bytes:
    """Everything written to the terminal whose master side is ``master``, until the child closes it
    (or nothing arrives for ``timeout`` seconds); ``master`` is closed."""
    seen = b""
    try:
        while select.select([master], [], [], timeout)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    return seen
