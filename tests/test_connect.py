"""Connecting like Node: lookup, family autoselection (happy eyeballs), connect options.

An address that "never answers" is made on loopback without privileges: a listener whose
accept queue is full drops further SYNs, so a connect to it hangs until its timeout.
No test sends a DNS query: names resolve through the ``lookup`` option or /etc/hosts.
"""
from __future__ import annotations

import socket as pysocket

import gevent
import pytest
from gevent.event import AsyncResult

import greennet as net
from conftest import DEADLINE, Recorder


class Blackhole:
    """A loopback address:port that never answers a SYN (its accept queue is full)."""

    def __init__(self, family=pysocket.AF_INET6, host='::1', port=0):
        self.listener = pysocket.socket(family)
        if family == pysocket.AF_INET6:
            self.listener.setsockopt(pysocket.IPPROTO_IPV6, pysocket.IPV6_V6ONLY, 1)
        self.listener.bind((host, port))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.fillers = []
        for _ in range(4):
            filler = pysocket.socket(family)
            filler.setblocking(False)
            filler.connect_ex((host, self.port))
            self.fillers.append(filler)
        gevent.sleep(0.05)

    def close(self):
        for s in self.fillers + [self.listener]:
            s.close()


@pytest.fixture
def blackhole_v6():
    hole = Blackhole()
    yield hole
    hole.close()


def start_echo(host='127.0.0.1', port=0):
    server = net.createServer(lambda s: s.pipe(s))
    listening = AsyncResult()
    server.listen({'port': port, 'host': host}, lambda: listening.set(True))
    listening.get(timeout=DEADLINE)
    return server


