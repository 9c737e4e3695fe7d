"""net.Server: listen forms and errors, connection greenlets, counting and limits, close.

Tests that take ``start_server``/``connect`` run over TCP and over a Unix socket.
"""
from __future__ import annotations

import logging
import os
import socket as pysocket
import subprocess
import sys
import textwrap

import gevent
import pytest
from gevent.event import AsyncResult, Event
from gevent.queue import Queue
from greenlet import getcurrent

import greennet as net
from conftest import DEADLINE, Recorder, wait_for


def echo(sock):
    sock.pipe(sock)


def free_port():
    probe = pysocket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


# ------------------------------------------------------------------ listen

def test_listening_fires_after_listen_returns():
    server = net.createServer()
    order = []
    server.on('listening', lambda: order.append('event'))
    assert server.listen(0, '127.0.0.1', lambda: order.append('callback')) is server
    order.append('returned')
    Recorder(server, 'close')
    try:
        gevent.sleep(0.01)
        assert order == ['returned', 'event', 'callback']
    finally:
        server.close()


def test_address_is_none_before_listen_and_after_close():
    server = net.createServer()
    assert server.address() is None and server.listening is False
    listening = Event()
    server.listen(0, '127.0.0.1', listening.set)
    wait_for(listening)
    address = server.address()
    assert set(address) == {'address', 'family', 'port'}
    assert (address['address'], address['family']) == ('127.0.0.1', 'IPv4')
    assert server.listening is True
    server.close()
    assert server.address() is None and server.listening is False


def test_listen_without_host_binds_the_dual_stack_any_address():
    server = net.createServer(echo)
    listening = Event()
    server.listen(0, listening.set)
    wait_for(listening)
    try:
        address = server.address()
        assert (address['address'], address['family']) == ('::', 'IPv6')
        for host in ('127.0.0.1', '::1'):
            client = net.connect(address['port'], host)
            client.write(b'both')
            assert client.readexactly(4) == b'both'
            client.destroy()
    finally:
        server.close()


def test_listen_on_ipv6_loopback():
    server = net.createServer()
    listening = Event()
    server.listen({'port': 0, 'host': '::1'}, listening.set)
    wait_for(listening)
    assert server.address()['family'] == 'IPv6' and server.address()['address'] == '::1'
    server.close()


def test_listen_takes_an_options_dict_and_keywords():
    for server, args, kwargs in ((net.createServer(), ({'port': 0, 'host': '127.0.0.1', 'backlog': 10},), {}),
                                 (net.createServer(), (), {'port': 0, 'host': '127.0.0.1'})):
        listening = Event()
        server.listen(*args, listening.set, **kwargs)
        wait_for(listening)
        assert server.address()['address'] == '127.0.0.1'
        server.close()


def test_listen_options_without_port_or_path_raise():
    with pytest.raises(ValueError) as info:
        net.createServer().listen({'host': '127.0.0.1'})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_listen_with_a_bad_port_raises_err_socket_bad_port():
    for port in (-1, 65536, 80.5):
        with pytest.raises(ValueError) as info:
            net.createServer().listen(port, '127.0.0.1')
        assert info.value.code == 'ERR_SOCKET_BAD_PORT'


def test_listen_with_an_unknown_option_raises():
    with pytest.raises(TypeError) as info:
        net.createServer().listen({'port': 0, 'colour': 'red'})
    assert info.value.code == 'ERR_UNKNOWN_OPTION'


def test_listen_twice_raises_err_server_already_listen(start_server):
    server = start_server()
    with pytest.raises(RuntimeError) as info:
        server.listen(0, '127.0.0.1')
    assert info.value.code == 'ERR_SERVER_ALREADY_LISTEN'
    assert server.listening


def test_listen_again_after_close_works():
    server = net.createServer(echo)
    first = Event()
    server.listen(0, '127.0.0.1', first.set)
    wait_for(first)
    closed = Event()
    server.close(lambda *a: closed.set())
    wait_for(closed)
    again = Event()
    server.listen(0, '127.0.0.1', again.set)
    wait_for(again)
    assert server.listening
    server.close()


