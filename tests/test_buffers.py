"""The read buffer and the write queue, on their own (no hub, no socket)."""
from __future__ import annotations

from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greennet._buffers import MAX_IOV, ReadBuffer, WriteQueue
from greennet.errors import LimitOverrunError

chunks_st = st.lists(st.binary(min_size=1, max_size=64), max_size=20)


def filled(chunks: List[bytes]) -> ReadBuffer:
    buf = ReadBuffer()
    for chunk in chunks:
        buf.append(chunk)
    return buf


# ---------------------------------------------------------------- ReadBuffer

def test_take_returns_the_first_bytes_and_leaves_the_rest():
    buf = filled([b'hello ', b'world'])
    assert buf.take(3) == b'hel'
    assert buf.take(5) == b'lo wo'
    assert buf.nbytes == 3
    assert buf.take(-1) == b'rld'
    assert not buf


def test_take_more_than_buffered_returns_everything():
    buf = filled([b'ab', b'cd'])
    assert buf.take(100) == b'abcd'
    assert buf.nbytes == 0


def test_popleft_gives_whole_chunks_in_order():
    buf = filled([b'one', b'two'])
    buf.take(1)
    assert buf.popleft() == b'ne'
    assert buf.popleft() == b'two'
    assert len(buf) == 0


def test_unshift_puts_bytes_back_in_front():
    buf = filled([b'world'])
    buf.unshift(b'hello ')
    assert buf.take(-1) == b'hello world'


def test_find_gives_the_offset_just_past_the_separator():
    buf = filled([b'GET / HT', b'TP/1.1\r', b'\nHost'])
    assert buf.find(b'\r\n', 1000) == len(b'GET / HTTP/1.1\r\n')


def test_find_without_the_separator_is_minus_one_and_consumes_nothing():
    buf = filled([b'no newline here'])
    assert buf.find(b'\n', 1000) == -1
    assert buf.nbytes == len(b'no newline here')


def test_find_resumes_where_the_last_search_stopped():
    buf = filled([b'a' * 10])
    assert buf.find(b'\r\n', 1000) == -1
    buf.append(b'\r')
    assert buf.find(b'\r\n', 1000) == -1
    buf.append(b'\nrest')
    assert buf.find(b'\r\n', 1000) == 12


def test_find_past_the_limit_without_separator_raises_limit_overrun():
    buf = filled([b'x' * 11])
    with pytest.raises(LimitOverrunError) as info:
        buf.find(b'\n', 10)
    assert info.value.consumed == 11
    assert isinstance(info.value, ValueError)
    assert info.value.code == 'ERR_STREAM_LIMIT_OVERRUN'
    assert buf.nbytes == 11          # nothing is lost


def test_find_with_the_separator_past_the_limit_raises_with_its_offset():
    buf = filled([b'x' * 20 + b'\n'])
    with pytest.raises(LimitOverrunError) as info:
        buf.find(b'\n', 10)
    assert info.value.consumed == 20
    assert buf.take(-1) == b'x' * 20 + b'\n'


def test_a_line_exactly_at_the_limit_is_found():
    buf = filled([b'x' * 10 + b'\n'])
    assert buf.find(b'\n', 10) == 11


@given(chunks_st, st.lists(st.integers(min_value=0, max_value=100), max_size=10))
def test_takes_return_the_bytes_in_order_and_lose_none(chunks, sizes):
    buf = filled(chunks)
    whole = b''.join(chunks)
    out = b''.join(buf.take(n) for n in sizes) + buf.take(-1)
    assert out == whole
    assert buf.nbytes == 0


@given(chunks_st, st.binary(min_size=1, max_size=3), st.integers(min_value=1, max_value=50))
def test_find_agrees_with_bytes_find_or_raises_as_asyncio(chunks, sep, limit):
    buf = ReadBuffer()
    whole = b''
    for chunk in chunks:           # search after every arrival, as a waiting reader does
        buf.append(chunk)
        whole += chunk
        expected = whole.find(sep)
        try:
            end = buf.find(sep, limit)
        except LimitOverrunError as err:
            if expected >= 0:
                assert expected > limit and err.consumed == expected
            else:
                assert err.consumed == len(whole) + 1 - len(sep) > limit
            return
        if expected >= 0:
            assert end == expected + len(sep) and expected <= limit
            assert buf.take(end) == whole[:end]
            whole = whole[end:]
        else:
            assert end == -1
    assert buf.take(-1) == whole


@given(chunks_st, st.binary(min_size=1, max_size=2))
def test_lines_split_by_find_and_take_rebuild_the_stream(chunks, sep):
    buf = filled(chunks)
    whole = b''.join(chunks)
    out = []
    while True:
        end = buf.find(sep, 10**9)
        if end < 0:
            break
        out.append(buf.take(end))
    out.append(buf.take(-1))
    assert b''.join(out) == whole
    assert all(piece.endswith(sep) for piece in out[:-1])


# ---------------------------------------------------------------- WriteQueue

def test_advance_returns_the_callbacks_of_writes_wholly_sent():
    queue = WriteQueue()
    first, second = object(), object()
    queue.append(b'abc', first)        # type: ignore[arg-type]
    queue.append(b'defg', second)      # type: ignore[arg-type]
    assert queue.advance(4) == [first]
    assert queue.nbytes == 3
    assert [bytes(b) for b in queue.buffers()] == [b'efg']
    assert queue.advance(3) == [second]
    assert not queue


def test_an_empty_write_completes_when_reached():
    queue = WriteQueue()
    cb = object()
    queue.append(b'', cb)              # type: ignore[arg-type]
    assert queue.advance(0) == [cb]


def test_buffers_are_at_most_one_sendmsg():
    queue = WriteQueue()
    for _ in range(MAX_IOV + 5):
        queue.append(b'x')
    assert len(queue.buffers()) == MAX_IOV


def test_clear_returns_the_callbacks_that_will_never_run():
    queue = WriteQueue()
    cb = object()
    queue.append(b'abc', cb)           # type: ignore[arg-type]
    queue.append(b'def')
    assert queue.clear() == [cb]
    assert queue.nbytes == 0


@given(st.lists(st.binary(max_size=30), max_size=15), st.lists(st.integers(0, 40), max_size=20))
def test_sent_bytes_leave_in_order_and_callbacks_fire_once_each(writes, sends):
    queue = WriteQueue()
    for i, data in enumerate(writes):
        queue.append(data, i)           # type: ignore[arg-type]
    whole = b''.join(writes)
    out = b''
    fired: List[int] = []
    for n in sends:
        pending = b''.join(bytes(b) for b in queue.buffers())
        n = min(n, len(pending))
        out += pending[:n]
        fired += queue.advance(n)       # type: ignore[arg-type]
    out += b''.join(bytes(b) for b in queue.buffers())
    fired += queue.advance(queue.nbytes)   # type: ignore[arg-type]
    assert out == whole
    assert fired == list(range(len(writes)))