def closed_port(family=pysocket.AF_INET, host='127.0.0.1'):
    probe = pysocket.socket(family)
    probe.bind((host, 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def fixed_lookup(*addresses):
    """A Node-style lookup(hostname, options, callback) answering ``addresses``."""
    calls = []

    def lookup(hostname, options, callback):
        calls.append((hostname, dict(options)))
        found = [{'address': a, 'family': 6 if ':' in a else 4} for a in addresses]
        if options.get('all'):
            callback(None, found)
        else:
            callback(None, found[0]['address'], found[0]['family'])

    lookup.calls = calls
    return lookup


EVENTS = ('lookup', 'connectionAttempt', 'connectionAttemptFailed', 'connectionAttemptTimeout',
          'connect', 'ready', 'error', 'close')


# ------------------------------------------------------------------ lookup

def test_lookup_fires_before_the_attempt_and_connect_for_a_hostname():
    server = start_echo()
    try:
        client = net.connect(server.address()['port'], 'localhost')
        rec = Recorder(client, *EVENTS)
        rec.wait('ready')
        assert rec.names == ['lookup', 'connectionAttempt', 'connect', 'ready']
        assert rec.args('lookup') == [(None, '127.0.0.1', 4, 'localhost')]
        client.destroy()
    finally:
        server.close()


def test_custom_lookup_is_called_with_node_s_signature_and_all_when_autoselecting():
    server = start_echo()
    lookup = fixed_lookup('127.0.0.1')
    try:
        client = net.connect({'port': server.address()['port'], 'host': 'svc.example', 'lookup': lookup})
        client.wait_connected(DEADLINE)
        assert lookup.calls == [('svc.example', {'family': 0, 'hints': 0, 'all': True})]
        client.destroy()
    finally:
        server.close()


def test_custom_lookup_without_autoselect_answers_one_address():
    server = start_echo()
    lookup = fixed_lookup('127.0.0.1')
    try:
        client = net.connect({'port': server.address()['port'], 'host': 'svc.example', 'lookup': lookup,
                              'autoSelectFamily': False, 'family': 4})
        rec = Recorder(client, *EVENTS)
        rec.wait('connect')
        assert lookup.calls[0][1] == {'family': 4, 'hints': 0, 'all': False}
        assert rec.args('lookup') == [(None, '127.0.0.1', 4, 'svc.example')]
        client.destroy()
    finally:
        server.close()


def test_a_lookup_error_is_emitted_with_lookup_then_error_and_close():
    failure = net.errors.lookup_error('nowhere.example')

    def lookup(hostname, options, callback):
        callback(failure)

    client = net.connect({'port': 80, 'host': 'nowhere.example', 'lookup': lookup})
    rec = Recorder(client, *EVENTS)
    rec.wait('close')
    assert rec.names == ['lookup', 'error', 'close']
    assert rec.args('lookup')[0][0] is failure
    err = rec.args('error')[0][0]
    assert (err.code, err.hostname) == ('ENOTFOUND', 'nowhere.example')


def test_a_name_the_resolver_cannot_find_gives_enotfound_with_hostname(monkeypatch):
    hub = gevent.get_hub()

    def no_such_name(*args, **kwargs):
        raise pysocket.gaierror(pysocket.EAI_NONAME, 'Name or service not known')

    monkeypatch.setattr(hub.resolver, 'getaddrinfo', no_such_name)
    client = net.connect(80, 'nowhere.example')
    with pytest.raises(net.NodeError) as info:
        client.wait_connected(DEADLINE)
    assert (info.value.code, info.value.hostname, info.value.syscall) == \
        ('ENOTFOUND', 'nowhere.example', 'getaddrinfo')


def test_a_lookup_that_answers_later_from_another_greenlet_works():
    server = start_echo()

    def lookup(hostname, options, callback):
        gevent.spawn_later(0.02, callback, None, [{'address': '127.0.0.1', 'family': 4}])

    try:
        client = net.connect({'port': server.address()['port'], 'host': 'late.example', 'lookup': lookup})
        client.wait_connected(DEADLINE)
        client.destroy()
    finally:
        server.close()


# ------------------------------------------------------------------ family autoselection

def test_autoselect_moves_on_when_an_attempt_times_out(blackhole_v6):
    server = start_echo('127.0.0.1', 0)
    port = server.address()['port']
    hole = Blackhole(port=port)      # ::1 on the same port never answers
    try:
        client = net.connect({'port': port, 'host': 'dual.example', 'autoSelectFamilyAttemptTimeout': 50,
                              'lookup': fixed_lookup('::1', '127.0.0.1')})
        rec = Recorder(client, *EVENTS)
        rec.wait('ready')
        assert rec.names == ['lookup', 'lookup', 'connectionAttempt', 'connectionAttemptTimeout',
                             'connectionAttempt', 'connect', 'ready']
        assert rec.args('connectionAttempt') == [('::1', port, 6), ('127.0.0.1', port, 4)]
        assert rec.args('connectionAttemptTimeout') == [('::1', port, 6)]
        assert client.autoSelectFamilyAttemptedAddresses == [f'::1:{port}', f'127.0.0.1:{port}']
        assert client.remoteAddress == '127.0.0.1'
        client.destroy()
    finally:
        hole.close()
        server.close()


def test_autoselect_moves_on_at_once_when_an_attempt_is_refused():
    server = start_echo('127.0.0.1', 0)
    port = server.address()['port']
    try:
        client = net.connect({'port': port, 'host': 'dual.example', 'autoSelectFamilyAttemptTimeout': 5000,
                              'lookup': fixed_lookup('::1', '127.0.0.1')})
        rec = Recorder(client, *EVENTS)
        rec.wait('connect')
        (ip, fport, fam, err) = rec.args('connectionAttemptFailed')[0]
        assert (ip, fport, fam, err.code) == ('::1', port, 6, 'ECONNREFUSED')
        client.destroy()
    finally:
        server.close()


def test_autoselect_interleaves_families_starting_with_the_first_answer():
    port = closed_port()
    client = net.connect({'port': port, 'host': 'many.example',
                          'lookup': fixed_lookup('::1', '::2', '127.0.0.1', '127.0.0.2')})
    rec = Recorder(client, *EVENTS)
    rec.wait('close')
    assert [a[0] for a in rec.args('connectionAttempt')] == ['::1', '127.0.0.1', '::2', '127.0.0.2']


def test_autoselect_failing_everywhere_emits_one_aggregate_error():
    port = closed_port()
    client = net.connect({'port': port, 'host': 'dual.example', 'lookup': fixed_lookup('::1', '127.0.0.1')})
    rec = Recorder(client, *EVENTS)
    rec.wait('close')
    assert rec.names.count('error') == 1 and rec.names.count('connectionAttemptFailed') == 2
    err = rec.args('error')[0][0]
    assert isinstance(err, net.AggregateError) and isinstance(err, ExceptionGroup)
    assert err.code == 'ECONNREFUSED'
    assert [e.address for e in err.errors] == ['::1', '127.0.0.1']


def test_autoselect_is_off_with_a_family_or_a_local_address():
    server = start_echo()
    lookup = fixed_lookup('127.0.0.1', '::1')
    try:
        client = net.connect({'port': server.address()['port'], 'host': 'x.example', 'lookup': lookup,
                              'localAddress': '127.0.0.1'})
        client.wait_connected(DEADLINE)
        assert lookup.calls[0][1]['all'] is False
        assert client.autoSelectFamilyAttemptedAddresses is None
        client.destroy()
    finally:
        server.close()


def test_overlapping_attempts_keep_the_slow_one_running_and_the_first_to_connect_wins():
    server = start_echo('127.0.0.1', 0)
    port = server.address()['port']
    hole = Blackhole(port=port)
    try:
        client = net.connect({'port': port, 'host': 'dual.example', 'autoSelectFamilyAttemptTimeout': 30,
                              'autoSelectFamilyOverlap': True, 'lookup': fixed_lookup('::1', '127.0.0.1')})
        rec = Recorder(client, *EVENTS)
        rec.wait('ready')
        assert rec.names == ['lookup', 'lookup', 'connectionAttempt', 'connectionAttemptTimeout',
                             'connectionAttempt', 'connect', 'ready']
        assert client.remoteAddress == '127.0.0.1'
        client.write(b'won')
        assert client.readexactly(3) == b'won'
        client.destroy()
    finally:
        hole.close()
        server.close()


def test_overlapping_attempts_fail_with_one_aggregate_error():
    port = closed_port()
    client = net.connect({'port': port, 'host': 'dual.example', 'autoSelectFamilyOverlap': True,
                          'lookup': fixed_lookup('::1', '127.0.0.1')})
    rec = Recorder(client, *EVENTS)
    rec.wait('close')
    err = rec.args('error')[0][0]
    assert isinstance(err, net.AggregateError) and len(err.errors) == 2


def test_default_autoselect_settings_and_their_validation():
    assert net.getDefaultAutoSelectFamily() is True
    assert net.getDefaultAutoSelectFamilyAttemptTimeout() == 250
    try:
        net.setDefaultAutoSelectFamily(False)
        assert net.get_default_auto_select_family() is False
        net.setDefaultAutoSelectFamilyAttemptTimeout(5)
        assert net.getDefaultAutoSelectFamilyAttemptTimeout() == 10
        with pytest.raises(TypeError) as info:
            net.setDefaultAutoSelectFamily('yes')
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'
        with pytest.raises(ValueError) as info:
            net.setDefaultAutoSelectFamilyAttemptTimeout(0)
        assert info.value.code == 'ERR_OUT_OF_RANGE'
    finally:
        net.setDefaultAutoSelectFamily(True)
        net.setDefaultAutoSelectFamilyAttemptTimeout(250)


# ------------------------------------------------------------------ options

def test_local_address_and_port_are_bound_before_connecting():
    seen = AsyncResult()
    server = net.createServer(lambda s: seen.set((s.remoteAddress, s.remotePort)))
    ready = AsyncResult()
    server.listen(0, '127.0.0.1', lambda: ready.set(True))
    ready.get(timeout=DEADLINE)
    local_port = closed_port()
    try:
        client = net.connect({'port': server.address()['port'], 'host': '127.0.0.1',
                              'localAddress': '127.0.0.2', 'localPort': local_port})
        assert seen.get(timeout=DEADLINE) == ('127.0.0.2', local_port)
        client.destroy()
    finally:
        server.close()


def test_a_bad_local_address_raises_err_invalid_ip_address():
    with pytest.raises(ValueError) as info:
        net.connect({'port': 80, 'host': '127.0.0.1', 'localAddress': 'not-an-ip'})
    assert info.value.code == 'ERR_INVALID_IP_ADDRESS'


def test_a_local_address_that_cannot_be_bound_fails_the_connection():
    client = net.connect({'port': 80, 'host': '127.0.0.1', 'localAddress': '192.0.2.1'})
    with pytest.raises(OSError) as info:
        client.wait_connected(DEADLINE)
    assert (info.value.code, info.value.syscall) == ('EADDRNOTAVAIL', 'bind')


def test_a_bad_family_raises_err_invalid_arg_value():
    with pytest.raises(ValueError) as info:
        net.connect({'port': 80, 'host': 'localhost', 'family': 5})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_the_family_of_a_literal_address_is_not_checked_as_node_skips_the_lookup():
    server = start_echo()
    try:
        client = net.connect({'port': server.address()['port'], 'host': '127.0.0.1', 'family': 5})
        client.wait_connected(DEADLINE)
        client.destroy()
    finally:
        server.close()


def test_timeout_option_sets_the_idle_timeout_before_connecting():
    server = start_echo()
    try:
        client = net.connect({'port': server.address()['port'], 'host': '127.0.0.1', 'timeout': 40})
        assert client.timeout == 40
        Recorder(client, 'timeout').wait('timeout')
        client.destroy()
    finally:
        server.close()


def test_no_delay_and_keep_alive_options_apply_once_connected():
    server = start_echo()
    try:
        client = net.connect({'port': server.address()['port'], 'host': '127.0.0.1', 'noDelay': True,
                              'keepAlive': True, 'keepAliveInitialDelay': 2000})
        client.wait_connected(DEADLINE)
        raw = pysocket.socket(fileno=client.fileno())
        try:
            assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY) == 1
            assert raw.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE) == 1
            assert raw.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPIDLE) == 2
        finally:
            raw.detach()
        client.destroy()
    finally:
        server.close()


