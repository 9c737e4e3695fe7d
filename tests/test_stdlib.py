"""greennet.stdlib: legacy blocking-socket code on greennet sockets, unchanged.

``sock.makefile()`` files, the stdlib-shaped view (``sock.as_stdlib_socket()``), and
``socketserver`` handlers and gevent-style ``handle(socket, address)`` functions served
by greennet; then the stdlib's own HTTP server code (``http.server``) behind the PROXY
protocol with ``maxConnections`` in force, driven by curl and by ``http.client``.
"""
from __future__ import annotations

import errno
import functools
import http.client
import http.server
import io
import json
import logging
import os
import pickle
import shutil
import socket
import socketserver
import subprocess
import time

import gevent
import gevent.socket
import pytest
from gevent.event import AsyncResult, Event

import greennet as net
from conftest import DEADLINE, wait_exit
from greennet.stdlib import HandlerServer, StdlibSocket, connection_listener, makefile, serve_handler


def handled(start_server, body, **options):
    """A server whose handler runs ``body(sock)``; returns (server, result) where
    ``result`` gets body's return value, or its exception."""
    result = AsyncResult()

    def handler(sock):
        try:
            result.set(body(sock))
        except BaseException as exc:   # noqa: B036 - handed to the test, which re-raises it
            result.set_exception(exc)
            raise

    return start_server(handler, **options), result


# ==================================================================== makefile

def test_makefile_rb_reads_lines_and_exact_counts(start_server, connect):
    def body(sock):
        f = makefile(sock, 'rb')
        return f.readline(), f.read(3), f.readline(), f.read()

    server, result = handled(start_server, body)
    client = connect(server)
    client.end(b'first line\nabcdef\nthe rest')
    assert result.get(timeout=DEADLINE) == (b'first line\n', b'abc', b'def\n', b'the rest')


def test_makefile_reads_first_what_greennet_already_buffered(start_server, connect):
    """A sequential read left bytes in greennet's buffer: the file reads them first."""
    def body(sock):
        head = sock.readline()           # the rest of the packet stays buffered
        assert sock.readableLength > 0
        return head, makefile(sock, 'rb').read()

    server, result = handled(start_server, body)
    client = connect(server)
    client.end(b'head\nbuffered already, then more')
    assert result.get(timeout=DEADLINE) == (b'head\n', b'buffered already, then more')


def test_pickle_and_json_load_from_the_file(start_server, connect):
    def body(sock):
        f = makefile(sock, 'rb')
        return pickle.load(f), pickle.load(f), json.load(f)

    server, result = handled(start_server, body)
    client = connect(server)
    client.write(pickle.dumps({'a': [1, 2]}))
    client.write(pickle.dumps(b'x' * 100_000))
    client.end(b'{"json": "to the end"}')
    assert result.get(timeout=DEADLINE) == ({'a': [1, 2]}, b'x' * 100_000, {'json': 'to the end'})


def test_makefile_wb_sends_what_is_written_once_flushed(start_server, connect):
    payload = os.urandom(300_000)

    def body(sock):
        with makefile(sock, 'wb') as f:
            f.write(payload[:10])
            f.write(payload[10:])
        sock.end()

    server, result = handled(start_server, body)
    client = connect(server)
    assert client.read() == payload
    result.get(timeout=DEADLINE)


def test_closing_the_file_leaves_the_socket_open(start_server, connect):
    def body(sock):
        f = makefile(sock, 'rwb')
        line = f.readline()
        f.write(b'from the file\n')
        f.close()
        assert f.closed and not sock.destroyed
        sock.end(b'from the socket: ' + line)

    server, result = handled(start_server, body)
    client = connect(server)
    client.write(b'hello\n')
    assert client.read() == b'from the file\nfrom the socket: hello\n'
    result.get(timeout=DEADLINE)


def test_makefile_text_mode_reads_and_writes_str(start_server, connect):
    def body(sock):
        f = makefile(sock, 'rw', encoding='utf-8', newline='')
        line = f.readline()
        f.write(line.upper())
        f.flush()
        sock.end()
        return line, f.mode

    server, result = handled(start_server, body)
    client = connect(server)
    client.write('héllo\r\n'.encode())
    assert client.read() == 'HÉLLO\r\n'.encode()
    assert result.get(timeout=DEADLINE) == ('héllo\r\n', 'rw')


