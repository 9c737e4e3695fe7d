"""A fault-injecting TCP relay, run inside a host between clients and a server:
``python relay.py 'JSON options'``.

Options: ``routes`` ([[listen_host, listen_port, upstream_host, upstream_port], ...]),
``seed``.  Each accepted connection is relayed to its upstream in both directions,
through faults chosen for it from ``seed`` and its number (every fifth connection gets
each kind alone, the fifth all of them):

* delays: each chunk waits 0-5 ms before it goes on;
* slicing: three 1 KiB windows of the stream (at its start and at random offsets) go
  on one byte per ``send()`` (TCP_NODELAY, so one byte per segment);
* stalls: at two random offsets, nothing goes on for 150-300 ms;
* bursts: data is held until 256 KiB (or the end) have gathered, then sent at once.

A half-close goes on as one (``shutdown(SHUT_WR)``).  Plain gevent sockets: nothing of
greennet is in the relay.  Each finished connection is a JSON line on stdout: its
number, bytes each way, and the faults applied ('sliced' bytes, 'stalls', 'bursts',
'delays').
"""
from __future__ import annotations

import itertools
import json
import random
import resource
import sys
from typing import Any, Dict, List

import gevent
from gevent import socket as gsocket
from gevent.server import StreamServer

MiB = 1 << 20
KINDS = ('delays', 'slicing', 'stalls', 'bursts', 'all')


def report(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({'event': event, **fields}) + '\n')
    sys.stdout.flush()


class Faults:
    """One direction's faults, decided up front from the connection's random generator."""

    def __init__(self, kind: str, rng: random.Random, counts: Dict[str, int]) -> None:
        every = kind == 'all'
        self.delays = every or kind == 'delays'
        self.slices: List[range] = []
        if every or kind == 'slicing':
            self.slices = [range(0, 1024)] + [
                range(start, start + 1024) for start in sorted(rng.randrange(1024, MiB) for _ in range(2))]
        self.stalls: List[int] = []
        if every or kind == 'stalls':
            self.stalls = sorted(rng.randrange(0, MiB) for _ in range(2))
        self.burst = 256 * 1024 if every or kind == 'bursts' else 0
        self.rng = rng
        self.counts = counts

    def forward(self, source: Any, dest: Any) -> int:
        offset = 0
        held: List[bytes] = []
        held_len = 0
        while True:
            data = source.recv(65536)
            if not data:
                break
            if self.burst:
                held.append(data)
                held_len += len(data)
                if held_len < self.burst:
                    continue
                data, held, held_len = b''.join(held), [], 0
                self.counts['bursts'] += 1
            offset = self._send(dest, data, offset)
        if held:
            offset = self._send(dest, b''.join(held), offset)
            self.counts['bursts'] += 1
        return offset

    def _send(self, dest: Any, data: bytes, offset: int) -> int:
        if self.delays:
            gevent.sleep(self.rng.uniform(0, 0.005))
            self.counts['delays'] += 1
        end = offset + len(data)
        while self.stalls and self.stalls[0] < end:
            self.stalls.pop(0)
            gevent.sleep(self.rng.uniform(0.15, 0.3))
            self.counts['stalls'] += 1
        view = memoryview(data)
        position = offset
        for window in self.slices:
            lo, hi = max(window.start, position), min(window.stop, end)
            if lo >= hi:
                continue
            if lo > position:
                dest.sendall(view[position - offset:lo - offset])
            for i in range(lo, hi):          # one byte per send(), one per segment
                dest.sendall(view[i - offset:i - offset + 1])
            self.counts['sliced'] += hi - lo
            position = hi
        if position < end:
            dest.sendall(view[position - offset:])
        return end


def relay(seed: int, upstream: Any, counter: Any) -> Any:
    def handle(client: Any, address: Any) -> None:
        number = next(counter)
        rng = random.Random(seed * 100_003 + number)
        kind = KINDS[number % len(KINDS)]
        counts = {'sliced': 0, 'stalls': 0, 'bursts': 0, 'delays': 0}
        try:
            server = gsocket.create_connection(upstream, timeout=10)
        except OSError as err:
            report('conn', number=number, error=str(err))
            client.close()
            return
        server.settimeout(None)
        for sock in (client, server):
            sock.setsockopt(gsocket.IPPROTO_TCP, gsocket.TCP_NODELAY, 1)
        moved = {'up': 0, 'down': 0}

        def one_way(name: str, source: Any, dest: Any) -> None:
            try:
                moved[name] = Faults(kind, rng, counts).forward(source, dest)
                dest.shutdown(gsocket.SHUT_WR)
            except OSError as err:
                moved[name + '_error'] = str(err)   # type: ignore[assignment]

        jobs = [gevent.spawn(one_way, 'up', client, server),
                gevent.spawn(one_way, 'down', server, client)]
        gevent.joinall(jobs)
        client.close()
        server.close()
        report('conn', number=number, kind=kind, **moved, faults=counts)
    return handle


def main(options: Dict[str, Any]) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    counter = itertools.count(0)
    servers = []
    for listen_host, listen_port, up_host, up_port in options['routes']:
        server = StreamServer((listen_host, listen_port),
                              relay(options['seed'], (up_host, up_port), counter), backlog=1024)
        server.start()
        servers.append(server)
    report('listening', routes=options['routes'])
    gevent.wait()


if __name__ == '__main__':
    main(json.loads(sys.argv[1]))
