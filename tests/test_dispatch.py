"""The serial executor: a connection's events never stall, run one at a time in order,
and every connection's code runs in a context of its own (API.md, "The loop" and "One
greenlet per connection")."""
from __future__ import annotations

import contextvars
import json
import os
import subprocess
import sys
import textwrap

import gevent
import gevent.local
import gevent.queue
from gevent.event import Event

import greennet as net
from conftest import DEADLINE, wait_for

request_id: contextvars.ContextVar = contextvars.ContextVar('request_id', default=None)


# ---------------------------------------------------------------- events never stall

def test_a_handler_blocked_on_a_queue_receives_data(start_server, connect):
    got = []
    done = Event()

    def handle(sock):
        inbox = gevent.queue.Queue()
        sock.on('data', inbox.put)
        got.append(inbox.get(timeout=DEADLINE))   # blocks on the queue, not the socket
        done.set()

    server = start_server(handle)
    client = connect(server)
    client.write(b'hello')
    wait_for(done, what='the handler got its data')
    assert got == [b'hello']


def test_timeout_fires_while_the_handler_sleeps(start_server, connect):
    order = []
    done = Event()

    def handle(sock):
        sock.setTimeout(50, lambda: order.append('timeout'))
        gevent.sleep(0.6)
        order.append('slept')
        done.set()

    server = start_server(handle)
    connect(server)
    wait_for(done)
    assert order == ['timeout', 'slept']


def test_events_keep_firing_while_the_handler_waits_on_a_lock(start_server, connect):
    from gevent.lock import Semaphore
    lock = Semaphore()
    lock.acquire()
    seen = []

    def handle(sock):
        sock.on('data', lambda d: (seen.append(d), lock.release()))
        lock.acquire(timeout=DEADLINE)
        sock.end(b'after lock\n')

    server = start_server(handle)
    client = connect(server)
    client.write(b'x')
    assert client.readline() == b'after lock\n'
    assert seen == [b'x']


def test_a_blocking_listener_delays_only_its_own_socket(start_server, connect):
    slow_done = Event()
    fast = []

    def handle(sock):
        def on_data(data):
            if data == b'slow':
                gevent.sleep(0.3)
                slow_done.set()
            else:
                fast.append((data, slow_done.is_set()))
                sock.end(b'ok\n')
        sock.on('data', on_data)

    server = start_server(handle)
    slow, quick = connect(server), connect(server)
    slow.write(b'slow')
    gevent.sleep(0.05)
    quick.write(b'fast')
    assert quick.readline() == b'ok\n'
    assert fast == [(b'fast', False)]      # served while the other listener slept
    wait_for(slow_done)


def test_one_event_at_a_time_per_socket_in_order(start_server, connect):
    running = []
    calls = []
    done = Event()

    def handle(sock):
        def on_data(data):
            running.append(1)
            calls.append((data, len(running)))
            gevent.sleep(0.02)             # a listener that blocks: the next waits
            running.pop()
            if b'3' in b''.join(c[0] for c in calls):
                done.set()
        sock.setEncoding('latin1')
        sock.on('data', lambda d: on_data(d.encode('latin1')))

    server = start_server(handle)
    client = connect(server)
    for chunk in (b'1', b'2', b'3'):
        client.write(chunk)
        gevent.sleep(0.005)
    wait_for(done)
    assert b''.join(c[0] for c in calls) == b'123'
    assert all(depth == 1 for _data, depth in calls)


# ---------------------------------------------------------------- isolation

def test_the_handler_and_its_listeners_share_the_connections_context(start_server, connect):
    seen = []

    def handle(sock):
        request_id.set(sock.remotePort or 'unix')
        sock.on('data', lambda d: seen.append(request_id.get()))
        sock.on('end', lambda: sock.end(f'{request_id.get()}\n'.encode()))

    server = start_server(handle)
    client = connect(server)
    client.write(b'x')
    client.end()
    answer = client.readline().strip().decode()
    assert seen and all(str(value) == answer for value in seen)


def serve_one_after_another(start_server, connect, handle, count):
    server = start_server(handle)
    for i in range(count):
        client = connect(server)
        client.write(b'%d\n' % i)
        assert client.readline() == b'%d\n' % i
        client.destroy()


