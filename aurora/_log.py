"""aurora's loggers, which do not import :mod:`logging` to drop a record nobody can see.

Until some code imports ``logging``, no handler and no level can have been set,
so a DEBUG or INFO record would be dropped by the root logger's default level
(WARNING).  Importing ``logging`` (with ``traceback``, ``string`` and more) only
to drop it would add several milliseconds to making a driver, so :class:`Log`
passes DEBUG and INFO records on only once the program has imported
``logging``; from then on they go to ``logging.getLogger(name)`` as usual.  A
warning is always passed on: ``logging`` shows it even when not configured.

The ``aurora`` command, which shows warnings as its own one-line messages and
nothing else unless ``--debug``, routes them with :func:`route_warnings`
instead of importing and configuring ``logging`` for every run.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    import logging

__all__ = ["Log", "route_warnings"]

_warnings_to: Optional[Callable[[str], None]] = None


def route_warnings(sink: Optional[Callable[[str], None]]) -> Optional[Callable[[str], None]]:
    """Send every aurora warning's text to ``sink`` instead of ``logging`` (None: to ``logging`` again).

    Returns the previous sink, to restore.  While a sink is set, DEBUG and INFO
    records are dropped.
    """
    global _warnings_to
    previous, _warnings_to = _warnings_to, sink
    return previous


class Log:
    """The logger ``name`` (``aurora.transport``...), imported when it can have a listener."""

    __slots__ = ("name", "_logger")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: Optional[logging.Logger] = None

    def debug(self, msg: str, *args: object) -> None:
        if _warnings_to is None and "logging" in sys.modules:
            self._get().debug(msg, *args, stacklevel=2)

    def info(self, msg: str, *args: object) -> None:
        if _warnings_to is None and "logging" in sys.modules:
            self._get().info(msg, *args, stacklevel=2)

    def warning(self, msg: str, *args: object) -> None:
        sink = _warnings_to
        if sink is not None:
            sink(msg % args if args else msg)
        else:
            self._get().warning(msg, *args, stacklevel=2)

    def _get(self) -> logging.Logger:
        if self._logger is None:
            import logging  # waits, as any import does, if another thread is still importing it

            self._logger = logging.getLogger(self.name)
        return self._logger

    def __repr__(self) -> str:
        return f"<Log {self.name}>"
