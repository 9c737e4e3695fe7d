"""The writable side: corking, Node's order of callbacks at connect and at the end,
'prefinish', the default encoding, and ``destroySoon()`` with writes still queued."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from gevent.event import Event

import greennet as net
from conftest import DEADLINE, Recorder, wait_for


def collect(store, done):
    """A server handler that keeps every byte and signals at the peer's end."""
    def handler(sock):
        sock.on('data', store.append)
        sock.on('end', lambda: (done.set(), sock.end()))
    return handler


def test_cork_holds_writes_until_uncork(start_server, connect):
    got, done = [], Event()
    server = start_server(collect(got, done))
    client = connect(server)
    client.wait_connected(DEADLINE)
    client.cork()
    client.cork()
    for i in range(10):
        client.write(b'%d,' % i)
    assert client.writableCorked == 2
    assert client.writableLength == 20          # held in memory, not sent
    client.uncork()
    assert client.writableLength == 20
    client.uncork()
    assert client.writableCorked == 0
    client.end()
    wait_for(done)
    assert b''.join(got) == b''.join(b'%d,' % i for i in range(10))


def test_end_uncorks_and_sends_everything(start_server, connect):
    got, done = [], Event()
    server = start_server(collect(got, done))
    client = connect(server)
    client.wait_connected(DEADLINE)
    client.cork()
    client.write(b'held')
    client.end(b'-and-last')
    wait_for(done)
    assert b''.join(got) == b'held-and-last'


CORKED_WRITES = textwrap.dedent('''
    import greennet as net
    def handler(sock):
        sock.resume()
        sock.on('end', sock.end)
    server = net.createServer(handler)
    def go():
        client = net.connect(server.address()['port'], '127.0.0.1')
        def on_connect():
            print('MARK', flush=True)
            client.cork()
            for i in range(100):
                client.write(b'x' * 10)
            client.uncork()
            client.end()
        client.on('connect', on_connect)
        client.on('close', lambda: server.close())
        client.resume()
    server.listen(0, '127.0.0.1', go)
    net.run()
''')


@pytest.mark.skipif(shutil.which('strace') is None, reason='strace is not installed')
def test_writes_held_by_cork_leave_in_one_sendmsg(tmp_path):
    script = tmp_path / 'corked.py'
    script.write_text(CORKED_WRITES)
    trace = tmp_path / 'trace'
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(net.__file__))))
    subprocess.run(['strace', '-f', '-o', str(trace), '-e', 'trace=sendto,sendmsg,write',
                    sys.executable, str(script)], check=True, timeout=60, env=env,
                   capture_output=True)
    lines = trace.read_text().splitlines()
    after = lines[next(i for i, line in enumerate(lines) if 'MARK' in line) + 1:]
    sends = [line for line in after if 'sendmsg(' in line or 'sendto(' in line]
    # the client's 100 writes in one sendmsg of 1000 bytes; then nothing but the server
    client_sends = [line for line in sends if '= 1000' in line]
    assert len(client_sends) == 1 and 'sendmsg(' in client_sends[0]
    assert not any(line.endswith('= 10') for line in sends)


def test_writable_need_drain_is_true_from_a_false_write_until_drain(start_server, connect):
    server = start_server(lambda s: None)            # never reads: the kernel buffers fill
    client = connect(server, writableHighWaterMark=1024)
    client.wait_connected(DEADLINE)
    assert client.writableNeedDrain is False
    while client.write(b'y' * 65536):
        pass
    assert client.writableNeedDrain is True


def test_end_runs_prefinish_then_its_callback_then_finish(start_server, connect):
    order = []
    server = start_server(lambda s: (s.resume(), s.on('end', s.end)))
    client = connect(server)
    client.wait_connected(DEADLINE)
    client.resume()
    client.on('prefinish', lambda: order.append('prefinish'))
    client.on('finish', lambda: order.append('finish'))
    client.write(b'a', lambda: order.append('write-cb'))
    client.end(lambda: order.append('end-cb'))
    Recorder(client, 'close').wait('close')
    assert order == ['write-cb', 'prefinish', 'end-cb', 'finish']


def test_a_write_made_while_connecting_calls_back_between_connect_and_ready(start_tcp_server):
    order = []
    server = start_tcp_server(lambda s: (s.resume(), s.on('end', s.end)))
    client = net.connect(server.address()['port'], '127.0.0.1')
    client.on('connect', lambda: order.append('connect'))
    client.on('ready', lambda: order.append('ready'))
    client.write(b'early', lambda: order.append('write-cb'))
    client.resume()
    Recorder(client, 'ready').wait('ready')
    client.destroy()
    assert order == ['connect', 'write-cb', 'ready']


def test_set_default_encoding_is_used_by_write_of_a_str(start_server, connect):
    got, done = [], Event()
    server = start_server(collect(got, done))
    client = connect(server)
    assert client.setDefaultEncoding('hex') is client
    client.end('cafe')
    wait_for(done)
    assert b''.join(got) == b'\xca\xfe'


def test_set_default_encoding_rejects_an_unknown_encoding():
    with pytest.raises(TypeError) as info:
        net.Socket().setDefaultEncoding('klingon')
    assert info.value.code == 'ERR_UNKNOWN_ENCODING'


def test_destroy_soon_with_queued_writes_ends_then_destroys_after_finish(start_server, connect):
    got, done = [], Event()
    server = start_server(collect(got, done))
    client = connect(server)
    client.cork()                              # keep the writes queued
    payload = [b'%05d' % i for i in range(2000)]
    for chunk in payload:
        client.write(chunk)
    client.destroySoon()
    assert client.destroyed is False and client.readyState in ('readOnly', 'opening')
    rec = Recorder(client, 'finish', 'close')
    rec.wait('close')
    wait_for(done)
    assert b''.join(got) == b''.join(payload)
    assert rec.names[0] == 'finish'


def test_end_on_a_corked_socket_finishes_once(start_server, connect):
    order = []
    server = start_server(lambda s: (s.resume(), s.on('end', s.end)))
    client = connect(server, allowHalfOpen=True)
    client.wait_connected(DEADLINE)
    client.resume()
    client.on('prefinish', lambda: order.append('prefinish'))
    client.on('finish', lambda: order.append('finish'))
    client.cork()
    client.write(b'held')
    client.end(lambda: order.append('end-cb'))
    rec = Recorder(client, 'end')
    rec.wait('end')
    client.destroy()
    Recorder(client, 'close').wait('close') if not client.closed else None
    assert order == ['prefinish', 'end-cb', 'finish']


def test_end_callback_after_finish_gets_err_stream_already_finished(start_server, connect):
    server = start_server(lambda s: s.resume())
    client = connect(server, allowHalfOpen=True)
    client.wait_connected(DEADLINE)
    client.end()
    Recorder(client, 'finish').wait('finish')
    got = []
    done = Event()
    client.end(lambda err: (got.append(err), done.set()))
    wait_for(done)
    assert got[0].code == 'ERR_STREAM_ALREADY_FINISHED'
