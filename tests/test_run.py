"""net.run(): a script ends as a Node process ends.

An unhandled error of a server or of a script's own socket makes ``run()`` raise (a
script exits 1, as Node does), a server's connections' errors do not; with ``grace``,
SIGINT and SIGTERM stop the servers gracefully, as the command line does.  Each script
runs in its own process (``run()`` waits for the whole loop of the main greenlet).
"""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
import time

import gevent
import pytest

import greennet as net
from conftest import DEADLINE, Command


def script(tmp_path, body: str) -> list:
    path = tmp_path / 'script.py'
    path.write_text('import greennet as net\n' + textwrap.dedent(body))
    return [sys.executable, str(path)]


def run_script(tmp_path, body: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(script(tmp_path, body) + list(args), capture_output=True, text=True,
                          timeout=DEADLINE)


@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.fixture
def start_script(tmp_path):
    """``start_script(body)``: the script running in the background (a Command)."""
    procs = []

    def start(body: str) -> Command:
        proc = Command(script(tmp_path, body))
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.stop()


# ==================================================================== unhandled errors

def test_run_raises_when_listen_fails_and_nobody_listens_for_error(tmp_path, busy_port):
    result = run_script(tmp_path, '''
        import sys
        net.createServer().listen(int(sys.argv[1]), '127.0.0.1')
        net.run()
        print('not reached')
    ''', str(busy_port))
    assert result.returncode == 1
    assert result.stdout == ''
    assert result.stderr.rstrip().splitlines()[-1].endswith(
        f'EADDRINUSE: address already in use 127.0.0.1:{busy_port}')


def test_an_error_listener_takes_the_listen_failure(tmp_path, busy_port):
    result = run_script(tmp_path, '''
        import sys
        server = net.createServer()
        server.on('error', lambda err: print('handled', err.code))
        server.listen(int(sys.argv[1]), '127.0.0.1')
        net.run()
        print('run returned')
    ''', str(busy_port))
    assert (result.returncode, result.stdout) == (0, 'handled EADDRINUSE\nrun returned\n')


def test_run_raises_a_refused_connection_nobody_listens_for(tmp_path, busy_port):
    with socket.socket() as closed:            # bound, not listening: refused
        closed.bind(('127.0.0.1', 0))
        port = closed.getsockname()[1]
        result = run_script(tmp_path, '''
            import sys
            client = net.createConnection({'port': int(sys.argv[1]), 'host': '127.0.0.1'})
            client.on('data', print)
            net.run()
        ''', str(port))
    assert result.returncode == 1
    assert 'ConnectionRefusedError' in result.stderr and 'ECONNREFUSED' in result.stderr


def test_run_raises_at_once_while_another_server_goes_on(tmp_path, busy_port):
    started = time.monotonic()
    result = run_script(tmp_path, '''
        import sys
        net.createServer().listen(0, '127.0.0.1')          # would serve for ever
        net.createServer().listen(int(sys.argv[1]), '127.0.0.1')
        net.run()
    ''', str(busy_port))
    assert result.returncode == 1 and 'EADDRINUSE' in result.stderr
    assert time.monotonic() - started < DEADLINE


def test_a_failing_connection_is_logged_and_run_goes_on(tmp_path):
    result = run_script(tmp_path, '''
        def handler(sock):
            raise RuntimeError('this connection only')

        server = net.createServer(handler)

        def connect():
            client = net.connect(server.address()['port'], '127.0.0.1')
            client.on('error', lambda err: None)
            client.on('close', lambda had_error: server.close())

        server.listen(0, '127.0.0.1', connect)
        net.run()
        print('run returned')
    ''')
    assert (result.returncode, result.stdout) == (0, 'run returned\n'), result.stderr
    assert 'unhandled error on' in result.stderr and 'this connection only' in result.stderr


# ==================================================================== grace

SLOW_SERVER = '''
    import signal
    import gevent

    def slow(sock):
        line = sock.readline()
        print('handling', line.strip().decode(), flush=True)
        gevent.sleep(SLEEP)
        sock.end(b'done ' + line)

    before = signal.getsignal(signal.SIGINT)
    server = net.createServer(slow)
    server.listen(0, '127.0.0.1', lambda: print('port', server.address()['port'], flush=True))
    net.run(grace=GRACE)
    print('run returned; SIGINT handler restored:', signal.getsignal(signal.SIGINT) == before,
          flush=True)
'''


def slow_server(start_script, grace: float, sleep: float) -> Command:
    """A server whose handler reads a line, says so, sleeps ``sleep`` s, then answers;
    the script runs ``net.run(grace=grace)``."""
    return start_script(SLOW_SERVER.replace('GRACE', repr(grace)).replace('SLEEP', repr(sleep)))


def connect_and_send(proc: Command, line: bytes) -> socket.socket:
    port = int(proc.expect(r'^port (\d+)$').group(1))
    client = socket.create_connection(('127.0.0.1', port), timeout=DEADLINE)
    client.sendall(line)
    proc.expect(rf'^handling {line.strip().decode()}$')
    return client


def read_all(client: socket.socket) -> bytes:
    data = b''
    while True:
        try:
            chunk = client.recv(100)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT], ids=['SIGTERM', 'SIGINT'])
