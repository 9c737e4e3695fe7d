#!/usr/bin/env python3
"""greennet's benchmark: five echo servers under the same load, one table of ratios.

    python bench/run.py                      # 3 rounds of 5 s, every scenario (about 8 min)
    python bench/run.py --quick              # 1 round, small scenarios, a few seconds each
    python bench/run.py --scenarios pp100,stream1 --servers greennet_seq,gevent --rounds 5
    python bench/run.py --count              # counted figures that do not swing (~2 min)
    python bench/run.py --count --checkout old=../old --checkout new=.   # before/after

Each echo server in ``bench/servers/`` runs in its own process, pinned to one CPU; the load
client runs pinned to another.  The client is ``loadclient.c``, built into ``bench/build/``
with the C compiler on first use, or, without one, a multi-process Python client (this
file, run with ``--client-worker``).  Every byte echoed back is checked.  Within a round
the servers take turns on each scenario, and the table gives each server's median over the
rounds and its ratio to raw gevent ``StreamServer`` measured in the same run.

Scenarios are named by kind and size (``k`` means thousand): ``ppN`` (64 B ping-pong over
N connections, round trips/s), ``streamN`` (64 KiB chunks over N connections with at most
256 KiB in flight on each, MB/s echoed), ``churnN`` (connect, one 64 B round trip, close,
N at a time, connections/s), ``idleN`` (the server's RSS growth per idle connection with
N connections open, KiB).  See README.md.

``--count`` replaces the rates by counts that do not depend on the machine's load: the
server's user-space instructions and syscalls (under valgrind's callgrind) per round
trip and per connection, each from two runs of different lengths (see
``count.py``).  ``--checkout LABEL=DIR`` (repeatable) has the greennet servers import the
greennet of another source tree, so that old and new code are measured in one run.

Linux only (epoll, sched_setaffinity, /proc); 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import re
import resource
import select
import selectors
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import count  # bench/count.py: this script's directory is first on sys.path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = HERE / 'build'
HOST = '127.0.0.1'

# (name, file in servers/, label): run and printed in this order
SERVERS = [
    ('greennet_pipe', 'greennet_pipe.py', 'greennet Node style: pipe(sock)'),
    ('greennet_data', 'greennet_data.py', "greennet Node style: 'data' + pause/'drain'"),
    ('greennet_seq', 'greennet_seq.py', 'greennet sequential: read/write/drain()'),
    ('gevent', 'gevent_stream.py', 'gevent StreamServer: recv/sendall'),
    ('asyncio', 'asyncio_streams.py', 'asyncio streams: read/write/drain()'),
]
REFERENCE = 'gevent'
DEFAULT_SCENARIOS = 'pp100,pp1000,stream1,churn50,idle1k'
QUICK_SCENARIOS = 'pp50,idle200'

MSG = 64                     # ping-pong and churn message size
CHUNK = 65536                # stream: bytes per send
WINDOW = 4 * CHUNK           # stream: bytes in flight per connection at most
PERIOD = 65521               # stream: the check pattern repeats with this (prime) period
SERVER_START_TIMEOUT = 30.0  # seconds for a server to print READY
SETUP_TIMEOUT = 120.0        # seconds for the client to open and check its connections
DRAIN_TIMEOUT = 2.0          # seconds for operations in flight after the measurement
GO_TIMEOUT = 300.0           # seconds a client waits for the go-ahead

UNITS = {'pp': 'rt/s', 'stream': 'MB/s', 'churn': 'conn/s', 'idle': 'KiB/conn'}


class BenchError(Exception):
    """A measurement that could not be made (the message says why)."""


class ServerStartError(BenchError):
    """A server that did not start: it is not tried again."""


# ==================================================================== scenarios

class Scenario:
    """A scenario name such as ``pp100``, ``stream1``, ``churn50`` or ``idle1k``."""

    def __init__(self, name: str) -> None:
        m = re.fullmatch(r'(pp|stream|churn|idle)(\d+)(k?)', name)
        if not m:
            raise ValueError(f'unknown scenario {name!r} (ppN, streamN, churnN, idleN; '
                             f'N may end in k)')
        self.name = name
        self.kind = m[1]
        self.n = int(m[2]) * (1000 if m[3] else 1)
        if not 1 <= self.n <= 100_000:
            raise ValueError(f'scenario {name!r}: N must be 1..100k')
        self.unit = UNITS[self.kind]
        self.lower_is_better = self.kind == 'idle'

    def value(self, results: List[Dict[str, Any]], rss: Tuple[int, int]) -> float:
        """The figure of one measurement from its clients' results."""
        if self.kind == 'idle':
            held = sum(r['ops'] for r in results)
            if not held:
                raise BenchError('no connection could be opened')
            return (rss[1] - rss[0]) / 1024 / held
        if any(r['elapsed'] <= 0 for r in results):
            raise BenchError('the client measured nothing')
        if self.kind == 'stream':
            return sum(r['bytes'] / r['elapsed'] for r in results) / 1e6
        return sum(r['ops'] / r['elapsed'] for r in results)

    def fmt(self, v: float) -> str:
        if self.kind == 'idle':
            return f'{v:.2f}'
        if self.kind == 'stream':
            return f'{v:.0f}' if v >= 100 else f'{v:.1f}'
        return f'{v / 1000:.1f}k' if v >= 1000 else f'{v:.0f}'


# ==================================================================== the machine

def cpu_plan() -> Tuple[Optional[int], List[int]]:
    """The server's CPU and the client's CPUs; (None, []) when there is only one CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, []
    return cpus[0], cpus[1:]


def raise_nofile(needed: int) -> Optional[str]:
    """Raise RLIMIT_NOFILE (inherited by the servers and clients); a warning if short."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if hard != resource.RLIM_INFINITY and hard < needed:
        return f'RLIMIT_NOFILE hard limit {hard} < {needed}: big scenarios will lose connections'
    return None


def rss_of(pid: int) -> int:
    """Resident set size of a process, in bytes."""
    try:
        import psutil
        return psutil.Process(pid).memory_info().rss
    except ImportError:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) * 1024
    raise BenchError(f'cannot read the RSS of process {pid}')


def _find_prctl() -> Any:
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None


_PRCTL = _find_prctl()
_PR_SET_PDEATHSIG = 1


def child_setup(cpu: Optional[int]):
    """A preexec_fn: pin the child to ``cpu`` and have it killed if run.py dies."""
    def setup() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
    return setup


