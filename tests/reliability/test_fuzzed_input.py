"""Bad input, fuzzed: hypothesis throws arbitrary argument types and values at
``createServer``, ``listen``, ``connect``, ``write``, ``end``, ``setTimeout``,
``setEncoding``, ``BlockList`` and ``SocketAddress``.  Every call either works or raises a
``net.NodeError`` with a Node code, never another exception and never a hang; errors that
arrive later as 'error' events are NodeErrors too; whatever worked is cleaned up.

Arguments vary in type and value, not in number: a Python call with too many or too
few positional arguments is Python's TypeError, which is not what this checks.

Only loopback is touched: hosts are loopback literals or 'localhost' (any other text goes
to a custom ``lookup``), valid ports are the test's own server or a closed port, Unix
paths live in a temporary directory, and a listen that binds a wildcard address does so
on port 0 and is closed at once.
"""
from __future__ import annotations

import _socket
import atexit
import math
import os
import shutil
import tempfile

import gevent
import pytest
from gevent.event import Event
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from reliability_support import listen_tcp, watch_escapes

import greennet as net
from conftest import DEADLINE, Recorder, wait_for

escaped_fixture = pytest.fixture(name='escaped')(watch_escapes)

# In the normal suite the examples are the same on every run (derandomized), so the suite
# is not flaky; GREENNET_FUZZ_EXAMPLES=5000 explores afresh (random, more examples).
EXPLORE = int(os.environ.get('GREENNET_FUZZ_EXAMPLES', '0'))
FUZZ = settings(max_examples=EXPLORE or 120, derandomize=not EXPLORE, deadline=None,
                database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow])
CALL_LIMIT = 2.0          # seconds any single call may take before it counts as a hang
TMP = tempfile.mkdtemp(prefix='gn-fuzz-')
atexit.register(shutil.rmtree, TMP, True)


def node_code(exc):
    code = getattr(exc, 'code', None)
    return isinstance(code, str) and (code.startswith(('ERR_', 'E')) or code == 'ABORT_ERR')


def call(fn, *args, **kwargs):
    """Call ``fn``: its result, or the NodeError it raised; any other exception, or a
    call that does not return within CALL_LIMIT, fails the test."""
    try:
        with gevent.Timeout(CALL_LIMIT, AssertionError(f'{fn.__name__} hung')):
            result = fn(*args, **kwargs)
    except net.NodeError as exc:
        assert node_code(exc), f'{fn.__name__} raised {exc!r} without a Node code'
        outcome(f'{fn.__name__}: {exc.code}')
        return exc
    outcome(f'{fn.__name__}: worked')
    return result


def outcome(text):
    """Count it in hypothesis's statistics (--hypothesis-show-statistics) when fuzzing."""
    if currently_in_test_context():
        event(text)


# ---------------------------------------------------------------- value strategies

def _noop(*args, **kwargs):
    return None


class Opaque:
    """An object of no type greennet knows."""

    def __repr__(self):
        return 'Opaque()'


class WithFd:
    fd = -5


aborted = net.AbortController()
aborted.abort()

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.sampled_from([0, -1, 1, 65535, 65536, 2 ** 31, 2 ** 53 + 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.5, -0.0, 1e308]),
    st.binary(max_size=12), st.builds(bytearray, st.binary(max_size=12)),
    st.builds(memoryview, st.binary(max_size=12)),
    st.just(_noop), st.builds(Opaque), st.builds(net.BlockList),
    st.builds(net.SocketAddress), st.just(aborted.signal), st.just(WithFd()),
)
# texts that are safe wherever they land (none is a host name DNS would be asked about,
# none a relative path a listen would create)
safe_text = st.sampled_from(['', ' ', 'x', 'utf8', 'hex', 'base64', 'ipv4', 'ipv6', 'IPv6',
                             '0', '-1', '65536', '1e3', '0x10', '\x00', '\u2603', 'null'])
wild = st.recursive(
    st.one_of(scalars, safe_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                            st.dictionaries(safe_text, inner, max_size=3)),
    max_leaves=6)

# numbers at the edges: of int32, of a C int of seconds made from milliseconds, of doubles
numbers = st.one_of(
    st.sampled_from([0, 1, -1, 999, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 31 * 1000, 2 ** 32, 2 ** 53,
                     2 ** 63, 2 ** 64, 2 ** 100, 0.5, 1e300, -1e300, math.nan, math.inf]),
    st.integers(), st.floats(), scalars)
flags = st.one_of(st.booleans(), st.booleans(), scalars)