def test_unbuffered_makefile_is_the_raw_socket_io(start_server, connect):
    def body(sock):
        raw = makefile(sock, 'rb', buffering=0)
        buf = bytearray(100)
        n = raw.readinto(buf)
        return type(raw).__name__, bytes(buf[:n]), raw.readable(), raw.writable(), raw.seekable()

    server, result = handled(start_server, body)
    client = connect(server)
    client.write(b'raw bytes')
    assert result.get(timeout=DEADLINE) == ('SocketIO', b'raw bytes', True, False, False)


def test_makefile_types_are_the_io_modules(start_server, connect):
    def body(sock):
        return [type(makefile(sock, mode)) for mode in ('rb', 'wb', 'rwb', 'r')]

    server, result = handled(start_server, body)
    connect(server)
    assert result.get(timeout=DEADLINE) == [io.BufferedReader, io.BufferedWriter,
                                            io.BufferedRWPair, io.TextIOWrapper]


@pytest.mark.parametrize('mode, buffering', [('rx', None), ('a', None), ('r', 0)])
def test_makefile_rejects_what_socket_makefile_rejects(start_server, connect, mode, buffering):
    def body(sock):
        with pytest.raises(ValueError):
            makefile(sock, mode, buffering)

    server, result = handled(start_server, body)
    connect(server)
    result.get(timeout=DEADLINE)


def test_a_greennet_socket_has_makefile_on_either_side(start_server, connect):
    def body(sock):
        with sock.makefile('rwb') as f:           # the server side
            f.write(f.readline().upper())
        sock.end()

    server, result = handled(start_server, body)
    client = connect(server)
    f = client.makefile('rwb', buffering=0)       # and a client from net.connect()
    f.write(b'both sides\n')
    assert f.read() == b'BOTH SIDES\n'
    result.get(timeout=DEADLINE)


def test_as_stdlib_socket_is_a_view_on_the_same_socket(start_server, connect):
    def body(sock):
        view = sock.as_stdlib_socket()
        assert isinstance(view, StdlibSocket) and view.greennet_socket is sock
        view.sendall(view.recv(100))
        view.close()

    server, result = handled(start_server, body)
    client = connect(server)
    client.write(b'through the view')
    assert client.read() == b'through the view'
    result.get(timeout=DEADLINE)


# ==================================================================== the view

def test_recv_and_sendall_round_trip(start_server, connect):
    def body(sock):
        view = StdlibSocket(sock)
        received = b''
        while True:
            chunk = view.recv(65536)
            if not chunk:
                break
            received += chunk
            view.sendall(chunk)
        view.close()
        return len(received)

    server, result = handled(start_server, body)
    client = connect(server)
    payload = os.urandom(500_000)
    client.end(payload)
    assert client.read() == payload
    assert result.get(timeout=DEADLINE) == len(payload)


def test_recv_into_fills_the_buffer_and_send_returns_the_count(start_server, connect):
    def body(sock):
        view = StdlibSocket(sock)
        buf = bytearray(8)
        n = view.recv_into(buf, 4)
        sent = view.send(memoryview(b'reply'))
        return bytes(buf), n, sent

    server, result = handled(start_server, body)
    client = connect(server)
    client.write(b'abcdefgh')
    assert result.get(timeout=DEADLINE) == (b'abcd\0\0\0\0', 4, 5)
    assert client.readexactly(5) == b'reply'


def test_a_recv_that_times_out_raises_socket_timeout_and_loses_nothing(start_server, connect):
    later = Event()

    def body(sock):
        view = StdlibSocket(sock)
        view.settimeout(0.05)
        started = time.monotonic()
        with pytest.raises(socket.timeout) as info:
            view.recv(10)
        waited = time.monotonic() - started
        later.set()
        view.settimeout(DEADLINE)
        return isinstance(info.value, TimeoutError), waited, view.recv(10), view.gettimeout()

    server, result = handled(start_server, body)
    client = connect(server)
    assert later.wait(DEADLINE)
    client.write(b'late bytes')
    is_timeout_error, waited, data, timeout = result.get(timeout=DEADLINE)
    assert is_timeout_error and 0.04 <= waited < DEADLINE
    assert (data, timeout) == (b'late bytes', DEADLINE)


def test_a_non_blocking_view_raises_blocking_io_error_when_nothing_is_there(start_server, connect):
    def body(sock):
        view = StdlibSocket(sock)
        view.setblocking(False)
        with pytest.raises(BlockingIOError):
            view.recv(10)
        return view.getblocking(), view.gettimeout()

    server, result = handled(start_server, body)
    connect(server)
    assert result.get(timeout=DEADLINE) == (False, 0.0)