def test_eaddrinuse_arrives_as_an_error_event_and_a_retry_works():
    first = net.createServer()
    ready = Event()
    first.listen(0, '127.0.0.1', ready.set)
    wait_for(ready)
    port = first.address()['port']
    second = net.createServer()
    rec = Recorder(second, 'error', 'listening', 'close')
    second.listen(port, '127.0.0.1')
    (err,) = rec.wait('error')
    assert (err.code, err.syscall, err.address, err.port) == ('EADDRINUSE', 'listen', '127.0.0.1', port)
    assert second.listening is False and 'close' not in rec.names
    first.close()
    second.listen(port, '127.0.0.1')      # the docs' retry: listen again after the error
    rec.wait('listening')
    assert second.address()['port'] == port
    second.close()


def test_bad_server_options_raise():
    with pytest.raises(TypeError) as info:
        net.createServer({'blockList': 'not a blocklist'})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    with pytest.raises(TypeError) as info:
        net.createServer({'allowHalfOpen': True, 'nope': 1})
    assert info.value.code == 'ERR_UNKNOWN_OPTION'
    with pytest.raises(TypeError) as info:
        net.createServer({}, 'not a function')
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_listen_on_an_existing_python_socket():
    raw = pysocket.socket()
    raw.bind(('127.0.0.1', 0))
    raw.listen(5)
    server = net.createServer(echo)
    ready = Event()
    server.listen(raw, ready.set)
    wait_for(ready)
    try:
        client = net.connect(raw.getsockname()[1], '127.0.0.1')
        client.write(b'adopted')
        assert client.readexactly(7) == b'adopted'
        client.destroy()
    finally:
        server.close()
        raw.close()


def test_listen_with_an_aborted_signal_never_listens():
    controller = net.AbortController()
    controller.abort()
    server = net.createServer()
    server.listen({'port': 0, 'host': '127.0.0.1', 'signal': controller.signal})
    gevent.sleep(0.01)
    assert server.listening is False


def test_aborting_the_signal_closes_the_server():
    controller = net.AbortController()
    server = net.createServer()
    rec = Recorder(server, 'listening', 'close')
    server.listen({'port': 0, 'host': '127.0.0.1', 'signal': controller.signal})
    rec.wait('listening')
    controller.abort()
    rec.wait('close')
    assert server.listening is False


# ------------------------------------------------------------------ connections

def test_each_connection_runs_in_its_own_greenlet(start_server, connect):
    greenlets = []
    release = Event()

    def handler(sock):
        greenlets.append(getcurrent())
        release.wait(DEADLINE)       # all three are open and blocked at once
        sock.end()

    server = start_server(handler)
    clients = [connect(server) for _ in range(3)]
    with gevent.Timeout(DEADLINE):
        while len(greenlets) < 3:
            gevent.sleep(0.005)
    release.set()
    for client in clients:
        client.wait_closed(DEADLINE)
    assert len(set(greenlets)) == 3 and getcurrent() not in greenlets


def test_a_blocking_handler_delays_only_its_own_connection(start_server, connect):
    release = Event()

    def handler(sock):
        first = sock.readline()
        if first == b'block\n':
            release.wait(DEADLINE)
        sock.end(b'done ' + first)

    server = start_server(handler)
    blocked = connect(server)
    blocked.write(b'block\n')
    quick = connect(server)
    quick.write(b'quick\n')
    assert quick.read() == b'done quick\n'
    release.set()
    assert blocked.read() == b'done block\n'


def test_a_handler_that_raises_destroys_only_its_socket(start_server, connect, caplog):
    def handler(sock):
        if sock.readline() == b'boom\n':
            raise ValueError('handler failed')
        sock.end(b'ok')

    server = start_server(handler)
    with caplog.at_level(logging.ERROR, logger='greennet'):
        bad = connect(server)
        bad.write(b'boom\n')
        bad.on('error', lambda e: None)
        bad.wait_closed(DEADLINE) if False else Recorder(bad, 'close').wait('close')
        good = connect(server)
        good.write(b'fine\n')
        assert good.read() == b'ok'
    assert server.listening
    assert any('handler failed' in r.getMessage() or (r.exc_info and 'handler failed' in str(r.exc_info[1]))
               for r in caplog.records)