OUR_PORT = []             # the port of a server this module keeps listening


def closed_port():
    probe = _socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


CLOSED_PORT = closed_port()
bad_ports = st.one_of(st.integers(max_value=-1), st.integers(min_value=65536),
                      st.floats().filter(lambda f: not (f == f and f.is_integer() and 0 <= f <= 65535)),
                      st.sampled_from(['-1', '65536', '1.5', 'abc', '0x50', ' ', '']))
listen_ports = st.one_of(st.sampled_from([0, '0', 0.0, None]), bad_ports, scalars)
connect_ports = st.one_of(st.builds(lambda: OUR_PORT[0]), st.just(CLOSED_PORT),
                          st.builds(lambda: str(OUR_PORT[0])), st.just(0), bad_ports, scalars)
LOOPBACK_HOSTS = ('127.0.0.1', '::1', 'localhost', '', '::ffff:127.0.0.1', '0.0.0.0', '::')
hosts = st.one_of(st.sampled_from(LOOPBACK_HOSTS), scalars)
paths = st.one_of(
    st.builds(lambda name: os.path.join(TMP, name),
              st.text(st.characters(blacklist_characters='/\x00', blacklist_categories=('Cs',)),
                      min_size=1, max_size=120)),
    st.builds(lambda name: '\x00gn-fuzz-' + name,
              st.text(st.characters(blacklist_categories=('Cs',)), max_size=20)),
    st.just(TMP), scalars)
encodings = st.one_of(st.sampled_from(['utf8', 'utf-8', 'UTF8', 'hex', 'base64', 'base64url', 'latin1',
                                       'binary', 'ascii', 'ucs2', 'ucs-2', 'utf16le', 'utf-16le',
                                       'buffer', 'utf32', 'nope']), st.text(max_size=8), scalars)
data = st.one_of(st.binary(max_size=64), st.text(max_size=32), st.builds(bytearray, st.binary(max_size=16)),
                 scalars)
callbacks = st.one_of(st.just(_noop), scalars)


def good_lookup(host, options, callback):
    callback(None, '127.0.0.1', 4)


def all_lookup(host, options, callback):
    callback(None, [{'address': '127.0.0.1', 'family': 4}, {'address': '::1', 'family': 6}])


def failing_lookup(host, options, callback):
    callback(OSError('no such host'))


def garbage_lookup(host, options, callback):
    callback(None, 12345, 'four')


def raising_lookup(host, options, callback):
    raise RuntimeError('lookup exploded')


lookups = st.one_of(st.sampled_from([good_lookup, all_lookup, failing_lookup, garbage_lookup,
                                     raising_lookup]), scalars)

_pipe_r, _pipe_w = os.pipe()          # a descriptor that is not a socket
atexit.register(os.close, _pipe_r)
atexit.register(os.close, _pipe_w)
fds = st.one_of(st.sampled_from([-1, 10 ** 6, _pipe_r, 1.5, '3']), scalars)

SERVER_OPTIONS = {
    'allowHalfOpen': flags, 'highWaterMark': numbers, 'keepAlive': flags,
    'keepAliveInitialDelay': numbers, 'noDelay': flags, 'pauseOnConnect': flags,
    'blockList': wild, 'maxConnectionsPolicy': st.one_of(st.sampled_from(['drop', 'pause']), wild),
}
LISTEN_OPTIONS = {
    'port': listen_ports, 'host': hosts, 'path': paths, 'backlog': st.deferred(lambda: backlogs),
    'exclusive': flags,
    'ipv6Only': flags, 'reusePort': flags, 'readableAll': flags, 'writableAll': flags,
    'signal': wild, 'fd': fds, 'handle': st.one_of(fds, st.builds(net.Server), wild),
}
CONNECT_OPTIONS = {
    'port': connect_ports, 'host': hosts, 'path': paths, 'localAddress': st.one_of(hosts, safe_text),
    'localPort': st.one_of(st.just(0), bad_ports, scalars),
    'family': st.one_of(st.sampled_from([0, 4, 6]), numbers), 'hints': numbers,
    'lookup': lookups, 'autoSelectFamily': flags, 'autoSelectFamilyAttemptTimeout': numbers,
    'noDelay': flags, 'keepAlive': flags, 'keepAliveInitialDelay': numbers, 'blockList': wild,
    'timeout': numbers, 'allowHalfOpen': flags, 'fd': fds, 'readable': flags, 'writable': flags,
    'signal': st.one_of(st.just(aborted.signal), st.builds(lambda: net.AbortController().signal), wild),
    'highWaterMark': numbers,
    'onread': st.one_of(wild, st.fixed_dictionaries({}, optional={
        'buffer': st.one_of(st.builds(bytearray, st.integers(0, 32)), st.just(lambda: bytearray(8)),
                            st.just(memoryview(b'read-only')), st.just(lambda: 123), scalars),
        'callback': callbacks})),
}