@pytest.mark.parametrize('bad, kind', [(-1, ValueError), ('1', TypeError), (True, TypeError)])
def test_settimeout_checks_its_value_as_the_stdlib_does(start_server, connect, bad, kind):
    def body(sock):
        with pytest.raises(kind):
            StdlibSocket(sock).settimeout(bad)

    server, result = handled(start_server, body)
    connect(server)
    result.get(timeout=DEADLINE)


def test_a_timed_out_file_refuses_further_reads_as_the_stdlibs_does(start_server, connect):
    def body(sock):
        view = StdlibSocket(sock)
        view.settimeout(0.05)
        f = view.makefile('rb')
        with pytest.raises(socket.timeout):
            f.readline()
        with pytest.raises(OSError, match='timed out object'):
            f.readline()

    server, result = handled(start_server, body)
    connect(server)
    result.get(timeout=DEADLINE)


def test_addresses_fileno_and_options_on_tcp(start_tcp_server, connect_tcp):
    def body(sock):
        view = StdlibSocket(sock)
        view.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        view.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        return (view.getpeername(), view.getsockname(), view.fileno() == sock.fileno(),
                view.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
                view.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                view.family, view.type)

    server, result = handled(start_tcp_server, body)
    client = connect_tcp(server)
    client.wait_connected(DEADLINE)
    peer, local, same_fd, nodelay, keepalive, family, kind = result.get(timeout=DEADLINE)
    assert peer == ('127.0.0.1', client.localPort)
    assert local == ('127.0.0.1', server.address()['port'])
    assert same_fd and nodelay and keepalive
    assert (family, kind) == (socket.AF_INET, socket.SOCK_STREAM)


def test_addresses_on_a_unix_socket(tmp_path):
    path = str(tmp_path / 'view.sock')
    result = AsyncResult()
    server = net.createServer(lambda sock: result.set(
        (StdlibSocket(sock).getsockname(), StdlibSocket(sock).getpeername(),
         StdlibSocket(sock).family)))
    listening = Event()
    server.listen(path, listening.set)
    try:
        assert listening.wait(DEADLINE)
        client = net.connect(path)
        assert result.get(timeout=DEADLINE) == (path, '', socket.AF_UNIX)
        client.destroy()
    finally:
        server.shutdown(0)


def test_shutdown_wr_ends_our_side_and_the_peer_can_still_answer(start_server, connect):
    def body(sock):
        view = StdlibSocket(sock)
        view.sendall(b'question')
        view.shutdown(socket.SHUT_WR)
        answer = b''
        while chunk := view.recv(100):
            answer += chunk
        return answer

    server, result = handled(start_server, body, allowHalfOpen=True)
    client = connect(server, allowHalfOpen=True)
    assert client.read() == b'question'          # until our FIN
    client.end(b'answer')
    assert result.get(timeout=DEADLINE) == b'answer'


def test_shutdown_rd_makes_later_reads_return_end_of_stream(start_server, connect):
    def body(sock):
        view = StdlibSocket(sock)
        view.shutdown(socket.SHUT_RD)
        return view.recv(10)

    server, result = handled(start_server, body)
    connect(server).write(b'ignored')
    assert result.get(timeout=DEADLINE) == b''


def test_close_flushes_what_was_written_then_ends_the_connection(start_server, connect):
    payload = os.urandom(1_000_000)

    def body(sock):
        view = StdlibSocket(sock)
        view.sendall(payload)
        view.close()
        return sock.destroyed or sock.writableEnded

    server, result = handled(start_server, body)
    client = connect(server)
    assert client.read() == payload              # everything, then the end
    assert result.get(timeout=DEADLINE)


def test_close_waits_for_the_open_files_as_a_stdlib_socket_does(start_server, connect):
    def body(sock):
        view = StdlibSocket(sock)
        f = view.makefile('wb')
        view.close()
        still_open = not sock.writableEnded
        f.write(b'written after the view closed')
        f.close()                                # the last file: now the socket closes
        return still_open

    server, result = handled(start_server, body)
    client = connect(server)
    assert client.read() == b'written after the view closed'
    assert result.get(timeout=DEADLINE) is True


