"""No byte lost or reordered: many connections echo megabytes of random data, in random
chunk sizes, while the reading sides pause and resume at random; the digest of what came
back equals the digest of what went out.  Once driven by events, once sequentially.
"""
from __future__ import annotations

import hashlib
import os
import random
import time

import gevent
from gevent.event import Event

import greennet as net
from conftest import DEADLINE, wait_for

CONNECTIONS = 200
PER_CONNECTION = 2 * 1024 * 1024       # bytes each connection sends and gets back
MAX_CHUNK = 64 * 1024
SOURCE = os.urandom(8 * 1024 * 1024)   # chunks are slices of this at random offsets
BUDGET = 45.0                          # seconds for one style, all connections together
# A small mark on both sides: write() says False and 'drain'/drain() have work to do even
# when loopback's large kernel buffers would take everything; reads stop and restart often.
HWM = 16 * 1024


def random_chunks(rng, total):
    """``total`` bytes of random data as chunks of random sizes (memoryviews)."""
    view = memoryview(SOURCE)
    left = total
    while left:
        n = min(left, rng.randint(1, MAX_CHUNK))
        start = rng.randrange(len(SOURCE) - n)
        yield view[start:start + n]
        left -= n


def listen(server):
    ready = Event()
    server.listen(0, '127.0.0.1', ready.set)
    wait_for(ready, what='listening')
    return {'port': server.address()['port'], 'host': '127.0.0.1'}


def run_all(spawn_client):
    started = time.monotonic()
    greenlets = [gevent.spawn(spawn_client, i) for i in range(CONNECTIONS)]
    gevent.joinall(greenlets, timeout=BUDGET, raise_error=True)
    assert all(g.successful() for g in greenlets), 'clients did not finish within the budget'
    return time.monotonic() - started


def test_events_style_echo_of_random_chunks_with_random_pauses_loses_nothing():
    seen = {'pauses': 0, 'write_false': 0, 'server_write_false': 0, 'peak': 0}

    def echo_with_random_pauses(sock):
        rng = random.Random(sock.remotePort)

        def ondata(chunk):
            if not sock.write(chunk):
                seen['server_write_false'] += 1
                sock.pause()                          # backpressure: wait for 'drain'
            elif rng.random() < 0.05:
                sock.pause()                          # and a pause for no reason
                gevent.spawn_later(rng.random() * 0.003, sock.resume)

        sock.on('data', ondata)
        sock.on('drain', sock.resume)
        sock.on('end', sock.end)

    server = net.createServer({'highWaterMark': HWM}, echo_with_random_pauses)
    target = listen(server)
    results = {}

    def client(i):
        rng = random.Random(i)
        sent, got = hashlib.sha256(), hashlib.sha256()
        counts = [0, 0]
        done = Event()
        sock = net.connect({**target, 'highWaterMark': HWM})
        chunks = random_chunks(rng, PER_CONNECTION)

        def pump():
            for chunk in chunks:
                sent.update(chunk)
                counts[0] += len(chunk)
                if not sock.write(chunk):
                    seen['write_false'] += 1
                    return                             # resumed by 'drain'
            sock.end()

        def ondata(chunk):
            got.update(chunk)
            counts[1] += len(chunk)
            seen['peak'] = max(seen['peak'], server.getConnections())
            if rng.random() < 0.15:
                seen['pauses'] += 1
                sock.pause()
                gevent.spawn_later(rng.random() * 0.003, sock.resume)

        sock.on('connect', pump)
        sock.on('drain', pump)
        sock.on('data', ondata)
        sock.on('error', lambda err: results.setdefault(i, err))
        sock.on('close', lambda had_error: done.set())
        wait_for(done, BUDGET, f'close of connection {i}')
        results.setdefault(i, (counts, sent.hexdigest() == got.hexdigest()))

    try:
        took = run_all(client)
    finally:
        server.shutdown(0)
    bad = {i: r for i, r in results.items() if r != ([PER_CONNECTION] * 2, True)}
    assert len(results) == CONNECTIONS and not bad, bad
    # it did pause, push back and overlap, or the test proves less than it says
    assert seen['pauses'] > CONNECTIONS and seen['write_false'] > CONNECTIONS // 4
    assert seen['server_write_false'] > CONNECTIONS // 4
    assert seen['peak'] > CONNECTIONS // 2
    print(f'\nevents: {CONNECTIONS} x {PER_CONNECTION} B echoed in {took:.2f}s; {seen}')


def test_sequential_style_echo_of_random_reads_with_random_pauses_loses_nothing():
    def echo_sequentially(sock):
        rng = random.Random(sock.remotePort)
        while True:
            chunk = sock.read(rng.randint(1, 2 * MAX_CHUNK))
            if not chunk:
                break
            sock.write(chunk)
            sock.drain()
            if rng.random() < 0.05:
                gevent.sleep(rng.random() * 0.003)    # the reader stops a while
        sock.end()

    server = net.createServer({'highWaterMark': HWM}, echo_sequentially)
    target = listen(server)
    results = {}
    seen = {'pauses': 0, 'write_false': 0, 'peak': 0}

    def client(i):
        rng = random.Random(10_000 + i)
        sent, got = hashlib.sha256(), hashlib.sha256()
        sock = net.connect({**target, 'highWaterMark': HWM})

        def writer():
            total = 0
            for chunk in random_chunks(random.Random(i), PER_CONNECTION):
                sent.update(chunk)
                total += len(chunk)
                if not sock.write(chunk):
                    seen['write_false'] += 1
                sock.drain()
            sock.end()
            return total

        writing = gevent.spawn(writer)
        received = 0
        while True:
            how = rng.random()
            if how < 0.3:
                n = rng.randint(1, 3 * MAX_CHUNK)
                try:
                    chunk = sock.readexactly(n)
                except net.IncompleteReadError as exc:
                    chunk = exc.partial
            else:
                chunk = sock.read(rng.randint(1, 3 * MAX_CHUNK))
            if not chunk:
                break
            got.update(chunk)
            received += len(chunk)
            seen['peak'] = max(seen['peak'], server.getConnections())
            if rng.random() < 0.15:
                seen['pauses'] += 1
                gevent.sleep(rng.random() * 0.003)
        sock.wait_closed(DEADLINE)
        results[i] = ([writing.get(timeout=DEADLINE), received], sent.hexdigest() == got.hexdigest())

    try:
        took = run_all(client)
    finally:
        server.shutdown(0)
    bad = {i: r for i, r in results.items() if r != ([PER_CONNECTION] * 2, True)}
    assert len(results) == CONNECTIONS and not bad, bad
    assert seen['pauses'] > CONNECTIONS and seen['write_false'] > CONNECTIONS // 4
    assert seen['peak'] > CONNECTIONS // 2
    print(f'\nsequential: {CONNECTIONS} x {PER_CONNECTION} B echoed in {took:.2f}s; {seen}')