def test_connection_events_on_the_server_side(start_server, connect):
    log = []
    done = Event()

    def handler(sock):
        log.append('connection')
        sock.on('data', lambda d: log.append(('data', d)))
        sock.on('end', lambda: log.append('end'))
        sock.on('close', lambda had_error: (log.append(('close', had_error)), done.set()))

    server = start_server(handler)
    client = connect(server)
    client.end(b'hi')
    wait_for(done)
    assert log == ['connection', ('data', b'hi'), 'end', ('close', False)]


def test_a_thousand_concurrent_connections_echo_intact(start_tcp_server, connect_tcp):
    server = start_tcp_server(echo)
    count = 1000
    results = {}

    def client(i):
        sock = connect_tcp(server)
        payload = os.urandom(64) + b'%06d' % i
        sock.write(payload)
        results[i] = sock.readexactly(len(payload)) == payload
        sock.end()
        sock.wait_closed(DEADLINE)

    peak = [0]

    def watch():
        while len(results) < count:
            peak[0] = max(peak[0], server.getConnections())
            gevent.sleep(0.01)

    watcher = gevent.spawn(watch)
    clients = [gevent.spawn(client, i) for i in range(count)]
    gevent.joinall(clients, timeout=60, raise_error=True)
    watcher.kill()
    assert len(results) == count and all(results.values())
    assert peak[0] > 100    # they really were open at the same time


# ------------------------------------------------------------------ counting and limits

def test_get_connections_calls_back_asynchronously_with_the_count(start_server, connect):
    accepted = Queue()
    server = start_server(accepted.put)
    for _ in range(3):
        connect(server)
        accepted.get(timeout=DEADLINE)
    result = AsyncResult()
    order = []
    assert server.getConnections(lambda err, n: (order.append('callback'), result.set((err, n)))) is server
    order.append('returned')
    assert result.get(timeout=DEADLINE) == (None, 3)
    assert order == ['returned', 'callback']
    assert server.getConnections() == 3 == server.get_connections()


def test_a_connection_stops_counting_when_its_socket_closes(start_server, connect):
    gone = Event()
    server_side = []

    def handler(sock):
        server_side.append(sock)
        sock.on('close', lambda _h: gone.set())
        accepted.set()
        gevent.sleep(0.3)        # the handler goes on after its socket closed

    accepted = Event()
    server = start_server(handler)
    client = connect(server)
    wait_for(accepted)
    assert server.getConnections() == 1
    client.destroy()
    wait_for(gone)
    assert server.getConnections() == 0


def test_max_connections_drops_with_node_s_payload(start_tcp_server, connect_tcp):
    served = []
    server = start_tcp_server(lambda s: served.append(s))
    server.maxConnections = 1
    drops = Recorder(server, 'drop')
    first = connect_tcp(server)
    first.wait_connected(DEADLINE)
    second = connect_tcp(server)
    rec = Recorder(second, 'data', 'end', 'close')
    second.wait_connected(DEADLINE)
    local_port = second.localPort
    (payload,) = drops.wait('drop')
    rec.wait('close')
    assert rec.names == ['end', 'close'] and rec.args('close') == [(False,)]
    assert len(served) == 1 and server.getConnections() == 1
    assert payload == {'localAddress': '127.0.0.1', 'localPort': server.address()['port'],
                       'localFamily': 'IPv4', 'remoteAddress': '127.0.0.1',
                       'remotePort': local_port, 'remoteFamily': 'IPv4'}


def test_max_connections_zero_drops_every_connection(start_server, connect):
    server = start_server(lambda s: pytest.fail('no connection may be served'))
    server.maxConnections = 0
    drops = Recorder(server, 'drop')
    client = connect(server)
    client.wait_closed(DEADLINE)
    drops.wait('drop')
    assert server.getConnections() == 0


def test_the_drop_payload_of_an_ipc_server_is_none(endpoint, start_server, connect):
    if endpoint.transport != 'unix':
        pytest.skip('IPC only')
    server = start_server(lambda s: None)
    server.maxConnections = 0
    drops = Recorder(server, 'drop')
    connect(server)
    assert drops.wait('drop') == (None,)