def snake(name):
    return ''.join('_' + c.lower() if c.isupper() else c for c in name)


def options_from(table, unknown=True):
    """A dict of some of ``table``'s options, in either spelling, plus maybe an unknown one."""
    def build(picked, spell_snake, extra):
        out = {}
        for name, value in picked.items():
            out[snake(name) if spell_snake else name] = value
        if extra:
            out['colour'] = 'blue'
        return out
    return st.builds(build, st.fixed_dictionaries({}, optional=table), st.booleans(),
                     st.booleans() if unknown else st.just(False))


# ---------------------------------------------------------------- what calls may emit later

class Watch:
    """Collects the 'error' events of the emitters a test created; all must be NodeErrors."""

    def __init__(self):
        self.errors = []

    def __call__(self, emitter):
        emitter.on('error', self.errors.append)
        return emitter

    def check(self):
        for err in self.errors:
            assert isinstance(err, net.NodeError) and node_code(err), repr(err)


def settle_socket(sock, watch, seconds=0.3):
    """Let a socket the fuzz made reach 'connect' or 'close' (bounded: a lookup that never
    calls back, as ``_noop``, leaves it connecting, as in Node), then destroy it."""
    done = Event()
    sock.on('connect', done.set)
    sock.on('close', lambda *a: done.set())
    if not sock.destroyed and sock.connecting:
        done.wait(seconds)
    sock.destroy()
    if not sock.closed:
        closed = Event()
        sock.on('close', lambda *a: closed.set())
        wait_for(closed, what='the fuzzed socket closing')
    watch.check()


def close_server(server, watch):
    for _ in range(3):
        gevent.sleep(0)                       # 'listening' or 'error' are posted: let them run
    if server.listening:
        closed = Event()
        server.close(lambda *a: closed.set())
        wait_for(closed, what='the fuzzed server closing')
    watch.check()


def greet_and_echo(sock):
    sock.write(b'hello\n')               # every client has something to read at once
    sock.pipe(sock)


@pytest.fixture(scope='module')
def our_server():
    server = net.createServer(greet_and_echo)
    target = listen_tcp(server)
    OUR_PORT[:] = [target['port']]
    yield target
    server.shutdown(0)


# ---------------------------------------------------------------- the calls

@FUZZ
@given(args=st.lists(st.one_of(options_from(SERVER_OPTIONS), callbacks, wild), max_size=2),
       kwargs=options_from(SERVER_OPTIONS))
def test_create_server_works_or_raises_a_node_error(args, kwargs, escaped):
    result = call(net.createServer, *args, **kwargs)
    if not isinstance(result, net.NodeError):
        assert isinstance(result, net.Server) and not result.listening
    assert not escaped


backlogs = numbers
listen_args = st.one_of(
    st.tuples(options_from(LISTEN_OPTIONS)),
    st.tuples(listen_ports),
    st.tuples(listen_ports, hosts),
    st.tuples(listen_ports, hosts, backlogs),
    st.tuples(listen_ports, hosts, backlogs, callbacks),
    st.tuples(listen_ports, backlogs),
    st.tuples(paths),
    st.tuples(paths, backlogs, callbacks),
    st.tuples(st.builds(net.Server)),
    st.tuples(fds, backlogs),
    st.tuples(),
)


@FUZZ
@given(args=listen_args, kwargs=st.one_of(st.just({}), options_from(LISTEN_OPTIONS)))
def test_listen_works_or_raises_a_node_error(args, kwargs, escaped):
    watch = Watch()
    server = watch(net.createServer())
    try:
        result = call(server.listen, *args, **kwargs)
        assert result is server or isinstance(result, net.NodeError)
        if server.listening and isinstance(server.address(), dict):
            assert server.address()['port'] != 0
    finally:
        close_server(server, watch)
    assert not escaped


