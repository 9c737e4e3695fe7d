"""Slow and idle peers: a slowloris is cut, and a peer that never reads costs bounded
memory however much a handler that honours backpressure tries to send it.
"""
from __future__ import annotations

import time

import gevent
import pytest
from gevent.event import AsyncResult, Event
from reliability_support import (
    MiB,
    bounded,
    echo_round_trip,
    listen_tcp,
    raw_peer,
    rss,
    settle,
    watch_escapes,
)

import greennet as net
from conftest import DEADLINE, wait_for

escaped_fixture = pytest.fixture(name='escaped')(watch_escapes)


def trickle(peer, gap, count, stop):
    """A slowloris: one byte of a request line every ``gap`` seconds, never the newline."""
    sent = 0
    try:
        for _ in range(count):
            if stop.is_set():
                break
            peer.sendall(b'G')
            sent += 1
            stop.wait(gap)
    except OSError:
        pass
    return sent


def slowloris_server(timeout_ms, deadline=None):
    """A server that reads one request line with an idle timeout of ``timeout_ms``
    (``setTimeout``, destroying on 'timeout', Node's idiom), and optionally a deadline
    for the whole line (seconds).  Well-behaved clients are echoed their line."""
    outcomes = []
    finished = Event()

    def handler(sock):
        started = time.monotonic()
        timeouts = []
        sock.setTimeout(timeout_ms, lambda: (timeouts.append(time.monotonic()), sock.destroy()))
        try:
            with gevent.Timeout(deadline, False):
                line = sock.readline()          # 'timeout' fires while this blocks
                if line.endswith(b'\n'):
                    sock.end(line)
                    return
        except net.NodeError:
            pass
        outcomes.append((time.monotonic() - started, timeouts, sock.bytesRead))
        sock.destroy()
        finished.set()

    server = net.createServer(handler)
    return server, listen_tcp(server), outcomes, finished


def test_a_slowloris_idling_past_the_timeout_is_cut_by_set_timeout(escaped):
    server, target, outcomes, finished = slowloris_server(timeout_ms=150)
    try:
        peer = raw_peer(target)
        stop = Event()
        trickler = gevent.spawn(trickle, peer, 0.4, 50, stop)   # a byte per 400 ms
        assert echo_round_trip(target) == b'still here\n'       # others are served meanwhile
        wait_for(finished, what='the slowloris being cut')
        with bounded('the slowloris seeing the end'):
            assert peer.recv(10) == b''                          # we closed it
        stop.set()
        took, timeouts, got = outcomes[0]
        assert len(timeouts) == 1 and 0.14 <= took < 1.0
        assert got <= 2
        trickler.get(timeout=DEADLINE)
        peer.close()
        assert echo_round_trip(target) == b'still here\n'
    finally:
        server.shutdown(0)
    assert not escaped


def test_a_slowloris_trickling_within_the_timeout_is_cut_by_a_request_deadline(escaped):
    # Activity resets Node's idle timer, so a byte per 50 ms keeps a 300 ms setTimeout
    # from ever firing (as in Node); the handler's deadline for the whole line cuts it.
    server, target, outcomes, finished = slowloris_server(timeout_ms=300, deadline=0.7)
    try:
        peer = raw_peer(target)
        stop = Event()
        trickler = gevent.spawn(trickle, peer, 0.05, 200, stop)   # a byte per 50 ms
        assert echo_round_trip(target) == b'still here\n'
        wait_for(finished, what='the slowloris being cut')
        stop.set()
        took, timeouts, got = outcomes[0]
        assert timeouts == []                   # the idle timer never ran out...
        assert 0.69 <= took < 1.5 and got >= 8  # ...the deadline cut it, mid-trickle
        trickler.get(timeout=DEADLINE)
        peer.close()
        assert echo_round_trip(target) == b'still here\n'
    finally:
        server.shutdown(0)
    assert not escaped


def test_a_peer_that_never_reads_costs_bounded_memory_when_the_handler_honours_drain(escaped):
    total = 200 * MiB
    chunk = bytearray(b'm' * 65536)           # a bytearray: every write() makes its own copy
    sizes = [64 * 1024, total]                # a warm-up connection, then the real one
    progress = {'sent': 0, 'false': 0}
    result = AsyncResult()

    def sender(sock):
        size = sizes.pop(0)
        progress['sent'] = 0
        sock.resume()                          # what the peer sends is not wanted: discard it
        try:
            while progress['sent'] < size:
                if not sock.write(chunk):
                    progress['false'] += 1
                progress['sent'] += len(chunk)
                sock.drain()
            sock.end()
            sock.wait_closed(DEADLINE)
            result.set(('done', sock.bytesWritten))
        except BaseException as exc:           # noqa: B902 - reported to the test
            result.set(('failed', exc))

    server = net.createServer(sender)
    target = listen_tcp(server)
    assert echo_round_trip(target) == b'm' * 65536   # warm up: first-connection allocations
    assert result.get(timeout=DEADLINE) == ('done', 65536)
    result = AsyncResult()
    samples = []

    def sample():
        while True:
            samples.append(rss())
            gevent.sleep(0.005)

    try:
        settle()
        base = rss()
        sampler = gevent.spawn(sample)
        peer = raw_peer(target)               # connects and reads nothing
        # Stuck: write() said False and nothing moves any more.
        last, still = -1, 0
        for _ in range(500):
            gevent.sleep(0.01)
            if progress['sent'] == last:
                still += 1
                if still >= 20:
                    break
            else:
                last, still = progress['sent'], 0
        assert still >= 20 and progress['false'] >= 1
        stuck_at = progress['sent']
        assert stuck_at < 32 * MiB            # the kernel's buffers, not 200 MiB
        stuck_rss = rss()
        # Now the peer reads everything: all 200 MiB go through, the memory stays flat.
        buf = bytearray(256 * 1024)
        received = 0
        with bounded('200 MiB through a reading peer', 30):
            while True:
                n = peer.recv_into(buf)
                if not n:
                    break
                received += n
        peer.close()
        outcome = result.get(timeout=DEADLINE)
        sampler.kill()
    finally:
        server.shutdown(0)
    assert outcome == ('done', total) and received == total
    peak = max(samples)
    print(f'\nbackpressure: {total // MiB} MiB sent; stuck at {stuck_at / MiB:.1f} MiB; '
          f'RSS base {base / MiB:.1f} MiB, stuck {stuck_rss / MiB:.1f} MiB, '
          f'peak {peak / MiB:.1f} MiB (+{(peak - base) / MiB:.2f} MiB)')
    assert stuck_rss - base < 4 * MiB
    assert peak - base < 4 * MiB
    assert not escaped


def test_the_rss_probe_sees_a_write_queue_that_ignores_backpressure(escaped):
    """The control for the test above: the same probe does see queued bytes."""
    queued = Event()
    chunk = bytearray(b'q' * 65536)

    def careless(sock):
        for _ in range(512):                  # 32 MiB, write() never waited on
            sock.write(chunk)
        queued.set()

    server = net.createServer(careless)
    target = listen_tcp(server)
    try:
        settle()
        base = rss()
        peer = raw_peer(target)
        wait_for(queued)
        grown = rss() - base
        peer.close()
    finally:
        server.shutdown(0)
    assert grown > 16 * MiB
    assert not escaped