def test_max_connections_set_while_running_applies_to_the_next_accept(start_server, connect):
    accepted = Queue()
    server = start_server(accepted.put)
    assert server.maxConnections is None
    connect(server)
    accepted.get(timeout=DEADLINE)
    server.maxConnections = 1
    drops = Recorder(server, 'drop')
    connect(server)
    drops.wait('drop')
    server.maxConnections = None
    connect(server)
    accepted.get(timeout=DEADLINE)
    assert server.getConnections() == 2


def test_max_connections_rejects_bad_values():
    server = net.createServer()
    for bad, code in ((-1, 'ERR_OUT_OF_RANGE'), ('ten', 'ERR_INVALID_ARG_TYPE'), (1.5, 'ERR_OUT_OF_RANGE')):
        with pytest.raises((TypeError, ValueError)) as info:
            server.maxConnections = bad
        assert info.value.code == code
    assert server.dropMaxConnection is False and server.drop_max_connection is False


def test_pause_policy_makes_connections_wait_instead_of_dropping(start_server, connect):
    def handler(sock):
        sock.end(sock.readline())

    server = start_server(handler, maxConnectionsPolicy='pause')
    server.maxConnections = 1
    drops = Recorder(server, 'drop')
    clients = [connect(server) for _ in range(5)]
    for i, c in enumerate(clients):
        c.write(b'line %d\n' % i)
    for i, c in enumerate(clients):
        assert c.read() == b'line %d\n' % i
    assert drops.names == []


# ------------------------------------------------------------------ close

def test_close_stops_accepting_at_once_and_waits_for_connections(start_server, connect):
    accepted = Queue()
    server = start_server(lambda s: (accepted.put(s), s.pipe(s)))
    client = connect(server)
    accepted.get(timeout=DEADLINE)
    rec = Recorder(server, 'close')
    closed = AsyncResult()
    server.close(closed.set)
    assert server.listening is False and server.address() is None
    gevent.sleep(0.05)
    assert rec.names == []
    client.write(b'still served')
    assert client.readexactly(12) == b'still served'
    client.end()
    assert closed.get(timeout=DEADLINE) is None
    assert rec.names == ['close']


def test_close_of_a_server_that_is_not_listening_passes_err_server_not_running():
    server = net.createServer()
    rec = Recorder(server, 'close')
    result = AsyncResult()
    assert server.close(result.set) is server
    err = result.get(timeout=DEADLINE)
    assert err.code == 'ERR_SERVER_NOT_RUNNING' and isinstance(err, Exception)
    assert rec.names == ['close']


def test_with_server_closes_it_on_exit():
    server = net.createServer()
    ready = Event()
    with server:
        server.listen(0, '127.0.0.1', ready.set)
        wait_for(ready)
        assert server.listening
    assert not server.listening


def test_shutdown_lets_connections_finish_and_returns_zero(start_server, connect):
    def handler(sock):
        line = sock.readline()
        gevent.sleep(0.1)
        sock.end(b'finished ' + line)

    server = start_server(handler)
    client = connect(server)
    client.write(b'work\n')
    reply = gevent.spawn(client.read)
    while server.getConnections() < 1:
        gevent.sleep(0.005)
    assert server.shutdown(DEADLINE) == 0
    assert reply.get(timeout=DEADLINE) == b'finished work\n'


def test_shutdown_cuts_connections_that_overrun_the_timeout(start_server, connect):
    accepted = Queue()
    server = start_server(accepted.put)
    for _ in range(3):
        connect(server)
        accepted.get(timeout=DEADLINE)
    assert server.shutdown(0.05) == 3
    assert server.getConnections() == 0


def test_serve_forever_returns_when_the_server_closes(start_server):
    server = start_server()
    gevent.spawn_later(0.05, server.close)
    server.serve_forever()
    assert not server.listening


def test_unix_socket_file_is_removed_on_close(endpoint, start_server):
    if endpoint.transport != 'unix':
        pytest.skip('IPC only')
    server = start_server()
    path = server.address()
    assert os.path.exists(path)
    closed = Event()
    server.close(lambda *a: closed.set())
    wait_for(closed)
    assert not os.path.exists(path)