def test_a_closed_view_raises_ebadf(start_server, connect):
    def body(sock):
        view = StdlibSocket(sock)
        view.close()
        view.close()                             # twice is fine, as in the stdlib
        codes = []
        for call in (lambda: view.recv(1), lambda: view.sendall(b'x'),
                     view.getpeername, lambda: view.shutdown(socket.SHUT_RDWR)):
            with pytest.raises(OSError) as info:
                call()
            codes.append(info.value.errno)
        return codes, view.fileno()

    server, result = handled(start_server, body)
    connect(server)
    assert result.get(timeout=DEADLINE) == ([errno.EBADF] * 4, -1)


def test_sendall_on_a_connection_the_peer_reset_raises_an_os_error(start_tcp_server, connect_tcp):
    greeted, reset = Event(), Event()

    def body(sock):
        sock.on('error', lambda err: None)       # this test reads the error from sendall
        view = StdlibSocket(sock)
        assert view.recv(5) == b'hello'
        greeted.set()
        assert reset.wait(DEADLINE)
        with pytest.raises(OSError) as info:
            for _ in range(1000):                # bounded: the reset shows on the first sends
                view.sendall(b'x' * 65536)
                gevent.sleep(0.001)
        return info.value.errno

    server, result = handled(start_tcp_server, body)
    client = connect_tcp(server)
    client.write(b'hello')
    assert greeted.wait(DEADLINE)
    client.resetAndDestroy()
    reset.set()
    assert result.get(timeout=DEADLINE) in (errno.ECONNRESET, errno.EPIPE)


# ==================================================================== socketserver

class UpperHandler(socketserver.StreamRequestHandler):
    calls = []

    def setup(self):
        UpperHandler.calls.append('setup')
        super().setup()

    def handle(self):
        UpperHandler.calls.append(('handle', self.client_address, type(self.request).__name__,
                                   self.server.RequestHandlerClass.__name__))
        for line in self.rfile:
            self.wfile.write(line.upper())

    def finish(self):
        UpperHandler.calls.append('finish')
        super().finish()


def test_a_stream_request_handler_runs_unchanged(start_server, connect, endpoint):
    UpperHandler.calls = []
    server = start_server(serve_handler(UpperHandler))
    client = connect(server)
    client.write(b'one\n')
    assert client.readline() == b'ONE\n'
    client.end(b'two\nthree\n')
    assert client.read() == b'TWO\nTHREE\n'       # then the handler's shutdown_request()
    setup, (name, address, request_type, handler_name), finish = UpperHandler.calls
    assert (setup, name, request_type, handler_name, finish) == (
        'setup', 'handle', 'StdlibSocket', 'UpperHandler', 'finish')
    if endpoint.transport == 'tcp':
        assert address == ('127.0.0.1', client.localPort)


class RecvHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data = self.request.recv(1024)
        self.request.sendall(b'%s said %s' % (self.client_address[0].encode(), data))


def test_a_base_request_handler_uses_the_request_socket(start_tcp_server, connect_tcp):
    server = start_tcp_server(serve_handler(RecvHandler))
    client = connect_tcp(server)
    client.write(b'hi')
    assert client.read() == b'127.0.0.1 said hi'


def test_server_attributes_reach_the_handler_as_self_server(start_tcp_server, connect_tcp):
    seen = AsyncResult()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            seen.set((self.server.greeting, self.server.server_address, self.server.server_port))

    listener = serve_handler(Handler, greeting='hello')
    assert isinstance(listener.server, HandlerServer)
    server = start_tcp_server(listener)
    connect_tcp(server)
    port = server.address()['port']
    assert seen.get(timeout=DEADLINE) == ('hello', ('127.0.0.1', port), port)


def test_a_gevent_style_function_gets_a_socket_and_the_address(start_tcp_server, connect_tcp):
    seen = AsyncResult()

    def handle(sock, address):                   # as for gevent.server.StreamServer
        seen.set(address)
        f = sock.makefile('rb')
        for line in f:
            sock.sendall(line[::-1])

    server = start_tcp_server(serve_handler(handle))
    client = connect_tcp(server)
    client.end(b'abc\n')
    assert client.read() == b'\ncba'             # and closed once handle returned
    assert seen.get(timeout=DEADLINE) == ('127.0.0.1', client.localPort)