def _connect_args(opts, port, host, path, listener, form):
    if form == 'options':
        if 'lookup' not in opts and isinstance(opts.get('host'), str) and \
                opts['host'] not in LOOPBACK_HOSTS:
            opts['host'] = '127.0.0.1'          # any other name would be a real DNS query
        return (opts, listener)
    if form == 'options+port':
        opts.pop('path', None)
        opts.pop('lookup', None)
        opts.update(port=OUR_PORT[0], host='127.0.0.1')
        return (opts, listener)
    if form == 'port':
        return (port, host, listener)
    return (path, listener)


connect_args = st.builds(_connect_args, options_from(CONNECT_OPTIONS), connect_ports, hosts, paths,
                         callbacks, st.sampled_from(['options', 'options+port', 'port', 'path']))


@FUZZ
@given(args=connect_args, kwargs=st.one_of(st.just({}), options_from(
    {k: v for k, v in CONNECT_OPTIONS.items() if k not in ('host', 'lookup')})))
def test_connect_works_or_raises_a_node_error(our_server, args, kwargs, escaped):
    watch = Watch()
    args = tuple(a for a in args if a is not _noop) + ((_noop,) if _noop in args else ())
    result = call(net.connect, *args, **kwargs)
    if not isinstance(result, net.NodeError):
        assert isinstance(result, net.Socket)
        watch(result)
        settle_socket(result, watch)
    assert not escaped


@FUZZ
@given(host=st.text(max_size=30),
       lookup=st.sampled_from([good_lookup, all_lookup, failing_lookup, garbage_lookup,
                               raising_lookup, _noop]),
       family=st.sampled_from([0, 4, 6, None]))
def test_connect_to_any_host_name_through_a_lookup_works_or_raises_a_node_error(
        our_server, host, lookup, family, escaped):
    watch = Watch()
    result = call(net.connect, {'port': our_server['port'], 'host': host, 'lookup': lookup,
                                'family': family})
    if not isinstance(result, net.NodeError):
        watch(result)
        settle_socket(result, watch, 0.02 if lookup is _noop else 0.3)
    assert not escaped


def few(table, size=2):
    """A dict of one or two of ``table``'s options: the rest stay valid (their defaults),
    so what a fuzzed value does once a socket is really connected gets exercised."""
    return st.lists(st.sampled_from(sorted(table)), min_size=1, max_size=size, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: table[name] for name in names}))


SOCKET_LEVEL = {k: v for k, v in CONNECT_OPTIONS.items()
                if k not in ('port', 'host', 'path', 'lookup', 'fd', 'localAddress', 'localPort')}


@FUZZ
@given(options=few(SOCKET_LEVEL))
def test_a_connection_with_a_few_fuzzed_options_works_or_raises_a_node_error(our_server, options, escaped):
    watch = Watch()
    result = call(net.connect, {**our_server, **options})
    if not isinstance(result, net.NodeError):
        watch(result)
        if 'onread' not in options:
            result.on('data', lambda chunk: None)         # read the greeting
        settle_socket(result, watch)
    assert not escaped


@FUZZ
@given(options=few(SERVER_OPTIONS))
def test_a_server_with_a_few_fuzzed_options_serves_or_raises_a_node_error(options, escaped):
    watch = Watch()
    server = call(net.createServer, options, greet_and_echo)
    if isinstance(server, net.NodeError):
        return
    watch(server)
    try:
        target = listen_tcp(server)
        client = watch(net.connect(target))
        client.on('error', lambda err: None)
        with gevent.Timeout(DEADLINE, AssertionError('the fuzzed server never answered')):
            if options.get('pauseOnConnect'):
                client.wait_connected()
            else:
                assert client.readline() == b'hello\n'
        client.destroy()
    finally:
        close_server_now(server, watch)
    assert not escaped


def close_server_now(server, watch):
    server.shutdown(0)
    watch.check()


socket_calls = st.lists(st.one_of(
    st.tuples(st.just('write'), st.lists(st.one_of(data, encodings, callbacks), min_size=1, max_size=3)),
    st.tuples(st.just('end'), st.lists(st.one_of(data, encodings, callbacks), max_size=3)),
    st.tuples(st.just('setTimeout'), st.lists(st.one_of(
        st.floats(min_value=0, max_value=50), st.integers(min_value=-5, max_value=50), callbacks,
        scalars), min_size=1, max_size=2)),
    st.tuples(st.just('setEncoding'), st.lists(encodings, max_size=1)),
), min_size=1, max_size=5)