# ------------------------------------------------------------------ options on accepted sockets

def _server_side_socket(start_server, connect, **options):
    accepted = AsyncResult()
    server = start_server(accepted.set, **options)
    client = connect(server)
    return client, accepted.get(timeout=DEADLINE)


def test_no_delay_and_keep_alive_options_are_set_on_accepted_sockets(start_tcp_server, connect_tcp):
    client, sock = _server_side_socket(start_tcp_server, connect_tcp, noDelay=True, keepAlive=True,
                                       keepAliveInitialDelay=3000)
    raw = pysocket.socket(fileno=sock.fileno())
    try:
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY) == 1
        assert raw.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE) == 1
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPIDLE) == 3
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPCNT) == 10
        assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPINTVL) == 1
    finally:
        raw.detach()


def test_allow_half_open_option_is_set_on_accepted_sockets(start_server, connect):
    client, sock = _server_side_socket(start_server, connect, allowHalfOpen=True)
    assert sock.allowHalfOpen is True


def test_high_water_mark_option_is_set_on_accepted_sockets(start_server, connect):
    client, sock = _server_side_socket(start_server, connect, highWaterMark=1024)
    assert sock.writableHighWaterMark == 1024 == sock.readableHighWaterMark


def test_pause_on_connect_reads_nothing_until_resume(start_server, connect):
    client, sock = _server_side_socket(start_server, connect, pauseOnConnect=True)
    client.write(b'waiting in the kernel')
    gevent.sleep(0.05)
    assert sock.bytesRead == 0
    rec = Recorder(sock, 'data')
    sock.resume()
    rec.wait('data')
    assert sock.bytesRead == len(b'waiting in the kernel')


# ------------------------------------------------------------------ the loop

def _run_script(code):
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=30)


def test_run_returns_once_no_server_or_socket_is_left():
    result = _run_script('''
        import greennet as net
        server = net.createServer(lambda s: s.end(b'bye'))
        def listening():
            c = net.connect(server.address()['port'], '127.0.0.1')
            c.on('data', lambda d: None)
            c.on('close', lambda h: server.close())
        server.listen(0, '127.0.0.1', listening)
        net.run()
        print('returned')
    ''')
    assert result.stdout.strip() == 'returned', result.stderr


def test_run_returns_when_only_unrefed_servers_remain():
    result = _run_script('''
        import greennet as net
        server = net.createServer()
        server.listen(0, '127.0.0.1', lambda: print('listening'))
        server.unref()
        net.run()
        print('returned')
    ''')
    assert result.stdout.split() == ['listening', 'returned'], result.stderr


def test_server_is_an_event_emitter_with_pep8_aliases():
    server = net.create_server()
    assert isinstance(server, net.EventEmitter)
    assert net.Server.get_connections is net.Server.getConnections
    assert net.Server.max_connections is net.Server.maxConnections


def test_close_then_listen_at_once_still_emits_close_first():
    server = net.createServer()
    rec = Recorder(server, 'close', 'listening')
    server.close()
    server.listen(0, '127.0.0.1')
    rec.wait('listening')
    assert rec.names == ['close', 'listening']
    server.close()
    gevent.sleep(0.01)
    assert rec.names == ['close', 'listening', 'close']


# ------------------------------------------------------------------ listen options

def test_ipv6_only_binds_ipv6_without_ipv4():
    server = net.createServer(echo)
    ready = Event()
    server.listen({'port': 0, 'host': '::', 'ipv6Only': True}, ready.set)
    wait_for(ready)
    port = server.address()['port']
    try:
        v6 = net.connect(port, '::1')
        v6.write(b'six')
        assert v6.readexactly(3) == b'six'
        v6.destroy()
        v4 = net.connect(port, '127.0.0.1')
        with pytest.raises(ConnectionRefusedError):
            v4.wait_connected(DEADLINE)
    finally:
        server.close()


