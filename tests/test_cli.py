"""The command line (``python -m greennet``): echo, connect, serve, errors, signals.

Every test runs the real command in a subprocess against 127.0.0.1; every wait has a
deadline and waits for something observable (a line of output, an exit), never a sleep.
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, List, Optional

import pytest

from conftest import DEADLINE
from conftest import Command as Proc

COMMAND = [sys.executable, '-m', 'greennet']

HANDLERS = '''
import os
import socketserver
import gevent

def pid(sock):
    sock.end(b"%d\\n" % os.getpid())

def upper(sock):
    for line in sock:
        sock.write(line.upper())
    sock.end()

def slow(sock):
    line = sock.readline()
    print("handling", line.strip().decode(), flush=True)
    gevent.sleep(1)
    sock.end(b"done " + line)

class Upper(socketserver.StreamRequestHandler):      # written for socketserver
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())

def legacy(sock, address):                           # written for gevent's StreamServer
    for line in sock.makefile("rb"):
        sock.sendall(address[0].encode() + b" " + line)

def whoami(sock):
    sock.end(("%s %s\\n" % (sock.remoteAddress, sock.remotePort)).encode())

not_callable = 42
'''


@pytest.fixture
def run_bg():
    """``run_bg(*args, env=None)``: start ``greennet ARGS`` in the background; stopped
    (SIGTERM, then SIGKILL) after the test."""
    procs: List[Proc] = []

    def start(*args: str, env: Optional[dict] = None) -> Proc:
        proc = Proc(COMMAND + list(args), env=env)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.stop()


@pytest.fixture
def handlers(tmp_path: Path) -> dict:
    """An environment where ``gn_handlers`` (see HANDLERS) can be imported."""
    (tmp_path / 'gn_handlers.py').write_text(HANDLERS)
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(tmp_path), env.get('PYTHONPATH')]))
    return env


def run(*args: str, input: bytes = b'', env: Optional[dict] = None) -> subprocess.CompletedProcess:
    return subprocess.run(COMMAND + list(args), input=input, capture_output=True,
                          timeout=DEADLINE, env=env)


def listening_port(proc: Proc) -> int:
    return int(proc.expect(r'listening on 127\.0\.0\.1:(\d+)').group(1))


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data``, half-close, return everything the server sends until it closes."""
    with socket.create_connection(('127.0.0.1', port), timeout=DEADLINE) as c:
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = c.recv(65536)
            if not chunk:
                return b''.join(chunks)
            chunks.append(chunk)


def assert_one_line_error(result: Any, *words: str) -> str:
    stderr = result.stderr.decode() if isinstance(result.stderr, bytes) else result.stderr
    assert 'Traceback' not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# ==================================================================== --help

@pytest.mark.parametrize('args', [[], ['echo'], ['connect'], ['serve']],
                         ids=['main', 'echo', 'connect', 'serve'])
def test_help(args: List[str]) -> None:
    result = run(*args, '--help')
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert out.startswith('usage: greennet' + (' ' + args[0] if args else ''))
    assert 'examples:' in out
    assert result.stderr == b''


def test_main_help_lists_commands_and_exit_status() -> None:
    out = run('--help').stdout.decode()
    for word in ('echo', 'connect', 'serve', 'exit status', 'SIGTERM'):
        assert word in out


def test_version() -> None:
    import greennet
    result = run('--version')
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f'greennet {greennet.__version__}'


def test_main_function_returns_status(capsys: Any) -> None:
    """The console script's entry point returns the status rather than exiting."""
    from greennet.__main__ import main
    assert main(['--version']) == 0
    assert main(['echo', '--port', 'nope']) == 2
    err = capsys.readouterr().err
    assert err.startswith("greennet echo: error: argument --port/-p: invalid port 'nope'")


# ==================================================================== echo

def test_echo_round_trip(run_bg) -> None:
    proc = run_bg('echo', '--port', '0')
    match = proc.expect(r'^greennet echo server listening on 127\.0\.0\.1:(\d+) '
                        r'\(try: .*python\S* -m greennet connect localhost (\d+)\)$')
    port = int(match.group(1))
    assert match.group(2) == match.group(1)
    payload = b'hello\n' + bytes(range(256)) * 1000
    assert exchange(port, payload) == payload
    assert exchange(port, b'again\n') == b'again\n'


