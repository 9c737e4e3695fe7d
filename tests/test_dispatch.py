"""The serial executor: a connection's events never stall, run one at a time in order,
and every connection's code runs in a context of its own (API.md, "The loop" and "One
greenlet per connection")."""
from __future__ import annotations

import contextvars
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import weakref

import gevent
import gevent.local
import gevent.queue
import gevent.socket
import pytest
from gevent.event import Event
from greenlet import getcurrent

import greennet as net
from conftest import DEADLINE, wait_for
from greennet._workers import idle_worker_count

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


# ---------------------------------------------------------------- workers (batched dispatch)

def connect_plainly(endpoint, server):
    """A gevent socket connected to ``server`` (its reads time out at the deadline): its
    connect blocks the calling greenlet.  So the tests of worker reuse see the server's
    jobs alone: ``net.connect()`` over TCP waits for its connect in a worker, which then
    retires, and would take the worker that the server's previous job left idle."""
    target = endpoint.target(server)
    if 'path' in target:
        sock = gevent.socket.socket(socket.AF_UNIX)
        sock.settimeout(DEADLINE)
        sock.connect(target['path'])
        return sock
    return gevent.socket.create_connection((target['host'], target['port']), timeout=DEADLINE)


def line_within(read_line, timeout=2.0):
    """``read_line()``, or None if no line came within ``timeout`` s."""
    with gevent.Timeout(timeout, False):
        return read_line()
    return None


def connect_all(server, connect, accepted, count):
    """``count`` clients of ``server``, each connected and its server side accepted (the
    handler puts something in ``accepted``)."""
    connected = gevent.queue.Queue()
    clients = [connect(server, lambda: connected.put(1)) for _ in range(count)]
    for _ in range(count):
        accepted.get(timeout=DEADLINE)
        connected.get(timeout=DEADLINE)
    return clients


def wait_until(predicate, timeout=DEADLINE, what='condition'):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f'{what} did not hold within {timeout}s')
        gevent.sleep(0.001)


def test_a_timeout_a_listener_leaves_armed_never_reaches_a_later_connections_listener(
        start_server, endpoint):
    interrupted = []

    def handle(sock):
        def on_data(data):
            if data == b'first\n':
                gevent.Timeout(0.05).start()    # armed, never cancelled, listener returns
                sock.write(data)
                return
            try:
                gevent.sleep(0.2)               # the timeout fires meanwhile
                sock.write(data)
            except gevent.Timeout as t:
                interrupted.append(t)
                raise
        sock.on('data', on_data)

    server = start_server(handle)
    with connect_plainly(endpoint, server) as first, first.makefile('rb') as reader:
        first.sendall(b'first\n')
        assert reader.readline() == b'first\n'
    with connect_plainly(endpoint, server) as second, second.makefile('rb') as reader:
        second.sendall(b'second\n')
        answer = line_within(reader.readline)
    assert interrupted == []
    assert answer == b'second\n'


def test_a_timeout_a_listener_leaves_armed_never_reaches_the_next_socket_of_its_batch(
        start_server, connect):
    accepted = gevent.queue.Queue()
    armed = []
    interrupted = []

    def handle(sock):
        def on_data(data):
            if not armed:                       # the first of the two to run
                armed.append(data)
                gevent.Timeout(0.05).start()    # armed, never cancelled, listener returns
                sock.write(data)
                return
            try:
                gevent.sleep(0.2)               # the timeout fires meanwhile
                sock.write(data)
            except gevent.Timeout as t:
                interrupted.append(t)
                raise
        sock.on('data', on_data)
        accepted.put(sock)

    server = start_server(handle)
    clients = connect_all(server, connect, accepted, 2)
    for i, client in enumerate(clients):        # both due in the same loop iteration
        client.write(b'%d\n' % i)
    answers = [line_within(client.readline) for client in clients]
    assert interrupted == []
    assert answers == [b'0\n', b'1\n']