def test_reuse_port_lets_servers_share_a_port_and_the_kernel_spreads_connections():
    port = free_port()
    servers = []
    for name in (b'a', b'b'):
        server = net.createServer(lambda s, name=name: s.end(name))
        ready = Event()
        server.listen({'port': port, 'host': '127.0.0.1', 'reusePort': True}, ready.set)
        wait_for(ready)
        servers.append(server)
    try:
        answers = {net.connect(port, '127.0.0.1').read() for _ in range(64)}
        assert answers == {b'a', b'b'}
    finally:
        for server in servers:
            server.close()


def test_the_exclusive_option_is_accepted():
    server = net.createServer()
    ready = Event()
    server.listen({'port': 0, 'host': '127.0.0.1', 'exclusive': True}, ready.set)
    wait_for(ready)
    server.close()


# ------------------------------------------------------------------ floods and blockList

def test_a_flood_never_holds_more_than_max_connections(start_tcp_server):
    limit, flood = 100, 2000
    served = []
    release = Event()
    peak = [0]

    def handler(sock):
        served.append(sock)
        peak[0] = max(peak[0], server.getConnections())
        release.wait(DEADLINE)
        sock.end(b'served')

    server = start_tcp_server(handler)
    server.maxConnections = limit
    drops = []
    server.on('drop', drops.append)
    port = server.address()['port']
    outcomes = []

    def client():
        sock = net.connect(port, '127.0.0.1')
        sock.on('error', lambda e: None)
        outcomes.append(sock.read())

    clients = [gevent.spawn(client) for _ in range(flood)]
    while len(served) + len(drops) < flood:
        gevent.sleep(0.01)
    release.set()
    gevent.joinall(clients, timeout=30, raise_error=True)
    assert len(served) == limit and peak[0] <= limit
    assert len(drops) == flood - limit
    assert outcomes.count(b'served') == limit and outcomes.count(b'') == flood - limit
    # the served connections count until the server has seen each client's end too
    with gevent.Timeout(DEADLINE):
        while server.getConnections():
            gevent.sleep(0.01)
    late = net.connect(port, '127.0.0.1')
    assert late.read() == b'served'


def _blocked_server(family_host):
    block = net.BlockList()
    block.addAddress('127.0.0.2')
    block.addAddress('::1', 'ipv6')
    connections = []
    server = net.createServer({'blockList': block}, lambda s: (connections.append(s), s.end(b'welcome')))
    ready = Event()
    server.listen(0, family_host, ready.set)
    wait_for(ready)
    return server, connections


def test_block_list_closes_a_blocked_ipv4_peer_before_any_listener():
    server, connections = _blocked_server('127.0.0.1')
    port = server.address()['port']
    try:
        blocked = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.2'})
        assert blocked.read() == b''
        assert connections == [] and server.getConnections() == 0
        allowed = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.3'})
        assert allowed.read() == b'welcome'
        assert len(connections) == 1
    finally:
        server.close()


def test_block_list_closes_a_blocked_ipv6_peer():
    server, connections = _blocked_server('::1')
    try:
        blocked = net.connect(server.address()['port'], '::1')
        assert blocked.read() == b''
        assert connections == []
    finally:
        server.close()


def test_block_list_matches_ipv4_peers_of_a_dual_stack_server():
    server, connections = _blocked_server('::')
    port = server.address()['port']
    try:
        blocked = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.2'})
        assert blocked.read() == b''    # seen as ::ffff:127.0.0.2, blocked as 127.0.0.2
        allowed = net.connect(port, '127.0.0.1')
        assert allowed.read() == b'welcome'
    finally:
        server.close()


# ---------------------------------------------------------------- the pool

def hold_open(sock):
    """A handler that keeps its connection open until the peer ends it."""
    sock.on('data', lambda d: None)


def test_the_pool_holds_one_entry_per_open_connection(start_server, connect):
    import gevent.pool
    server = start_server(hold_open)
    assert isinstance(server.pool, gevent.pool.Group)
    clients = [connect(server) for _ in range(3)]
    for client in clients:
        client.wait_connected(DEADLINE)
    deadline = gevent.Timeout(DEADLINE)
    with deadline:
        while len(server.pool) < 3:
            gevent.sleep(0.005)
    assert server.getConnections() == 3
    clients[0].destroy()
    with gevent.Timeout(DEADLINE):
        while len(server.pool) != 2:
            gevent.sleep(0.005)
    assert server.getConnections() == 2


