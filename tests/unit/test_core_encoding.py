"""Standard base64 without the ``base64`` module (pure)."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from aurora.core.encoding import base64_text


@given(st.binary(max_size=200))
def test_base64_text_is_standard_base64(data: bytes) -> None:
    assert base64_text(data) == base64.b64encode(data).decode("ascii")


def test_base64_text_of_an_md5_digest_has_no_newline() -> None:
    assert base64_text(bytes(16)) == "AAAAAAAAAAAAAAAAAAAAAA=="
