"""Every Python snippet of the README runs as pasted, and does what the README says.

Each ```python block of README.md is marked ``<!-- snippet: NAME -->`` and has a check
here, named alike (a block without a mark, a mark without a check, or a check without a
block fails).  A snippet runs in its own process, as a user runs it, with its ports
(8124, 9000) and paths (/tmp/echo.sock) swapped for free ones; a snippet that serves
for ever is talked to as a client, then stopped.  Every wait has a deadline.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

from conftest import DEADLINE, Command

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / 'README.md').read_text()
MARKED = re.compile(r'<!-- snippet: ([\w-]+) -->\n```python\n(.*?)^```', re.S | re.M)
SNIPPETS: Dict[str, str] = dict(MARKED.findall(README))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class Snippet:
    """One README snippet, written to a file with its port and paths made private."""

    def __init__(self, name: str, tmp_path: Path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.unix_path = str(tmp_path / 'echo.sock')
        code = SNIPPETS[name].replace('8124', str(self.port)).replace('9000', str(self.port))
        # not socketserver.py: a script's own directory comes first on sys.path
        self.path = tmp_path / f'readme_{name.replace("-", "_")}.py'
        self.path.write_text(code.replace('/tmp/echo.sock', self.unix_path))
        self.env = dict(os.environ, PYTHONUNBUFFERED='1')
        self.procs: List[Command] = []

    def start(self, argv: Optional[List[str]] = None, **kwargs) -> Command:
        """The snippet, serving in the background (stopped after the test)."""
        proc = Command(argv or [sys.executable, str(self.path)], env=self.env,
                       cwd=str(self.dir), **kwargs)
        self.procs.append(proc)
        return proc

    def run(self) -> subprocess.CompletedProcess:
        """The snippet, run to its end."""
        return subprocess.run([sys.executable, str(self.path)], capture_output=True, text=True,
                              timeout=DEADLINE, env=self.env, cwd=str(self.dir))

    def connect(self) -> socket.socket:
        """A client connection, once the snippet listens (it says so in no common way)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                return socket.create_connection(('127.0.0.1', self.port), timeout=DEADLINE)
            except ConnectionRefusedError:
                if time.monotonic() > deadline or any(p.popen.poll() is not None
                                                      for p in self.procs):
                    raise AssertionError(f'the snippet does not listen: {self.output()}') from None
                time.sleep(0.02)

    def output(self) -> str:
        """Exit statuses and stderr lines so far of the snippet's processes."""
        return repr([(p.popen.poll(), p.seen['stderr'] + [line for line in list(p.lines['stderr'].queue)
                                                         if line is not None])
                     for p in self.procs])

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()


@pytest.fixture
def snippet(tmp_path):
    made: List[Snippet] = []

    def make(name: str) -> Snippet:
        made.append(Snippet(name, tmp_path))
        return made[-1]

    yield make
    for s in made:
        s.stop()


def recv_until(conn: socket.socket, end: bytes) -> bytes:
    data = b''
    while not data.endswith(end):
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def recv_all(conn: socket.socket) -> bytes:
    data = b''
    while chunk := conn.recv(4096):
        data += chunk
    return data


# ==================================================================== the checks

def check_echo_server(snippet) -> None:
    s = snippet('echo-server')
    proc = s.start()
    proc.expect('^server bound$')
    with s.connect() as conn:
        assert recv_until(conn, b'\r\n') == b'hello\r\n'
        conn.sendall(b'echo me\n')
        assert recv_until(conn, b'\n') == b'echo me\n'
        proc.expect('^client connected$')
        conn.shutdown(socket.SHUT_WR)
        assert recv_all(conn) == b''
    proc.expect('^client disconnected$')


def check_echo_client(snippet) -> None:
    server = snippet('echo-server')
    server.start().expect('^server bound$')
    client = snippet('echo-client')
    client.path.write_text(client.path.read_text().replace(str(client.port), str(server.port)))
    result = client.run()
    assert result.returncode == 0, result.stderr
    out = result.stdout                              # text mode: '\r\n' reads as '\n'
    assert out.startswith('hello\n') and 'world!\n' in out, out
    assert out.endswith('disconnected from server\n'), out


def check_ipc(snippet) -> None:
    s = snippet('ipc')
    result = s.run()
    assert (result.returncode, result.stdout) == (0, 'over a Unix socket\n'), result.stderr
    assert not os.path.exists(s.unix_path)          # close() unlinked it


def check_limits(snippet) -> None:
    s = snippet('limits')
    proc = s.start()
    with s.connect() as conn:
        assert recv_all(conn) == b'hello\r\n'
    proc.expect('^0$')                              # getConnections' callback


