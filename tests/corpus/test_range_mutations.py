"""The transfer engine's range handling reads every way a server may phrase a ranged answer the same:
206 or 200 with a Content-Range, a whole body that ignored the Range, a range that starts early,
header names and ETags in any case and quoting, optional headers missing, with broken connections."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from unit.test_transfer_download import BreakingResponse, FakeStore, config, payload

from aurora.errors import TransferError
from aurora.transfer.download import download_file, iter_object

Phrasing = Callable[[int, Dict[str, str], bytes, Tuple[int, int], int, bytes], Tuple[int, Dict[str, str], bytes]]


def standard(status: int, headers: Dict[str, str], body: bytes, span: Tuple[int, int], size: int, data: bytes) -> Any:
    return status, headers, body


def ok_with_content_range(status: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes) -> Any:
    return 200, headers, body


def range_ignored(status: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes) -> Any:
    whole = {name: value for name, value in headers.items() if name != "Content-Range"}
    whole["Content-Length"] = str(size)
    return 200, whole, data


def range_from_zero(status: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes) -> Any:
    first, last = span
    early = dict(headers, **{"Content-Range": "bytes 0-%d/%d" % (last, size), "Content-Length": str(last + 1)})
    return 206, early, data[: last + 1]


def lower_case_names(status: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes) -> Any:
    return status, {name.lower(): value for name, value in headers.items()}, body


def upper_case_names_bare_etag(
    status: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes
) -> Any:
    renamed = {name.upper(): value for name, value in headers.items()}
    renamed["ETAG"] = renamed["ETAG"].strip('"').upper()
    return status, renamed, body


def weak_etag(status: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes) -> Any:
    return status, dict(headers, ETag="W/" + headers["ETag"]), body


def no_optional_headers(status: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes) -> Any:
    kept = {name: value for name, value in headers.items() if name in ("Content-Range",)}
    return status, kept, body


def spaced_content_range(status: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes) -> Any:
    if "Content-Range" in headers:
        headers = dict(headers, **{"Content-Range": "  BYTES  " + headers["Content-Range"][6:] + " "})
    return status, headers, body


PHRASINGS: Dict[str, Phrasing] = {
    "206": standard,
    "200-with-content-range": ok_with_content_range,
    "200-whole-body": range_ignored,
    "206-from-byte-0": range_from_zero,
    "lower-case-names": lower_case_names,
    "upper-case-names-bare-etag": upper_case_names_bare_etag,
    "weak-etag": weak_etag,
    "no-optional-headers": no_optional_headers,
    "spaced-content-range": spaced_content_range,
}


class PhrasedStore(FakeStore):
    """FakeStore whose ranged answers are rephrased; If-Match compared as any server would."""

    def __init__(self, data: bytes, phrasing: Phrasing, **kw: Any) -> None:
        super().__init__(data, **kw)
        self.phrasing = phrasing

    def _check_if_match(self, headers: Any) -> None:
        wanted = headers.get("If-Match")
        if wanted is not None:
            super()._check_if_match({"If-Match": '"%s"' % wanted.strip('"').lower()})

    def get_object(self, bucket: str, key: str, **kw: Any) -> BreakingResponse:
        response = super().get_object(bucket, key, **kw)
        byte_range = kw.get("byte_range")
        if byte_range is None:
            return response
        size = len(self.data)
        first, last = byte_range
        span = (first, size - 1 if last is None else min(last, size - 1))
        headers = dict(response.headers.multi_items())
        status, headers, body = self.phrasing(response.status, headers, response._body, span, size, self.data)
        phrased = BreakingResponse(status, headers, body, response._break_after)
        self.responses[-1] = phrased
        return phrased


SIZE = 200 * 1024
DATA = payload(SIZE)


@pytest.mark.parametrize("phrasing", sorted(PHRASINGS))
@pytest.mark.parametrize("breaks", [[], [5000, 7000]], ids=["whole", "resumed"])
def test_parallel_download_gives_the_same_bytes(tmp_path: Path, phrasing: str, breaks: List[int]) -> None:
    store = PhrasedStore(DATA, PHRASINGS[phrasing], breaks=breaks)
    written = download_file(store, "b", "k", tmp_path / "o", config=config(), size_hint=SIZE)
    assert written == SIZE and (tmp_path / "o").read_bytes() == DATA


@pytest.mark.parametrize("phrasing", sorted(PHRASINGS))
@pytest.mark.parametrize("span", [(0, 99), (1000, 70000), (SIZE - 10, None)], ids=["head", "middle", "tail"])
def test_range_download_and_stream_give_the_same_bytes(
    tmp_path: Path, phrasing: str, span: Tuple[int, Optional[int]]
) -> None:
    first, last = span
    expected = DATA[first : None if last is None else last + 1]
    store = PhrasedStore(DATA, PHRASINGS[phrasing], breaks=[50])
    download_file(store, "b", "k", tmp_path / "o", config=config(), byte_range=span)
    assert (tmp_path / "o").read_bytes() == expected
    streamed = PhrasedStore(DATA, PHRASINGS[phrasing], breaks=[50])
    assert b"".join(iter_object(streamed, "b", "k", byte_range=span, chunk_size=4096)) == expected


@pytest.mark.parametrize(
    "status, content_range",
    [
        (206, None),
        (206, "bytes 5-9/10"),
        (200, "bytes 3-9/10"),
        (206, "bytes 0-99999999999999999999999/1"),
        (416, None),
    ],
)
def test_an_answer_that_is_not_the_range_is_refused_not_written(
    tmp_path: Path, status: int, content_range: Optional[str]
) -> None:
    def phrasing(_s: int, headers: Dict[str, str], body: bytes, span: Any, size: int, data: bytes) -> Any:
        headers = {name: value for name, value in headers.items() if name != "Content-Range"}
        if content_range is not None:
            headers["Content-Range"] = content_range
        return status, headers, body

    store = PhrasedStore(DATA, phrasing)
    with pytest.raises(TransferError, match="unexpected answer"):
        download_file(store, "b", "k", tmp_path / "o", config=config(), byte_range=(2, 9))
    assert not (tmp_path / "o").exists() and not list(tmp_path.iterdir())