def test_reset_and_destroy_while_connecting_resets_once_connected():
    error = AsyncResult()
    server = net.createServer(lambda s: s.on('error', error.set))
    ready = AsyncResult()
    server.listen(0, '127.0.0.1', lambda: ready.set(True))
    ready.get(timeout=DEADLINE)
    try:
        client = net.connect(server.address()['port'], '127.0.0.1')
        assert client.connecting
        client.resetAndDestroy()
        Recorder(client, 'close').wait('close')
        assert error.get(timeout=DEADLINE).code == 'ECONNRESET'
    finally:
        server.close()


def test_an_aborted_signal_destroys_the_socket_before_it_connects():
    controller = net.AbortController()
    controller.abort()
    client = net.connect({'port': 80, 'host': '127.0.0.1', 'signal': controller.signal})
    rec = Recorder(client, *EVENTS)
    rec.wait('close')
    assert rec.args('error')[0][0].code == 'ABORT_ERR'
    assert 'connect' not in rec.names


# ------------------------------------------------------------------ blockList on connect

def test_block_list_refuses_a_literal_ip():
    block = net.BlockList()
    block.addAddress('127.0.0.1')
    client = net.connect({'port': 80, 'host': '127.0.0.1', 'blockList': block})
    rec = Recorder(client, *EVENTS)
    rec.wait('close')
    err = rec.args('error')[0][0]
    assert err.code == 'ERR_IP_BLOCKED' and '127.0.0.1' in str(err)
    assert 'connectionAttempt' not in rec.names