@pytest.mark.parametrize('kill', [gevent.kill, lambda g: g.throw(gevent.GreenletExit)],
                         ids=['gevent.kill', 'throw'])
def test_killing_a_greenlet_a_finished_handler_stored_never_reaches_another_handler(
        start_server, endpoint, kill):
    stored = []
    blocked = Event()
    seen = []

    def handle(sock):
        if not stored:
            stored.append(getcurrent())     # kept; the handler returns without blocking
            sock.end(b'first\n')
            return
        blocked.set()
        try:
            line = sock.readline()          # blocked here when the stored one is killed
            sock.end(line)
        except BaseException as exc:
            seen.append(exc)
            raise

    server = start_server(handle)
    with connect_plainly(endpoint, server) as first, first.makefile('rb') as reader:
        assert reader.readline() == b'first\n'
    with connect_plainly(endpoint, server) as second, second.makefile('rb') as reader:
        wait_for(blocked, what='the second handler blocked')
        # from a greenlet of its own: a throw that ended a running handler would go on
        # in the hub, never back to the greenlet that threw
        killer = gevent.spawn(kill, stored[0])
        killer.join(DEADLINE)
        gevent.sleep(0)                     # gevent.kill throws from a loop callback
        second.sendall(b'second\n')
        answer = line_within(reader.readline)
    assert seen == []
    assert answer == b'second\n'


def test_node_style_connections_one_after_another_reuse_a_worker(start_server, endpoint):
    ran_in = []                             # weak: a reference would retire the worker

    def handle(sock):
        def on_data(data):
            ran_in.append(weakref.ref(getcurrent()))
            sock.write(data)
        sock.on('data', on_data)

    server = start_server(handle)
    for i in range(100):
        with connect_plainly(endpoint, server) as client, client.makefile('rb') as reader:
            client.sendall(b'%d\n' % i)
            assert reader.readline() == b'%d\n' % i
    assert idle_worker_count(gevent.get_hub()) <= 4
    same = [earlier() is not None and earlier() is later()
            for earlier, later in zip(ran_in, ran_in[1:])]
    assert all(same), same


def test_a_handler_that_blocked_runs_in_a_greenlet_that_ends_with_its_connection(
        start_server, connect):
    ran_in = []                             # weak: a reference alone would retire it
    reading = Event()
    closed = Event()

    def handle(sock):
        ran_in.append(weakref.ref(getcurrent()))
        sock.on('close', lambda *_: closed.set())
        reading.set()
        line = sock.readline()              # blocks: nothing is sent before it waits
        sock.end(line)

    server = start_server(handle)
    client = connect(server)
    wait_for(reading, what='the handler reading')
    client.write(b'hello\n')
    assert client.readline() == b'hello\n'
    client.end()
    wait_for(closed, what="the server socket's 'close'")

    def ended():
        handler = ran_in[0]()
        return handler is None or handler.dead
    wait_until(ended, what="the handler's greenlet ended")


def test_sockets_due_together_are_not_held_up_by_one_blocking_listener(start_server, connect):
    count = 21
    accepted = gevent.queue.Queue()
    blocking = []                           # the first listener to run blocks
    slow_done = Event()

    def handle(sock):
        def on_data(data):
            if not blocking:
                blocking.append(data)
                gevent.sleep(0.3)
                slow_done.set()
            sock.write(data)
        sock.on('data', on_data)
        accepted.put(sock)

    server = start_server(handle)
    clients = connect_all(server, connect, accepted, count)
    sent = []
    for i, client in enumerate(clients):    # all at once: due in the same loop iteration
        client.write(b'%d\n' % i)
        sent.append(time.monotonic())
    wait_until(lambda: blocking, what='a listener blocked')
    slow = int(blocking[0])
    late = []
    for i, client in enumerate(clients):
        if i == slow:
            continue
        line = line_within(client.readline, 1.0)
        waited = time.monotonic() - sent[i]
        if line != b'%d\n' % i or waited > 0.2 or slow_done.is_set():
            late.append((i, line, round(waited, 3), slow_done.is_set()))
    assert late == []
    assert clients[slow].readline() == b'%d\n' % slow
    assert slow_done.is_set()


