"""Sequential reads are bounded, as asyncio's are: ``limit``, ``LimitOverrunError``,
bytes left buffered, and a server's memory bounded whatever its peers send."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import gevent
import gevent.socket
import psutil
import pytest
from gevent.event import Event

import greennet as net
from conftest import DEADLINE, wait_for


def test_readline_past_the_limit_raises_limit_overrun_and_keeps_the_bytes(start_server, connect):
    payload = b'x' * 100 + b'\nrest\n'
    server = start_server(lambda s: s.end(payload))
    client = connect(server, limit=64)
    with pytest.raises(net.LimitOverrunError) as info:
        client.readline()
    assert isinstance(info.value, ValueError)
    assert info.value.consumed == 100
    assert client.readexactly(101) == b'x' * 100 + b'\n'   # nothing was lost
    assert client.readline() == b'rest\n'


def test_readuntil_without_a_separator_past_the_limit_raises(start_server, connect):
    server = start_server(lambda s: s.write(b'y' * 5000))
    client = connect(server, limit=1000)
    with pytest.raises(net.LimitOverrunError) as info:
        client.readuntil(b'\r\n')
    assert info.value.consumed > 1000
    assert client.read(5000)[:1] == b'y'


def test_a_line_within_the_limit_is_read_whole(start_server, connect):
    line = b'z' * 999 + b'\n'
    server = start_server(lambda s: s.end(line))
    client = connect(server, limit=1000)
    assert client.readline() == line


def test_the_limit_is_64_kib_by_default_and_settable_on_servers(start_server, connect):
    limits = []
    server = start_server(lambda s: (limits.append(s.limit), s.end()), limit=4096)
    client = connect(server)
    client.wait_closed(DEADLINE)
    assert client.limit == 64 * 1024
    assert limits == [4096]


def test_a_bad_limit_raises_err_out_of_range():
    with pytest.raises(ValueError) as info:
        net.Socket(limit=0)
    assert info.value.code == 'ERR_OUT_OF_RANGE'
    with pytest.raises(TypeError):
        net.createServer(limit='big')


def test_a_reader_buffers_no_more_than_the_limit_and_the_high_water_mark(start_server, connect):
    buffered = []
    done = Event()

    def handle(sock):
        try:
            sock.readline()
        except net.LimitOverrunError:
            buffered.append(sock.readableLength)
        done.set()

    server = start_server(handle, limit=10_000, highWaterMark=16_384)
    client = connect(server)
    client.write(b'q' * 1_000_000)
    wait_for(done)
    assert buffered and 10_000 < buffered[0] <= 10_000 + 1 + 16_384


SLOW_SERVER = textwrap.dedent('''
    import sys
    import greennet as net

    def handle(sock):
        try:
            sock.readline()
            sock.end(b'line\\n')
        except net.LimitOverrunError:
            sock.end(b'too long\\n')

    server = net.createServer(handle)
    server.listen(0, '127.0.0.1', lambda: print(server.address()['port'], flush=True))
    net.run()
''')


def test_server_memory_stays_bounded_with_100_peers_that_never_send_a_newline(tmp_path):
    script = tmp_path / 'server.py'
    script.write_text(SLOW_SERVER)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(net.__file__))))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        port = int(proc.stdout.readline())
        rss_before = psutil.Process(proc.pid).memory_info().rss
        answers = []
        peers = [gevent.spawn(_peer, port, answers) for _ in range(100)]
        gevent.joinall(peers, timeout=60, raise_error=True)
        rss_after = psutil.Process(proc.pid).memory_info().rss
        assert answers.count(b'too long\n') == 100
        # 100 peers sending 1 MiB each: a bounded reader holds < 128 KiB + a read each
        assert rss_after - rss_before < 40 * 1024 * 1024
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def _peer(port, answers):
    """A peer that sends 1 MiB without a newline, then reads the server's answer."""
    conn = gevent.socket.create_connection(('127.0.0.1', port), timeout=DEADLINE)
    try:
        try:
            conn.sendall(b'n' * (1024 * 1024))
        except OSError:
            pass
        answers.append(conn.makefile('rb').readline())
    finally:
        conn.close()
