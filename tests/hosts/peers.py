"""The clients of the host tests, run inside a client host:
``python peers.py SCENARIO 'JSON arguments'``.

Each scenario is a function below.  Progress is reported as JSON lines on stdout
(``{"event": ...}``) and the last line is the result (``"event": "done"``).  Scenarios
that run until told otherwise read commands on stdin: ``mark NAME`` (remember the time
now as NAME) and ``stop``.  Times are ``time.monotonic()`` seconds, the machine's clock,
also as the test process reads it.

greennet clients use greennet's client API (what the tests prove about it); hostile and
broken peers are plain gevent sockets, doing exactly what they are told.
"""
from __future__ import annotations

import errno
import json
import random
import resource
import struct
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import gevent
from gevent import socket as gsocket
from gevent.event import AsyncResult, Event
from gevent.pool import Pool

import greennet as net

DEADLINE = 10.0
now = time.monotonic


def report(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({'event': event, **fields}) + '\n')
    sys.stdout.flush()


def code_of(err: BaseException) -> str:
    """Node's code of an error, or what kind of failure it was."""
    if isinstance(err, net.IncompleteReadError):
        return 'EOF'
    if isinstance(err, gevent.Timeout):
        return 'HANG'
    return str(getattr(err, 'code', None) or type(err).__name__)


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Commands:
    """``mark NAME`` and ``stop`` lines from stdin (read in gevent's thread pool)."""

    def __init__(self) -> None:
        self.marks: Dict[str, float] = {}
        self.stop = Event()
        self._reader = gevent.spawn(self._read)

    def _read(self) -> None:
        pool = gevent.get_hub().threadpool
        while True:
            line = pool.apply(sys.stdin.readline)
            if not line:
                self.stop.set()
                return
            words = line.split()
            if words[:1] == ['mark'] and len(words) == 2:
                self.marks[words[1]] = now()
            elif words[:1] == ['stop']:
                self.stop.set()


def parse_greeting(line: bytes) -> Dict[str, Any]:
    """apps.greet_echo's line: HOST PID REMOTE_ADDRESS REMOTE_PORT REMOTE_FAMILY."""
    host, pid, address, port, family = line.decode().split()
    return {'host': host, 'pid': int(pid), 'seen_address': address, 'seen_port': int(port),
            'seen_family': family}


def connect_options(a: Dict[str, Any], local: Optional[str] = None) -> Dict[str, Any]:
    """Where to connect: ``host`` (``host6`` instead from an IPv6 ``local`` address when
    given) and ``port``, from ``local`` when given."""
    host = a['host6'] if local and ':' in local and a.get('host6') else a['host']
    options = {'host': host, 'port': a['port']}
    if local:
        options['localAddress'] = local
    return options


# ==================================================================== greeted echo

def greeted_exchange(a: Dict[str, Any], local: Optional[str], payload: bytes) -> Dict[str, Any]:
    """One connection to a greet_echo server: the greeting, ``payload`` echoed, the end."""
    rec: Dict[str, Any] = {'local': local, 'start': now()}
    sock = net.connect(connect_options(a, local))
    sock.on('error', lambda err: None)       # raised by the sequential calls below
    try:
        with gevent.Timeout(DEADLINE):
            sock.wait_connected()
            rec['local_address'], rec['local_port'] = sock.localAddress, sock.localPort
            line = sock.readline()
            if not line:
                rec['outcome'] = 'closed before the greeting'
                return rec
            rec.update(parse_greeting(line))
            sock.write(payload)
            sock.end()
            echoed = sock.read()
            rec['checked'] = len(echoed) if echoed == payload else 0
            rec['outcome'] = 'ok' if echoed == payload else f'echo differs ({len(echoed)} bytes)'
    except BaseException as err:     # noqa: B036 -- gevent.Timeout too
        rec['outcome'] = code_of(err)
    finally:
        sock.destroy()
        rec['end'] = now()
    return rec


def addresses(a: Dict[str, Any]) -> None:
    """``per`` connections from each of ``locals`` (all at once), each greeted and echoed
    ``size`` bytes."""
    jobs = [gevent.spawn(greeted_exchange, a, local, random.randbytes(a['size']))
            for local in a['locals'] for _ in range(a['per'])]
    gevent.joinall(jobs)
    report('done', connections=[job.value for job in jobs])


