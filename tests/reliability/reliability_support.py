"""Helpers shared by the reliability tests (imported by name: this folder has no
package, and a second conftest.py would shadow the root one's ``from conftest import``).
"""
from __future__ import annotations

import ctypes
import gc
import resource
import struct
from typing import Any, Dict, List

import gevent
import psutil
import pytest
from gevent import socket as gsocket
from gevent.event import Event
from greenlet import getcurrent, greenlet

import greennet as net
from conftest import DEADLINE, wait_for

PROCESS = psutil.Process()
MiB = 1024 * 1024


def listen_tcp(server: Any, backlog: Any = None) -> Dict[str, Any]:
    """Listen on 127.0.0.1 (an ephemeral port), wait for 'listening', return the target."""
    ready = Event()
    if backlog is None:
        server.listen(0, '127.0.0.1', ready.set)
    else:
        server.listen({'port': 0, 'host': '127.0.0.1', 'backlog': backlog}, ready.set)
    wait_for(ready, what='listening')
    return {'port': server.address()['port'], 'host': '127.0.0.1'}


def raw_peer(target: Dict[str, Any]) -> gsocket.socket:
    """A plain (gevent-cooperative) TCP socket connected to ``target``: a peer that does
    exactly what the test tells it, nothing of greennet in it."""
    return gsocket.create_connection((target['host'], target['port']), timeout=DEADLINE)


def reset(sock: Any) -> None:
    """Close ``sock`` with an RST (SO_LINGER on, timeout 0)."""
    sock.setsockopt(gsocket.SOL_SOCKET, gsocket.SO_LINGER, struct.pack('ii', 1, 0))
    sock.close()


def echo_round_trip(target: Dict[str, Any], payload: bytes = b'still here\n') -> bytes:
    """A well-behaved client: send ``payload``, end, read the whole answer."""
    client = net.connect(target)
    try:
        with bounded('the answer to a well-behaved client'):
            client.end(payload)
            return client.read()
    finally:
        client.destroy()


def bounded(what: str, seconds: float = DEADLINE) -> gevent.Timeout:
    """``with bounded('x'):`` fails the test if the block takes longer than ``seconds``
    (for blocking calls that have no timeout of their own, such as ``read()``)."""
    return gevent.Timeout(seconds, AssertionError(f'{what}: not done within {seconds}s'))


def rss() -> int:
    return PROCESS.memory_info().rss


def num_fds() -> int:
    return PROCESS.num_fds()


def _root(g: Any) -> Any:
    while g.parent is not None:
        g = g.parent
    return g


def greenlet_count() -> int:
    """Greenlet objects of this thread (gevent's threadpool workers, which come and go
    with DNS lookups, live in other threads and are not greennet's), less greennet's idle
    dispatch workers: a bounded cache whose size follows the most dispatches that ever
    ran at once, not the connections served."""
    from gevent import get_hub

    from greennet._workers import idle_worker_count
    main = _root(getcurrent())
    count = sum(1 for o in gc.get_objects() if isinstance(o, greenlet) and _root(o) is main)
    return count - idle_worker_count(get_hub())


def trim() -> None:
    """Give freed heap memory back to the OS (glibc), so RSS tracks what is live: memory
    an earlier test freed would otherwise absorb new allocations unseen."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def settle() -> None:
    """Let finished greenlets and closed watchers go (a few loop turns, a full gc), and
    return freed memory to the OS."""
    for _ in range(3):
        gevent.sleep(0)
    gc.collect()
    trim()


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f'needs {needed} file descriptors; the hard limit is {hard}')
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    except (ValueError, OSError) as exc:
        pytest.skip(f'cannot raise the file descriptor limit to {needed}: {exc}')


def watch_escapes() -> Any:
    """The ``escaped`` fixture (each module makes it one: ``escaped_fixture = pytest.fixture(
    name='escaped')(watch_escapes)``): every exception that escapes a greenlet or a hub
    callback (what gevent would print as an uncaught error) during the test; the test must
    leave it empty."""
    hub = gevent.get_hub()
    seen: List[tuple] = []
    original = hub.handle_error

    def record(context: Any, type_: Any, value: Any, tb: Any) -> Any:
        seen.append((context, type_, value))
        return original(context, type_, value, tb)

    hub.handle_error = record
    try:
        yield seen
    finally:
        gevent.sleep(0.02)           # late reports (a resolver thread's) stay with this test
        del hub.handle_error