@FUZZ
@given(calls=socket_calls)
def test_write_end_set_timeout_set_encoding_work_or_raise_node_errors(our_server, calls, escaped):
    watch = Watch()
    sock = watch(net.connect(our_server))
    sock.on('data', lambda chunk: None)
    try:
        sock.wait_connected(DEADLINE)
        for name, args in calls:
            result = call(getattr(sock, name), *args)
            if not isinstance(result, net.NodeError):
                if name == 'write':
                    assert result in (True, False)
                else:
                    assert result is sock
        for _ in range(3):
            gevent.sleep(0)                      # the events the calls caused
    finally:
        settle_socket(sock, watch, seconds=0)
    assert not escaped


BLOCK_LIST_METHODS = {'addAddress': (1, 2), 'addRange': (2, 3), 'addSubnet': (2, 3),
                      'check': (1, 2)}
addresses = st.one_of(st.sampled_from(['127.0.0.1', '::1', '10.0.0.0', '::ffff:10.1.2.3',
                                       'fe80::1%eth0', '1.2.3', '256.0.0.1', '::g']),
                      st.builds(net.SocketAddress, st.just({'address': '::1', 'family': 'ipv6'})),
                      st.sampled_from(['ipv4', 'ipv6', 'IPV6', 'ipv5']), wild)


@FUZZ
@given(steps=st.lists(st.sampled_from(sorted(BLOCK_LIST_METHODS)).flatmap(
           lambda m: st.tuples(st.just(m), st.lists(addresses, min_size=BLOCK_LIST_METHODS[m][0],
                                                    max_size=BLOCK_LIST_METHODS[m][1]))),
       min_size=1, max_size=6),
       probe=wild)
def test_block_list_works_or_raises_a_node_error(steps, probe, escaped):
    block_list = net.BlockList()
    for method, args in steps:
        result = call(getattr(block_list, method), *args)
        assert result in (None, True, False) or isinstance(result, net.NodeError)
    assert all(isinstance(rule, str) for rule in block_list.rules)
    assert call(net.BlockList.isBlockList, probe) in (True, False)
    assert not escaped


@FUZZ
@given(options=st.one_of(wild, st.fixed_dictionaries({}, optional={
           'address': addresses, 'port': st.one_of(listen_ports, st.integers(0, 65535)),
           'family': addresses, 'flowlabel': wild})),
       kwargs=st.fixed_dictionaries({}, optional={'port': wild, 'family': wild, 'colour': wild}),
       text=st.one_of(st.text(max_size=30), wild))
def test_socket_address_works_or_raises_a_node_error(options, kwargs, text, escaped):
    made = call(net.SocketAddress, options, **kwargs)
    if not isinstance(made, net.NodeError):
        assert made.family in ('ipv4', 'ipv6') and 0 <= made.port <= 65535
        assert call(net.SocketAddress, made.toJSON()) == made
    parsed = call(net.SocketAddress.parse, text)
    assert parsed is None or isinstance(parsed, (net.SocketAddress, net.NodeError))
    assert call(net.SocketAddress.isSocketAddress, options) in (True, False)
    assert not escaped


# ---------------------------------------------------------------- what the fuzz found

UNENCODABLE_HOST = 'a\x9d'   # IDNA cannot encode it: getaddrinfo fails locally, no DNS query


def test_listen_on_a_host_name_that_cannot_be_encoded_emits_a_node_error(escaped):
    watch = Watch()
    server = watch(net.createServer())
    errored = Event()
    server.on('error', lambda err: errored.set())
    try:
        result = call(server.listen, 0, UNENCODABLE_HOST)
        assert result is server                       # Node: no throw, an 'error' event
        wait_for(errored, what="listen's 'error' event")
        (err,) = watch.errors
        assert err.code in ('EINVAL', 'ENOTFOUND') and err.syscall == 'getaddrinfo'
    finally:
        close_server(server, watch)
    gevent.sleep(0.05)          # a resolver thread's report of an escape arrives a little later
    assert not escaped


def test_a_server_listening_on_a_path_with_a_nul_closes_cleanly(escaped):
    where = tempfile.mkdtemp(prefix='gn-nul-')
    server = net.createServer()
    listening, closed = Event(), Event()
    try:
        server.listen(os.path.join(where, 'sock\x00tail'), listening.set)
        wait_for(listening, what="'listening'")
        assert os.listdir(where) == ['sock']            # bound up to the NUL, as Node does
        call(server.close, lambda *a: closed.set())     # ValueError escapes here
        wait_for(closed, what="the server's 'close'")
        assert os.listdir(where) == []
    finally:
        for name in os.listdir(where):
            os.unlink(os.path.join(where, name))
        os.rmdir(where)
    assert not escaped


