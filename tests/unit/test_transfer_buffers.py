"""Filling part buffers from iterables and file-like objects of any chunking."""

from __future__ import annotations

import array
import io
from typing import Any, Iterator, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora.errors import InvalidArgumentError, TransferError
from aurora.transfer.buffers import BufferPool, stream_filler


def parts_of(filler: Any, sizes: Iterator[int]) -> List[bytes]:
    """Fill buffers of the given sizes until one comes back short."""
    out = []
    for size in sizes:
        buffer = bytearray(size)
        count = filler(memoryview(buffer))
        out.append(bytes(buffer[:count]))
        if count < size:
            return out
    return out


def growing(base: int) -> Iterator[int]:
    number = 0
    while True:
        number += 1
        yield base * (1 + number // 3)


chunk_lists = st.lists(st.binary(min_size=0, max_size=40), max_size=30)


@settings(max_examples=200, deadline=None)
@given(chunks=chunk_lists, base=st.integers(min_value=1, max_value=17))
def test_iterable_parts_concatenate_to_the_input_with_planned_sizes(chunks: List[bytes], base: int) -> None:
    parts = parts_of(stream_filler(iter(chunks)), growing(base))
    data = b"".join(chunks)
    assert b"".join(parts) == data
    planned = growing(base)
    for part in parts[:-1]:
        assert len(part) == next(planned)
    assert len(parts[-1]) < next(planned)


@settings(max_examples=100, deadline=None)
@given(chunks=chunk_lists, base=st.integers(min_value=1, max_value=17))
def test_file_like_parts_concatenate_to_the_input(chunks: List[bytes], base: int) -> None:
    data = b"".join(chunks)
    parts = parts_of(stream_filler(io.BytesIO(data)), growing(base))
    assert b"".join(parts) == data


class TrickleReader:
    """A raw stream that hands out at most ``step`` bytes per call, via read() only."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._step = step

    def read(self, size: int) -> bytes:
        chunk, self._data = self._data[: min(size, self._step)], self._data[min(size, self._step) :]
        return chunk


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), step=st.integers(min_value=1, max_value=50), size=st.integers(1, 64))
def test_short_reads_from_read_only_streams_still_fill_whole_parts(data: bytes, step: int, size: int) -> None:
    parts = parts_of(stream_filler(TrickleReader(data, step)), iter(lambda: size, None))
    assert b"".join(parts) == data
    assert all(len(part) == size for part in parts[:-1])


def test_a_chunk_larger_than_several_parts_is_split_without_copies_of_the_rest() -> None:
    big = bytes(range(256)) * 4
    filler = stream_filler([b"", big, b"", b"x"])
    parts = parts_of(filler, iter(lambda: 100, None))
    assert [len(p) for p in parts] == [100] * 10 + [25]
    assert b"".join(parts) == big + b"x"


def test_a_stream_that_ends_exactly_on_a_part_boundary_gives_an_empty_last_fill() -> None:
    filler = stream_filler([b"abcd", b"efgh"])
    buffer = memoryview(bytearray(4))
    assert filler(buffer) == 4 and filler(buffer) == 4
    assert filler(buffer) == 0
    assert filler(buffer) == 0


def test_non_byte_memoryviews_are_taken_as_their_bytes() -> None:
    numbers = array.array("i", [1, 2, 3])
    parts = parts_of(stream_filler([numbers, memoryview(b"tail")]), iter(lambda: 5, None))
    assert b"".join(parts) == numbers.tobytes() + b"tail"


def test_a_single_bytes_object_is_one_chunk_not_an_iterable_of_ints() -> None:
    parts = parts_of(stream_filler(b"hello world"), iter(lambda: 4, None))
    assert parts == [b"hell", b"o wo", b"rld"]


def test_text_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        parts_of(stream_filler(["text"]), iter(lambda: 4, None))
    with pytest.raises(InvalidArgumentError):
        stream_filler("text")
    with pytest.raises(InvalidArgumentError):
        stream_filler(12)


def test_a_non_blocking_stream_with_no_data_is_an_error_not_an_end() -> None:
    class NonBlocking:
        def readinto(self, buffer: Any) -> None:
            return None

    with pytest.raises(TransferError):
        stream_filler(NonBlocking())(memoryview(bytearray(4)))


def test_pool_recycles_buffers_of_the_same_size_and_drops_outgrown_ones() -> None:
    pool = BufferPool(keep=2)
    first = pool.take(10)
    pool.give(first)
    assert pool.take(10) is first
    pool.give(first)
    bigger = pool.take(20)
    assert len(bigger) == 20 and bigger is not first

    small = BufferPool(keep=2)
    given_back = [bytearray(20) for _ in range(3)]
    for buffer in given_back:
        small.give(buffer)  # the third is beyond `keep`: dropped
    taken = [small.take(20) for _ in range(3)]
    assert sum(any(t is g for g in given_back) for t in taken) == 2