def test_a_user_pool_shared_by_two_servers_caps_both(start_server, connect):
    import gevent.pool
    pool = gevent.pool.Pool(2)
    first = start_server(hold_open, pool=pool)
    second = start_server(hold_open, pool=pool)
    dropped = Recorder(second, 'drop')
    a = connect(first)
    b = connect(second)
    a.wait_connected(DEADLINE)
    b.wait_connected(DEADLINE)
    with gevent.Timeout(DEADLINE):
        while len(pool) < 2:
            gevent.sleep(0.005)
    third = connect(second)
    third_closed = Recorder(third, 'close')
    third_closed.wait('close')
    dropped.wait('drop')
    assert first.getConnections() == 1 and second.getConnections() == 1
    assert first.pool is pool and second.pool is pool


@pytest.mark.parametrize('pool', ['own', 'Pool'])
def test_pool_kill_destroys_every_connection_and_keeps_no_record_of_them(
        start_server, connect, pool):
    import gevent.pool
    options = {} if pool == 'own' else {'pool': gevent.pool.Pool(10)}
    server = start_server(hold_open, **options)
    clients = [connect(server) for _ in range(3)]
    recorders = [Recorder(c, 'close') for c in clients]
    with gevent.Timeout(DEADLINE):
        while len(server.pool) < 3:
            gevent.sleep(0.005)
    server.pool.kill(timeout=DEADLINE)
    for rec in recorders:
        rec.wait('close')
    assert len(server.pool) == 0 and server.getConnections() == 0
    assert not server.pool.dying      # nothing kept per killed connection


def test_pool_kill_raises_greenlet_exit_in_a_blocked_handler(start_server, connect):
    from gevent.queue import Queue as GQueue
    exits = []

    def handle(sock):
        try:
            GQueue().get(timeout=DEADLINE)
        except BaseException as exc:
            exits.append(type(exc).__name__)
            raise

    server = start_server(handle)
    client = connect(server)
    with gevent.Timeout(DEADLINE):
        while len(server.pool) < 1:
            gevent.sleep(0.005)
    server.pool.kill(timeout=DEADLINE)
    Recorder(client, 'close').wait('close')
    with gevent.Timeout(DEADLINE):
        while not exits:
            gevent.sleep(0.005)
    assert exits == ['GreenletExit']


def test_pool_join_waits_for_the_connections_to_end(start_server, connect):
    server = start_server(lambda s: s.pipe(s))
    clients = [connect(server) for _ in range(2)]
    for client in clients:
        client.wait_connected(DEADLINE)
    with gevent.Timeout(DEADLINE):
        while len(server.pool) < 2:
            gevent.sleep(0.005)
    assert server.pool.join(timeout=0.05) is False
    for client in clients:
        client.end()
    assert server.pool.join(timeout=DEADLINE) is True
    assert server.getConnections() == 0


def test_a_pool_that_is_not_a_gevent_group_is_err_invalid_arg_type():
    with pytest.raises(TypeError) as info:
        net.createServer(pool=[])
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_a_gevent_style_handler_given_to_create_server_gets_a_socket_and_its_address(start_tcp_server):
    import gevent.socket

    def handle(sock, address):                  # written for gevent's StreamServer
        sock.sendall(b'%s %d\n' % (address[0].encode(), address[1]))

    server = start_tcp_server(handle)
    with gevent.socket.create_connection(('127.0.0.1', server.address()['port'])) as conn:
        answer = conn.makefile('rb').readline()
        assert answer == b'127.0.0.1 %d\n' % conn.getsockname()[1]


def test_a_handler_with_an_optional_second_argument_stays_a_plain_listener(start_server, connect):
    server = start_server(lambda sock, extra='kept': sock.end(extra.encode() + b'\n'))
    assert connect(server).readline() == b'kept\n'