def test_block_list_refuses_a_looked_up_address():
    block = net.BlockList()
    block.addSubnet('127.0.0.0', 8)
    client = net.connect({'port': 80, 'host': 'svc.example', 'blockList': block, 'autoSelectFamily': False,
                          'lookup': fixed_lookup('127.0.0.9')})
    with pytest.raises(net.NodeError) as info:
        client.wait_connected(DEADLINE)
    assert info.value.code == 'ERR_IP_BLOCKED'


def test_block_list_skips_blocked_addresses_under_autoselect():
    server = start_echo('127.0.0.1', 0)
    block = net.BlockList()
    block.addAddress('::1', 'ipv6')
    try:
        client = net.connect({'port': server.address()['port'], 'host': 'dual.example', 'blockList': block,
                              'lookup': fixed_lookup('::1', '127.0.0.1')})
        rec = Recorder(client, *EVENTS)
        rec.wait('connect')
        (ip, _port, _fam, err) = rec.args('connectionAttemptFailed')[0]
        assert (ip, err.code) == ('::1', 'ERR_IP_BLOCKED')
        assert client.remoteAddress == '127.0.0.1'
        client.destroy()
    finally:
        server.close()


def test_block_list_of_the_wrong_type_raises():
    with pytest.raises(TypeError) as info:
        net.connect({'port': 80, 'host': '127.0.0.1', 'blockList': ['127.0.0.1']})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


