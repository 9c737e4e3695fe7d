"""Shared test fixtures: servers on either transport, event recorders, bounded waits.

Every wait is on an event with a deadline; nothing sleeps and hopes.
"""
from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
from typing import Any, Callable, Dict, List, Optional

import gevent
import pytest
import zope.event
from gevent.event import Event

import greennet as net

DEADLINE = 10.0   # seconds: generous, only reached when something is broken


class Recorder:
    """Records the events of an emitter in order, and lets a test wait for one."""

    def __init__(self, emitter: Any, *names: str) -> None:
        self.emitter = emitter
        self.events: List[tuple] = []
        self._seen: Dict[str, Event] = {}
        for name in names:
            self._seen[name] = Event()
            emitter.on(name, self._listener(name))

    def _listener(self, name: str) -> Callable[..., None]:
        def record(*args: Any) -> None:
            self.events.append((name,) + args)
            self._seen[name].set()
        return record

    @property
    def names(self) -> List[str]:
        return [e[0] for e in self.events]

    def args(self, name: str) -> List[tuple]:
        return [e[1:] for e in self.events if e[0] == name]

    def data(self) -> Any:
        chunks = [e[1] for e in self.events if e[0] == 'data']
        if chunks and isinstance(chunks[0], str):
            return ''.join(chunks)
        return b''.join(chunks)

    def wait(self, name: str, timeout: float = DEADLINE) -> tuple:
        if not self._seen[name].wait(timeout):
            raise AssertionError(f'no {name!r} within {timeout}s; saw {self.names}')
        return self.args(name)[0]


def wait_for(event: Event, timeout: float = DEADLINE, what: str = 'event') -> None:
    if not event.wait(timeout):
        raise AssertionError(f'{what} did not happen within {timeout}s')


class Endpoint:
    """Where test servers listen: TCP on 127.0.0.1, or a Unix socket in a temp dir."""

    def __init__(self, transport: str) -> None:
        self.transport = transport
        self._dir = tempfile.mkdtemp(prefix='gn-') if transport == 'unix' else None
        self._count = 0

    def listen_args(self) -> tuple:
        if self.transport == 'tcp':
            return (0, '127.0.0.1')
        self._count += 1
        return (os.path.join(self._dir, f's{self._count}.sock'),)

    def target(self, server: Any) -> Dict[str, Any]:
        address = server.address()
        if self.transport == 'tcp':
            return {'port': address['port'], 'host': '127.0.0.1'}
        return {'path': address}


@pytest.fixture(params=['tcp', 'unix'])
def endpoint(request: Any) -> Endpoint:
    """Each test using it runs over TCP and over a Unix socket."""
    return Endpoint(request.param)


@pytest.fixture
def tcp() -> Endpoint:
    return Endpoint('tcp')


def _server_starter(endpoint: Endpoint) -> Any:
    servers: List[Any] = []

    def start(handler: Any = None, **options: Any) -> Any:
        server = net.createServer(options or None, handler)
        listening = Event()
        server.listen(*endpoint.listen_args(), listening.set)
        wait_for(listening, what='listening')
        servers.append(server)
        return server

    start.servers = servers  # type: ignore[attr-defined]
    return start


@pytest.fixture
def start_server(endpoint: Endpoint) -> Any:
    """``start_server(handler, **options)``: a listening server on the test's transport,
    shut down (open connections cut) after the test."""
    start = _server_starter(endpoint)
    yield start
    for server in start.servers:
        server.shutdown(0)


@pytest.fixture
def start_tcp_server(tcp: Endpoint) -> Any:
    """``start_server`` on TCP only, for TCP-specific behaviour."""
    start = _server_starter(tcp)
    yield start
    for server in start.servers:
        server.shutdown(0)


def _connector(endpoint: Endpoint) -> Any:
    """``connect(server, listener=None, **options)`` on ``endpoint``; every socket it
    made is destroyed when the fixture ends."""
    sockets: List[Any] = []

    def connect_to(server: Any, listener: Any = None, **options: Any) -> Any:
        sock = net.connect({**endpoint.target(server), **options}, listener)
        sockets.append(sock)
        return sock

    yield connect_to
    for sock in sockets:
        sock.destroy()


