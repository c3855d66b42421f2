"""A one-line progress bar on the terminal: bytes, percentage, rate and ETA.

:func:`render_progress` is pure; :class:`ProgressBar` feeds it from the
transfer engine's ``progress(done, total)`` callbacks, reading an injected
clock, redrawing at most ``1 / interval`` times a second and wiping its line
when the transfer ends, so per-file lines printed afterwards start clean.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Deque, Optional, Protocol, TextIO, Tuple

__all__ = ["Meter", "render_progress", "short_size", "eta_text", "RateMeter", "ProgressBar", "CLEAR_LINE"]

CLEAR_LINE = "\r\x1b[K"
"""Carriage return, then erase to the end of the line."""


class Meter(Protocol):
    """What a transfer reports to: ``meter(done, total)`` as bytes move, ``meter.close()`` at the end."""

    def __call__(self, done: int, total: Optional[int]) -> None: ...

    def close(self) -> None: ...


_MIN_BAR = 10
_MAX_BAR = 32


def short_size(size: float) -> str:
    """``512 B``, ``1.5 KiB``, ``12.3 MiB``: compact, for the progress line."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return "%d %s" % (value, unit) if unit == "B" else "%.1f %s" % (value, unit)
        value /= 1024.0
    raise AssertionError("unreachable")


def eta_text(seconds: float) -> str:
    """``0:07``, ``12:30`` or ``1:02:03``."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return "%d:%02d:%02d" % (hours, minutes, secs) if hours else "%d:%02d" % (minutes, secs)


def _bar(fraction: float, width: int) -> str:
    """``[=====>    ]`` of ``width`` columns in all."""
    inner = width - 2
    filled = int(fraction * inner)
    if filled >= inner:
        return "[" + "=" * inner + "]"
    return "[" + "=" * filled + ">" + " " * (inner - filled - 1) + "]"


def render_progress(label: str, done: int, total: Optional[int], rate: float, width: int) -> str:
    """The progress line for ``done`` of ``total`` bytes (total None: unknown) at ``rate`` bytes/s.

    Fits ``width - 1`` columns: the bar takes the room left over (and is left
    out below ``_MIN_BAR`` columns), then the label is shortened from the left.
    """
    speed = "%s/s" % short_size(rate)
    room = max(width - 1, 0)
    if not total:
        return _fit(label, "  %s  %s" % (short_size(done), speed), room)
    fraction = min(1.0, done / float(total))
    eta = eta_text((total - done) / rate) if rate > 0 and done < total else "--:--"
    stats = "%3d%% %s/%s  %s  ETA %s" % (int(fraction * 100), short_size(done), short_size(total), speed, eta)
    bar_room = min(room - len(label) - len(stats) - 4, _MAX_BAR)
    tail = "  %s  %s" % (_bar(fraction, bar_room), stats) if bar_room >= _MIN_BAR else "  " + stats
    return _fit(label, tail, room)


def _fit(label: str, tail: str, room: int) -> str:
    """``label + tail`` in ``room`` columns, the label shortened from the left with ``...``."""
    space = room - len(tail)
    if len(label) > space:
        label = "..." + label[len(label) - space + 3 :] if space > 3 else ""
    return (label + tail)[:room]


class RateMeter:
    """Bytes per second over the last ``window`` seconds of samples."""

    def __init__(self, window: float = 5.0) -> None:
        self._window = window
        self._samples: Deque[Tuple[float, int]] = deque()

    def add(self, now: float, done: int) -> float:
        """Record ``done`` bytes at time ``now``; returns the current rate."""
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._window:
            self._samples.popleft()
        first_time, first_done = self._samples[0]
        elapsed = now - first_time
        return (done - first_done) / elapsed if elapsed > 0 else 0.0


class ProgressBar:
    """A ``progress(done, total)`` callback that draws one line on ``stream`` (a terminal).

    Args:
        stream: where to draw (standard error).
        label: what is being transferred.
        clock: seconds, monotonic (injected for tests).
        columns: the terminal width, asked at each redraw.
        interval: the least time between two redraws.
    """

    def __init__(
        self,
        stream: TextIO,
        label: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        columns: Callable[[], int] = lambda: 80,
        interval: float = 0.1,
    ) -> None:
        self._stream = stream
        self._label = label
        self._clock = clock
        self._columns = columns
        self._interval = interval
        self._rate = RateMeter()
        self._lock = threading.Lock()
        self._last_draw: Optional[float] = None
        self._start = clock()
        self._rate.add(self._start, 0)
        self.drawn = False

    def __call__(self, done: int, total: Optional[int]) -> None:
        with self._lock:
            now = self._clock()
            rate = self._rate.add(now, done)
            if self._last_draw is not None and now - self._last_draw < self._interval:
                return
            self._last_draw = now
            line = render_progress(self._label, done, total, rate, self._columns())
            self._stream.write("\r" + line + "\x1b[K")
            self._stream.flush()
            self.drawn = True

    def close(self) -> None:
        """Wipe the line, if anything was drawn."""
        with self._lock:
            if self.drawn:
                self._stream.write(CLEAR_LINE)
                self._stream.flush()
                self.drawn = False