class Lines:
    """Lines from a child's stdout, each wait bounded by a deadline."""

    def __init__(self, proc: subprocess.Popen, what: str) -> None:
        self.proc, self.what, self.buf = proc, what, b''

    def next(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(f'{self.what}: no answer within {timeout:.0f} s')
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise BenchError(f'{self.what} exited (status {self.proc.wait()})')
                self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return line.decode(errors='replace').strip()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# ==================================================================== clients

def build_c_client() -> Tuple[Optional[Path], str]:
    """Build bench/build/loadclient from loadclient.c if needed: (path, note) or (None, why)."""
    src, exe = HERE / 'loadclient.c', BUILD / 'loadclient'
    if exe.exists() and exe.stat().st_mtime >= src.stat().st_mtime:
        return exe, 'C epoll client (bench/build/loadclient)'
    cc = os.environ.get('CC') or shutil.which('gcc') or shutil.which('cc')
    if not cc:
        return None, 'no C compiler'
    BUILD.mkdir(exist_ok=True)
    tmp = BUILD / f'loadclient.{os.getpid()}.tmp'
    try:
        proc = subprocess.run([cc, '-O2', '-o', str(tmp), str(src)], capture_output=True,
                              text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f'{cc} failed: {exc}'
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        return None, (f'{cc} failed (status {proc.returncode}): '
                      f'{proc.stderr.strip()[-500:]}').rstrip(': ')
    os.replace(tmp, exe)
    return exe, f'C epoll client (bench/build/loadclient, built with {Path(cc).name} -O2)'


class Client:
    """How to start the load client: the C one or the Python one (several processes)."""

    def __init__(self, kind: str, exe: Optional[Path], note: str, cpus: List[int],
                 procs: Optional[int]) -> None:
        self.kind, self.exe, self.note, self.cpus = kind, exe, note, cpus
        if kind == 'c':
            self.procs = 1
        else:
            self.procs = procs or max(1, len(cpus) or (os.cpu_count() or 1))

    def commands(self, scen: Scenario, port: int, duration: float, warmup: float,
                 maxops: int) -> List[Tuple[List[str], Optional[int]]]:
        """(argv, cpu) of each client process for one measurement."""
        mode, n = scen.kind, scen.n
        if self.kind == 'c':
            argv = [str(self.exe), mode, str(port), str(n), f'{duration:g}', f'{warmup:g}',
                    str(maxops)]
            return [(argv, self.cpus[0] if self.cpus else None)]
        procs = min(self.procs, n)
        out = []
        base = 0
        for i in range(procs):
            share = n // procs + (1 if i < n % procs else 0)
            argv = [sys.executable, str(Path(__file__).resolve()), '--client-worker', mode,
                    str(port), str(share), f'{duration:g}', f'{warmup:g}',
                    str(max(1, maxops // procs)), str(base)]
            cpu = self.cpus[i % len(self.cpus)] if self.cpus else None
            out.append((argv, cpu))
            base += share
        return out


# ==================================================================== one measurement

class Checkout:
    """A greennet source tree that the greennet servers import (``--checkout LABEL=DIR``):
    its directory goes first on their PYTHONPATH."""

    def __init__(self, label: str, path: Optional[Path]) -> None:
        self.label, self.path = label, path

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        if self.path is not None:
            env['PYTHONPATH'] = os.pathsep.join(
                filter(None, [str(self.path), env.get('PYTHONPATH')]))
        return env

    def check(self) -> str:
        """Make sure the servers will import this checkout's greennet (and that its
        modules are compiled, so no run pays for that); what it is, for the notes."""
        code = 'import greennet, os; print(os.path.dirname(os.path.abspath(greennet.__file__)))'
        try:
            # from servers/: the first entry of sys.path is the one a server script has
            proc = subprocess.run([sys.executable, '-c', code], env=self.env(),
                                  cwd=HERE / 'servers', capture_output=True, text=True,
                                  timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BenchError(f'cannot import greennet: {exc}') from None
        if proc.returncode != 0:
            raise BenchError(f'cannot import greennet from {self.path or "the installed one"}'
                             f': {proc.stderr.strip()[-300:]}')
        found = Path(proc.stdout.strip())
        if self.path is not None and found != (self.path / 'greennet').resolve():
            raise BenchError(f'the servers would import greennet from {found}, not from '
                             f'{self.path} (is it a checkout of greennet?)')
        subprocess.run([sys.executable, '-m', 'compileall', '-q', str(found)],
                       env=self.env(), capture_output=True, timeout=120)
        where = self.path if self.path is not None else found.parent
        rev = subprocess.run(['git', '-C', str(where), 'rev-parse', '--short', 'HEAD'],
                             capture_output=True, text=True, timeout=30)
        if rev.returncode != 0:
            return f'{where} (not a git checkout)'
        changed = subprocess.run(['git', '-C', str(where), 'status', '--porcelain',
                                  '--untracked-files=no', '--', 'greennet'],
                                 capture_output=True, text=True, timeout=30)
        return f'{where} (commit {rev.stdout.strip()}' + (
            ', with uncommitted changes in greennet/)' if changed.stdout.strip() else ')')


class Variant:
    """One server as measured: its name and, for greennet's, the checkout it imports."""

    def __init__(self, server: str, checkout: Optional[Checkout], tagged: bool) -> None:
        self.server, self.checkout = server, checkout
        label = dict((s[0], s[2]) for s in SERVERS)[server]
        if checkout is not None and tagged:
            self.key = f'{server}@{checkout.label}'
            self.label = f'{label} [{checkout.label}]'
        else:
            self.key, self.label = server, label

    def env(self) -> Dict[str, str]:
        return self.checkout.env() if self.checkout is not None else dict(os.environ)


def uses_greennet(server: str) -> bool:
    """Whether a server imports greennet (and so is measured once per checkout)."""
    return server.startswith('greennet')


def start_server(name: str, cpu: Optional[int], log: Path, env: Dict[str, str],
                 wrap: Any = None, timeout: float = SERVER_START_TIMEOUT
                 ) -> Tuple[subprocess.Popen, int, Any]:
    """Start one echo server (under ``wrap(argv)`` if given: a counting tool); (process,
    port, its stderr file) once it said READY."""
    path = HERE / 'servers' / dict((s[0], s[1]) for s in SERVERS)[name]
    argv = [sys.executable, str(path)]
    err = open(log, 'w+b')
    proc = subprocess.Popen(wrap(argv) if wrap else argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=err, env=env,
                            preexec_fn=child_setup(cpu))
    try:
        line = Lines(proc, f'server {name}').next(timeout)
        m = re.fullmatch(r'READY (\d+)', line)
        if not m:
            raise BenchError(f'server {name} said {line!r} instead of READY <port>')
        return proc, int(m[1]), err
    except BenchError as exc:
        stop(proc)
        msg = f'{exc}{tail(err)}'
        err.close()
        raise ServerStartError(msg) from None


def close_log(err: Any) -> bool:
    """Close a server's stderr file, deleting it if empty; whether it had anything."""
    err.seek(0, os.SEEK_END)
    used = err.tell() > 0
    err.close()
    if not used:
        Path(err.name).unlink(missing_ok=True)
    return used


def tail(f: Any) -> str:
    f.seek(0)
    text = f.read().decode(errors='replace').strip()
    return ('\n    ' + '\n    '.join(text.splitlines()[-8:])) if text else ''


def one_round_trip(port: int) -> None:
    """A first connection, so that lazy set-up is not counted as per-connection memory."""
    with socket.create_connection((HOST, port), timeout=10) as s:
        s.sendall(b'w' * MSG)
        got = b''
        while len(got) < MSG:
            chunk = s.recv(MSG - len(got))
            if not chunk:
                raise BenchError('the warm-up connection was closed')
            got += chunk


def measure(variant: Variant, scen: Scenario, client: Client, server_cpu: Optional[int],
            duration: float, warmup: float, log: Path) -> Dict[str, Any]:
    """Start the server, run ``scen`` against it, stop it: the figure and the checks.
    The server's stderr is kept in ``log`` if it wrote anything."""
    server = variant.server
    proc, port, err = start_server(server, server_cpu, log, variant.env())
    result: Dict[str, Any] = {}
    clients: List[Tuple[subprocess.Popen, Lines]] = []
    try:
        rss = (0, 0)
        if scen.kind == 'idle':
            one_round_trip(port)
            time.sleep(0.2)
            rss = (rss_of(proc.pid), 0)
        maxops = int(duration * (50e9 if scen.kind == 'stream' else 5e6)) + 1000
        for argv, cpu in client.commands(scen, port, duration, warmup, maxops):
            p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 preexec_fn=child_setup(cpu))
            clients.append((p, Lines(p, f'{client.kind} client')))
        failed = 0
        for _, lines in clients:
            m = re.fullmatch(r'SETUP (\d+) (\d+)', lines.next(SETUP_TIMEOUT))
            if not m:
                raise BenchError('the client did not report its set-up')
            failed += int(m[2])
        if scen.kind == 'idle':
            time.sleep(0.3)
            rss = (rss[0], rss_of(proc.pid))
        for p, _ in clients:
            p.stdin.write(b'GO\n')
            p.stdin.flush()
        results = []
        for p, lines in clients:
            results.append(json.loads(lines.next(warmup + duration + DRAIN_TIMEOUT + 30)))
            p.wait(10)
        if proc.poll() is not None:
            raise BenchError(f'server {server} died (status {proc.returncode}){tail(err)}')
        result = {
            'value': scen.value(results, rss),
            'verified': sum(r['verified'] for r in results),
            'corrupt': sum(r['corrupt'] for r in results),
            'errors': sum(r['errors'] for r in results) + failed,
        }
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise BenchError(f'{type(exc).__name__}: {exc}') from None
    finally:
        for p, _ in clients:
            stop(p)
        stop(proc)
        result['stderr'] = close_log(err)
    return result


# ==================================================================== counted figures

COUNT_SERVERS = 'greennet_pipe,greennet_data,greennet_seq,gevent'
COUNT_SCENARIOS = 'pp100,churn50,idle10k'
COUNT_OPS = {'pp': (2000, 12000), 'churn': (200, 2200)}  # operations in the 2 runs, scale 1
COUNT_UNITS = {'pp': 'rt', 'churn': 'conn'}
COUNT_START_TIMEOUT = 180.0  # seconds for a server under valgrind to print READY
COUNT_LOAD_TIMEOUT = 600.0   # seconds for the load of one counted run
COUNT_EXIT_TIMEOUT = 60.0    # seconds for the tool to write its figures once stopped


def count_loads(scen: Scenario, scale: float) -> List[Tuple[int, int]]:
    """The driver's arguments for the two runs of a counted scenario: (connections,
    waves of round trips) for ``ppN``, (connections, connections per wave) for
    ``churnN``."""
    lo, hi = (v * scale / scen.n for v in COUNT_OPS[scen.kind])
    w1 = max(1, round(lo))
    w2 = max(w1 + 1, round(hi))
    if scen.kind == 'pp':
        return [(scen.n, w1), (scen.n, w2)]
    return [(w1 * scen.n, scen.n), (w2 * scen.n, scen.n)]


def count_run(variant: Variant, scen: Scenario, load: Tuple[int, int],
              server_cpu: Optional[int], logdir: Path, tag: str) -> Dict[str, Any]:
    """One server under callgrind with an exact load; its totals once it is idle again."""
    base = logdir / f'{variant.key}-{scen.name}-{tag}'
    out = Path(f'{base}.callgrind')
    env = variant.env()
    env['PYTHONHASHSEED'] = '0'         # the same dict and set layouts in every run
    # countsite/sitecustomize.py: no GC during the run, one full collection at SIGTERM
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(HERE / 'countsite'),
                                                      env.get('PYTHONPATH')]))
    gc_out = Path(f'{base}.gc')
    env['BENCH_COUNT_GC_OUT'] = str(gc_out)
    proc, port, err = start_server(variant.server, server_cpu, Path(f'{base}.stderr'), env,
                                   wrap=lambda argv: count.wrap(argv, out),
                                   timeout=COUNT_START_TIMEOUT)
    driver = count.Driver(port, COUNT_LOAD_TIMEOUT)
    try:
        fds = count.descriptors(proc.pid)   # valgrind runs the server in its own process
        if scen.kind == 'pp':
            ops = driver.pp(*load)
        else:
            ops = driver.churn(*load)
        count.wait_idle(proc.pid, fds)
        os.kill(proc.pid, signal.SIGTERM)   # sitecustomize: collect, write gc_out, exit
        proc.wait(COUNT_EXIT_TIMEOUT)
        instructions, calls = count.totals(out)
        try:
            freed = int(gc_out.read_text())
        except (OSError, ValueError):
            raise count.CountError('the server did not report its final garbage '
                                   'collection (was countsite/sitecustomize.py loaded?)'
                                   ) from None
    except (OSError, subprocess.TimeoutExpired, count.CountError) as exc:
        raise BenchError(f'{type(exc).__name__}: {exc}{tail(err)}') from None
    finally:
        stop(proc)
        noisy = close_log(err)
    for path in (out, Path(f'{out}.log'), gc_out):
        path.unlink(missing_ok=True)
    return {'ops': ops, 'instr': instructions, 'syscalls': sum(calls.values()),
            'calls': calls, 'gc': freed, 'stderr': noisy,
            'verified': driver.verified, 'corrupt': driver.corrupt}


def count_figure(variant: Variant, scen: Scenario, scale: float, server_cpu: Optional[int],
                 logdir: Path) -> Dict[str, Any]:
    """The counts per operation, each (total2 - total1) / (ops2 - ops1) over two runs:
    instructions, syscalls (and each syscall), objects left in reference cycles."""
    a, b = (count_run(variant, scen, load, server_cpu, logdir, tag)
            for load, tag in zip(count_loads(scen, scale), ('n1', 'n2'), strict=True))
    ops = b['ops'] - a['ops']

    def per_op(key: str) -> float:
        return (b[key] - a[key]) / ops

    calls = {name: (b['calls'].get(name, 0) - a['calls'].get(name, 0)) / ops
             for name in sorted(set(a['calls']) | set(b['calls']))}
    return {'values': {'instr': per_op('instr'), 'syscalls': per_op('syscalls')},
            'gc': per_op('gc'),
            'calls': {k: round(v, 3) for k, v in calls.items() if abs(v) >= 0.005},
            'runs': [{k: r[k] for k in ('ops', 'instr', 'syscalls', 'gc')} for r in (a, b)],
            'verified': a['verified'] + b['verified'], 'corrupt': a['corrupt'] + b['corrupt'],
            'errors': 0, 'stderr': a['stderr'] or b['stderr']}


# ==================================================================== the run

class Progress:
    def __init__(self, total: int) -> None:
        self.total, self.i = total, 0
        self.tty = sys.stderr.isatty()
        self.width = 0

    def show(self, text: str, done: bool = False) -> None:
        line = f'[{self.i}/{self.total}] {text}'
        if self.tty:
            pad = max(0, self.width - len(line))
            sys.stderr.write('\r' + line + ' ' * pad + ('\n' if done else ''))
            self.width = 0 if done else len(line)
        else:
            sys.stderr.write(line + '\n')
        sys.stderr.flush()

    def note(self, text: str) -> None:
        if self.tty and self.width:
            sys.stderr.write('\r' + ' ' * self.width + '\r')
            self.width = 0
        sys.stderr.write(text + '\n')
        sys.stderr.flush()


def parse_checkout(spec: str) -> Checkout:
    """``LABEL=DIR`` or ``DIR`` (labelled with its last path component)."""
    label, sep, path = spec.partition('=')
    if not sep:
        label, path = '', spec
    where = Path(path).expanduser().resolve()
    label = label or where.name
    if not re.fullmatch(r'[A-Za-z0-9_.+-]+', label):
        raise ValueError(f'--checkout {spec!r}: a label is letters, digits and _.+-')
    if not (where / 'greennet' / '__init__.py').is_file():
        raise ValueError(f'--checkout {spec!r}: {where} has no greennet/__init__.py')
    return Checkout(label, where)


def parse_args(argv: List[str]) -> argparse.Namespace:
    names = [s[0] for s in SERVERS]
    ap = argparse.ArgumentParser(
        prog='bench/run.py',
        description="greennet's benchmark: its two styles against raw gevent StreamServer "
                    "and asyncio streams, under one load client, in one run.",
        epilog=f'servers: {", ".join(names)}.  Scenarios: ppN (64 B ping-pong over N '
               'connections), streamN (64 KiB chunks over N connections), churnN (connect, '
               'one round trip, close; N in flight), idleN (server RSS per idle connection '
               'with N open); N may end in k.  --count: instructions and syscalls (under '
               'valgrind) per round trip and per connection instead of rates.')
    ap.add_argument('--quick', action='store_true',
                    help=f'1 round of 1 s, scenarios {QUICK_SCENARIOS} (a smoke run)')
    ap.add_argument('--count', action='store_true',
                    help='counted figures that do not swing with the load: the server\'s '
                         'user-space instructions and syscalls per operation (valgrind '
                         '--tool=callgrind --trace-syscalls=yes), by the difference of two runs; '
                         f'scenarios ppN, churnN, idleN (default {COUNT_SCENARIOS}), servers '
                         f'{COUNT_SERVERS} by default, 1 round')
    ap.add_argument('--count-scale', type=float, default=1.0, metavar='F',
                    help='--count: operations in each run times F (default 1: '
                         f'{COUNT_OPS["pp"][0]:,} and {COUNT_OPS["pp"][1]:,} round trips, '
                         f'{COUNT_OPS["churn"][0]} and {COUNT_OPS["churn"][1]} connections)')
    ap.add_argument('--checkout', action='append', metavar='[LABEL=]DIR',
                    help='a greennet source tree for the greennet servers to import (first '
                         'on their PYTHONPATH); give it twice or more to measure checkouts '
                         'side by side, alternating, with a table of the changes (default: '
                         'this checkout)')
    ap.add_argument('--duration', type=float, help='seconds counted per measurement '
                    '(default 5, quick 1)')
    ap.add_argument('--rounds', type=int, help='rounds (default 3, quick and count 1); '
                    'medians are taken over them')
    ap.add_argument('--scenarios', help=f'comma-separated (default {DEFAULT_SCENARIOS}, '
                    f'quick {QUICK_SCENARIOS})')
    ap.add_argument('--servers',
                    help='comma-separated, in the order they take turns (default: all)')
    ap.add_argument('--client', choices=('auto', 'c', 'python'), default='auto',
                    help='load client: the C one (built with gcc on first use), the Python '
                         'one, or C when it can be built (default)')
    ap.add_argument('--client-procs', type=int,
                    help='processes of the Python client (default: one per client CPU)')
    ap.add_argument('--json', metavar='PATH', help='also write every figure to PATH')
    args = ap.parse_args(argv)
    if args.count and args.quick:
        ap.error('--quick is for the timed run; for a small count use --count-scale')
    args.duration = args.duration if args.duration is not None else (1.0 if args.quick else 5.0)
    args.rounds = args.rounds if args.rounds is not None else (
        1 if args.quick or args.count else 3)
    if not 0 < args.duration <= 600:
        ap.error('--duration must be in (0, 600]')
    if not 1 <= args.rounds <= 100:
        ap.error('--rounds must be 1..100')
    if not 0 < args.count_scale <= 20:
        ap.error('--count-scale must be in (0, 20]')
    if args.client_procs is not None and not 1 <= args.client_procs <= 256:
        ap.error('--client-procs must be 1..256')
    default = COUNT_SCENARIOS if args.count else (
        QUICK_SCENARIOS if args.quick else DEFAULT_SCENARIOS)
    try:
        args.scenarios = [Scenario(s) for s in (args.scenarios or default).split(',') if s]
        args.checkouts = [parse_checkout(c) for c in args.checkout or []]
    except ValueError as exc:
        ap.error(str(exc))
    if not args.scenarios or len({sc.name for sc in args.scenarios}) != len(args.scenarios):
        ap.error('--scenarios: name each scenario once')
    if args.count and any(sc.kind == 'stream' for sc in args.scenarios):
        ap.error('--count: streamN is not counted (ppN, churnN and idleN are)')
    if len({c.label for c in args.checkouts}) != len(args.checkouts):
        ap.error('--checkout: give each checkout its own label (LABEL=DIR)')
    servers = args.servers or (COUNT_SERVERS if args.count else ','.join(names))
    args.servers = [s for s in servers.split(',') if s]
    unknown = [s for s in args.servers if s not in names]
    if len(set(args.servers)) != len(args.servers):
        ap.error('a server is named twice in --servers')
    if unknown or not args.servers:
        ap.error(f'unknown server {", ".join(unknown)} (servers: {", ".join(names)})')
    return args


def make_client(args: argparse.Namespace, client_cpus: List[int]) -> Client:
    if args.client in ('auto', 'c'):
        exe, note = build_c_client()
        if exe is not None:
            return Client('c', exe, note, client_cpus, None)
        if args.client == 'c':
            raise BenchError(f'the C client cannot be built: {note}')
        why = note
    else:
        why = 'asked for'
    client = Client('python', None, '', client_cpus, args.client_procs)
    client.note = f'Python client, {client.procs} process(es) ({why})'
    return client


def make_variants(args: argparse.Namespace) -> List[Variant]:
    """The servers as measured: each greennet one once per checkout, in turn."""
    tagged = bool(args.checkouts)
    checkouts = args.checkouts or [Checkout('', ROOT if (
        ROOT / 'greennet' / '__init__.py').exists() else None)]
    out = []
    for srv in args.servers:
        for co in (checkouts if uses_greennet(srv) else [None]):
            out.append(Variant(srv, co, tagged))
    return out


class Column:
    """One column of the table: a scenario's figure (for a counted one, which count)."""

    def __init__(self, scen: Scenario, metric: Optional[str] = None) -> None:
        self.scen, self.metric = scen, metric
        if metric is None:
            self.unit, self.fmt = scen.unit, scen.fmt
        else:
            self.unit = f'{metric}/{COUNT_UNITS[scen.kind]}'
            self.fmt = (lambda v: f'{v:,.0f}') if metric == 'instr' else (
                lambda v: f'{v:.2f}')
        self.header = f'{scen.name} {self.unit}'
        self.key = scen.name if metric is None else self.header   # in figures and the JSON


def make_columns(args: argparse.Namespace) -> List[Column]:
    if not args.count:
        return [Column(sc) for sc in args.scenarios]
    return [Column(sc, metric) for sc in args.scenarios
            for metric in ([None] if sc.kind == 'idle' else ['instr', 'syscalls'])]


def table(columns: List[Column], variants: List[Variant], rounds: int, spread_pct: bool,
          figures: Dict[str, Dict[str, List[float]]], failed: set) -> str:
    """The Markdown table of medians and ratios (and of spreads with several rounds)."""
    head = ['server'] + [col.header for col in columns]
    rows = [head, ['---'] * len(head)]
    spread = [head, ['---'] * len(head)]
    for v in variants:
        row, srow = [v.label], [v.label]
        for col in columns:
            vals = figures[col.key][v.key]
            ref = figures[col.key].get(REFERENCE, [])
            if not vals:
                cell = 'failed' if (col.key, v.key) in failed else 'not run'
                row.append(cell)
                srow.append(cell)
                continue
            med = statistics.median(vals)
            cell = col.fmt(med)
            if ref and v.key != REFERENCE and statistics.median(ref) > 0:
                cell += f' ({med / statistics.median(ref):.2f})'
            elif v.key == REFERENCE:
                cell += ' (1.00)'
            row.append(cell)
            scell = f'{col.fmt(min(vals))} – {col.fmt(max(vals))}'
            if spread_pct and med:
                scell += f' ({(max(vals) - min(vals)) / med * 100:.1f} %)'
            srow.append(scell)
        rows.append(row)
        spread.append(srow)
    out = render(rows)
    if rounds > 1:
        out += f'\n\nmin – max over the {rounds} rounds' + (
            ' (and that spread in % of the median)' if spread_pct else '') + ':\n\n'
        out += render(spread)
    return out


def changes(columns: List[Column], variants: List[Variant], checkouts: List[Checkout],
            figures: Dict[str, Dict[str, List[float]]]) -> str:
    """Each greennet server's medians from the first checkout to each other one."""
    first = checkouts[0]
    head = ['server'] + [col.header for col in columns]
    rows = [head, ['---'] * len(head)]
    by_key = {v.key: v for v in variants}
    for v in variants:
        if v.checkout is None or v.checkout is first:
            continue
        old = by_key[f'{v.server}@{first.label}']
        row = [f'{old.label.rsplit(" [", 1)[0]} [{first.label} -> {v.checkout.label}]']
        for col in columns:
            a, b = figures[col.key][old.key], figures[col.key][v.key]
            if not a or not b:
                row.append('-')
                continue
            ma, mb = statistics.median(a), statistics.median(b)
            pct = f' ({(mb / ma - 1) * 100:+.1f} %)' if ma else ''
            row.append(f'{col.fmt(ma)} -> {col.fmt(mb)}{pct}')
        rows.append(row)
    return render(rows)


def render(rows: List[List[str]]) -> str:
    return '\n'.join('| ' + ' | '.join(r) + ' |' for r in rows)


def command_line() -> str:
    exe = sys.executable
    rel = os.path.relpath(exe)
    return shlex.join([rel if not rel.startswith('..') else exe] + sys.argv)


def estimate(args: argparse.Namespace, sc: Scenario, warmup: float) -> float:
    """Rough seconds one step takes, for the progress note."""
    if sc.kind == 'idle':
        return 1.5 + sc.n * 0.0004
    if not args.count:
        return (args.duration + warmup + 0.6) + (0 if sc.kind == 'churn' else sc.n * 0.0004)
    ops = sum(COUNT_OPS[sc.kind]) * args.count_scale     # 2 runs, each ~6 s to start
    return 2 * 6 + ops * (0.003 if sc.kind == 'churn' else 0.0006)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    server_cpu, client_cpus = cpu_plan()
    variants = make_variants(args)
    columns = make_columns(args)
    client: Optional[Client] = None
    checkouts: List[Checkout] = args.checkouts
    described: List[str] = []
    try:
        if args.count and count.missing():
            raise BenchError(f'--count needs valgrind ({count.missing()})')
        if not args.count or any(sc.kind == 'idle' for sc in args.scenarios):
            client = make_client(args, client_cpus)
        if any(v.checkout is not None for v in variants):
            for co in {id(v.checkout): v.checkout for v in variants if v.checkout}.values():
                described.append((f'{co.label} = ' if co.label else '') + co.check())
    except BenchError as exc:
        print(f'bench: {exc}', file=sys.stderr)
        return 1
    if server_cpu is None:
        pin = 'one CPU: nothing pinned, client and server share it'
    else:
        pin = (f'servers on CPU {server_cpu}, client on CPU '
               f'{",".join(map(str, client_cpus[:1 if args.count else client.procs]))}')
    biggest = max(sc.n for sc in args.scenarios)
    warn = raise_nofile(biggest + 1024)
    BUILD.mkdir(exist_ok=True)
    # this run's own directory: runs at the same time (the test suite's) do not collide
    logdir = BUILD / 'logs' / f'{time.strftime("%Y%m%d-%H%M%S")}-{os.getpid()}'
    logdir.mkdir(parents=True, exist_ok=True)

    warmup = min(1.0, args.duration / 5)
    steps = [(r, sc, v) for r in range(args.rounds) for sc in args.scenarios for v in variants]
    secs = sum(estimate(args, sc, warmup) for _, sc, _ in steps)
    progress = Progress(len(steps))
    about = f'{secs / 60:.0f} min' if secs >= 90 else f'{secs:.0f} s'
    progress.note(f'bench: {len(variants)} servers x {len(args.scenarios)} scenarios x '
                  f'{args.rounds} round(s)' + ('' if args.count else
                                               f' of {args.duration:g} s') +
                  f', about {about}')
    clients = '; '.join(filter(None, [
        'counted loads from run.py itself (Python, exact operation counts)' if args.count
        else '', (client.note + (' for idleN' if args.count else '')) if client else '']))
    progress.note(f'bench: {clients}; {pin}')
    for line in described:
        progress.note(f'bench: greennet: {line}')
    if warn:
        progress.note(f'bench: warning: {warn}')

    figures: Dict[str, Dict[str, List[float]]] = {
        col.key: {v.key: [] for v in variants} for col in columns}
    details: Dict[str, Dict[str, List[Any]]] = {      # counted: how each figure was made
        sc.name: {v.key: [] for v in variants} for sc in args.scenarios if sc.kind != 'idle'}
    verified = corrupt = errors = 0
    failures: List[str] = []
    dead: set = set()
    noisy: List[str] = []       # logs of servers that wrote to stderr
    failed_cells: set = set()   # (column, variant) with a failed measurement
    if args.count and client_cpus:
        os.sched_setaffinity(0, client_cpus[:1])   # the count driver runs here, in run.py
    for r, sc, v in steps:
        progress.i += 1
        what = f'{sc.name} {v.key} round {r + 1}/{args.rounds}'
        cols = [col for col in columns if col.scen is sc]
        if v.key in dead:
            progress.show(f'{what}: skipped (failed to start before)')
            failed_cells.update((col.key, v.key) for col in cols)
            continue
        progress.show(f'{what} ...')
        log = logdir / f'{v.key}-{sc.name}-round{r + 1}.stderr'
        try:
            if args.count and sc.kind != 'idle':
                res = count_figure(v, sc, args.count_scale, server_cpu, logdir)
                details[sc.name][v.key].append({k: res[k] for k in ('runs', 'calls', 'gc')})
            else:
                assert client is not None
                res = measure(v, sc, client, server_cpu, args.duration, warmup, log)
                res['values'] = {None: res['value']}
        except KeyboardInterrupt:
            progress.note('')
            failures.append(f'{what}: interrupted (the table has what was measured before)')
            break
        except BenchError as exc:
            failures.append(f'{what}: {exc}')
            failed_cells.update((col.key, v.key) for col in cols)
            if isinstance(exc, ServerStartError):
                dead.add(v.key)
            progress.show(f'{what}: FAILED', done=True)
            progress.note(f'  {exc}')
            continue
        for col in cols:
            figures[col.key][v.key].append(res['values'][col.metric])
        if res['stderr']:
            noisy.append(f'{v.key}-{sc.name}')
        verified += res['verified']
        corrupt += res['corrupt']
        errors += res['errors']
        flag = f', {res["corrupt"]} CORRUPT bytes' if res['corrupt'] else ''
        flag += f', {res["errors"]} errors' if res['errors'] else ''
        shown = ', '.join(f'{col.fmt(res["values"][col.metric])} {col.unit}' for col in cols)
        progress.show(f'{what}: {shown}{flag}')
    if progress.tty and progress.width:
        sys.stderr.write('\n')

    took = time.monotonic() - started
    try:
        logdir.rmdir()          # only if no server wrote anything
    except OSError:
        pass
    print()
    print(table(columns, variants, args.rounds, args.count, figures, failed_cells))
    print()
    timed = not args.count and any(sc.kind != 'idle' for sc in args.scenarios)
    what = f'Medians of {args.rounds} round(s)' + (
        f' of {args.duration:g} s (after {warmup:g} s of warm-up, not counted)' if timed else '')
    if args.count:
        print(count_note(args))
        print(cycles_note(args, variants, details))
        print(calls_note(args, variants, details))
    if REFERENCE in args.servers:
        ref = dict((s[0], s[2]) for s in SERVERS)[REFERENCE]
        better = ('below 1: fewer per operation, or for KiB/conn less memory' if args.count
                  else 'above 1: faster, or for KiB/conn more memory')
        print(f'{what}; in brackets the ratio to {ref} measured in the same run '
              f'({better}).')
    else:
        print(f'{what}; no ratios without {REFERENCE} among the servers.')
    if len(checkouts) > 1:
        print()
        print(f'From checkout {checkouts[0].label} to the other(s), medians (for rates + is '
              'faster; for counts and KiB/conn + is more work or memory):')
        print()
        print(changes(columns, variants, checkouts, figures))
        print()
    for line in described:
        print(f'greennet: {line}')
    print(f'Client: {clients}; {pin}.')
    print(f'Checked: {verified:,} echoed bytes, {corrupt} corrupt; {errors} connection '
          f'errors.')
    print(f'Took {took:.0f} s.' if took >= 10 else f'Took {took:.1f} s.',
          f' Command: {command_line()}')
    if noisy:
        print(f'Servers wrote to stderr (kept in {logdir}): {", ".join(noisy)}')
    if failures:
        where = f' (server logs in {logdir})' if logdir.exists() else ''
        print(f'{len(failures)} measurement(s) failed{where}:')
        for failure in failures:
            print(f'  {failure.splitlines()[0]}')
    if args.json:
        with open(args.json, 'w') as out:
            json.dump({'command': command_line(), 'mode': 'count' if args.count else 'timed',
                       'client': client.note if client else None, 'pinning': pin,
                       'checkouts': described,
                       'duration': None if args.count else args.duration,
                       'count_scale': args.count_scale if args.count else None,
                       'rounds': args.rounds, 'figures': figures,
                       'units': {col.key: col.unit for col in columns},
                       'labels': {v.key: v.label for v in variants},
                       'counts': details,
                       'verified': verified, 'corrupt': corrupt, 'errors': errors,
                       'failures': failures, 'seconds': took}, out, indent=1)
    return 1 if corrupt or failures else 0


def cycles_note(args: argparse.Namespace, variants: List[Variant],
                details: Dict[str, Dict[str, List[Any]]]) -> str:
    """Which servers left objects in reference cycles behind, per operation."""
    left = []
    for sc in args.scenarios:
        for v in variants:
            got = [d['gc'] for d in details.get(sc.name, {}).get(v.key, [])]
            if got and abs(statistics.median(got)) >= 0.005:
                left.append(f'{v.key} {sc.name} {statistics.median(got):.2f}')
    return ('Objects in reference cycles left per operation (freed by the final '
            'collection): ' + (', '.join(left) if left else 'none, for every server') + '.')


def calls_note(args: argparse.Namespace, variants: List[Variant],
               details: Dict[str, Dict[str, List[Any]]]) -> str:
    """Each counted server's syscalls per operation by name, most frequent first."""
    lines = ['Syscalls per operation, by name:']
    for sc in args.scenarios:
        for v in variants:
            runs = details.get(sc.name, {}).get(v.key, [])
            if not runs:
                continue
            names = {name for d in runs for name in d['calls']}
            med = {name: statistics.median(d['calls'].get(name, 0.0) for d in runs)
                   for name in names}
            shown = ', '.join(f'{name} {n:.2f}' for name, n in
                              sorted(med.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 0.01)
            lines.append(f'  {sc.name} {v.key}: {shown}')
    return '\n'.join(lines)


def count_note(args: argparse.Namespace) -> str:
    """How the counted figures were made, for the note under their table."""
    parts = []
    for sc in args.scenarios:
        if sc.kind == 'idle':
            parts.append(f'{sc.name}: the server\'s RSS growth per idle connection with '
                         f'{sc.n:,} open, measured natively as in the timed run')
            continue
        (a1, a2), (b1, b2) = count_loads(sc, args.count_scale)
        if sc.kind == 'pp':
            parts.append(f'{sc.name}: {a1 * a2:,} and {b1 * b2:,} round trips of 64 B over '
                         f'{sc.n} connections, in waves of one on each (after a set-up '
                         'round trip on each)')
        else:
            parts.append(f'{sc.name}: {a1:,} and {b1:,} connections (connect, 64 B round '
                         f'trip, close), in waves of {a2}')
    return ('Counted for the server process alone, under valgrind --tool=callgrind '
            '--trace-syscalls=yes: its user-space instructions and its syscalls (without '
            'clock_gettime and the other calls the vDSO answers natively); each figure is '
            '(count2 - count1) / (ops2 - ops1) over two runs, so start-up and set-up '
            'cancel out. ' + '; '.join(parts) + '. The cyclic GC is off during a counted '
            'run and makes one full collection at its end, which is counted.')


# ==================================================================== the Python client

_MSGS = [bytes((k + i) & 0xff for i in range(MSG)) for k in range(256)]


def _msg(cid: int, seq: int) -> bytes:
    return _MSGS[(cid * 131 + seq * 17) & 0xff]


def _pattern() -> bytes:
    import random
    p = random.Random(20240901).randbytes(PERIOD)
    return p + p[:CHUNK]


class _Conn:
    __slots__ = ('sock', 'id', 'seq', 'got', 'out', 'inn', 'state', 'events')

    def __init__(self, cid: int) -> None:
        self.sock: Optional[socket.socket] = None
        self.id, self.seq, self.got, self.out, self.inn = cid, 0, 0, 0, 0
        self.state, self.events = 'free', 0


class _Worker:
    """One process of the Python load client; the same modes and output as loadclient.c."""

    def __init__(self, mode: str, port: int, n: int, duration: float, warmup: float,
                 maxops: int, base: int) -> None:
        self.mode, self.addr, self.duration, self.warmup = mode, (HOST, port), duration, warmup
        self.maxops = maxops
        self.conns = [_Conn(base + i) for i in range(n)]
        self.sel = selectors.DefaultSelector()
        self.ops = self.nbytes = self.verified = self.corrupt = self.errors = 0
        self.counting = self.stopping = False
        self.pattern = _pattern() if mode == 'stream' else b''

    # ------------------------------------------------------------ checks
    def check(self, c: _Conn, data: bytes) -> None:
        want = _msg(c.id, c.seq)[c.got:c.got + len(data)]
        if data != want:
            self.corrupt += sum(a != b for a, b in zip(data, want, strict=False)) + len(data) - len(want)
        self.verified += len(data)
        c.got += len(data)

    def check_stream(self, off: int, data: bytes) -> None:
        pos = 0
        while pos < len(data):
            at, n = off % PERIOD, min(CHUNK, len(data) - pos)
            piece, want = data[pos:pos + n], self.pattern[at:at + n]
            if piece != want:
                self.corrupt += sum(a != b for a, b in zip(piece, want, strict=True))
            self.verified += n
            pos += n
            off += n

    # ------------------------------------------------------------ set-up
    def setup_one(self, c: _Conn) -> bool:
        try:
            s = socket.create_connection(self.addr, timeout=10)
        except OSError:
            self.errors += 1
            return False
        try:
            s.sendall(_msg(c.id, c.seq))
            while c.got < MSG:
                data = s.recv(MSG - c.got)
                if not data:
                    raise ConnectionResetError
                self.check(c, data)
        except OSError:
            s.close()
            self.errors += 1
            return False
        c.sock, c.seq, c.got, c.state = s, c.seq + 1, 0, 'idle'
        s.setblocking(False)
        return True

    def handshake(self, ok: int) -> bool:
        print(f'SETUP {ok} {len(self.conns) - ok}', flush=True)
        ready, _, _ = select.select([sys.stdin], [], [], GO_TIMEOUT)
        if ready:
            sys.stdin.readline()
        return bool(ready)

    # ------------------------------------------------------------ helpers
    def watch(self, c: _Conn, events: int) -> None:
        if events == c.events:
            return
        if c.events:
            self.sel.modify(c.sock, events, c)
        else:
            self.sel.register(c.sock, events, c)
        c.events = events

    def drop(self, c: _Conn) -> None:
        if c.sock is not None:
            if c.events:
                self.sel.unregister(c.sock)
            c.sock.close()
        c.sock, c.state, c.events = None, 'free', 0

    def send_msg(self, c: _Conn) -> None:
        c.got = 0
        msg = _msg(c.id, c.seq)
        try:
            sent = c.sock.send(msg)          # 64 B on a socket with nothing queued: all
        except BlockingIOError:
            sent = 0
        if sent < MSG:                       # not seen in practice: finish it blocking
            c.sock.settimeout(10)
            try:
                c.sock.sendall(msg[sent:])
            finally:
                c.sock.setblocking(False)
        c.state = 'receiving'
        self.watch(c, selectors.EVENT_READ)

    def fail(self, c: _Conn) -> None:
        self.errors += 1
        self.drop(c)

    # ------------------------------------------------------------ modes
    def open_churn(self, c: _Conn) -> None:
        c.seq += 1
        c.got = 0
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex(self.addr)
        c.sock = s
        if err == 0:
            try:
                self.send_msg(c)
            except OSError:
                self.fail(c)
        elif err == errno.EINPROGRESS:
            c.state = 'connecting'
            self.watch(c, selectors.EVENT_WRITE)
        else:                      # EADDRNOTAVAIL (ports in TIME_WAIT) and the like
            self.fail(c)
            time.sleep(0.001)

    def on_event(self, c: _Conn, events: int) -> None:
        try:
            if self.mode == 'stream':
                if events & selectors.EVENT_READ:
                    self.stream_recv(c)
                if c.state != 'free':
                    self.stream_send(c)      # the window may have opened
                return
            if c.state == 'connecting':
                if c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    self.fail(c)
                else:
                    self.send_msg(c)
                return
            data = c.sock.recv(MSG - c.got)
        except BlockingIOError:
            return
        except OSError:
            self.fail(c)
            return
        if not data:
            self.fail(c)
            return
        self.check(c, data)
        if c.got < MSG:
            return
        if self.counting:
            self.ops += 1
            self.nbytes += MSG
        c.seq += 1
        if self.mode == 'churn' or self.stopping:
            self.drop(c)
        else:
            try:
                self.send_msg(c)
            except OSError:
                self.fail(c)

    def stream_send(self, c: _Conn) -> None:
        view = memoryview(self.pattern)
        while not self.stopping and c.out - c.inn < WINDOW:
            n = min(CHUNK - c.out % CHUNK, WINDOW - (c.out - c.inn))
            at = c.out % PERIOD
            try:
                sent = c.sock.send(view[at:at + n])
            except BlockingIOError:
                self.watch(c, selectors.EVENT_READ | selectors.EVENT_WRITE)
                return
            c.out += sent
        self.watch(c, selectors.EVENT_READ)

    def stream_recv(self, c: _Conn) -> None:
        data = c.sock.recv(WINDOW)
        if not data:
            raise ConnectionResetError
        self.check_stream(c.inn, data)
        c.inn += len(data)
        if self.counting:
            self.nbytes += len(data)
        if self.stopping and c.inn == c.out:
            self.drop(c)

    def busy(self) -> int:
        n = 0
        for c in self.conns:
            if c.state == 'free':
                continue
            if (self.mode == 'stream' and c.inn == c.out) or (
                    self.mode != 'stream' and c.state == 'idle'):
                self.drop(c)
            else:
                n += 1
        return n

    def run(self) -> Dict[str, Any]:
        t0 = time.monotonic()
        t_count, t_from = t0 + self.warmup, t0 + self.warmup
        t_end = t_to = t_count + self.duration
        t_stop = 0.0
        for c in self.conns:
            if self.mode == 'churn':
                self.open_churn(c)
            elif c.state == 'idle':
                try:
                    self.send_msg(c) if self.mode == 'pp' else self.stream_send(c)
                except OSError:
                    self.fail(c)
        while True:
            t = time.monotonic()
            if not self.counting and not self.stopping and t >= t_count:
                self.counting, t_from = True, t
            limit = self.nbytes if self.mode == 'stream' else self.ops
            if not self.stopping and (t >= t_end or limit >= self.maxops):
                self.stopping, self.counting, t_to, t_stop = True, False, t, t + DRAIN_TIMEOUT
                if self.busy() == 0:
                    break
            if self.stopping and (t >= t_stop or self.busy() == 0):
                break
            if self.mode == 'churn' and not self.stopping:
                for c in self.conns:
                    if c.state == 'free':
                        self.open_churn(c)
            for key, events in self.sel.select(0.05):
                if key.data.state != 'free':
                    self.on_event(key.data, events)
        for c in self.conns:
            self.drop(c)
        return {'mode': self.mode, 'ops': self.ops, 'bytes': self.nbytes,
                'elapsed': t_to - t_from}

    def main(self) -> int:
        ok = 0 if self.mode == 'churn' else sum(self.setup_one(c) for c in self.conns)
        if not self.handshake(len(self.conns) if self.mode == 'churn' else ok):
            return 1
        if self.mode == 'idle':
            for c in self.conns:
                if c.sock is not None:
                    c.sock.close()
            res = {'mode': 'idle', 'ops': ok, 'bytes': 0, 'elapsed': 0}
        else:
            res = self.run()
        res.update(verified=self.verified, corrupt=self.corrupt, errors=self.errors)
        print(json.dumps(res), flush=True)
        return 0


def client_worker(argv: List[str]) -> int:
    mode, port, n, duration, warmup, maxops, base = argv
    if mode not in UNITS:
        print(f'unknown mode {mode}', file=sys.stderr)
        return 2
    return _Worker(mode, int(port), int(n), float(duration), float(warmup), int(maxops),
                   int(base)).main()


if __name__ == '__main__':
    if sys.argv[1:2] == ['--client-worker']:
        sys.exit(client_worker(sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