def test_sequential_handlers_see_no_context_or_local_of_earlier_connections(start_server, connect):
    local = gevent.local.local()
    leaked = []

    def handle(sock):
        if request_id.get() is not None or getattr(local, 'who', None) is not None:
            leaked.append((request_id.get(), getattr(local, 'who', None)))
        line = sock.readline()
        request_id.set(line)
        local.who = line
        sock.write(line)

    serve_one_after_another(start_server, connect, handle, 200)
    assert leaked == []


def test_node_style_connections_see_no_context_or_local_of_earlier_ones(start_server, connect):
    local = gevent.local.local()
    leaked = []

    def handle(sock):
        if request_id.get() is not None or getattr(local, 'who', None) is not None:
            leaked.append(('handler', request_id.get(), getattr(local, 'who', None)))

        def on_data(data):
            mine = request_id.get()
            who = getattr(local, 'who', None)
            if (mine is not None and mine != data) or (who is not None and who != data):
                leaked.append(('listener', mine, who))
            request_id.set(data)
            local.who = data
            sock.write(data)

        sock.on('data', on_data)

    serve_one_after_another(start_server, connect, handle, 200)
    assert leaked == []


def test_a_timeout_a_handler_leaves_armed_never_reaches_another_connection(start_server, connect):
    interrupted = []

    def handle(sock):
        if not hasattr(handle, 'armed'):
            handle.armed = True
            gevent.Timeout(0.05).start()    # armed, never cancelled, handler returns
            sock.end(b'first\n')
            return
        try:
            gevent.sleep(0.2)
            sock.end(b'second\n')
        except gevent.Timeout as t:
            interrupted.append(t)
            raise

    server = start_server(handle)
    first = connect(server)
    assert first.readline() == b'first\n'
    second = connect(server)
    assert second.readline() == b'second\n'
    assert interrupted == []


THREAD_LOCAL_SCRIPT = textwrap.dedent('''
    from gevent import monkey
    monkey.patch_all()
    import json, socket, threading
    import greennet as net

    session = threading.local()
    leaked = []

    def handle(sock):
        if getattr(session, 'user', None) is not None:
            leaked.append(session.user)
        line = sock.readline()
        session.user = line.decode()
        sock.end(line)

    server = net.createServer(handle)
    server.listen(0, '127.0.0.1')
    port = None
    while port is None:
        import gevent; gevent.sleep(0.001)
        port = (server.address() or {}).get('port')
    for i in range(200):
        with socket.create_connection(('127.0.0.1', port), timeout=10) as c:
            c.sendall(b'user%d\\n' % i)
            assert c.makefile('rb').readline() == b'user%d\\n' % i
    server.close()
    print(json.dumps({'leaked': leaked, 'local_is_gevent': 'gevent' in type(session).__module__}))
''')


def test_thread_locals_do_not_cross_connections_under_monkey_patching(tmp_path):
    script = tmp_path / 'thread_local.py'
    script.write_text(THREAD_LOCAL_SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [
        os.path.dirname(os.path.dirname(os.path.abspath(net.__file__))), os.environ.get('PYTHONPATH')])))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {'leaked': [], 'local_is_gevent': True}


def test_a_timeout_around_a_wait_interrupts_the_wait_not_a_listener(start_server, connect):
    log = []
    done = Event()

    def handle(sock):
        def on_data(data):
            log.append('listener start')
            gevent.sleep(0.3)
            log.append('listener done')
            done.set()
        sock.on('data', on_data)
        try:
            sock.wait_closed(timeout=0.1)
        except TimeoutError:
            log.append('wait timed out')

    server = start_server(handle)
    client = connect(server)
    client.write(b'one')
    wait_for(done)
    assert log == ['listener start', 'wait timed out', 'listener done']


def test_a_lookup_answered_from_another_greenlet_lets_that_greenlet_go_on(start_tcp_server):
    answered = []

    def lookup(host, options, callback):
        def answer():
            callback(None, '127.0.0.1', 4)
            answered.append('went on')
        gevent.spawn(answer)

    server = start_tcp_server(lambda s: s.end(b'hi'))
    client = net.connect({'port': server.address()['port'], 'host': 'svc.test', 'lookup': lookup})
    assert client.read() == b'hi'
    assert answered == ['went on']