@pytest.mark.parametrize('activated', [False, True], ids=['venv-path', 'activated-venv'])
def test_the_echo_banner_s_command_talks_to_the_server(run_bg, activated: bool) -> None:
    """The command the banner suggests works when pasted, with or without the venv
    activated (and needs no nc)."""
    env = dict(os.environ)
    venv_bin = os.path.dirname(sys.executable)
    path = [p for p in env.get('PATH', '').split(os.pathsep) if p and p != venv_bin]
    if activated:     # as `source .venv/bin/activate` does: its bin first on PATH
        path.insert(0, venv_bin)
    env['PATH'] = os.pathsep.join(path)
    proc = run_bg('echo', '--port', '0', env=env)
    hint = proc.expect(r'\(try: (.*)\)$').group(1)
    python, *rest = shlex.split(hint)
    assert rest[:3] == ['-m', 'greennet', 'connect'], hint
    if activated:
        assert python == 'python', hint
    else:
        assert os.path.samefile(python, sys.executable), hint
    result = subprocess.run(hint, shell=True, input=b'pasted\n', capture_output=True,
                            timeout=DEADLINE, env=env)
    assert (result.returncode, result.stdout) == (0, b'pasted\n'), result.stderr


def test_echo_on_a_unix_socket(run_bg, tmp_path: Path) -> None:
    path = str(tmp_path / 'echo.sock')
    proc = run_bg('echo', '--path', path)
    proc.expect(re.escape(f'listening on {path} (try: ') + r'.*python\S* -m greennet connect '
                + re.escape(f'--path {path})'))
    with socket.socket(socket.AF_UNIX) as c:
        c.settimeout(DEADLINE)
        c.connect(path)
        c.sendall(b'over unix\n')
        c.shutdown(socket.SHUT_WR)
        assert c.recv(100) == b'over unix\n'
    proc.signal(signal.SIGTERM)
    assert proc.wait() == 0
    assert not os.path.exists(path)


def test_echo_stops_on_ctrl_c(run_bg) -> None:
    proc = run_bg('echo', '--port', '0')
    port = listening_port(proc)
    assert exchange(port, b'x') == b'x'
    proc.signal(signal.SIGINT)
    assert proc.wait() == 0
    assert 'Traceback' not in ''.join(proc.seen['stderr'])


# ==================================================================== connect

def test_connect_pipes_stdin_to_socket_and_socket_to_stdout(run_bg) -> None:
    port = listening_port(run_bg('echo', '--port', '0'))
    payload = b'line one\nline two\n' + b'z' * 200_000
    result = run('connect', '127.0.0.1', str(port), input=payload)
    assert result.returncode == 0, result.stderr
    assert result.stdout == payload
    assert result.stderr == b''


def test_connect_to_a_unix_socket(run_bg, tmp_path: Path) -> None:
    path = str(tmp_path / 'c.sock')
    run_bg('echo', '--path', path).expect('listening on')
    result = run('connect', '--path', path, input=b'via path\n')
    assert result.returncode == 0, result.stderr
    assert result.stdout == b'via path\n'