def test_the_own_pool_holds_one_entry_per_open_connection_and_empties_once_they_closed(start_server, connect):
    from greennet.server import ConnectionGroup
    accepted = Queue()
    server = start_server(lambda s: (hold_open(s), accepted.put(s)))
    assert isinstance(server.pool, ConnectionGroup) and len(server.pool) == 0
    clients = [connect(server) for _ in range(3)]
    served = [accepted.get(timeout=DEADLINE) for _ in clients]
    assert len(server.pool) == 3 and server.getConnections() == 3
    closed = [Recorder(sock, 'close') for sock in served]
    clients[0].destroy()
    closed[0].wait('close')
    assert len(server.pool) == 2 and server.getConnections() == 2
    for client in clients[1:]:
        client.destroy()
    for rec in closed[1:]:
        rec.wait('close')
    assert len(server.pool) == 0 and server.getConnections() == 0


def test_own_pool_join_returns_once_the_connections_closed(start_server, connect):
    accepted = Queue()
    server = start_server(lambda s: (hold_open(s), accepted.put(s)))
    clients = [connect(server) for _ in range(2)]
    for _ in clients:
        accepted.get(timeout=DEADLINE)
    assert server.pool.join(timeout=0) is False       # both still open
    joiner = gevent.spawn(server.pool.join, DEADLINE)
    for client in clients:
        client.destroy()
    assert joiner.get(timeout=DEADLINE) is True
    assert len(server.pool) == 0


def test_a_greenlet_added_to_the_own_pool_leaves_it_when_it_finishes():
    server = net.createServer()
    release = Event()
    worker = gevent.spawn(release.wait, DEADLINE)
    server.pool.add(worker)
    assert worker in server.pool and len(server.pool) == 1
    assert server.pool.join(timeout=0) is False
    release.set()
    assert server.pool.join(timeout=DEADLINE) is True
    assert worker.dead and worker not in server.pool and len(server.pool) == 0


def test_a_server_whose_own_pool_holds_another_server_s_connection_closes_once_its_own_did(
        start_server, connect):
    accepted_a, accepted_b = Queue(), Queue()
    a = start_server(lambda s: (hold_open(s), accepted_a.put(s)))
    b = start_server(lambda s: (hold_open(s), accepted_b.put(s)), pool=a.pool)
    connect(a), connect(b)
    on_a = accepted_a.get(timeout=DEADLINE)
    accepted_b.get(timeout=DEADLINE)            # B's connection stays open, in A's pool
    closed = Event()
    a.close(lambda: closed.set())
    on_a.destroy()
    assert closed.wait(DEADLINE)
    assert a.getConnections() == 0 and b.getConnections() == 1 and len(a.pool) == 1


def test_a_greenlet_added_to_the_own_pool_is_not_one_of_the_server_s_connections(
        start_server, connect):
    server = start_server(hold_open)
    release = Event()
    worker = gevent.spawn(release.wait, DEADLINE)
    server.pool.add(worker)
    try:
        assert server.getConnections() == 0
        closed = Event()
        server.close(lambda: closed.set())
        assert closed.wait(DEADLINE)            # closes although the greenlet still runs
    finally:
        release.set()
        worker.join(DEADLINE)


def test_a_server_s_own_pool_given_to_another_server_counts_each_server_s_connections_apart(
        start_server, connect):
    accepted_a, accepted_b = Queue(), Queue()
    a = start_server(lambda s: (hold_open(s), accepted_a.put(s)))
    b = start_server(lambda s: (hold_open(s), accepted_b.put(s)), pool=a.pool)
    assert b.pool is a.pool
    to_a, to_b = connect(a), connect(b)
    on_a, on_b = accepted_a.get(timeout=DEADLINE), accepted_b.get(timeout=DEADLINE)
    assert len(a.pool) == 2                     # B's connection counts in A's pool
    assert b.getConnections() == 1 and a.getConnections() == 1   # each counts its own
    closed_a, closed_b = Recorder(on_a, 'close'), Recorder(on_b, 'close')
    to_b.destroy()
    closed_b.wait('close')
    assert b.getConnections() == 0 and len(a.pool) == 1
    to_a.destroy()
    closed_a.wait('close')
    assert len(a.pool) == 0 and a.getConnections() == 0 and b.getConnections() == 0
