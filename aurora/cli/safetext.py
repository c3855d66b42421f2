"""Text from elsewhere made safe to print: the terminal shows controls instead of obeying them.

Keys, metadata, reason phrases and messages come from the server.  Printed
raw, an escape sequence in them could retitle the window or clear the screen,
and a bidi override could make one name look like another.  Every line the
command line prints goes through :func:`terminal_safe` (in :class:`Session`);
JSON lines keep exact values, with the same controls as ``\\u`` escapes.
"""

from __future__ import annotations

import re

__all__ = ["terminal_safe", "json_safe", "UNSAFE_CONTROLS"]

UNSAFE_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""C0 controls but tab and newline, DEL, C1 controls, and the bidi marks, embeddings, overrides and isolates."""

_UNSAFE = re.compile("[%s]" % UNSAFE_CONTROLS)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def terminal_safe(text: str) -> str:
    """``text`` with every control a terminal would act on written out (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(_escaped, text)


def json_safe(text: str) -> str:
    """JSON text with the controls JSON leaves raw (DEL, C1, bidi) as ``\\u`` escapes: same value, safe to print."""
    return _UNSAFE.sub(lambda match: "\\u%04x" % ord(match.group()), text)