def test_connect_to_a_host_name_that_cannot_be_encoded_fails_cleanly(escaped):
    watch = Watch()
    sock = watch(net.connect({'port': CLOSED_PORT, 'host': UNENCODABLE_HOST}))
    closed = Event()
    sock.on('close', lambda had_error: closed.set())
    wait_for(closed, what='the socket closing')
    (err,) = watch.errors
    assert err.code in ('EINVAL', 'ENOTFOUND') and err.syscall == 'getaddrinfo'
    gevent.sleep(0.05)          # a resolver thread's report of an escape arrives a little later
    assert not escaped


def test_listen_with_a_backlog_beyond_int32_works_or_raises_a_node_error(escaped):
    watch = Watch()
    server = watch(net.createServer())
    try:
        result = call(server.listen, 0, '127.0.0.1', 2 ** 31)
        assert result is server or result.code == 'ERR_OUT_OF_RANGE'
    finally:
        close_server(server, watch)
    assert not escaped


HUGE_DELAY = 2 ** 31 * 1000    # ms: 2**31 s, more than setsockopt's C int takes


def test_set_keep_alive_with_a_huge_initial_delay_works_or_raises_a_node_error(our_server):
    sock = net.connect(our_server)
    try:
        sock.wait_connected(DEADLINE)
        result = call(sock.setKeepAlive, True, HUGE_DELAY)
        assert result is sock or isinstance(result, net.NodeError)
    finally:
        sock.destroy()


def test_connect_with_keep_alive_and_a_huge_initial_delay_connects_or_fails_cleanly(our_server, escaped):
    watch = Watch()
    sock = call(net.connect, {**our_server, 'keepAlive': True, 'keepAliveInitialDelay': HUGE_DELAY})
    if isinstance(sock, net.NodeError):
        return
    watch(sock)
    rec = Recorder(sock, 'connect', 'close')
    settled = Event()
    sock.on('connect', settled.set)
    sock.on('close', lambda had_error: settled.set())
    try:
        wait_for(settled, 1.0, "'connect' or 'close'")
    finally:
        sock.destroy()
    watch.check()
    assert not escaped and rec.names


def test_a_server_with_keep_alive_and_a_huge_initial_delay_serves_or_raises_a_node_error(escaped):
    watch = Watch()
    server = call(net.createServer, {'keepAlive': True, 'keepAliveInitialDelay': HUGE_DELAY},
                  greet_and_echo)
    if isinstance(server, net.NodeError):
        return
    try:
        target = listen_tcp(watch(server))
        client = net.connect(target)
        try:
            with gevent.Timeout(1.0, AssertionError('the client was never answered')):
                assert client.readline() == b'hello\n'
        finally:
            client.destroy()
    finally:
        close_server_now(server, watch)
    assert not escaped


def onread_outcome(our_server, buffer):
    """Connect with ``onread`` reading into ``buffer``; the server greets at once.  Returns
    the socket's events once it read something or closed; fails if neither within 1 s."""
    received = []
    progressed = Event()

    def callback(n, buf):
        received.append(bytes(buf[:n]))
        progressed.set()

    sock = call(net.connect, {**our_server, 'onread': {'buffer': buffer, 'callback': callback}})
    if isinstance(sock, net.NodeError):
        return [('raised', sock.code)], received
    rec = Recorder(sock, 'end', 'error', 'close')
    sock.on('close', lambda had_error: progressed.set())
    try:
        if not progressed.wait(1.0):
            raise AssertionError(f'the socket neither read nor closed; saw {rec.names}')
        if not received:
            rec.wait('close')
    finally:
        sock.destroy()
    return rec.events, received


def test_onread_with_an_empty_buffer_is_an_error_not_a_false_end(our_server, escaped):
    events, received = onread_outcome(our_server, bytearray(0))
    names = [e[0] for e in events]
    assert 'end' not in names
    assert names[:1] == ['raised'] or (names[:1] == ['error'] and events[0][1].code == 'ENOBUFS')
    assert not escaped


def test_onread_with_a_read_only_buffer_fails_cleanly(our_server, escaped):
    events, received = onread_outcome(our_server, memoryview(b'read-only'))
    names = [e[0] for e in events]
    assert names[:1] == ['raised'] or names[:1] == ['error']
    assert not escaped


def test_onread_with_a_buffer_function_returning_no_buffer_fails_cleanly(our_server, escaped):
    events, received = onread_outcome(our_server, lambda: 123)
    names = [e[0] for e in events]
    assert names[:1] == ['raised'] or names[:1] == ['error']
    assert not escaped
