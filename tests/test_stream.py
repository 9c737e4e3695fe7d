"""``greennet.stream``: ``finished()`` and ``pipeline()`` with Node's meanings, and pipes
into plain Python writables."""
from __future__ import annotations

import io

import gevent
import pytest
from gevent.event import AsyncResult

from conftest import DEADLINE, Recorder
from greennet.stream import finished, pipeline


def test_finished_calls_back_once_the_socket_ended_and_finished(start_server, connect):
    server = start_server(lambda s: (s.resume(), s.on('end', s.end)))
    client = connect(server)
    outcome = AsyncResult()
    finished(client, lambda err: outcome.set(('done', err)))
    client.resume()
    client.end(b'bye')
    assert outcome.get(timeout=DEADLINE) == ('done', None)


def test_finished_without_a_callback_blocks_and_raises_the_error(start_server, connect):
    server = start_server(lambda s: s.resetAndDestroy() if s.remotePort else s.destroy())
    client = connect(server)
    client.on('error', lambda e: None)
    client.resume()
    client.write(b'x')
    with pytest.raises(Exception) as info:
        with gevent.Timeout(DEADLINE):
            finished(client)
    assert getattr(info.value, 'code', None) in ('ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'EPIPE')


def test_finished_reports_a_premature_close(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    outcome = AsyncResult()
    finished(client, lambda err: outcome.set(err))
    client.wait_connected(DEADLINE)
    client.destroy()
    err = outcome.get(timeout=DEADLINE)
    assert err.code == 'ERR_STREAM_PREMATURE_CLOSE'


def test_finished_returns_a_cleanup_that_removes_its_listeners(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    before = {name: client.listenerCount(name) for name in ('end', 'finish', 'error', 'close')}
    cleanup = finished(client, lambda err: None)
    cleanup()
    assert {name: client.listenerCount(name) for name in before} == before


def test_pipeline_copies_a_connection_into_a_file_to_the_end(start_server, connect):
    payload = b'line of data\n' * 5000
    server = start_server(lambda s: s.end(payload))
    client = connect(server)
    sink = io.BytesIO()
    outcome = AsyncResult()
    assert pipeline(client, sink, callback=lambda err: outcome.set(err)) is sink
    assert outcome.get(timeout=DEADLINE) is None
    assert sink.getvalue() == payload


def test_pipeline_through_an_echo_server_blocks_until_done(start_server, connect):
    echo = start_server(lambda s: s.pipe(s))
    upstream = start_server(lambda s: s.end(b'relayed bytes'))
    source = connect(upstream)
    relay = connect(echo)
    sink = io.BytesIO()
    with gevent.Timeout(DEADLINE):
        pipeline(source, relay, sink)
    assert sink.getvalue() == b'relayed bytes'


def test_pipeline_destroys_every_stream_when_one_fails(start_server, connect):
    echo = start_server(lambda s: s.pipe(s))
    source = connect(echo)
    relay = connect(echo)
    outcome = AsyncResult()
    pipeline(source, relay, io.BytesIO(), callback=lambda err: outcome.set(err))
    boom = RuntimeError('boom')
    source.wait_connected(DEADLINE)
    source.destroy(boom)
    assert outcome.get(timeout=DEADLINE) is boom
    Recorder(relay, 'close').wait('close') if not relay.closed else None
    assert relay.destroyed and source.destroyed


def test_pipe_into_a_python_file_writes_everything_and_leaves_it_open(start_server, connect):
    server = start_server(lambda s: s.end(b'abc' * 1000))
    client = connect(server)
    sink = io.BytesIO()
    client.pipe(sink)
    Recorder(client, 'close').wait('close')
    assert sink.getvalue() == b'abc' * 1000 and not sink.closed


def test_finished_called_in_a_listener_of_the_same_socket_returns(start_server, connect):
    server = start_server(lambda s: (s.resume(), s.on('end', s.end)))
    client = connect(server)
    outcome = AsyncResult()

    def on_connect():
        client.end(b'bye')
        finished(client)               # blocks this listener; the socket's events go on
        outcome.set('returned')
    client.on('connect', on_connect)
    client.resume()
    assert outcome.get(timeout=DEADLINE) == 'returned'


def test_pipeline_leaves_a_stream_that_already_finished_alone(start_tcp_server):
    import greennet as net
    source_server = start_tcp_server(lambda s: s.end(b'all of it'))
    source = net.connect(source_server.address()['port'], '127.0.0.1', allowHalfOpen=True)
    source.end()
    destination = net.connect({'port': 1, 'host': 'no-such-host.invalid'})
    outcome = AsyncResult()
    pipeline(source, destination, callback=lambda err: outcome.set(err))
    err = outcome.get(timeout=DEADLINE)
    assert err.code in ('ENOTFOUND', 'EAI_AGAIN')
    gevent.sleep(0.05)
    assert source.errored is None