def test_connect_exits_when_the_server_closes(run_bg, handlers: dict) -> None:
    """stdin stays open: the command still ends once the server closed the connection."""
    port = listening_port(run_bg('serve', 'gn_handlers:pid', '--port', '0', env=handlers))
    proc = subprocess.Popen(COMMAND + ['connect', '127.0.0.1', str(port)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.wait(DEADLINE) == 0
        assert re.fullmatch(rb'\d+\n', proc.stdout.read())
    finally:
        proc.stdin.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_connect_with_only_a_port_goes_to_localhost(run_bg) -> None:
    port = listening_port(run_bg('echo', '--port', '0'))
    result = run('connect', str(port), input=b'local\n')
    assert result.returncode == 0, result.stderr
    assert result.stdout == b'local\n'


def test_connect_stops_on_ctrl_c(run_bg) -> None:
    port = listening_port(run_bg('echo', '--port', '0'))
    proc = subprocess.Popen(COMMAND + ['connect', '127.0.0.1', str(port)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        proc.stdin.write(b'first\n')
        proc.stdin.flush()
        assert proc.stdout.readline() == b'first\n'   # connected, and both ways work
        proc.send_signal(signal.SIGINT)
        assert proc.wait(DEADLINE) == 130
        assert b'Traceback' not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for f in (proc.stdin, proc.stdout, proc.stderr):
            f.close()


def test_connect_refused_is_one_line() -> None:
    with socket.socket() as closed:       # bound, not listening: connecting is refused
        closed.bind(('127.0.0.1', 0))
        result = run('connect', '127.0.0.1', str(closed.getsockname()[1]))
    assert result.returncode == 1
    line = assert_one_line_error(result, 'ECONNREFUSED')
    assert line.startswith('greennet connect: error: connect ECONNREFUSED 127.0.0.1:')


# ==================================================================== serve

def test_serve_runs_the_handler(run_bg, handlers: dict) -> None:
    proc = run_bg('serve', 'gn_handlers:upper', '--port', '0', env=handlers)
    port = int(proc.expect(r'^greennet serve listening on 127\.0\.0\.1:(\d+) '
                           r'\(gn_handlers:upper\)$').group(1))
    assert exchange(port, b'abc\ndef\n') == b'ABC\nDEF\n'
    # connections are served concurrently, each in its own greenlet
    clients = [socket.create_connection(('127.0.0.1', port), timeout=DEADLINE)
               for _ in range(20)]
    try:
        for i, c in enumerate(clients):
            c.sendall(b'client %d\n' % i)
        for i, c in enumerate(clients):
            assert c.recv(100) == b'CLIENT %d\n' % i
    finally:
        for c in clients:
            c.close()


def test_serve_from_the_current_directory(run_bg, tmp_path: Path) -> None:
    (tmp_path / 'cwd_handler.py').write_text('def handle(sock):\n    sock.end(b"cwd\\n")\n')
    proc = Proc(COMMAND + ['serve', 'cwd_handler:handle', '--port', '0'], cwd=str(tmp_path))
    try:
        assert exchange(listening_port(proc), b'') == b'cwd\n'
    finally:
        proc.stop()


def test_serve_runs_a_socketserver_handler_class(run_bg, handlers: dict) -> None:
    proc = run_bg('serve', 'gn_handlers:Upper', '--port', '0', env=handlers)
    assert exchange(listening_port(proc), b'abc\ndef\n') == b'ABC\nDEF\n'


def test_serve_runs_a_gevent_style_handle_sock_address(run_bg, handlers: dict) -> None:
    proc = run_bg('serve', 'gn_handlers:legacy', '--port', '0', env=handlers)
    assert exchange(listening_port(proc), b'one\ntwo\n') == b'127.0.0.1 one\n127.0.0.1 two\n'


def test_sigterm_lets_an_exchange_in_progress_finish(run_bg, handlers: dict) -> None:
    proc = run_bg('serve', 'gn_handlers:slow', '--port', '0', '--grace', '5', env=handlers)
    port = listening_port(proc)
    with socket.create_connection(('127.0.0.1', port), timeout=DEADLINE) as c:
        c.sendall(b'ping\n')
        proc.expect(r'^handling ping$')          # the handler has it, and sleeps 1 s
        proc.signal(signal.SIGTERM)
        proc.expect('stopping: waiting up to 5 s for 1 open connection', 'stderr')
        reply = b''
        while not reply.endswith(b'\n'):
            chunk = c.recv(100)
            assert chunk, reply
            reply += chunk
        assert reply == b'done ping\n'
    assert proc.wait() == 0
    assert 'cut' not in ' '.join(proc.seen['stderr'])


def test_a_second_signal_cuts_open_connections(run_bg, handlers: dict) -> None:
    proc = run_bg('serve', 'gn_handlers:slow', '--port', '0', '--grace', '60', env=handlers)
    port = listening_port(proc)
    with socket.create_connection(('127.0.0.1', port), timeout=DEADLINE) as c:
        c.sendall(b'ping\n')
        proc.expect(r'^handling ping$')
        proc.signal(signal.SIGTERM)
        proc.expect('stopping: waiting up to 60 s', 'stderr')
        started = time.monotonic()
        proc.signal(signal.SIGINT)
        assert proc.wait() == 0
        assert time.monotonic() - started < 5
        try:
            assert c.recv(100) == b''
        except ConnectionResetError:
            pass
    proc.expect('cut 1 connection still open', 'stderr')


@pytest.mark.parametrize('workers', [[], ['--workers', '2']], ids=['single', 'prefork'])
def test_serve_reads_the_proxy_header_and_blocks_the_client_it_names(run_bg, handlers: dict,
                                                                     workers: List[str]) -> None:
    proc = run_bg('serve', 'gn_handlers:whoami', '--port', '0', '--proxy-protocol',
                  '--block', '203.0.113.0/29', '--block', '2001:db8::1', *workers, env=handlers)
    port = listening_port(proc)
    assert exchange(port, b'PROXY TCP4 203.0.113.8 127.0.0.1 4000 80\r\n') == b'203.0.113.8 4000\n'
    assert exchange(port, b'PROXY TCP6 2001:db8::2 ::1 4001 80\r\n') == b'2001:db8::2 4001\n'
    for blocked in (b'PROXY TCP4 203.0.113.7 127.0.0.1 4000 80\r\n',
                    b'PROXY TCP6 2001:db8::1 ::1 4001 80\r\n'):
        try:
            assert exchange(port, blocked) == b''        # closed before the handler ran
        except ConnectionResetError:
            pass


# ==================================================================== errors

@pytest.mark.parametrize('args, words', [
    (['echo', '--port', 'abc'], ["invalid port 'abc'"]),
    (['echo', '--port', '70000'], ['out of range']),
    (['echo', '--grace', '-1'], ['--grace']),
    (['echo', '--path', '/tmp/x.sock', '--port', '1'], ['--path']),
    (['nosuchcommand'], ['invalid choice']),
    ([], ['COMMAND']),
    (['connect'], ['HOST PORT']),
    (['connect', 'localhost', 'http'], ["invalid port 'http'"]),
    (['connect', 'a', 'b', 'c'], ['too many arguments']),
    (['connect', '--path', '/tmp/x', 'localhost', '1'], ['not both']),
    (['serve', 'gn_handlers:upper'], ['--port']),
    (['serve', 'nocolon', '--port', '0'], ['MODULE:FUNCTION']),
    (['serve', 'gn_no_such_module:handle', '--port', '0'], ['cannot import', 'gn_no_such_module']),
    (['serve', 'gn_handlers:missing', '--port', '0'], ["no attribute 'missing'"]),
    (['serve', 'gn_handlers:not_callable', '--port', '0'], ['not callable']),
    (['serve', 'gn_handlers:upper', '--port', '0', '--workers', '0'], ['at least 1']),
    (['serve', 'gn_handlers:upper', '--port', '0', '--block', '10.0.0.0/99'],
     ['--block', "'10.0.0.0/99'"]),
])
def test_bad_argument_is_one_line_and_status_2(args: List[str], words: List[str],
                                              handlers: dict) -> None:
    result = run(*args, env=handlers)
    assert result.returncode == 2, (result.stdout, result.stderr)
    line = assert_one_line_error(result, *words)
    assert line.startswith('greennet')
    assert result.stdout == b''


@pytest.mark.parametrize('workers', [[], ['--workers', '2']], ids=['single', 'prefork'])
def test_bad_host_is_one_line(workers: List[str], handlers: dict) -> None:
    """A host that does not resolve is a run-time failure (status 1), as in Node."""
    result = run('serve', 'gn_handlers:upper', '--port', '0', '--host', 'no-such-host.invalid',
                 *workers, env=handlers)
    assert result.returncode == 1
    assert_one_line_error(result, 'ENOTFOUND', 'no-such-host.invalid')


@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        s.listen()
        yield s.getsockname()[1]


def test_port_in_use_is_one_line(busy_port: int) -> None:
    result = run('echo', '--port', str(busy_port))
    assert result.returncode == 1
    line = assert_one_line_error(result, 'EADDRINUSE', f'127.0.0.1:{busy_port}')
    assert line == (f'greennet echo: error: listen EADDRINUSE: address already in use '
                    f'127.0.0.1:{busy_port}')


def test_port_in_use_serve(busy_port: int, handlers: dict) -> None:
    result = run('serve', 'gn_handlers:upper', '--port', str(busy_port), env=handlers)
    assert result.returncode == 1
    assert_one_line_error(result, 'EADDRINUSE')


def test_unix_path_in_use_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / 'taken.sock'
    path.write_text('')
    result = run('echo', '--path', str(path))
    assert result.returncode == 1
    assert_one_line_error(result, 'EADDRINUSE')
