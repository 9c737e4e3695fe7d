"""Shutdown: ``server.close()`` with hundreds of connections in the middle of an exchange
lets every one of them finish; nothing is cut short, and 'close' fires once, after the
last connection has closed.
"""
from __future__ import annotations

import gevent
import pytest
from gevent.event import AsyncResult, Event
from reliability_support import listen_tcp, raise_fd_limit, watch_escapes

import greennet as net
from conftest import DEADLINE, Recorder, wait_for

escaped_fixture = pytest.fixture(name='escaped')(watch_escapes)

OPEN = 500


def test_close_with_500_connections_mid_exchange_lets_each_finish_and_closes_once(escaped):
    raise_fd_limit(4 * OPEN + 200)
    order = []

    def two_step(sock):                          # a request in two parts, an answer to each
        sock.on('close', lambda had_error: order.append(('socket closed', had_error)))
        first = sock.readline()
        sock.write(b'ack ' + first)
        second = sock.readline()
        gevent.sleep(0.001)                      # some work
        sock.end(b'done ' + first.strip() + b' ' + second)

    server = net.createServer(two_step)
    target = listen_tcp(server)
    rec = Recorder(server, 'close')
    server.on('close', lambda: order.append('server close'))
    mid_exchange = [Event() for _ in range(OPEN)]
    closing = Event()
    answers = {}

    def client(i):
        sock = net.connect(target)
        sock.write(b'%d\n' % i)
        assert sock.readline() == b'ack %d\n' % i
        mid_exchange[i].set()
        wait_for(closing, what='the server closing')
        sock.write(b'part two\n')
        answers[i] = sock.read()
        sock.wait_closed(DEADLINE)

    clients = [gevent.spawn(client, i) for i in range(OPEN)]
    try:
        for event in mid_exchange:
            wait_for(event, what='every client mid-exchange')
        assert server.getConnections() == OPEN
        closed_cb = AsyncResult()
        server.close(closed_cb.set)
        assert not server.listening and server.address() is None
        refused = net.connect(target)              # no new connection is taken
        refused_rec = Recorder(refused, 'connect', 'error', 'close')
        refused_rec.wait('close')
        assert refused_rec.names == ['error', 'close']
        assert refused_rec.args('error')[0][0].code == 'ECONNREFUSED'
        assert rec.names == [] and server.getConnections() == OPEN
        closing.set()
        gevent.joinall(clients, timeout=DEADLINE * 2, raise_error=True)
        assert closed_cb.get(timeout=DEADLINE) is None
        rec.wait('close')
    finally:
        closing.set()
        server.shutdown(0)
    assert answers == {i: b'done %d part two\n' % i for i in range(OPEN)}   # nothing cut short
    gevent.sleep(0.05)                          # room for a second 'close', were there one
    assert rec.names == ['close']                                  # once
    assert order.count('server close') == 1 and order[-1] == 'server close'
    assert order[:-1] == [('socket closed', False)] * OPEN          # after every connection
    assert server.getConnections() == 0
    assert not escaped