def check_sequential(snippet) -> None:
    s = snippet('sequential')
    s.start()
    with s.connect() as conn:
        conn.sendall(b'ada\n')
        assert recv_until(conn, b'\n') == b'hello ada\n'
        conn.sendall(b'one\ntwo\n')
        assert recv_until(conn, b'> two\n') == b'> one\n> two\n'
        conn.shutdown(socket.SHUT_WR)
        assert recv_all(conn) == b''


def check_streamserver(name: str) -> Callable[..., None]:
    def check(snippet) -> None:
        s = snippet(name)
        s.start()
        with s.connect() as conn:
            conn.sendall(b'line one\nline two\n')
            assert recv_until(conn, b'two\n') == b'line one\nline two\n'
            conn.shutdown(socket.SHUT_WR)
            assert recv_all(conn) == b''
    return check


def check_graceful(snippet) -> None:
    s = snippet('graceful')
    proc = s.start()
    with s.connect() as conn:
        conn.sendall(b'first\n')
        assert recv_until(conn, b'\n') == b'FIRST\n'     # the connection is being served
        conn.sendall(b'second\n')
        proc.signal(signal.SIGINT)                      # while the handler works on it
        proc.expect('^greennet: SIGINT: stopping 1 server$', 'stderr')
        proc.expect('^greennet: stopping: waiting up to 5 s for 1 open connection$', 'stderr')
        assert recv_until(conn, b'\n') == b'SECOND\n'   # it was let finish
        conn.shutdown(socket.SHUT_WR)
        assert recv_all(conn) == b''
    proc.expect('^stopped$')
    assert proc.wait() == 0
    assert 'Traceback' not in '\n'.join(proc.seen['stderr'])


def check_socketserver(snippet) -> None:
    s = snippet('socketserver')
    (s.dir / 'hello.txt').write_bytes(b'served by http.server on greennet\n')
    proc = s.start()
    s.connect().close()                                 # listening
    conn = http.client.HTTPConnection('127.0.0.1', s.port, timeout=DEADLINE)
    conn.request('GET', '/hello.txt')
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b'served by http.server on greennet\n')
    conn.close()
    proc.signal(signal.SIGTERM)
    assert proc.wait() == 0


def check_proxy_protocol(snippet) -> None:
    s = snippet('proxy-protocol')
    proc = s.start()
    with s.connect() as conn:
        conn.sendall(b'PROXY TCP4 203.0.113.7 127.0.0.1 5000 %d\r\n' % s.port)
        assert recv_all(conn) == b'hello 203.0.113.7\n'
    with s.connect() as blocked:
        blocked.sendall(b'PROXY TCP4 192.0.2.99 127.0.0.1 5000 %d\r\n' % s.port)
        assert recv_all(blocked) == b''                 # the blockList saw the real client
    proc.signal(signal.SIGTERM)
    assert proc.wait() == 0


def check_systemd(snippet) -> None:
    s = snippet('systemd')
    listener = socket.create_server(('127.0.0.1', s.port))
    with listener:
        # what systemd does: the listening socket is descriptor 3 of the service
        handover = (f'import os, sys; os.dup2({listener.fileno()}, 3); '
                    f'os.execv(sys.executable, [sys.executable, {str(s.path)!r}])')
        proc = s.start([sys.executable, '-c', handover], pass_fds=(listener.fileno(),))
    with s.connect() as conn:
        assert recv_all(conn) == b'hello from a socket systemd opened\n'
    proc.signal(signal.SIGTERM)
    assert proc.wait() == 0


CHECKS: Dict[str, Callable[..., None]] = {
    'echo-server': check_echo_server,
    'echo-client': check_echo_client,
    'ipc': check_ipc,
    'limits': check_limits,
    'sequential': check_sequential,
    'gevent-streamserver': check_streamserver('gevent-streamserver'),
    'greennet-streamserver': check_streamserver('greennet-streamserver'),
    'graceful': check_graceful,
    'socketserver': check_socketserver,
    'proxy-protocol': check_proxy_protocol,
    'systemd': check_systemd,
}


# ==================================================================== the tests

def test_every_python_snippet_is_marked_and_checked():
    blocks = re.findall(r'^```python$', README, re.M)
    assert len(blocks) == len(MARKED.findall(README)), 'a ```python block has no snippet mark'
    assert sorted(SNIPPETS) == sorted(CHECKS)


@pytest.mark.parametrize('name', sorted(CHECKS))
def test_the_readme_snippet_runs_as_pasted(name, snippet):
    CHECKS[name](snippet)
