"""greennet among gevent's neighbours: monkey-patched stdlib code, stdlib sockets and
descriptors, pywsgi on the same hub, the zope.event tap and the 'greennet' logger.

Monkey-patching has to happen first thing in a fresh process, so the patched tests run
a script (written to a temporary directory) in a subprocess; it prints its measurements
as one JSON object, which the tests read.  Concurrency is proved by ratio, measured in
one process: N handlers each blocked in stdlib I/O for DELAY take about one DELAY
together, not N of them.  The tests that need no patching run in this (unpatched)
process.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import socket as pysocket
import stat
import subprocess
import sys
import time
from pathlib import Path

import gevent
import gevent.socket
import pytest
import zope.event
from gevent import monkey
from gevent.event import Event
from gevent.queue import Queue
from gevent.server import StreamServer

import greennet as net
from conftest import DEADLINE, Command, Recorder, wait_for
from greennet.events import Emitted

EXAMPLES = Path(__file__).resolve().parent.parent / 'examples'


def echo(sock):
    sock.pipe(sock)


def load_example(name):
    """Import ``examples/<name>.py`` as a module (its ``__main__`` part does not run)."""
    spec = importlib.util.spec_from_file_location(f'example_{name}', EXAMPLES / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recv_exactly(sock, n):
    """Read exactly n bytes from a (gevent or stdlib) socket, less at the end."""
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def run_python(path, *args, timeout=30):
    return subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True,
                          timeout=timeout)




def listening(server, *args):
    ready = Event()
    server.listen(*args, ready.set)
    wait_for(ready, what='listening')
    return server


# ====================================================================== monkey-patched

MONKEY_SCRIPT = r'''
from gevent import monkey
monkey.patch_all()          # first, before anything else is imported

import http.client
import http.server
import json
import os
import socket
import socketserver
import threading
import time
import urllib.request

import gevent
import gevent.socket
from gevent.event import Event

import greennet as net

DELAY = 0.25            # each slow stdlib call takes this long
N = 10                  # handlers blocked at once
HOST = '127.0.0.1'
report = {'patched': monkey.is_module_patched('socket') and monkey.is_module_patched('time')}


# ---- legacy stdlib servers, each in a stdlib thread (a greenlet once patched)
class SlowHTTP(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(DELAY)
        body = b'slow page'
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class SlowLine(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        time.sleep(DELAY)
        self.wfile.write(b'slow ' + line)


def serve_in_a_thread(server_class, handler_class):
    server_class.request_queue_size = 128      # the stdlib's 5 would make clients queue
    server_class.daemon_threads = True
    server = server_class((HOST, 0), handler_class)
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05},
                     daemon=True).start()
    return server.server_address[1]


http_port = serve_in_a_thread(http.server.ThreadingHTTPServer, SlowHTTP)
line_port = serve_in_a_thread(socketserver.ThreadingTCPServer, SlowLine)


# ---- blocking stdlib calls a greennet handler makes
def via_urllib():
    return urllib.request.urlopen(f'http://{HOST}:{http_port}/', timeout=10).read()


def via_http_client():
    conn = http.client.HTTPConnection(HOST, http_port, timeout=10)
    conn.request('GET', '/')
    body = conn.getresponse().read()
    conn.close()
    return body


def via_create_connection():
    with socket.create_connection((HOST, line_port), timeout=10) as s:
        s.sendall(b'line\n')
        return s.makefile('rb').readline().rstrip(b'\n')


def via_time_sleep():
    time.sleep(DELAY)
    return b'slept'


CALLS = {'urllib.request': via_urllib, 'http.client': via_http_client,
         'socket.create_connection': via_create_connection, 'time.sleep': via_time_sleep}

in_flight = [0]
all_blocked = Event()


def handler(sock):
    name = sock.readline().strip().decode()
    if name == 'echo':
        sock.pipe(sock)
        return
    in_flight[0] += 1
    if in_flight[0] == N:
        all_blocked.set()
    try:
        reply = CALLS[name]()           # blocking stdlib code, in a greennet handler
    finally:
        in_flight[0] -= 1
    sock.end(reply)


server = net.createServer(handler)
ready = Event()
server.listen(0, HOST, ready.set)
ready.wait(10)
port = server.address()['port']


def ask(name):
    client = net.connect(port, HOST)
    client.write(name.encode() + b'\n')
    return client.read().decode()


def quick_echo_while_blocked():
    """Wait until N handlers are blocked, then echo on another connection; report how
    many were still blocked when the echo came back."""
    all_blocked.wait(10)
    client = net.connect(port, HOST)
    client.write(b'echo\nping')
    reply = client.readexactly(4)
    still_blocked = in_flight[0]
    client.destroy()
    return reply.decode(), still_blocked


for name in CALLS:
    started = time.monotonic()
    single_reply = ask(name)
    single = time.monotonic() - started
    all_blocked.clear()
    started = time.monotonic()
    jobs = [gevent.spawn(ask, name) for _ in range(N)]
    quick = gevent.spawn(quick_echo_while_blocked)
    gevent.joinall(jobs + [quick], timeout=30, raise_error=True)
    together = time.monotonic() - started
    report[name] = {'single': single, 'together': together, 'n': N,
                    'replies': [single_reply] + [job.value for job in jobs],
                    'quick': quick.value}


# ---- a patched stdlib socket, wrapped by greennet, and a greennet fd used by stdlib
listener = socket.socket()
listener.bind((HOST, 0))
listener.listen(1)
stdlib_client = socket.create_connection(listener.getsockname())
peer, _ = listener.accept()
wrapped = net.Socket({'fd': stdlib_client.fileno(), 'readable': True, 'writable': True})
stdlib_client.close()                   # greennet holds its own duplicate


def recv_exactly(s, n):
    data = b''
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


wrapped.write(b'to the stdlib peer')
got_by_peer = recv_exactly(peer, 18)
peer.sendall(b'to greennet')
got_by_greennet = wrapped.readexactly(11)
dup = socket.socket(fileno=os.dup(wrapped.fileno()))
dup.sendall(b'through the dup')
got_through_dup = recv_exactly(peer, 15)
dup.close()
wrapped.end()
report['wrapped'] = {'patched_class': isinstance(peer, gevent.socket.socket),
                     'to_peer': got_by_peer.decode(), 'to_greennet': got_by_greennet.decode(),
                     'through_dup': got_through_dup.decode(),
                     'remotePort': wrapped.remotePort, 'listener_port': listener.getsockname()[1]}
peer.close()
listener.close()
server.close()
print(json.dumps(report), flush=True)
'''

STDLIB_CALLS = ['urllib.request', 'http.client', 'socket.create_connection', 'time.sleep']


@pytest.fixture(scope='module')
def patched_report(tmp_path_factory):
    """Run MONKEY_SCRIPT once in a fresh process; its JSON report."""
    script = tmp_path_factory.mktemp('monkey') / 'patched.py'
    script.write_text(MONKEY_SCRIPT)
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith('{')]
    assert lines, f'no report; stdout={result.stdout!r} stderr={result.stderr!r}'
    return json.loads(lines[-1])


def test_the_patched_script_really_runs_monkey_patched(patched_report):
    assert patched_report['patched'] is True


@pytest.mark.parametrize('call', STDLIB_CALLS)
def test_a_handler_blocked_in_patched_stdlib_code_answers(patched_report, call):
    measured = patched_report[call]
    expected = {'urllib.request': 'slow page', 'http.client': 'slow page',
                'socket.create_connection': 'slow line', 'time.sleep': 'slept'}[call]
    assert measured['replies'] == [expected] * (measured['n'] + 1)


@pytest.mark.parametrize('call', STDLIB_CALLS)
def test_n_handlers_blocked_in_patched_stdlib_code_finish_in_about_the_time_of_one(
        patched_report, call):
    measured = patched_report[call]
    # in series they would take n times one; together, about one
    assert measured['together'] < 3 * measured['single'], measured


@pytest.mark.parametrize('call', STDLIB_CALLS)
def test_other_connections_keep_flowing_while_handlers_block_in_patched_stdlib_code(
        patched_report, call):
    reply, still_blocked = patched_report[call]['quick']
    assert reply == 'ping'
    assert still_blocked == patched_report[call]['n']   # answered before any slow one ended


def test_a_patched_stdlib_socket_wrapped_by_fd_talks_both_ways(patched_report):
    wrapped = patched_report['wrapped']
    assert wrapped['patched_class'] is True        # socket.socket was gevent's
    assert wrapped['to_peer'] == 'to the stdlib peer'
    assert wrapped['to_greennet'] == 'to greennet'


def test_a_patched_stdlib_socket_on_a_dup_of_a_greennet_fileno_talks(patched_report):
    assert patched_report['wrapped']['through_dup'] == 'through the dup'


def test_a_socket_wrapped_by_fd_knows_its_remote_port(patched_report):
    wrapped = patched_report['wrapped']
    assert wrapped['remotePort'] == wrapped['listener_port']


def test_the_monkey_patched_handler_example_fetches_n_pages_in_about_the_time_of_one():
    result = run_python(EXAMPLES / 'monkey_patched_handler.py', '--demo', '10')
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report['ok'] == 11                               # one alone, then ten at once
    assert report['together'] < 3 * report['single'], report


# ====================================================================== without patching

def test_this_process_is_not_monkey_patched():
    assert not monkey.is_anything_patched()


def test_n_handlers_blocked_in_gevent_cooperative_io_finish_in_about_the_time_of_one():
    delay, n = 0.2, 10

    def slow_line(sock, address):                # a gevent StreamServer neighbour
        line = sock.makefile('rb').readline()
        gevent.sleep(delay)
        sock.sendall(b'slow ' + line)

    slow = StreamServer(('127.0.0.1', 0), slow_line)
    slow.start()

    def handler(sock):
        sock.readline()
        with gevent.socket.create_connection(('127.0.0.1', slow.server_port)) as conn:
            conn.sendall(b'line\n')
            reply = conn.makefile('rb').readline().rstrip(b'\n')
        gevent.sleep(delay)
        sock.end(reply)

    server = listening(net.createServer(handler), 0, '127.0.0.1')
    port = server.address()['port']

    def ask():
        client = net.connect(port, '127.0.0.1')
        client.write(b'go\n')
        return client.read()

    try:
        started = time.monotonic()
        assert ask() == b'slow line'
        single = time.monotonic() - started
        started = time.monotonic()
        jobs = [gevent.spawn(ask) for _ in range(n)]
        gevent.joinall(jobs, timeout=DEADLINE, raise_error=True)
        together = time.monotonic() - started
        assert [job.value for job in jobs] == [b'slow line'] * n
        assert together < 3 * single, (single, together)     # in series: n x single
    finally:
        server.shutdown(0)
        slow.stop()


# ====================================================================== stdlib sockets, fds

def test_a_stdlib_tcp_socket_wrapped_by_fd_talks_both_ways():
    listener = pysocket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    stdlib_client = pysocket.create_connection(listener.getsockname())
    raw_peer, _ = listener.accept()
    peer = gevent.socket.socket(fileno=raw_peer.detach())   # read cooperatively
    sock = net.Socket({'fd': stdlib_client.fileno(), 'readable': True, 'writable': True})
    stdlib_client.close()                      # greennet holds its own duplicate
    try:
        sock.write(b'greennet to stdlib')
        assert recv_exactly(peer, 18) == b'greennet to stdlib'
        peer.sendall(b'stdlib to greennet')
        assert sock.readexactly(18) == b'stdlib to greennet'
        rec = Recorder(sock, 'end', 'close')
        peer.shutdown(pysocket.SHUT_WR)
        rec.wait('end')
        assert peer.recv(100) == b''           # allowHalfOpen false: greennet ended too
        rec.wait('close')
    finally:
        sock.destroy()
        peer.close()
        listener.close()


def test_a_socket_wrapped_by_fd_reports_its_addresses():
    listener = pysocket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    stdlib_client = pysocket.create_connection(listener.getsockname())
    peer, _ = listener.accept()
    sock = net.Socket({'fd': stdlib_client.fileno()})
    try:
        assert (sock.remoteAddress, sock.remotePort, sock.remoteFamily) == \
            ('127.0.0.1', listener.getsockname()[1], 'IPv4')
        assert (sock.localAddress, sock.localPort) == stdlib_client.getsockname()
    finally:
        sock.destroy()
        stdlib_client.close()
        peer.close()
        listener.close()


def test_the_fileno_of_a_greennet_socket_is_a_real_socket_descriptor():
    server = listening(net.createServer(echo), 0, '127.0.0.1')
    client = net.connect(server.address()['port'], '127.0.0.1')
    try:
        client.wait_connected(DEADLINE)
        fd = client.fileno()
        assert isinstance(fd, int) and fd >= 0
        assert stat.S_ISSOCK(os.fstat(fd).st_mode)
    finally:
        client.destroy()
        server.shutdown(0)


def test_a_stdlib_socket_on_a_dup_of_fileno_talks_on_the_connection():
    server = listening(net.createServer(echo), 0, '127.0.0.1')
    client = net.connect(server.address()['port'], '127.0.0.1')
    try:
        client.wait_connected(DEADLINE)
        raw = pysocket.socket(fileno=os.dup(client.fileno()))
        assert raw.getpeername() == ('127.0.0.1', server.address()['port'])
        raw.sendall(b'via the dup ')
        raw.close()                            # closes the duplicate only
        client.write(b'via greennet')
        assert client.readexactly(24) == b'via the dup via greennet'   # echoed, in order
    finally:
        client.destroy()
        server.shutdown(0)


def test_the_fileno_of_a_listening_server_is_its_listening_socket():
    server = listening(net.createServer(), 0, '127.0.0.1')
    try:
        raw = pysocket.socket(fileno=os.dup(server.fileno()))
        try:
            assert raw.getsockname() == ('127.0.0.1', server.address()['port'])
            assert raw.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_ACCEPTCONN) == 1
        finally:
            raw.close()
    finally:
        server.close()


def test_fileno_is_minus_one_once_the_socket_is_destroyed():
    server = listening(net.createServer(echo), 0, '127.0.0.1')
    client = net.connect(server.address()['port'], '127.0.0.1')
    try:
        client.wait_connected(DEADLINE)
        client.destroy()
        assert client.fileno() == -1
    finally:
        server.shutdown(0)


# ====================================================================== WSGI neighbours

@pytest.fixture
def neighbour():
    """The wsgi_neighbour example, started in this process on free ports."""
    example = load_example('wsgi_neighbour')
    echo_server, http_server, stats = example.start(echo_port=0, http_port=0)
    try:
        yield echo_server, http_server
    finally:
        example.stop(echo_server, http_server, stats)


def http_get(port, path='/'):
    """A real HTTP/1.0 request over a gevent socket (cooperative: the servers of this
    process go on while it waits); returns (status line, headers, body)."""
    with gevent.socket.create_connection(('127.0.0.1', port), timeout=DEADLINE) as conn:
        conn.sendall(f'GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'.encode())
        response = conn.makefile('rb').read()
    head, _, body = response.partition(b'\r\n\r\n')
    status, *headers = head.decode('latin-1').split('\r\n')
    return status, dict(h.split(': ', 1) for h in headers), body


def test_the_wsgi_neighbour_reports_connections_and_traffic_of_the_greennet_server(neighbour):
    echo_server, http_server = neighbour
    port = echo_server.address()['port']
    clients, sent = [], 0
    for i in range(3):
        client = net.connect(port, '127.0.0.1')
        payload = b'client %d says hello\n' % i * (i + 1)
        client.write(payload)
        assert client.readexactly(len(payload)) == payload     # echoed: read and written
        clients.append(client)
        sent += len(payload)
    try:
        status, headers, body = http_get(http_server.server_port)
        assert status.split()[1] == '200'
        assert headers['Content-Type'] == 'application/json'
        assert json.loads(body) == {'connections': 3, 'bytesRead': sent, 'bytesWritten': sent}
    finally:
        for client in clients:
            client.destroy()


def test_the_wsgi_neighbour_counts_a_closed_connection_out_but_keeps_its_traffic(neighbour):
    echo_server, http_server = neighbour
    accepted = Queue()
    echo_server.on('connection', accepted.put)
    client = net.connect(echo_server.address()['port'], '127.0.0.1')
    server_side = Recorder(accepted.get(timeout=DEADLINE), 'close')
    client.write(b'twelve bytes')
    assert client.readexactly(12) == b'twelve bytes'
    client.end()
    assert client.read() == b''
    server_side.wait('close')
    status, _, body = http_get(http_server.server_port)
    assert json.loads(body) == {'connections': 0, 'bytesRead': 12, 'bytesWritten': 12}


def test_a_wsgi_app_and_a_greennet_server_share_one_hub_both_ways():
    """A WSGI request handler can be a greennet client of a greennet server in the same
    process: each waits cooperatively for the other."""
    from gevent.pywsgi import WSGIServer

    def upper(sock):
        sock.end(sock.read().upper())

    echo_server = listening(net.createServer(upper), 0, '127.0.0.1')

    def app(environ, start_response):
        client = net.connect(echo_server.address()['port'], '127.0.0.1')
        client.end(environ['PATH_INFO'].encode())
        body = client.read()
        start_response('200 OK', [('Content-Length', str(len(body)))])
        return [body]

    http_server = WSGIServer(('127.0.0.1', 0), app, log=None)
    http_server.start()
    try:
        assert http_get(http_server.server_port, '/shout')[2] == b'/SHOUT'
    finally:
        http_server.stop()
        echo_server.shutdown(0)


def test_the_wsgi_neighbour_example_runs_as_a_script():
    probe = [pysocket.socket() for _ in range(2)]
    for p in probe:
        p.bind(('127.0.0.1', 0))
    echo_port, http_port = (p.getsockname()[1] for p in probe)
    for p in probe:
        p.close()
    proc = Command([sys.executable, str(EXAMPLES / 'wsgi_neighbour.py'), str(echo_port),
                    str(http_port)])
    try:
        proc.expect(f'port {echo_port}')                  # printed once both listen
        proc.expect(f':{http_port}/')
        client = net.connect(echo_port, '127.0.0.1')
        client.write(b'abc')
        assert client.readexactly(3) == b'abc'
        status, _, body = http_get(http_port)
        assert json.loads(body) == {'connections': 1, 'bytesRead': 3, 'bytesWritten': 3}
        client.destroy()
    finally:
        proc.stop()


# ====================================================================== observability

def test_the_event_counter_example_counts_connection_data_end_close():
    result = run_python(EXAMPLES / 'event_counter.py')
    assert result.returncode == 0, result.stderr
    counts = {name: int(n) for name, n in (line.split() for line in result.stdout.splitlines())}
    assert counts['connection'] == 1 and counts['listening'] == 1
    assert counts['data'] >= 2             # the server's and the client's (chunking may vary)
    assert counts['end'] == 2              # both sides
    assert counts['close'] == 3            # both sockets and the server
    assert 'hello world' in result.stderr


def test_the_event_counter_example_counts_per_emitter():
    result = run_python(EXAMPLES / 'event_counter.py', '--by-emitter')
    assert result.returncode == 0, result.stderr
    counts = {(emitter, name): int(n)
              for emitter, name, n in (line.split() for line in result.stdout.splitlines())}
    assert counts[('Server', 'connection')] == 1 and counts[('Server', 'close')] == 1
    assert counts[('Socket', 'end')] == 2 and counts[('Socket', 'close')] == 2


def test_the_tap_publishes_the_server_and_its_connection_socket(published):
    accepted = Queue()
    server = listening(net.createServer(accepted.put), 0, '127.0.0.1')
    client = net.connect(server.address()['port'], '127.0.0.1')
    try:
        sock = accepted.get(timeout=DEADLINE)
        [event] = [e for e in published if e.emitter is server and e.name == 'connection']
        assert isinstance(event, Emitted) and event.args == (sock,)
        assert isinstance(sock, net.Socket)
    finally:
        client.destroy()
        server.shutdown(0)


def test_removing_the_subscriber_stops_publishing():
    seen = []
    subscriber = seen.append
    server = listening(net.createServer(echo), 0, '127.0.0.1')
    mine = lambda: [e for e in seen if e.emitter is server or e.emitter in clients]
    clients = []

    def exchange():
        client = net.connect(server.address()['port'], '127.0.0.1')
        clients.append(client)
        client.write(b'ping')
        assert client.readexactly(4) == b'ping'
        client.end()
        client.wait_closed(DEADLINE)

    zope.event.subscribers.append(subscriber)
    try:
        exchange()
    finally:
        zope.event.subscribers.remove(subscriber)
    try:
        assert {'connection', 'connect', 'end', 'close'} <= {e.name for e in mine()}
        before = len(seen)
        exchange()
        emitter = net.EventEmitter()
        emitter.emit('anything')
        assert len(seen) == before
    finally:
        server.shutdown(0)


def test_the_greennet_logger_exists():
    assert 'greennet' in logging.Logger.manager.loggerDict
    assert isinstance(logging.getLogger('greennet'), logging.Logger)


def test_an_unhandled_handler_error_reaches_a_handler_on_the_greennet_logger():
    records = Queue()

    class Collect(logging.Handler):
        def emit(self, record):
            records.put(record)

    collect = Collect(logging.ERROR)
    logger = logging.getLogger('greennet')
    logger.addHandler(collect)

    def handler(sock):
        raise ValueError('observed failure')

    server = listening(net.createServer(handler), 0, '127.0.0.1')
    client = net.connect(server.address()['port'], '127.0.0.1')
    client.on('error', lambda err: None)
    try:
        record = records.get(timeout=DEADLINE)
        assert record.name.split('.')[0] == 'greennet'
        text = record.getMessage() + repr(record.exc_info and record.exc_info[1])
        assert 'observed failure' in text
    finally:
        logger.removeHandler(collect)
        client.destroy()
        server.shutdown(0)