def test_a_signal_lets_an_exchange_in_progress_finish(start_script, signum):
    proc = slow_server(start_script, grace=5, sleep=1)
    with connect_and_send(proc, b'ping\n') as client:
        proc.signal(signum)
        proc.expect(f'{signal.Signals(signum).name}: stopping 1 server', 'stderr')
        proc.expect('stopping: waiting up to 5 s for 1 open connection', 'stderr')
        assert read_all(client) == b'done ping\n'
    proc.expect('^run returned; SIGINT handler restored: True$')
    assert proc.wait() == 0
    stderr = ' '.join(proc.seen['stderr'])
    assert 'cut' not in stderr and 'Traceback' not in stderr


def test_connections_still_open_after_the_grace_are_cut(start_script):
    proc = slow_server(start_script, grace=0.2, sleep=60)
    with connect_and_send(proc, b'stuck\n') as client:
        proc.signal(signal.SIGINT)
        proc.expect('cut 1 connection still open', 'stderr')
        assert read_all(client) == b''
    assert proc.wait() == 0
    assert 'Traceback' not in ' '.join(proc.seen['stderr'])


def test_a_second_signal_cuts_at_once(start_script):
    proc = slow_server(start_script, grace=60, sleep=60)
    with connect_and_send(proc, b'stuck\n') as client:
        proc.signal(signal.SIGTERM)
        proc.expect('stopping: waiting up to 60 s for 1 open connection', 'stderr')
        started = time.monotonic()
        proc.signal(signal.SIGINT)
        proc.expect('second signal: cutting the open connections', 'stderr')
        assert proc.wait() == 0
        assert time.monotonic() - started < DEADLINE / 2
        assert read_all(client) == b''
    proc.expect('cut 1 connection still open', 'stderr')


def test_the_stop_goes_through_logging_where_the_script_set_it_up(start_script):
    proc = start_script('''
        import logging
        logging.basicConfig(level=logging.INFO, format='LOG %(name)s %(message)s')
        server = net.createServer()
        server.listen(0, '127.0.0.1', lambda: print('listening', flush=True))
        net.run(grace=1)
    ''')
    proc.expect('^listening$')
    proc.signal(signal.SIGTERM)
    proc.expect('^LOG greennet SIGTERM: stopping 1 server$', 'stderr')
    assert proc.wait() == 0


@pytest.mark.parametrize('bad', [-1, 'soon', True, float('nan')])
def test_grace_must_be_seconds(bad):
    with pytest.raises(ValueError):
        net.run(grace=bad)


def test_run_must_be_called_from_the_main_greenlet():
    with pytest.raises(RuntimeError):
        gevent.spawn(net.run).get(timeout=DEADLINE)
