"""Leaks: after tens of thousands of connections opened, used and closed, the process
holds the same file descriptors and greenlets as before, and its memory is back.
"""
from __future__ import annotations

import time

import gevent
import pytest
from reliability_support import MiB, greenlet_count, listen_tcp, num_fds, rss, settle, watch_escapes

import greennet as net
from conftest import DEADLINE

escaped_fixture = pytest.fixture(name='escaped')(watch_escapes)

LOOPS = 100           # concurrent client loops
PER_LOOP = 200        # sequential connect / echo / close in each
WARM_UP = 5


def churn(target, loops, per_loop):
    """``loops`` greenlets each connect, echo a line and close ``per_loop`` times."""
    def loop(i):
        for j in range(per_loop):
            line = b'%d.%d\n' % (i, j)
            client = net.connect(target)
            client.end(line)
            assert client.read() == line
            client.wait_closed(DEADLINE)
            assert client.destroyed
        return per_loop

    greenlets = [gevent.spawn(loop, i) for i in range(loops)]
    gevent.joinall(greenlets, timeout=50, raise_error=True)
    assert [g.value for g in greenlets] == [per_loop] * loops, 'the churn did not finish in time'


def test_twenty_thousand_connections_leave_no_fd_greenlet_or_memory_behind(escaped):
    def echo_line(sock):
        sock.end(sock.read())

    server = net.createServer(echo_line)
    target = listen_tcp(server)
    try:
        churn(target, LOOPS, WARM_UP)                   # first-use allocations happen here
        settle()
        fds, greenlets, memory = num_fds(), greenlet_count(), rss()
        started = time.monotonic()
        churn(target, LOOPS, PER_LOOP)
        took = time.monotonic() - started
        for _ in range(200):                            # the server's last closes
            if server.getConnections() == 0:
                break
            gevent.sleep(0.01)
        assert server.getConnections() == 0
        settle()
        fds_after, greenlets_after, memory_after = num_fds(), greenlet_count(), rss()
    finally:
        server.close()
    print(f'\nchurn: {LOOPS * PER_LOOP} connections in {took:.2f}s; fds {fds} -> {fds_after}; '
          f'greenlets {greenlets} -> {greenlets_after}; '
          f'RSS {memory / MiB:.1f} -> {memory_after / MiB:.1f} MiB')
    assert fds_after == fds
    assert greenlets_after == greenlets
    assert memory_after - memory < 4 * MiB
    assert not escaped
