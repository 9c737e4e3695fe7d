"""Floods: thousands of connections opened as fast as a loop can, against a server with
``maxConnections``: never more served at once than the limit, one 'drop' per dropped
connection, nothing escapes, and the server answers normally afterwards.
"""
from __future__ import annotations

import _socket
import errno
import logging
import time

import gevent
import pytest
from gevent.event import Event
from reliability_support import echo_round_trip, listen_tcp, raise_fd_limit, watch_escapes

import greennet as net
from conftest import DEADLINE, wait_for

escaped_fixture = pytest.fixture(name='escaped')(watch_escapes)

FLOOD = 5000
LIMIT = 200


def test_a_flood_over_max_connections_serves_the_limit_and_drops_each_of_the_rest(escaped, caplog):
    raise_fd_limit(FLOOD + LIMIT + 1000)
    release = Event()
    counts = {'served': 0, 'active': 0, 'peak': 0, 'peak_reported': 0}
    accounted = Event()
    drops = []

    def check_accounted():
        if counts['served'] + len(drops) == FLOOD:
            accounted.set()

    def holder(sock):
        counts['served'] += 1
        counts['active'] += 1
        counts['peak'] = max(counts['peak'], counts['active'])
        counts['peak_reported'] = max(counts['peak_reported'], server.getConnections())
        sock.on('close', lambda had_error: counts.__setitem__('active', counts['active'] - 1))
        sock.on('error', lambda err: None)
        sock.resume()            # read and discard: an unread stream never ends (in Node too)
        check_accounted()
        if not release.is_set():
            release.wait(DEADLINE * 3)          # hold the slot until the flood is over
        sock.end(b'served\n')

    def on_drop(payload):
        drops.append(payload)
        check_accounted()

    server = net.createServer(holder)
    server.maxConnections = LIMIT
    server.on('drop', on_drop)
    target = listen_tcp(server, backlog=8192)
    clients = []
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger='greennet'):
        try:
            for i in range(FLOOD):               # as fast as the loop goes, yielding a little
                raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
                raw.setblocking(False)
                err = raw.connect_ex(('127.0.0.1', target['port']))
                assert err in (0, errno.EINPROGRESS), errno.errorcode.get(err)
                clients.append(raw)
                if i % 100 == 99:
                    gevent.sleep(0)
            wait_for(accounted, what=f'{FLOOD} connections served or dropped')
            opened_in = time.monotonic() - started
            assert counts['served'] == LIMIT and len(drops) == FLOOD - LIMIT
            assert counts['peak'] <= LIMIT and counts['peak_reported'] <= LIMIT
            assert server.getConnections() == LIMIT
            # one 'drop' per dropped connection, with Node's payload naming it
            client_ports = {c.getsockname()[1] for c in clients}
            dropped_ports = [d['remotePort'] for d in drops]
            assert len(set(dropped_ports)) == len(dropped_ports) and set(dropped_ports) <= client_ports
            assert all(d['remoteAddress'] == '127.0.0.1' and d['localPort'] == target['port'] and
                       d['remoteFamily'] == 'IPv4' for d in drops)
        finally:
            release.set()
            for raw in clients:
                raw.close()
        assert echo_round_trip(target) == b'served\n'        # business as usual afterwards
        for _ in range(500):
            if server.getConnections() == 0:
                break
            gevent.sleep(0.01)
        assert server.getConnections() == 0 and counts['active'] == 0
        server.close()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert not escaped
    print(f'\nflood: {FLOOD} connections in {opened_in:.2f}s; served {counts["served"]}, '
          f'dropped {len(drops)}, peak {counts["peak"]}')