@pytest.mark.parametrize('hints, accepted', [
    (pysocket.AI_ADDRCONFIG | pysocket.AI_V4MAPPED, True),   # dns.ADDRCONFIG | dns.V4MAPPED
    (pysocket.AI_ALL, True),                                  # dns.ALL
    (0, True),
    (64, False),
    (pysocket.AI_ALL << 8, False),
])
def test_hints_take_node_s_dns_values_for_this_platform(hints, accepted):
    # Node's dns.ADDRCONFIG/V4MAPPED/ALL are the platform's getaddrinfo flags (40 is
    # ADDRCONFIG|V4MAPPED on Linux, where 1024 is refused)
    options = {'port': 1, 'host': 'localhost', 'hints': hints}
    if accepted:
        sock = net.connect(options)
        sock.on('error', lambda err: None)
        sock.destroy()
    else:
        with pytest.raises(ValueError) as raised:
            net.connect(options)
        assert raised.value.code == 'ERR_INVALID_ARG_VALUE'


def test_hints_reach_the_resolver_as_getaddrinfo_flags(monkeypatch):
    hub = gevent.get_hub()
    seen = []
    server = start_echo()

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        seen.append(flags)
        return [(pysocket.AF_INET, pysocket.SOCK_STREAM, 6, '', ('127.0.0.1', 0))]

    monkeypatch.setattr(hub.resolver, 'getaddrinfo', getaddrinfo)
    try:
        # dns.ADDRCONFIG | dns.V4MAPPED as Node has them on this platform (32 | 8 on Linux)
        client = net.connect({'port': server.address()['port'], 'host': 'hinted.example',
                              'hints': pysocket.AI_ADDRCONFIG | pysocket.AI_V4MAPPED,
                              'family': 6})
        client.wait_connected(DEADLINE)
        assert seen == [pysocket.AI_ADDRCONFIG | pysocket.AI_V4MAPPED]
        client.destroy()
    finally:
        server.close()


def test_onread_callback_returning_false_pauses_the_socket():
    server = start_echo()
    calls = []
    try:
        client = net.connect({'port': server.address()['port'], 'host': '127.0.0.1',
                              'onread': {'buffer': bytearray(8),
                                         'callback': lambda n, b: calls.append(n) or False}})
        client.write(b'x' * 64)
        with gevent.Timeout(DEADLINE):
            while not calls:
                gevent.sleep(0.005)
        gevent.sleep(0.05)        # 56 more bytes are there: none may be delivered while paused
        assert calls == [8] and client.isPaused()
        client.resume()
        with gevent.Timeout(DEADLINE):
            while sum(calls) < 16:
                gevent.sleep(0.005)
        client.destroy()
    finally:
        server.close()


def _blocked_paths(port):
    """Every way to connect with a blockList, each to 127.0.0.1:port."""
    def block_list():
        bl = net.BlockList()
        bl.addAddress('127.0.0.1')
        return bl
    return {
        'createConnection options': lambda: net.createConnection(
            {'port': port, 'host': '127.0.0.1', 'blockList': block_list()}),
        'connect keywords': lambda: net.connect(port, '127.0.0.1', blockList=block_list()),
        'Socket option, connect(port, host)': lambda: net.Socket(
            {'blockList': block_list()}).connect(port, '127.0.0.1'),
        'Socket(), connect(options)': lambda: net.Socket().connect(
            {'port': port, 'host': '127.0.0.1', 'blockList': block_list()}),
    }


@pytest.mark.parametrize('path', list(_blocked_paths(0)))
def test_the_block_list_is_honoured_on_every_connect_path(start_tcp_server, path):
    server = start_tcp_server(lambda s: s.end())
    sock = _blocked_paths(server.address()['port'])[path]()
    rec = Recorder(sock, 'error', 'close', 'connect')
    err, = rec.wait('error')
    rec.wait('close')
    assert err.code == 'ERR_IP_BLOCKED'
    assert 'connect' not in rec.names
