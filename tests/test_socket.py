"""net.Socket: events in Node's order, bytes intact, flow control, timeouts, destroy.

Tests that take ``start_server``/``connect`` run over TCP and over a Unix socket.
"""
from __future__ import annotations

import _socket
import logging
import socket as pysocket

import gevent
import pytest
from gevent.event import AsyncResult, Event

import greennet as net
from conftest import DEADLINE, Recorder, wait_for


def echo(sock):
    sock.pipe(sock)


# ------------------------------------------------------------------ connecting

def test_connect_emits_connect_then_ready(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    rec = Recorder(client, 'connect', 'ready')
    rec.wait('ready')
    assert rec.names == ['connect', 'ready']


def test_connect_listener_is_a_once_connect_listener(start_server, connect):
    server = start_server(echo)
    called = []
    client = connect(server, lambda: called.append(client.connecting))
    client.wait_connected(DEADLINE)
    gevent.sleep(0)
    assert called == [False]
    assert client.listenerCount('connect') == 0


def test_connecting_and_pending_are_true_until_connected(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    assert (client.connecting, client.pending, client.readyState) == (True, True, 'opening')
    client.wait_connected(DEADLINE)
    assert (client.connecting, client.pending, client.readyState) == (False, False, 'open')


def test_create_connection_takes_port_and_host(start_tcp_server):
    server = start_tcp_server(echo)
    client = net.createConnection(server.address()['port'], '127.0.0.1')
    try:
        client.wait_connected(DEADLINE)
        assert client.remotePort == server.address()['port']
    finally:
        client.destroy()


def test_connect_takes_keyword_options_in_either_spelling(start_tcp_server):
    server = start_tcp_server(echo)
    client = net.connect(port=server.address()['port'], host='127.0.0.1', allow_half_open=True)
    try:
        client.wait_connected(DEADLINE)
        assert client.allowHalfOpen is True
    finally:
        client.destroy()


def test_connect_to_closed_port_emits_econnrefused_then_close_true(tcp):
    probe = _socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    client = net.connect(port, '127.0.0.1')
    rec = Recorder(client, 'connect', 'error', 'close')
    rec.wait('close')
    (err,) = rec.args('error')[0]
    assert rec.names == ['error', 'close']
    assert rec.args('close') == [(True,)]
    assert (err.code, err.syscall, err.address, err.port) == ('ECONNREFUSED', 'connect', '127.0.0.1', port)
    assert isinstance(err, ConnectionRefusedError)
    assert client.destroyed and client.readyState == 'closed'


def test_connect_with_bad_port_raises_err_socket_bad_port():
    for port in (-1, 65536, 1.5, 'x80'):
        with pytest.raises(ValueError) as info:
            net.connect({'port': port, 'host': '127.0.0.1'})
        assert info.value.code == 'ERR_SOCKET_BAD_PORT'


def test_connect_with_unknown_option_raises():
    with pytest.raises(TypeError) as info:
        net.connect({'port': 80, 'colour': 'blue'})
    assert info.value.code == 'ERR_UNKNOWN_OPTION'


def test_connect_without_port_or_path_raises_err_missing_args():
    with pytest.raises(TypeError) as info:
        net.connect({'host': '127.0.0.1'})
    assert info.value.code == 'ERR_MISSING_ARGS'


def test_no_lookup_event_for_a_literal_ip(start_tcp_server, connect_tcp):
    server = start_tcp_server(echo)
    client = connect_tcp(server)
    rec = Recorder(client, 'lookup', 'connectionAttempt', 'connect')
    rec.wait('connect')
    assert rec.names == ['connectionAttempt', 'connect']
    assert rec.args('connectionAttempt') == [('127.0.0.1', server.address()['port'], 4)]


def test_reconnecting_after_close_works(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    client.wait_connected(DEADLINE)
    client.destroy()
    client.wait_closed(DEADLINE)
    client.connect(server.address() if isinstance(server.address(), str) else
                   {'port': server.address()['port'], 'host': '127.0.0.1'})
    client.wait_connected(DEADLINE)
    client.write(b'again')
    assert client.read(5) == b'again'


# ------------------------------------------------------------------ data and end

def test_data_arrives_as_bytes_in_order(start_server, connect):
    server = start_server(lambda s: s.end(b'one two three'))
    client = connect(server)
    rec = Recorder(client, 'data', 'end', 'close')
    rec.wait('close')
    assert rec.data() == b'one two three'
    assert all(isinstance(e[1], bytes) for e in rec.events if e[0] == 'data')


def test_peer_end_gives_end_then_close_false(start_server, connect):
    server = start_server(lambda s: s.end(b'bye'))
    client = connect(server)
    rec = Recorder(client, 'data', 'end', 'close')
    rec.wait('close')
    assert rec.names == ['data', 'end', 'close']
    assert rec.args('close') == [(False,)]


def test_ready_state_is_write_only_during_end_and_closed_after(start_server, connect):
    server = start_server(lambda s: s.end())
    client = connect(server)
    states = []
    client.on('end', lambda: states.append(client.readyState))
    client.on('close', lambda _h: states.append(client.readyState))
    client.wait_closed(DEADLINE)
    assert states == ['writeOnly', 'closed']


def test_end_returns_socket_and_makes_it_read_only(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    client.wait_connected(DEADLINE)
    assert client.end() is client
    assert client.readyState == 'readOnly'


def test_allow_half_open_false_ends_the_writable_side_when_the_peer_ends(start_server, connect):
    got_end = Event()

    def handler(s):
        s.on('end', got_end.set)

    server = start_server(handler)
    client = connect(server, allowHalfOpen=True)
    rec = Recorder(client, 'end', 'close')
    client.wait_connected(DEADLINE)
    client.end()
    rec.wait('close')
    assert rec.names == ['end', 'close']


def test_allow_half_open_true_can_still_write_after_end(start_server, connect):
    def handler(s):
        s.on('end', lambda: s.end(b'still here'))

    server = start_server(handler, allowHalfOpen=True)
    client = connect(server, allowHalfOpen=True)
    rec = Recorder(client, 'data', 'end', 'close')
    client.wait_connected(DEADLINE)
    client.end()
    rec.wait('close')
    assert rec.data() == b'still here'
    assert rec.names[-2:] == ['end', 'close']


def test_set_encoding_emits_str_and_joins_a_split_multibyte_character(start_server, connect):
    euro = 'a\u20acb'.encode()

    def handler(s):
        s.write(euro[:2])
        gevent.spawn_later(0.05, s.end, euro[2:])

    server = start_server(handler)
    client = connect(server)
    assert client.setEncoding('utf8') is client
    rec = Recorder(client, 'data', 'close')
    rec.wait('close')
    chunks = [e[1] for e in rec.events if e[0] == 'data']
    assert ''.join(chunks) == 'a\u20acb'
    assert all(isinstance(c, str) and c for c in chunks)


def test_pause_stops_data_events_and_resume_delivers_them(start_server, connect):
    server = start_server(lambda s: s.end(b'payload'))
    client = connect(server)
    client.pause()
    rec = Recorder(client, 'data', 'end')
    client.wait_connected(DEADLINE)
    gevent.sleep(0.1)      # the payload has arrived by now; it must not be emitted
    assert rec.names == [] and client.isPaused()
    assert client.resume() is client
    rec.wait('end')
    assert rec.data() == b'payload'


def test_bytes_read_and_bytes_written_count_the_traffic(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    client.write(b'x' * 1000)
    assert client.readexactly(1000) == b'x' * 1000
    assert client.bytesRead == 1000
    assert client.bytesWritten == 1000
    assert client.bytes_read == 1000


# ------------------------------------------------------------------ writing

def test_write_callbacks_run_in_order_then_the_end_callback(start_server, connect):
    def handler(s):
        s.on('data', lambda d: None)
        s.on('end', s.end)

    server = start_server(handler)
    client = connect(server)
    order = []
    client.write('one', lambda err: order.append(('one', err)))
    client.write(b'two', lambda err: order.append(('two', err)))
    client.write('\u00e9', 'latin1', lambda err: order.append(('latin1', err)))
    client.end('four', lambda err: order.append(('end', err)))
    assert client.connecting
    client.wait_closed(DEADLINE)
    assert order == [('one', None), ('two', None), ('latin1', None), ('end', None)]
    assert client.bytesWritten == 11


def test_write_returns_false_past_the_high_water_mark_then_drain_follows(start_server, connect):
    big = 8 * 1024 * 1024
    received = AsyncResult()

    def handler(s):
        s.pause()
        total = [0]
        s.on('data', lambda d: total.__setitem__(0, total[0] + len(d)))
        s.on('end', lambda: received.set(total[0]))
        gevent.spawn_later(0.1, s.resume)

    server = start_server(handler)
    client = connect(server)
    rec = Recorder(client, 'drain', 'close')
    client.wait_connected(DEADLINE)
    assert client.write(b'x' * big) is False
    assert client.write(b'y') is False
    assert client.bufferSize > 0
    rec.wait('drain')
    assert client.bufferSize == 0
    client.end()
    assert received.get(timeout=DEADLINE) == big + 1
    assert rec.names.count('drain') == 1


def test_write_of_exactly_the_high_water_mark_returns_false(start_server, connect):
    server = start_server(lambda s: s.on('data', lambda d: None))
    client = connect(server)
    client.wait_connected(DEADLINE)
    rec = Recorder(client, 'drain')
    assert client.write(b'x' * client.writableHighWaterMark) is False
    rec.wait('drain')


def test_high_water_mark_option_sets_the_write_limit(start_server, connect):
    server = start_server(lambda s: s.on('data', lambda d: None))
    client = connect(server, highWaterMark=16)
    client.wait_connected(DEADLINE)
    assert client.write(b'x' * 15) is True
    assert client.write(b'x' * 16) is False


def test_write_accepts_str_with_encodings(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    client.write('caf\u00e9')
    client.write('ff00', 'hex')
    client.write('aGk=', 'base64')
    assert client.readexactly(9) == 'caf\u00e9'.encode() + b'\xff\x00' + b'hi'


def test_write_accepts_bytearray_and_memoryview(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    client.write(bytearray(b'ab'))
    client.write(memoryview(b'cd'))
    assert client.readexactly(4) == b'abcd'


def test_write_of_a_bad_type_raises_err_invalid_arg_type(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    for bad in (42, None, ['x'], {'a': 1}):
        with pytest.raises(TypeError) as info:
            client.write(bad)
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_write_with_an_unknown_encoding_raises(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    with pytest.raises(TypeError) as info:
        client.write('x', 'klingon')
    assert info.value.code == 'ERR_UNKNOWN_ENCODING'


def test_write_after_end_errors_with_err_stream_write_after_end(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    rec = Recorder(client, 'error', 'close')
    client.wait_connected(DEADLINE)
    client.end()
    result = AsyncResult()
    assert client.write(b'late', result.set) is False
    assert result.get(timeout=DEADLINE).code == 'ERR_STREAM_WRITE_AFTER_END'
    rec.wait('close')
    assert rec.args('error')[0][0].code == 'ERR_STREAM_WRITE_AFTER_END'


def test_destroy_soon_flushes_then_closes(start_server, connect):
    received = AsyncResult()

    def handler(s):
        chunks = []
        s.on('data', chunks.append)
        s.on('end', lambda: received.set(b''.join(chunks)))

    server = start_server(handler)
    client = connect(server)
    client.wait_connected(DEADLINE)
    client.write(b'z' * 300000)
    client.destroySoon()
    client.wait_closed(DEADLINE)
    assert received.get(timeout=DEADLINE) == b'z' * 300000


def test_pipe_echoes_everything_back(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    payload = bytes(range(256)) * 4096
    client.write(payload)
    assert client.readexactly(len(payload)) == payload


def test_pipe_returns_the_destination(start_server, connect):
    returned = AsyncResult()
    server = start_server(lambda s: returned.set(s.pipe(s) is s))
    client = connect(server)
    client.wait_connected(DEADLINE)
    assert returned.get(timeout=DEADLINE) is True


def test_pipe_comes_apart_when_the_destination_finishes(start_server, connect):
    seen = AsyncResult()

    def handler(sock):
        unpiped = []
        sock.on('unpipe', unpiped.append)
        sock.pipe(sock)
        sock.on('close', lambda had_error: seen.set(
            (unpiped == [sock], sock.listenerCount('data'), sock.listenerCount('end'), sock.isPaused())))

    server = start_server(handler)
    client = connect(server)
    client.end(b'hello')
    assert client.read() == b'hello'
    assert seen.get(timeout=DEADLINE) == (True, 0, 0, True)


def test_unpipe_detaches_pauses_and_emits_unpipe_once(start_server, connect):
    seen = AsyncResult()

    def handler(sock):
        unpiped = []
        sock.on('unpipe', unpiped.append)
        sock.pipe(sock)

        def first(chunk):
            sock.unpipe(sock)
            sock.unpipe(sock)      # no pipe left: nothing happens
            seen.set((len(unpiped), sock.listenerCount('data'), sock.isPaused()))
        sock.once('data', first)

    server = start_server(handler)
    client = connect(server)
    client.write(b'x')
    assert seen.get(timeout=DEADLINE) == (1, 0, True)


def test_a_socket_piped_to_itself_is_freed_without_the_cycle_collector(start_server, connect):
    import gc
    import weakref
    refs = []
    server = start_server(lambda sock: (refs.append(weakref.ref(sock)), sock.pipe(sock)))
    gc.disable()
    try:
        client = connect(server)
        client.end(b'ping')
        assert client.read() == b'ping'
        client.wait_closed(DEADLINE)
        with gevent.Timeout(DEADLINE, AssertionError('the server socket is still alive')):
            while not refs or refs[0]() is not None:
                gevent.sleep(0.01)
    finally:
        gc.enable()


@pytest.mark.parametrize('style', ['events', 'sequential'])
def test_bytes_and_end_sent_before_the_server_accepts_are_all_delivered(endpoint, start_server, style):
    got = AsyncResult()

    def by_events(sock):
        chunks = []
        sock.on('data', chunks.append)
        sock.on('end', lambda: got.set(b''.join(chunks)))

    def sequential(sock):
        got.set(sock.read() + sock.read())

    server = start_server(by_events if style == 'events' else sequential)
    raw = pysocket.socket(pysocket.AF_INET if endpoint.transport == 'tcp' else pysocket.AF_UNIX)
    target = endpoint.target(server)
    raw.connect((target['host'], target['port']) if 'port' in target else target['path'])
    raw.sendall(b'early bytes')
    raw.shutdown(pysocket.SHUT_WR)
    try:
        assert got.get(timeout=DEADLINE) == b'early bytes'
    finally:
        raw.close()


# ------------------------------------------------------------------ destroy

def test_destroy_with_error_emits_error_then_close_true(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    client.wait_connected(DEADLINE)
    rec = Recorder(client, 'error', 'close')
    boom = Exception('boom')
    assert client.destroy(boom) is client
    assert client.destroyed and client.readyState == 'closed'
    rec.wait('close')
    assert rec.events == [('error', boom), ('close', True)]


def test_destroy_without_error_emits_only_close_false(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    client.wait_connected(DEADLINE)
    rec = Recorder(client, 'error', 'close')
    client.destroy()
    client.destroy()
    rec.wait('close')
    assert rec.events == [('close', False)]


def test_events_are_emitted_after_destroy_returns(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    client.wait_connected(DEADLINE)
    rec = Recorder(client, 'close')
    client.destroy()
    assert rec.names == []
    rec.wait('close')


def test_reset_and_destroy_makes_the_peer_see_econnreset(start_tcp_server, connect_tcp):
    error = AsyncResult()

    def handler(s):
        s.on('error', error.set)

    server = start_tcp_server(handler)
    client = connect_tcp(server)
    client.wait_connected(DEADLINE)
    gevent.sleep(0.05)
    client.resetAndDestroy()
    assert error.get(timeout=DEADLINE).code == 'ECONNRESET'


def test_reset_and_destroy_on_ipc_raises_err_invalid_handle_type(endpoint, start_server, connect):
    if endpoint.transport != 'unix':
        pytest.skip('IPC only')
    server = start_server(lambda s: None)
    client = connect(server)
    client.wait_connected(DEADLINE)
    with pytest.raises(TypeError) as info:
        client.resetAndDestroy()
    assert info.value.code == 'ERR_INVALID_HANDLE_TYPE'


def test_error_without_a_listener_is_logged_not_lost(start_server, connect, caplog):
    server = start_server(lambda s: None)
    client = connect(server)
    client.wait_connected(DEADLINE)
    with caplog.at_level(logging.ERROR, logger='greennet'):
        client.destroy(RuntimeError('nobody listens'))
        client.wait_closed(DEADLINE) if False else Recorder(client, 'close').wait('close')
    assert any('nobody listens' in r.getMessage() for r in caplog.records)


def test_a_listener_that_raises_destroys_only_its_socket(start_server, connect, caplog):
    server = start_server(echo)
    bad = connect(server)
    good = connect(server)
    bad.on('connect', lambda: 1 / 0)
    rec = Recorder(bad, 'error', 'close')
    rec.wait('close')
    assert isinstance(rec.args('error')[0][0], ZeroDivisionError)
    good.write(b'fine')
    assert good.readexactly(4) == b'fine'


# ------------------------------------------------------------------ timeouts and options

def test_set_timeout_emits_timeout_once_and_keeps_the_socket_open(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    fired = []
    assert client.timeout is None
    assert client.setTimeout(50, lambda: fired.append('callback')) is client
    assert client.timeout == 50
    rec = Recorder(client, 'timeout')
    rec.wait('timeout')
    assert fired == ['callback']
    assert not client.destroyed and client.readyState == 'open'
    client.setTimeout(0)
    assert client.timeout == 0


def test_set_timeout_zero_disables_the_timeout(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    rec = Recorder(client, 'timeout')
    client.setTimeout(30)
    client.setTimeout(0)
    gevent.sleep(0.15)
    assert rec.names == []


def test_activity_postpones_the_timeout(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    client.wait_connected(DEADLINE)
    rec = Recorder(client, 'timeout', 'data')
    client.setTimeout(150)
    for _ in range(4):       # 4 x 60 ms of activity: never 150 ms idle
        client.write(b'.')
        gevent.sleep(0.06)
    assert 'timeout' not in rec.names
    rec.wait('timeout')


def test_set_timeout_with_a_bad_value_raises(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    with pytest.raises(ValueError) as info:
        client.setTimeout(-1)
    assert info.value.code == 'ERR_OUT_OF_RANGE'
    with pytest.raises(TypeError) as info:
        client.setTimeout('soon')
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    with pytest.raises(TypeError) as info:
        client.setTimeout(10, 'not callable')
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_set_no_delay_sets_tcp_nodelay(start_tcp_server, connect_tcp):
    server = start_tcp_server(lambda s: None)
    client = connect_tcp(server)
    client.wait_connected(DEADLINE)
    raw = pysocket.socket(fileno=client.fileno())
    try:
        assert client.setNoDelay() is client
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY) == 1
        client.setNoDelay(False)
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY) == 0
    finally:
        raw.detach()


def test_set_keep_alive_sets_node_s_socket_options(start_tcp_server, connect_tcp):
    server = start_tcp_server(lambda s: None)
    client = connect_tcp(server)
    client.wait_connected(DEADLINE)
    raw = pysocket.socket(fileno=client.fileno())
    try:
        assert client.setKeepAlive(True, 5000) is client
        assert raw.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE) == 1
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPIDLE) == 5
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPCNT) == 10
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPINTVL) == 1
        client.setKeepAlive(False)
        assert raw.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE) == 0
    finally:
        raw.detach()


def test_addresses_of_a_tcp_connection(start_tcp_server, connect_tcp):
    server = start_tcp_server(lambda s: None)
    client = connect_tcp(server)
    assert client.remoteAddress is None
    client.wait_connected(DEADLINE)
    port = server.address()['port']
    assert (client.remoteAddress, client.remoteFamily, client.remotePort) == ('127.0.0.1', 'IPv4', port)
    assert (client.localAddress, client.localFamily) == ('127.0.0.1', 'IPv4')
    assert isinstance(client.localPort, int) and client.localPort > 0
    assert client.address() == {'address': '127.0.0.1', 'family': 'IPv4', 'port': client.localPort}


def test_addresses_of_an_ipc_connection_are_none(endpoint, start_server, connect):
    if endpoint.transport != 'unix':
        pytest.skip('IPC only')
    server = start_server(lambda s: None)
    client = connect(server)
    client.wait_connected(DEADLINE)
    assert (client.remoteAddress, client.remoteFamily, client.remotePort) == (None, None, None)


def test_pep8_aliases_are_the_same_implementation():
    sock = net.Socket()
    assert net.Socket.set_encoding is net.Socket.setEncoding
    assert net.Socket.set_no_delay is net.Socket.setNoDelay
    assert net.Socket.reset_and_destroy is net.Socket.resetAndDestroy
    assert sock.ready_state == sock.readyState == 'open'      # as Node: not connected yet
    assert net.Socket.remote_address is net.Socket.remoteAddress
    assert net.create_connection is net.createConnection


def test_unknown_socket_option_raises():
    with pytest.raises(TypeError) as info:
        net.Socket({'allowHalfOpen': True, 'bogus': 1})
    assert info.value.code == 'ERR_UNKNOWN_OPTION'


def test_signal_destroys_the_socket_with_an_abort_error(start_server, connect):
    server = start_server(lambda s: None)
    controller = net.AbortController()
    client = connect(server, signal=controller.signal)
    rec = Recorder(client, 'error', 'close')
    client.wait_connected(DEADLINE)
    controller.abort()
    rec.wait('close')
    assert rec.args('error')[0][0].code == 'ABORT_ERR'


def test_onread_reads_into_one_buffer_without_data_events(start_server, connect):
    server = start_server(lambda s: s.end(b'hello onread'))
    buf = bytearray(4)
    got = []
    client = connect(server, onread={'buffer': buf, 'callback': lambda n, b: got.append(bytes(b[:n]))})
    rec = Recorder(client, 'data', 'close')
    rec.wait('close')
    assert b''.join(got) == b'hello onread'
    assert all(len(chunk) <= 4 for chunk in got)
    assert 'data' not in rec.names


def test_socket_wraps_an_existing_descriptor():
    left, right = pysocket.socketpair()
    try:
        sock = net.Socket({'fd': left.fileno(), 'readable': True, 'writable': True})
        right.sendall(b'over fd')
        assert sock.read(7) == b'over fd'
        sock.write(b'back')
        assert right.recv(4) == b'back'
        sock.destroy()
    finally:
        left.close()
        right.close()


def test_with_socket_flushes_and_closes_on_exit(start_server, connect):
    received = AsyncResult()

    def handler(s):
        chunks = []
        s.on('data', chunks.append)
        s.on('end', lambda: received.set(b''.join(chunks)))

    server = start_server(handler)
    with connect(server) as client:
        client.write(b'in a with block')
    assert received.get(timeout=DEADLINE) == b'in a with block'


# ------------------------------------------------------------------ sequential style

def test_read_returns_bytes_as_soon_as_any_are_there(start_server, connect):
    server = start_server(lambda s: s.write(b'abc'))
    client = connect(server)
    assert client.read(100) == b'abc'


def test_read_all_reads_until_the_end_of_the_stream(start_server, connect):
    def handler(s):
        s.write(b'part1 ')
        gevent.spawn_later(0.05, s.end, b'part2')

    server = start_server(handler)
    client = connect(server)
    assert client.read() == b'part1 part2'
    assert client.read() == b''
    assert client.at_eof()


def test_readexactly_raises_incomplete_read_error_with_the_partial_bytes(start_server, connect):
    server = start_server(lambda s: s.end(b'short'))
    client = connect(server)
    with pytest.raises(net.IncompleteReadError) as info:
        client.readexactly(10)
    assert info.value.partial == b'short'
    assert info.value.expected == 10


def test_readline_and_readuntil(start_server, connect):
    server = start_server(lambda s: s.end(b'first\nsecond;third'))
    client = connect(server)
    assert client.readline() == b'first\n'
    assert client.readuntil(b';') == b'second;'
    assert client.readline() == b'third'
    assert client.readline() == b''


def test_readuntil_raises_incomplete_read_error_at_the_end(start_server, connect):
    server = start_server(lambda s: s.end(b'no separator'))
    client = connect(server)
    with pytest.raises(net.IncompleteReadError) as info:
        client.readuntil(b'\r\n')
    assert info.value.partial == b'no separator'


def test_iteration_yields_lines(start_server, connect):
    server = start_server(lambda s: s.end(b'a\nb\nc'))
    client = connect(server)
    assert list(client) == [b'a\n', b'b\n', b'c']


def test_a_line_longer_than_the_buffer_is_read_whole_within_the_limit(start_server, connect):
    line = b'x' * (300 * 1024) + b'\n'
    server = start_server(lambda s: s.end(line))
    client = connect(server, limit=512 * 1024)
    assert client.readline() == line


def test_sequential_read_on_a_flowing_socket_raises(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    client.on('data', lambda d: None)
    with pytest.raises(RuntimeError):
        client.read(1)


def test_two_greenlets_reading_at_once_raises(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    first = gevent.spawn(client.read, 1)
    gevent.sleep(0.01)
    with pytest.raises(RuntimeError):
        client.read(1)
    first.kill()


def test_read_raises_the_socket_error(start_tcp_server, connect_tcp):
    def handler(s):
        s.resetAndDestroy()

    server = start_tcp_server(handler)
    client = connect_tcp(server)
    with pytest.raises(ConnectionResetError) as info:
        client.read()
    assert info.value.code == 'ECONNRESET'


def test_drain_waits_until_the_buffer_is_below_the_mark(start_server, connect):
    server = start_server(lambda s: s.on('data', lambda d: None))
    client = connect(server)
    client.wait_connected(DEADLINE)
    client.write(b'x' * (4 * 1024 * 1024))
    client.drain()
    assert client.bufferSize < client.writableHighWaterMark


def test_wait_connected_raises_the_connection_error():
    probe = _socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    client = net.connect(port, '127.0.0.1')
    with pytest.raises(ConnectionRefusedError) as info:
        client.wait_connected(DEADLINE)
    assert info.value.code == 'ECONNREFUSED'


def test_wait_closed_returns_after_close(start_server, connect):
    server = start_server(lambda s: s.end())
    client = connect(server)
    rec = Recorder(client, 'close')
    client.wait_closed(DEADLINE)
    assert rec.names == ['close']


def test_wait_closed_times_out_with_timeout_error(start_server, connect):
    server = start_server(lambda s: None)
    client = connect(server)
    with pytest.raises(TimeoutError):
        client.wait_closed(0.05)


def test_handler_reads_sequentially_in_its_own_greenlet(start_server, connect):
    def handler(sock):
        name = sock.readline()
        sock.write(b'hello ' + name)
        sock.end()

    server = start_server(handler)
    client = connect(server)
    client.write(b'world\n')
    assert client.read() == b'hello world\n'


def test_sequential_handler_may_answer_after_reading_to_the_end(start_server, connect):
    def handler(sock):
        request = sock.read()
        sock.end(b'got %d bytes' % len(request))

    server = start_server(handler)
    client = connect(server, allowHalfOpen=True)
    client.write(b'x' * 100000)
    client.end()
    assert client.read() == b'got 100000 bytes'


def test_timeout_fires_while_a_handler_blocks_in_readline(start_server, connect):
    cut = Event()

    def handler(sock):
        sock.setTimeout(100, lambda: sock.destroy())
        sock.on('close', lambda _h: cut.set())
        while sock.readline():
            pass

    server = start_server(handler)
    client = connect(server)
    client.write(b'a slow')   # never a whole line
    wait_for(cut, what='the handler\'s timeout')


def test_write_and_read_from_many_greenlets_on_one_client(start_server, connect):
    server = start_server(echo)
    client = connect(server)
    writers = [gevent.spawn(client.write, b'%04d' % i) for i in range(100)]
    gevent.joinall(writers, timeout=DEADLINE)
    data = client.readexactly(400)
    assert sorted(data[i:i + 4] for i in range(0, 400, 4)) == [b'%04d' % i for i in range(100)]


def test_destroyed_sockets_leave_no_listener_on_their_abort_signal(start_server, connect):
    server = start_server(lambda s: s.pipe(s))
    controller = net.AbortController()
    clients = [connect(server, signal=controller.signal) for _ in range(3)]
    assert controller.signal.listenerCount('abort') == 3
    for client in clients:
        client.destroy()
    assert controller.signal.listenerCount('abort') == 0


# ------------------------------------------------------------------ pipes and per-socket options

class Sink(net.EventEmitter):
    """A writable that is not a socket: pipe() listens for its 'finish' and 'close'."""

    def __init__(self):
        super().__init__()
        self.chunks = []

    def write(self, chunk):
        self.chunks.append(chunk)
        return True

    def end(self):
        self.emit('finish')


@pytest.mark.parametrize('kind', ['socket', 'emitter'])
def test_pipe_adds_one_data_and_one_end_listener_and_unpipe_removes_both(kind):
    source = net.Socket()
    destination = net.Socket() if kind == 'socket' else Sink()
    unpiped = Recorder(destination, 'unpipe')
    before = {name: destination.listenerCount(name) for name in ('finish', 'close', 'drain')}
    assert source.pipe(destination) is destination
    assert source.listenerCount('data') == 1 and source.listenerCount('end') == 1
    source.unpipe()
    assert source.listenerCount('data') == 0 and source.listenerCount('end') == 0
    assert {name: destination.listenerCount(name) for name in before} == before
    assert unpiped.args('unpipe') == [(source,)]
    source.unpipe()                   # nothing left to take off
    assert len(unpiped.events) == 1


def test_unpipe_of_one_destination_leaves_the_pipe_to_the_other():
    source, first, second = net.Socket(), Sink(), Sink()
    source.pipe(first)
    source.pipe(second)
    assert source.listenerCount('data') == 2 and source.listenerCount('end') == 2
    source.unpipe(first)
    assert source.listenerCount('data') == 1 and source.listenerCount('end') == 1
    assert first.listenerCount('finish') == 0 and second.listenerCount('finish') == 1
    assert not source.isPaused()           # a pipe is left: still flowing
    source.unpipe(second)
    assert source.listenerCount('data') == 0 and source.isPaused()


def test_emit_close_false_emits_no_close_while_a_default_socket_does():
    quiet, default = net.Socket({'emitClose': False}), net.Socket()
    quiet_rec, default_rec = Recorder(quiet, 'close'), Recorder(default, 'close')
    quiet.destroy()
    default.destroy()
    quiet.wait_closed(DEADLINE)            # closed, its 'close' skipped
    default_rec.wait('close')
    assert quiet_rec.events == [] and quiet.closed
    assert default_rec.events == [('close', False)]


def test_options_set_on_one_socket_leave_a_fresh_socket_s_limit_alone():
    tuned = net.Socket({'limit': 10, 'emitClose': False})
    tuned.setNoDelay()
    tuned.setDefaultEncoding('hex')
    other = net.Socket()
    other.setNoDelay(False)
    assert tuned.limit == 10
    assert other.limit == 65536 and net.Socket().limit == 65536
    assert net.Socket({'limit': 20}).limit == 20 and tuned.limit == 10


def test_set_default_encoding_on_one_socket_leaves_another_writing_utf8():
    pairs = [pysocket.socketpair() for _ in range(2)]
    hexed, plain, peer_of_hexed, peer_of_plain = [
        net.Socket({'fd': raw.fileno(), 'readable': True, 'writable': True})
        for raw in (pairs[0][0], pairs[1][0], pairs[0][1], pairs[1][1])]
    try:
        hexed.setDefaultEncoding('hex')
        hexed.write('6869')
        plain.write('6869')
        assert peer_of_hexed.readexactly(2) == b'hi'
        assert peer_of_plain.readexactly(4) == b'6869'
    finally:
        for sock in (hexed, plain, peer_of_hexed, peer_of_plain):
            sock.destroy()
        for left, right in pairs:
            left.close()
            right.close()


def test_set_no_delay_before_connecting_applies_to_that_socket_only(start_tcp_server):
    server = start_tcp_server(lambda s: None)
    port = server.address()['port']
    tuned, other = net.Socket(), net.Socket()
    assert tuned.setNoDelay() is tuned
    for sock in (tuned, other):
        sock.connect(port, '127.0.0.1')
    try:
        nodelay = []
        for sock in (tuned, other):
            sock.wait_connected(DEADLINE)
            raw = pysocket.socket(fileno=sock.fileno())
            try:
                nodelay.append(raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY))
            finally:
                raw.detach()
        assert nodelay == [1, 0]
    finally:
        tuned.destroy()
        other.destroy()


def test_the_shared_defaults_of_rarely_set_fields_refuse_assignment():
    from greennet._rare import DEFAULTS
    for name, value in (('limit', 10), ('emit_close', False), ('default_encoding', 'hex'),
                        ('brand_new', 1)):
        with pytest.raises(AttributeError):
            setattr(DEFAULTS, name, value)
    assert DEFAULTS.limit == 65536 and DEFAULTS.emit_close is True
    assert DEFAULTS.default_encoding is None and not hasattr(DEFAULTS, 'brand_new')