def test_a_handler_that_raises_costs_its_own_connection_only(start_tcp_server, connect_tcp, caplog):
    class Failing(socketserver.StreamRequestHandler):
        def handle(self):
            line = self.rfile.readline()
            if line == b'fail\n':
                raise RuntimeError('handler failed')
            self.wfile.write(line)

    server = start_tcp_server(serve_handler(Failing))
    with caplog.at_level(logging.ERROR, logger='greennet'):
        bad = connect_tcp(server)
        bad.on('error', lambda err: None)
        bad.write(b'fail\n')
        assert bad.read() == b''
        good = connect_tcp(server)
        good.write(b'fine\n')
        assert good.read() == b'fine\n'
    assert any('handler failed' in r.getMessage() or (r.exc_info and 'handler failed' in str(r.exc_info[1]))
               for r in caplog.records)


def test_a_handler_for_a_connection_already_gone_reads_the_end_quietly(start_server, connect,
                                                                       endpoint, caplog):
    seen = AsyncResult()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            seen.set((self.client_address, self.rfile.read()))

    server = start_server(lambda sock: sock.destroy())   # gone before the handler runs
    server.on('connection', serve_handler(Handler))
    with caplog.at_level(logging.ERROR, logger='greennet'):
        client = connect(server)
        client.wait_connected(DEADLINE)
        address, data = seen.get(timeout=DEADLINE)
        assert client.read() == b''
    assert data == b'' and caplog.records == []
    if endpoint.transport == 'tcp':                # read at accept, as Node caches it
        assert address == ('127.0.0.1', client.localPort)
    else:
        assert address is None


def test_connection_listener_adapts_legacy_targets_and_leaves_node_handlers_alone():
    def node_style(sock):
        pass

    def gevent_style(sock, address):
        pass

    def with_default(sock, address=None):
        pass

    assert connection_listener(node_style) is node_style
    assert connection_listener(with_default) is with_default
    assert connection_listener(print) is print
    for legacy in (UpperHandler, functools.partial(http.server.SimpleHTTPRequestHandler,
                                                   directory='.'), gevent_style):
        adapted = connection_listener(legacy)
        assert adapted is not legacy and callable(adapted)


def test_serve_handler_rejects_what_it_cannot_run():
    with pytest.raises(TypeError):
        serve_handler(42)
    with pytest.raises(TypeError):
        serve_handler(lambda sock, address: None, attribute=1)


# ==================================================================== http.server

class Files(http.server.SimpleHTTPRequestHandler):
    """The stdlib's file server, speaking HTTP/1.1 (keep-alive); each request is
    recorded on ``self.server.requests`` instead of printed."""

    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        self.server.requests.append((self.client_address[0], self.requestline, args[1:2]))


@pytest.fixture
def files_server(tmp_path):
    """SimpleHTTPRequestHandler over ``tmp_path`` (file0.bin..file4.bin, of different
    sizes), served by greennet with proxyProtocol=True and maxConnections=100."""
    sizes = (1, 100, 8192, 65537, 300_000)      # around io's and greennet's buffer sizes
    contents = {f'/file{i}.bin': os.urandom(size) for i, size in enumerate(sizes)}
    for name, data in contents.items():
        (tmp_path / name[1:]).write_bytes(data)
    listener = serve_handler(functools.partial(Files, directory=str(tmp_path)), requests=[])
    server = net.createServer({'proxyProtocol': True}, listener)
    server.maxConnections = 100
    drops, dropped = [], Event()
    server.on('drop', lambda payload: (drops.append(payload), dropped.set()))
    listening = Event()
    server.listen(0, '127.0.0.1', listening.set)
    assert listening.wait(DEADLINE)
    server.contents, server.requests = contents, listener.server.requests
    server.drops, server.dropped = drops, dropped
    try:
        yield server
    finally:
        server.shutdown(0)


CURL = shutil.which('curl')
needs_curl = pytest.mark.skipif(CURL is None, reason='curl is not installed (apt-get install -y curl)')