def test_a_flood_of_connects_to_a_full_server_is_all_served_or_dropped(start_server, connect):
    flood = 300
    served = []
    drops = []
    outcomes = []
    finished = Event()

    server = start_server(lambda sock: (served.append(1), sock.end(b'served')))
    server.maxConnections = 10
    server.on('drop', drops.append)

    def client():
        sock = connect(server)
        got = []
        sock.on('data', got.append)
        sock.on('error', lambda err: None)

        def closed(*_):
            outcomes.append(b''.join(got))
            if len(outcomes) == flood:
                finished.set()
        sock.on('close', closed)

    for _ in range(flood):                  # all started at once, from one greenlet
        client()
    wait_for(finished, what=f'{flood} clients closed')
    assert outcomes.count(b'served') == len(served) >= 10
    assert outcomes.count(b'') == len(drops) == flood - len(served)


def test_a_flood_of_due_objects_lets_a_timer_fire_between_batches():
    # 1,000 objects made due at once, each event costing about 0.1 ms: the loop polls
    # between batches, so a 1 ms timer armed at once fires long before they all ran
    from greennet._dispatch import SerialEmitter

    class Due(SerialEmitter):
        def _listener_failed(self, exc):
            raise exc

    ran, fired = [0], Event()
    seen_when_fired = []

    def event():
        ran[0] += 1
        end = time.perf_counter() + 0.0001
        while time.perf_counter() < end:
            pass

    objects = [Due() for _ in range(1000)]

    def post_all():
        for obj in objects:
            obj._post(event)
        timer = gevent.get_hub().loop.timer(0.001)
        timer.start(lambda: (seen_when_fired.append(ran[0]), fired.set(), timer.close()))

    gevent.spawn(post_all).join(DEADLINE)
    assert fired.wait(DEADLINE)
    assert seen_when_fired[0] < 500
    wait_until(lambda: ran[0] == 1000)


THREAD_NAME_SCRIPT = textwrap.dedent('''
    from gevent import monkey
    monkey.patch_all()
    import json, socket, threading
    import greennet as net

    seen = []

    def handle(sock):              # returns at once: its worker could be reused
        thread = threading.current_thread()
        seen.append(thread.name)
        thread.name = 'connection-%d' % len(seen)   # so that log lines name the client
        sock.end(b'bye\\n')

    server = net.createServer(handle)
    server.listen(0, '127.0.0.1')
    port = server.address()['port']
    for i in range(5):
        with socket.create_connection(('127.0.0.1', port)) as c:
            assert c.makefile('rb').readline() == b'bye\\n'
    server.close()
    print(json.dumps({'names': seen}))
''')


def test_a_thread_name_set_by_one_handler_is_not_another_s_under_monkey_patching(tmp_path):
    script = tmp_path / 'thread_name.py'
    script.write_text(THREAD_NAME_SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [
        os.path.dirname(os.path.dirname(os.path.abspath(net.__file__))), os.environ.get('PYTHONPATH')])))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    names = json.loads(result.stdout.strip().splitlines()[-1])['names']
    assert len(names) == 5 and not any(name.startswith('connection-') for name in names)


def test_a_gevent_timeout_that_leaves_a_handler_costs_its_own_socket_only(start_server, connect):
    def handle(sock):
        with gevent.Timeout(0.05):
            sock.readline()          # the client sends nothing: the Timeout leaves

    server = start_server(handle)
    client = connect(server)
    assert client.read() == b''      # the server closed the connection
    wait_until(lambda: server.getConnections() == 0)
    closed = Event()
    server.close(lambda *args: closed.set())
    assert closed.wait(DEADLINE)