# ==================================================================== load

def load(a: Dict[str, Any]) -> None:
    """A steady load on a greet_echo service until ``stop``: ``long`` connections that
    each echo ``chunk`` random bytes every ``interval`` s, every byte checked; and
    ``short`` loops making one greeted connection after another (``size`` bytes echoed,
    ``pause`` s apart).  Reports 'ready' once the long connections are greeted."""
    commands = Commands()
    locals_ = a.get('locals') or [None]
    longs: List[Dict[str, Any]] = []
    shorts: List[Dict[str, Any]] = []
    greeted = [0]
    all_greeted = Event()

    def long_connection(i: int) -> None:
        rec: Dict[str, Any] = {'i': i, 'start': now(), 'checked': 0, 'rounds': 0}
        longs.append(rec)
        local = locals_[i % len(locals_)]
        sock = net.connect(connect_options(a, local))
        sock.on('error', lambda err: None)
        rng = random.Random(i)
        try:
            with gevent.Timeout(DEADLINE):
                rec.update(parse_greeting(sock.readline()))
            greeted[0] += 1
            if greeted[0] == a['long']:
                all_greeted.set()
            while not commands.stop.is_set():
                data = rng.randbytes(a['chunk'])
                with gevent.Timeout(DEADLINE):
                    sock.write(data)
                    echoed = sock.readexactly(len(data))
                if echoed != data:
                    rec['outcome'] = f'echo differs after {rec["checked"]} bytes'
                    return
                rec['checked'] += len(data)
                rec['rounds'] += 1
                rec['last_ok'] = now()
                commands.stop.wait(a['interval'])
            with gevent.Timeout(DEADLINE):
                sock.end()
                rest = sock.read()
            rec['outcome'] = 'ok' if rest == b'' else f'{len(rest)} unexpected bytes'
        except BaseException as err:     # noqa: B036
            rec['outcome'] = code_of(err)
            rec['failed_at'] = now()
            greeted[0] += 1
            if greeted[0] == a['long']:
                all_greeted.set()
        finally:
            sock.destroy()
            rec['end'] = now()

    def short_loop(k: int) -> None:
        n = 0
        while not commands.stop.is_set():
            local = locals_[(k + n) % len(locals_)]
            shorts.append(greeted_exchange(a, local, random.randbytes(a['size'])))
            n += 1
            commands.stop.wait(a['pause'])

    long_jobs = [gevent.spawn(long_connection, i) for i in range(a['long'])]
    if a['long']:
        all_greeted.wait(DEADLINE)
    report('ready', hosts=sorted(r.get('host', '?') for r in longs))
    short_jobs = [gevent.spawn(short_loop, k) for k in range(a['short'])]
    commands.stop.wait()
    gevent.joinall(long_jobs + short_jobs, timeout=2 * DEADLINE)
    report('done', long=longs, short=shorts, marks=commands.marks)


# ==================================================================== links that die