@pytest.fixture
def connect(endpoint: Endpoint) -> Any:
    """``connect(server, **options)``: a client socket to ``server`` on the transport."""
    yield from _connector(endpoint)


@pytest.fixture
def connect_tcp(tcp: Endpoint) -> Any:
    """``connect`` over TCP only, for TCP-specific behaviour."""
    yield from _connector(tcp)


@pytest.fixture
def published() -> Any:
    """Events the zope.event tap publishes while the test runs; subscribers restored after."""
    seen: List[Any] = []
    saved = list(zope.event.subscribers)
    zope.event.subscribers.append(seen.append)
    try:
        yield seen
    finally:
        zope.event.subscribers[:] = saved


@pytest.fixture(autouse=True)
def _no_greenlet_left_running() -> Any:
    """Give sockets a moment to finish closing after each test."""
    yield
    gevent.sleep(0)


def wait_exit(popen: subprocess.Popen, timeout: float = DEADLINE) -> int:
    """``popen.wait(timeout)`` that lets the other greenlets of this process run
    (servers the child talks to): the stdlib's wait() would block the hub.

    Children are started with the stdlib's ``subprocess``, never ``gevent.subprocess``:
    gevent's calls ``fork()``, and the test process has threads (gevent's resolver
    pool), so the child could deadlock (3.12 warns: "multi-threaded, use of fork()");
    the stdlib's spawns with ``vfork``/``posix_spawn`` and ``exec``s at once."""
    deadline = time.monotonic() + timeout
    while popen.poll() is None:
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(popen.args, timeout)
        gevent.sleep(0.01)
    return popen.returncode


class Command:
    """A command running in the background, its output lines collected as they come."""

    def __init__(self, argv: List[str], env: Optional[dict] = None,
                 stdin: Any = subprocess.DEVNULL, **kwargs: Any) -> None:
        self.argv = argv
        self.popen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      stdin=stdin, env=env, **kwargs)
        self.lines: Dict[str, Any] = {'stdout': queue.Queue(), 'stderr': queue.Queue()}
        self.seen: Dict[str, List[str]] = {'stdout': [], 'stderr': []}   # what expect() read
        self.every: Dict[str, List[str]] = {'stdout': [], 'stderr': []}  # every line so far
        self._pumps = [threading.Thread(target=self._pump, args=(name,), daemon=True)
                       for name in self.lines]
        for pump in self._pumps:
            pump.start()

    def _pump(self, name: str) -> None:
        # The pump closes the pipe it drained: it alone reads it, and may still be
        # reading after stop() (a grandchild, such as a prefork worker, can hold it open).
        with getattr(self.popen, name) as stream:
            for raw in stream:
                line = raw.decode('utf-8', 'replace').rstrip('\n')
                self.every[name].append(line)
                self.lines[name].put(line)
        self.lines[name].put(None)

    def expect(self, pattern: str, stream: str = 'stdout', timeout: float = DEADLINE) -> Any:
        """Wait for a line matching ``pattern``; returns the match."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.lines[stream].get(timeout=max(0.0, remaining))
            except queue.Empty:
                line = None
                remaining = 0
            if line is None:
                if remaining > 0:   # the stream ended
                    self.lines[stream].put(None)
                raise AssertionError(f'{self.argv[:4]}: no line matching {pattern!r} on '
                                     f'{stream} within {timeout}s; stdout: '
                                     f'{self.every["stdout"][-20:]!r}; stderr: '
                                     f'{self.every["stderr"][-20:]!r}')
            self.seen[stream].append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def wait(self, timeout: float = DEADLINE) -> int:
        return self.popen.wait(timeout)

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit within the deadline; then wait
        (bounded) for its output to be drained and the pipes closed."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(DEADLINE)
        for pump in self._pumps:
            pump.join(DEADLINE)
