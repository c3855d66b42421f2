"""The progress line: pure rendering, and the bar driven by an injected clock."""

from __future__ import annotations

import io
from typing import List

from aurora.cli.progress import CLEAR_LINE, ProgressBar, RateMeter, eta_text, render_progress, short_size

MiB = 1024 * 1024


def test_sizes_and_eta() -> None:
    assert short_size(0) == "0 B"
    assert short_size(1023) == "1023 B"
    assert short_size(1536) == "1.5 KiB"
    assert short_size(12.3 * MiB) == "12.3 MiB"
    assert short_size(3 * 1024**5) == "3072.0 TiB"
    assert eta_text(7) == "0:07"
    assert eta_text(750) == "12:30"
    assert eta_text(3723) == "1:02:03"


def test_a_known_total_shows_bar_percentage_rate_and_eta() -> None:
    line = render_progress("upload x", 25 * MiB, 100 * MiB, 5 * MiB, 100)
    assert line.startswith("upload x  [")
    assert "]   25% 25.0 MiB/100.0 MiB  5.0 MiB/s  ETA 0:15" in line
    assert len(line) <= 99


def test_an_unknown_total_shows_bytes_and_rate_only() -> None:
    assert render_progress("upload -", 3 * MiB, None, 0.0, 80) == "upload -  3.0 MiB  0 B/s"


def test_no_eta_without_a_rate_or_when_done() -> None:
    assert render_progress("x", 0, 10, 0.0, 200).endswith("ETA --:--")
    assert render_progress("x", 10, 10, 5.0, 200).endswith("100% 10 B/10 B  5 B/s  ETA --:--")


def test_narrow_terminals_drop_the_bar_then_shorten_the_label() -> None:
    wide = render_progress("download some/long/name.bin", MiB, 2 * MiB, MiB, 120)
    assert "[" in wide
    narrow = render_progress("download some/long/name.bin", MiB, 2 * MiB, MiB, 60)
    assert "[" not in narrow and len(narrow) <= 59
    assert narrow.startswith("...") and "50%" in narrow
    tiny = render_progress("download some/long/name.bin", MiB, 2 * MiB, MiB, 20)
    assert len(tiny) <= 19


def test_rate_over_a_sliding_window() -> None:
    meter = RateMeter(window=2.0)
    assert meter.add(0.0, 0) == 0.0
    assert meter.add(1.0, 100) == 100.0
    assert meter.add(2.0, 200) == 100.0
    assert meter.add(3.0, 1200) == 550.0  # samples from t=1 on
    assert meter.add(10.0, 1200) == 0.0  # stalled: old samples dropped


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def draws(text: str) -> List[str]:
    return [part for part in text.split("\r") if part and part != CLEAR_LINE[1:]]


def test_the_bar_redraws_at_most_ten_times_a_second_and_wipes_itself() -> None:
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(stream, "upload f", clock=clock, columns=lambda: 100)
    for step in range(1, 101):  # 100 callbacks over 1 second
        clock.now = step / 100.0
        bar(step * MiB, 100 * MiB)
    assert len(draws(stream.getvalue())) == 10
    assert all(line.endswith("\x1b[K") for line in draws(stream.getvalue()))
    assert "upload f" in stream.getvalue() and "100.0 MiB/s" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith(CLEAR_LINE)
    size = len(stream.getvalue())
    bar.close()
    assert len(stream.getvalue()) == size  # nothing more to wipe


def test_the_first_callback_draws_and_a_silent_bar_wipes_nothing() -> None:
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(stream, "x", clock=clock)
    bar.close()
    assert stream.getvalue() == ""
    bar(1, 2)
    assert stream.getvalue().startswith("\rx  ")
