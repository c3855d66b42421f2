"""What the command line prints from elsewhere: controls shown escaped, JSON values exact."""

from __future__ import annotations

import json
import re

from aurora.cli.formatting import json_line
from aurora.cli.safetext import UNSAFE_CONTROLS, json_safe, terminal_safe

RAW = re.compile("[%s]" % UNSAFE_CONTROLS)


def test_terminal_safe_escapes_exactly_the_controls() -> None:
    assert terminal_safe("tab\tnew\nline é€ 😀") == "tab\tnew\nline é€ 😀"
    assert terminal_safe("\x00\x1b\r\x7f\x85\x9f\u2066\u202e\u200f") == (
        "\\x00\\x1b\\x0d\\x7f\\x85\\x9f\\u2066\\u202e\\u200f"
    )


def test_every_code_point_below_0x100_is_either_kept_or_escaped_as_hex() -> None:
    for code in range(0x100):
        shown = terminal_safe(chr(code))
        assert shown == chr(code) if RAW.match(chr(code)) is None else shown == "\\x%02x" % code


def test_json_lines_keep_exact_values_with_no_raw_control() -> None:
    text = "a\x1b\x7f\x9b\u202e\u2069b"
    line = json_line({"v": text})
    assert json.loads(line) == {"v": text} and RAW.search(line) is None
    assert json_safe(json.dumps("\x85")) == '"\\u0085"'