def connect_record(a: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    """Connect Node's way and record what happened: 'connect', or the 'error' with its
    fields, and when."""
    rec: Dict[str, Any] = {'start': now()}
    done = Event()
    sock = net.connect({**connect_options(a, a.get('local')), **extra})

    def on_error(err: BaseException) -> None:
        rec.update(event='error', code=getattr(err, 'code', None), errno=getattr(err, 'errno', None),
                   syscall=getattr(err, 'syscall', None), address=getattr(err, 'address', None),
                   port=getattr(err, 'port', None), message=str(err), at=now() - rec['start'])
        done.set()

    def on_connect() -> None:
        rec.update(event='connect', at=now() - rec['start'])
        done.set()

    def on_timeout() -> None:
        rec.update(event='timeout', at=now() - rec['start'], connecting=sock.connecting)
        sock.destroy()

    def on_close(had_error: bool) -> None:
        rec['close'] = {'hadError': had_error, 'at': now() - rec['start']}
        done.set()

    sock.on('error', on_error)
    sock.on('connect', on_connect)
    sock.on('timeout', on_timeout)
    sock.on('close', on_close)
    done.wait(a.get('limit', 30))
    sock.destroy()
    return rec


def blackhole(a: Dict[str, Any]) -> None:
    """Three connects to a blackholed address at once: one left to the kernel (its SYN
    retries), one with Node's ``timeout`` option, one sequential
    ``wait_connected(seconds)``."""
    def sequential() -> Dict[str, Any]:
        start = now()
        sock = net.connect(connect_options(a, a.get('local')))
        sock.on('error', lambda err: None)
        try:
            sock.wait_connected(a['wait_s'])
            return {'outcome': 'connected', 'at': now() - start}
        except BaseException as err:     # noqa: B036
            return {'outcome': type(err).__name__, 'code': code_of(err), 'at': now() - start}
        finally:
            sock.destroy()

    jobs = {'kernel': gevent.spawn(connect_record, a),
            'timeout_option': gevent.spawn(connect_record, a, timeout=a['timeout_ms']),
            'sequential': gevent.spawn(sequential)}
    gevent.joinall(list(jobs.values()))
    report('done', **{name: job.value for name, job in jobs.items()})


def reject(a: Dict[str, Any]) -> None:
    """One connect to each of ``targets`` ({label, host, port, local}), at once."""
    jobs = {t['label']: gevent.spawn(connect_record, {**a, **t}) for t in a['targets']}
    gevent.joinall(list(jobs.values()))
    report('done', **{label: job.value for label, job in jobs.items()})


def keepalive(a: Dict[str, Any]) -> None:
    """Two idle connections with ``setKeepAlive(true, delay_ms)`` to an echo server:
    one Node style (listeners), one sequential (a greenlet blocked in ``read()``).
    Reports 'established'; after ``mark cut`` (the test has cut the link) waits for
    both to learn the peer is gone (at most ``limit`` s)."""
    commands = Commands()
    node = net.connect(connect_options(a, a.get('local')))
    node.setKeepAlive(True, a['delay_ms'])
    seq = net.connect(connect_options(a, a.get('local')))
    seq.setKeepAlive(True, a['delay_ms'])
    seq.on('error', lambda err: None)        # the sequential read below raises it
    node_events: List[List[Any]] = []
    node_done, echoed = Event(), Event()

    def on_data(data: bytes) -> None:
        node_events.append(['data', data.decode(), now()])
        echoed.set()

    node.on('data', on_data)
    node.on('error', lambda err: node_events.append(['error', code_of(err), now(),
                                                      getattr(err, 'syscall', None)]))
    node.on('close', lambda had_error: (node_events.append(['close', had_error, now()]),
                                        node_done.set()))
    node.write(b'ping\n')
    seq.write(b'ping\n')
    with gevent.Timeout(DEADLINE):
        assert seq.readexactly(5) == b'ping\n'
        echoed.wait()
    report('established')
    seq_result: Dict[str, Any] = {}

    def blocked_reader() -> None:
        try:
            data = seq.read(100)          # blocks: the peer says nothing more
            seq_result.update(outcome='data', data=data.decode(), at=now())
        except BaseException as err:     # noqa: B036
            seq_result.update(outcome='raised', type=type(err).__name__, code=code_of(err),
                              at=now())

    reader = gevent.spawn(blocked_reader)
    while 'cut' not in commands.marks and not commands.stop.is_set():
        gevent.sleep(0.01)
    cut = commands.marks.get('cut', now())
    reader.join(a['limit'])
    node_done.wait(max(0.0, cut + a['limit'] - now()))
    reader.kill()
    report('done', cut=cut, node=node_events, sequential=seq_result)


def eyeballs(a: Dict[str, Any]) -> None:
    """``runs`` pairs of connects, at once, to a name that resolves (through Node's
    ``lookup`` option: literal addresses, no DNS) to ``addresses`` in that order: one with
    Node's serial autoSelectFamily, one with ``autoSelectFamilyOverlap``.  Every event
    is recorded with its time; each connection then echoes a line."""
    def lookup(hostname: str, options: Dict[str, Any], callback: Callable[..., Any]) -> None:
        found = [{'address': address, 'family': 6 if ':' in address else 4}
                 for address in a['addresses']]
        if options.get('all'):
            callback(None, found)
        else:
            callback(None, found[0]['address'], found[0]['family'])

    def attempt(overlap: bool) -> Dict[str, Any]:
        start = now()
        events: List[List[Any]] = []
        options = {'host': a['name'], 'port': a['port'], 'lookup': lookup,
                   'autoSelectFamily': True,
                   'autoSelectFamilyAttemptTimeout': a['attempt_timeout_ms']}
        if overlap:
            options['autoSelectFamilyOverlap'] = True
        sock = net.Socket()
        for name in ('lookup', 'connectionAttempt', 'connectionAttemptFailed',
                     'connectionAttemptTimeout', 'connect', 'ready', 'error'):
            def record(*args: Any, _name: str = name) -> None:
                shown = [getattr(x, 'code', str(x)) if isinstance(x, BaseException) else x
                         for x in args]
                events.append([_name, *shown, round(now() - start, 4)])
            sock.on(name, record)
        sock.connect(options)
        rec: Dict[str, Any] = {'events': events}
        try:
            with gevent.Timeout(DEADLINE):
                sock.wait_connected()
                rec.update(connected_at=now() - start, remoteAddress=sock.remoteAddress,
                           remoteFamily=sock.remoteFamily,
                           attempted=list(sock.autoSelectFamilyAttemptedAddresses))
                sock.write(b'over the winner\n')
                rec['echo'] = sock.readline().decode()
        except BaseException as err:     # noqa: B036
            rec['error'] = code_of(err)
        finally:
            sock.destroy()
        return rec

    serial: List[Dict[str, Any]] = []
    overlap: List[Dict[str, Any]] = []
    for _ in range(a['runs']):
        one, other = gevent.spawn(attempt, False), gevent.spawn(attempt, True)
        gevent.joinall([one, other])
        serial.append(one.value)
        overlap.append(other.value)
    report('done', serial=serial, overlap=overlap)


# ==================================================================== hostile peers

def _errname(err: OSError) -> str:
    """The errno name of a plain socket's error ('timeout' for a socket timeout)."""
    if isinstance(err, (TimeoutError, gsocket.timeout)) and err.errno is None:
        return 'timeout'
    return errno.errorcode.get(err.errno or 0, type(err).__name__)


def slow(a: Dict[str, Any]) -> None:
    """``n`` slow peers: each connects, sends one byte (``b'x'``, never a newline) every
    ``gap`` s, ``count`` bytes in all, then says nothing and waits for the server to
    close.  Reports 'connected' once every peer has sent its first byte."""
    raise_fd_limit()
    peers: List[Dict[str, Any]] = []
    connected = [0]
    all_connected = Event()

    def peer(i: int) -> None:
        rec: Dict[str, Any] = {'sent': 0}
        peers.append(rec)
        sock = None
        try:
            sock = gsocket.create_connection((a['host'], a['port']), timeout=DEADLINE)
            rec['connected'] = now()
            for k in range(a['count']):
                sock.sendall(b'x')
                rec['sent'] += 1
                rec['last_byte'] = now()
                if k == 0:
                    connected[0] += 1
                    if connected[0] == a['n']:
                        all_connected.set()
                if k < a['count'] - 1:
                    gevent.sleep(a['gap'])
            sock.settimeout(a['wait'])
            data = sock.recv(100)
            rec['closed'] = 'eof' if not data else f'{len(data)} bytes'
        except OSError as err:
            rec['closed'] = _errname(err)
        finally:
            rec['closed_at'] = now()
            if sock is not None:
                sock.close()

    jobs = [gevent.spawn(peer, i) for i in range(a['n'])]
    all_connected.wait(DEADLINE)
    report('connected', peers=connected[0])
    gevent.joinall(jobs)
    report('done', peers=peers)


def lines(a: Dict[str, Any]) -> None:
    """``n`` well-behaved clients at once, each sending ``rounds`` lines one after the
    other and reading each echo back (checked); reports the round-trip times."""
    def client(i: int) -> Dict[str, Any]:
        rec: Dict[str, Any] = {'rtts': []}
        sock = net.connect({'host': a['host'], 'port': a['port']})
        sock.on('error', lambda err: None)
        try:
            with gevent.Timeout(DEADLINE):
                sock.wait_connected()
                for r in range(a['rounds']):
                    line = f'client {i} line {r} '.encode() + b'.' * 40 + b'\n'
                    t = now()
                    sock.write(line)
                    if sock.readline() != line:
                        rec['outcome'] = 'echo differs'
                        return rec
                    rec['rtts'].append(now() - t)
                sock.end()
            rec['outcome'] = 'ok'
        except BaseException as err:     # noqa: B036
            rec['outcome'] = code_of(err)
        finally:
            sock.destroy()
        return rec

    start = now()
    jobs = [gevent.spawn(client, i) for i in range(a['n'])]
    gevent.joinall(jobs)
    report('done', elapsed=now() - start, clients=[job.value for job in jobs])


def flood(a: Dict[str, Any]) -> None:
    """``n`` peers at once, each sending ``size`` bytes without a newline as fast as the
    server takes them; records how far each got before the server closed."""
    def peer() -> Dict[str, Any]:
        rec: Dict[str, Any] = {'sent': 0}
        chunk = b'x' * 65536
        try:
            sock = gsocket.create_connection((a['host'], a['port']), timeout=DEADLINE)
        except OSError as err:
            return {'closed': _errname(err)}
        try:
            while rec['sent'] < a['size']:
                rec['sent'] += sock.send(chunk)
            rec['closed'] = 'all sent'
            data = sock.recv(100)
            rec['closed'] = 'eof' if not data else f'{len(data)} bytes'
        except OSError as err:
            rec['closed'] = _errname(err)
        finally:
            sock.close()
        return rec

    jobs = [gevent.spawn(peer) for _ in range(a['n'])]
    gevent.joinall(jobs)
    report('done', peers=[job.value for job in jobs])


def _line_round_trip(sock: Any, line: bytes) -> bool:
    sock.sendall(line)
    got = b''
    while not got.endswith(b'\n'):
        chunk = sock.recv(100)
        if not chunk:
            break
        got += chunk
    return got == line


def reset(a: Dict[str, Any]) -> None:
    """A bystander connection echoes a line; a second peer sends half a line and resets
    (RST); once the test says ``mark go``, the bystander echoes another line."""
    commands = Commands()
    bystander = gsocket.create_connection((a['host'], a['port']), timeout=DEADLINE)
    before = _line_round_trip(bystander, b'bystander before\n')
    rude = gsocket.create_connection((a['host'], a['port']), timeout=DEADLINE)
    rude_port = rude.getsockname()[1]
    first_echo = _line_round_trip(rude, b'first line\n')
    rude.sendall(b'half a li')
    gevent.sleep(0.05)                   # let the half line leave before the RST
    rude.setsockopt(gsocket.SOL_SOCKET, gsocket.SO_LINGER, struct.pack('ii', 1, 0))
    rude.close()
    report('reset', port=rude_port)
    while 'go' not in commands.marks and not commands.stop.is_set():
        gevent.sleep(0.01)
    after = _line_round_trip(bystander, b'bystander after\n')
    bystander.close()
    report('done', before=before, after=after, first_echo=first_echo)


V2_SIGNATURE = b'\r\n\r\n\x00\r\nQUIT\n'


def v2_header(source: str, source_port: int, dest: str, dest_port: int) -> bytes:
    block = (gsocket.inet_pton(gsocket.AF_INET, source) + gsocket.inet_pton(gsocket.AF_INET, dest)
             + struct.pack('!HH', source_port, dest_port))
    return V2_SIGNATURE + bytes([0x21, 0x11]) + struct.pack('!H', len(block)) + block


def partial_proxy(a: Dict[str, Any]) -> None:
    """Against a proxyProtocol server: a peer that sends 8 bytes of a v2 header and
    stalls, one that sends 20 bytes of it and ends (FIN), and a good peer (a whole v2
    header naming 203.0.113.9:4242, then a line) at the same time."""
    header = v2_header('203.0.113.9', 4242, a['host'], a['port'])

    def partial(n: int, end: bool) -> Dict[str, Any]:
        start = now()
        sock = gsocket.create_connection((a['host'], a['port']), timeout=DEADLINE)
        rec: Dict[str, Any] = {'port': sock.getsockname()[1]}
        try:
            sock.sendall(header[:n])
            if end:
                sock.shutdown(gsocket.SHUT_WR)
            data = sock.recv(100)
            rec['closed'] = 'eof' if not data else f'{len(data)} bytes'
        except OSError as err:
            rec['closed'] = _errname(err)
        finally:
            rec['at'] = now() - start
            sock.close()
        return rec

    def good() -> Dict[str, Any]:
        sock = gsocket.create_connection((a['host'], a['port']), timeout=DEADLINE)
        try:
            sock.sendall(header)
            return {'echoed': _line_round_trip(sock, b'through the header\n')}
        finally:
            sock.close()

    jobs = {'stalled': gevent.spawn(partial, 8, False), 'ended': gevent.spawn(partial, 20, True),
            'good': gevent.spawn(good)}
    gevent.joinall(list(jobs.values()))
    report('done', **{name: job.value for name, job in jobs.items()})


def hold(a: Dict[str, Any]) -> None:
    """One connection that echoes a line, reports 'established' and then idles until
    the process is killed (its host vanishes under it)."""
    sock = gsocket.create_connection((a['host'], a['port']), timeout=DEADLINE)
    ok = _line_round_trip(sock, b'about to vanish\n')
    report('established', port=sock.getsockname()[1], echoed=ok)
    gevent.sleep(3600)


# ==================================================================== bulk, both styles

def bulk(a: Dict[str, Any]) -> None:
    """``n`` connections at once, each sending ``size`` random bytes and reading them
    back, every byte compared, in ``style`` 'node' (events, write/'drain') or
    'sequential' (a writer greenlet with drain(), reads in the connection's greenlet)."""
    raise_fd_limit()
    target = {'host': a['host'], 'port': a['port']}
    size = a['size']

    def node_style(i: int) -> Dict[str, Any]:
        payload = random.Random(i).randbytes(size)
        result: AsyncResult = AsyncResult()
        state = {'sent': 0, 'received': 0, 'ended': False}
        sock = net.connect(target)

        def pump() -> None:
            while state['sent'] < size:
                chunk = payload[state['sent']:state['sent'] + 65536]
                state['sent'] += len(chunk)
                if not sock.write(chunk):
                    return                  # 'drain' calls again
            if not state['ended']:
                state['ended'] = True
                sock.end()

        def on_data(data: bytes) -> None:
            start = state['received']
            if payload[start:start + len(data)] != data:
                result.set({'outcome': f'differs at {start}', 'checked': start})
                sock.destroy()
                return
            state['received'] = start + len(data)

        sock.on('connect', pump)
        sock.on('drain', pump)
        sock.on('data', on_data)
        sock.on('end', lambda: result.set({'outcome': 'ok' if state['received'] == size else
                                           f'ended after {state["received"]}',
                                           'checked': state['received']}))
        sock.on('error', lambda err: result.set({'outcome': code_of(err),
                                                 'checked': state['received']}))
        try:
            return result.get(timeout=a['limit'])  # type: ignore[no-any-return]
        except gevent.Timeout:
            return {'outcome': 'HANG', 'checked': state['received']}
        finally:
            sock.destroy()

    def sequential(i: int) -> Dict[str, Any]:
        payload = random.Random(i).randbytes(size)
        sock = net.connect(target)
        sock.on('error', lambda err: None)

        def writer() -> None:
            view = memoryview(payload)
            for offset in range(0, size, 65536):
                sock.write(view[offset:offset + 65536])
                sock.drain()
            sock.end()

        received = 0
        writing = gevent.spawn(writer)
        try:
            with gevent.Timeout(a['limit']):
                while True:
                    data = sock.read(65536)
                    if not data:
                        break
                    if payload[received:received + len(data)] != data:
                        return {'outcome': f'differs at {received}', 'checked': received}
                    received += len(data)
            return {'outcome': 'ok' if received == size else f'ended after {received}',
                    'checked': received}
        except BaseException as err:     # noqa: B036
            return {'outcome': code_of(err), 'checked': received}
        finally:
            writing.kill()
            sock.destroy()

    run = node_style if a['style'] == 'node' else sequential
    start = now()
    pool = Pool(a.get('concurrency', a['n']))
    results = pool.map(run, range(a['n']))
    report('done', elapsed=now() - start, connections=results)


SCENARIOS = {f.__name__.replace('_', '-'): f for f in (
    addresses, load, blackhole, reject, keepalive, eyeballs, slow, lines, flood, reset,
    partial_proxy, hold, bulk)}

if __name__ == '__main__':
    SCENARIOS[sys.argv[1]](json.loads(sys.argv[2]))