def run_curl(tmp_path, *args):
    """curl ARGS, waited for cooperatively (the server runs in this process); its output
    goes to files, not pipes, which nobody would drain meanwhile.  Returns (exit status,
    stdout, stderr)."""
    out, err = tmp_path / 'curl.out', tmp_path / 'curl.err'
    with open(out, 'wb') as stdout, open(err, 'wb') as stderr:
        proc = subprocess.Popen([CURL, '--silent', '--show-error', '--max-time', str(DEADLINE),
                                 *args], stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        try:
            status = wait_exit(proc, DEADLINE + 5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return status, out.read_bytes(), err.read_text()


@needs_curl
def test_curl_gets_files_from_simple_http_request_handler_behind_proxy_protocol(files_server,
                                                                                tmp_path):
    port = files_server.address()['port']
    # curl sends the PROXY v1 header itself, naming its own address: 127.0.0.5
    status, out, err = run_curl(
        tmp_path, '--fail', '--haproxy-protocol', '--interface', '127.0.0.5',
        f'http://127.0.0.1:{port}/file3.bin', '--next', '--haproxy-protocol', '--interface',
        '127.0.0.5', f'http://127.0.0.1:{port}/file4.bin')
    assert status == 0, err
    assert out == files_server.contents['/file3.bin'] + files_server.contents['/file4.bin']
    assert [(client, line) for client, line, _ in files_server.requests] == [
        ('127.0.0.5', 'GET /file3.bin HTTP/1.1'), ('127.0.0.5', 'GET /file4.bin HTTP/1.1')]


@needs_curl
def test_curl_is_dropped_at_max_connections_and_the_drop_names_it(files_server, tmp_path):
    port = files_server.address()['port']
    files_server.maxConnections = 1
    holder = gevent.socket.create_connection(('127.0.0.1', port), timeout=DEADLINE)
    try:
        holder.sendall(b'PROXY TCP4 198.51.100.1 127.0.0.1 1000 80\r\n'
                       b'GET /file0.bin HTTP/1.1\r\nHost: x\r\n\r\n')
        with holder.makefile('rb') as reply:       # admitted: it holds the one slot
            assert reply.readline() == b'HTTP/1.1 200 OK\r\n'
        status, out, err = run_curl(tmp_path, '--haproxy-protocol', '--interface', '127.0.0.6',
                                    f'http://127.0.0.1:{port}/file0.bin')
    finally:
        holder.close()
    assert status in (52, 56) and out == b'', err   # empty reply, or reset: dropped
    assert files_server.dropped.wait(DEADLINE)
    (drop,) = files_server.drops
    assert (drop['remoteAddress'], drop['localPort']) == ('127.0.0.6', port)


def http_connection(port, client_ip, client_port):
    """An ``http.client`` connection over a gevent socket (so it waits cooperatively),
    which has sent a PROXY v1 header naming ``client_ip:client_port``."""
    raw = gevent.socket.create_connection(('127.0.0.1', port), timeout=DEADLINE)
    raw.sendall(f'PROXY TCP4 {client_ip} 127.0.0.1 {client_port} {port}\r\n'.encode())
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=DEADLINE)
    conn.sock = raw
    return conn


def get(conn, path):
    conn.request('GET', path)
    response = conn.getresponse()
    return response.status, response.getheader('Content-Length'), response.read()


def test_http_client_from_100_concurrent_greenlets_every_response_checked(files_server):
    """100 keep-alive connections, all open at once (maxConnections=100, so a 101st is
    dropped meanwhile), three requests each; every body, length and client address is
    checked."""
    port = files_server.address()['port']
    contents = files_server.contents
    all_open, proceed = Event(), Event()
    first_answers = []
    clients = {i: f'198.51.100.{i + 1}' for i in range(100)}

    def client(i):
        conn = http_connection(port, clients[i], 10000 + i)
        try:
            answers = []
            for n in range(3):
                path = f'/file{(i + n) % 5}.bin'
                status, length, body = get(conn, path)
                assert (status, int(length), body == contents[path]) == (200, len(body), True)
                answers.append(path)
                if n == 0:
                    first_answers.append(i)
                    if len(first_answers) == 100:
                        all_open.set()
                    assert proceed.wait(DEADLINE)    # every connection is open and counted
            return answers
        finally:
            conn.close()

    greenlets = [gevent.spawn(client, i) for i in range(100)]
    assert all_open.wait(DEADLINE), f'{len(first_answers)} connections answered'
    assert files_server.getConnections() == 100
    extra = http_connection(port, '203.0.113.9', 9999)
    with pytest.raises((OSError, http.client.HTTPException)):
        get(extra, '/file0.bin')
    extra.close()
    proceed.set()
    gevent.joinall(greenlets, timeout=DEADLINE * 3, raise_error=True)
    answered = {i: g.get() for i, g in enumerate(greenlets)}
    assert all(len(paths) == 3 for paths in answered.values())
    by_client = {}
    for address, line, code in files_server.requests:
        assert code == ('200',)
        by_client.setdefault(address, []).append(line.split()[1])
    assert by_client == {clients[i]: answered[i] for i in range(100)}
    assert files_server.dropped.wait(DEADLINE)
    assert [d['remoteAddress'] for d in files_server.drops] == ['203.0.113.9']
