"""Paused mode, Node's way: a 'readable' listener, ``read(size)`` answering at once,
``unshift()``; and the stream options a ``net.Socket`` takes from Node's Duplex."""
from __future__ import annotations

import gevent
import pytest
from gevent.event import Event

import greennet as net
from conftest import DEADLINE, Recorder, wait_for


def paused_reader(sock, size, out, done):
    """A ported Node parser: read(size) in every 'readable' until it returns None."""
    def on_readable():
        while True:
            chunk = sock.read(size)
            if chunk is None:
                return
            out.append(chunk)
    sock.on('readable', on_readable)
    sock.on('end', lambda: done.set())


def test_readable_fires_and_read_size_returns_exactly_size_bytes(start_server, connect):
    out, done = [], Event()
    server = start_server(lambda s: s.end(b'abcdefghij'))
    client = connect(server)
    paused_reader(client, 4, out, done)
    wait_for(done)
    assert out == [b'abcd', b'efgh', b'ij']    # the tail comes whole once the stream ended


def test_read_without_size_returns_everything_buffered(start_server, connect):
    out, done = [], Event()
    server = start_server(lambda s: s.end(b'hello world'))
    client = connect(server)
    paused_reader(client, None, out, done)
    wait_for(done)
    assert b''.join(out) == b'hello world'


def test_read_returns_none_when_fewer_bytes_are_buffered_and_the_stream_goes_on(start_server, connect):
    answers = []
    got_readable = Event()
    server = start_server(lambda s: s.write(b'abc'))
    client = connect(server)

    def on_readable():
        answers.append(client.read(10))
        answers.append(client.read(0))
        got_readable.set()
    client.on('readable', on_readable)
    wait_for(got_readable)
    assert answers == [None, None]
    assert client.readableLength == 3


def test_read_size_counts_characters_after_set_encoding(start_server, connect):
    out, done = [], Event()
    server = start_server(lambda s: s.end('héllo wörld'.encode()))
    client = connect(server)
    client.setEncoding('utf8')
    paused_reader(client, 3, out, done)
    wait_for(done)
    assert out == ['hél', 'lo ', 'wör', 'ld']


def test_a_ported_parser_reads_a_megabyte_past_the_high_water_mark(start_server, connect):
    payload = bytes(range(256)) * 4096
    out, done = [], Event()
    server = start_server(lambda s: s.end(payload))
    client = connect(server)
    paused_reader(client, 1000, out, done)
    wait_for(done)
    assert b''.join(out) == payload


def test_unshift_puts_bytes_back_for_the_next_read(start_server, connect):
    seen = []
    done = Event()
    server = start_server(lambda s: s.end(b'HEADbody'))
    client = connect(server)

    def on_readable():
        head = client.read(4)
        if head is None:
            return
        client.removeListener('readable', on_readable)
        client.unshift(b'PUT-BACK:')
        seen.append(head)
        client.on('data', seen.append)
    client.on('readable', on_readable)
    client.on('end', lambda: done.set())
    wait_for(done)
    assert seen[0] == b'HEAD' and b''.join(seen[1:]) == b'PUT-BACK:body'


def test_unshift_after_end_is_err_stream_unshift_after_end_event(start_server, connect):
    server = start_server(lambda s: s.end(b'x'))
    client = connect(server)
    client.on('data', lambda d: None)
    Recorder(client, 'end').wait('end')
    with pytest.raises(RuntimeError) as info:
        client.unshift(b'late')
    assert info.value.code == 'ERR_STREAM_UNSHIFT_AFTER_END_EVENT'


def test_sequential_reads_keep_asyncio_meanings_without_listeners(start_server, connect):
    server = start_server(lambda s: s.end(b'one\ntwo'))
    client = connect(server)
    assert client.read() == b'one\ntwo'           # everything until the end


# ---------------------------------------------------------------- Duplex options

def test_readable_and_writable_high_water_marks_are_separate():
    sock = net.Socket(readableHighWaterMark=1024, writableHighWaterMark=4096)
    assert (sock.readableHighWaterMark, sock.writableHighWaterMark) == (1024, 4096)


def test_the_encoding_option_makes_data_a_str(start_server, connect):
    server = start_server(lambda s: s.end('ünïcode'.encode()))
    client = connect(server, encoding='utf8')
    rec = Recorder(client, 'data', 'end')
    rec.wait('end')
    assert rec.data() == 'ünïcode'


def test_the_default_encoding_option_encodes_written_strings(start_server, connect):
    got = []
    done = Event()
    server = start_server(lambda s: (s.on('data', got.append), s.on('end', lambda: done.set())))
    client = connect(server, defaultEncoding='latin1')
    client.end('é')
    wait_for(done)
    assert b''.join(got) == b'\xe9'


def test_emit_close_false_destroys_without_a_close_event(start_server, connect):
    server = start_server(lambda s: s.end())
    client = connect(server, emitClose=False)
    rec = Recorder(client, 'end', 'close')
    client.resume()
    rec.wait('end')
    with gevent.Timeout(DEADLINE):
        while not client.destroyed:
            gevent.sleep(0.005)
    gevent.sleep(0.02)
    assert 'close' not in rec.names


def test_auto_destroy_false_keeps_the_socket_after_end_and_finish(start_server, connect):
    server = start_server(lambda s: (s.resume(), s.end()))
    client = connect(server, autoDestroy=False)
    rec = Recorder(client, 'end', 'finish')
    client.resume()
    rec.wait('end')
    rec.wait('finish')
    gevent.sleep(0.02)
    assert not client.destroyed
    client.destroy()


def test_text_left_by_paused_reads_flows_on_as_data(start_server, connect):
    events = []
    done = Event()
    server = start_server(lambda s: s.end(b'hello world'))
    client = connect(server)
    client.setEncoding('utf8')

    def on_readable():
        head = client.read(5)
        if head is None:
            return
        events.append(('read', head))
        client.removeListener('readable', on_readable)
        client.on('data', lambda d: events.append(('data', d)))
    client.on('readable', on_readable)
    client.on('end', lambda: (events.append('end'), done.set()))
    wait_for(done)
    assert events == [('read', 'hello'), ('data', ' world'), 'end']


def test_read_of_more_than_the_high_water_mark_is_answered_once_it_arrived(start_server, connect):
    got, done = [], Event()
    server = start_server(lambda s: s.end(b'z' * 200_000))
    client = connect(server)
    paused_reader(client, 100_000, got, done)
    wait_for(done)
    assert [len(chunk) for chunk in got] == [100_000, 100_000]
