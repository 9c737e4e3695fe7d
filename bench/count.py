"""Counted figures for ``bench/run.py --count``: what a server does per operation, in
numbers that do not swing with the machine's load.

A server runs under ``valgrind --tool=callgrind --trace-syscalls=yes`` (user-space
instructions, and every syscall) while this module's client drives an exact number of
operations through it; the server is stopped once it is idle again and the totals are
read.  run.py does that twice, with N1 and N2 operations, and reports
(total2 - total1) / (N2 - N1): start-up, set-up and shut-down are the same in both runs
and cancel out.  Under valgrind the server is so much slower than the client that it
finds each wave of messages (see ``Driver.pp``) nearly all there when it wakes, so even
its number of wake-ups (``epoll_wait`` calls) repeats from run to run.

The client here is a plain Python one: under valgrind the server is some 50 times slower
than natively, so the client is never what limits it, and what matters is that the
number of operations is exact.  Every byte echoed back is checked.
"""
from __future__ import annotations

import os
import re
import selectors
import shutil
import socket
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HOST = '127.0.0.1'
MSG = 64
CONNECT_TIMEOUT = 30.0      # seconds for one set-up round trip of a slowed-down server


class CountError(Exception):
    """A count that could not be made (the message says why)."""


# ==================================================================== the tool

# Calls that are no syscalls natively (the vDSO answers them in user space) but that
# valgrind, which does not use the vDSO, makes as real ones.
VDSO = frozenset({'clock_gettime', 'clock_getres', 'gettimeofday', 'time', 'getcpu'})
_SYSCALL = re.compile(r'SYSCALL\[\d+,\d+\]\(\s*\d+\) (?:sys_)?(\w+)')


def missing() -> Optional[str]:
    """Why the counting cannot run here, or None."""
    return None if shutil.which('valgrind') else 'valgrind is not installed'


def wrap(argv: List[str], out: Path) -> List[str]:
    """``argv`` run under callgrind, which writes its figures to ``out`` and every
    syscall the program makes to ``out``.log."""
    return ['valgrind', '-q', '--tool=callgrind', f'--callgrind-out-file={out}',
            '--trace-syscalls=yes', f'--log-file={out}.log', *argv]


def totals(out: Path) -> Tuple[int, Dict[str, int]]:
    """What a program run under ``wrap()`` did: the user-space instructions it executed
    (valgrind's ``Ir``) and how many times it made each syscall (the vDSO's excepted)."""
    instructions = None
    try:
        with open(out) as f:
            for line in f:
                if line.startswith(('summary:', 'totals:')):
                    instructions = int(line.split()[1])
                    break
        calls: Dict[str, int] = {}
        with open(f'{out}.log', errors='replace') as f:
            for line in f:
                m = _SYSCALL.match(line)    # an [async] completion line has no name
                if m and m[1] not in VDSO:
                    calls[m[1]] = calls.get(m[1], 0) + 1
    except OSError as exc:
        raise CountError(f'callgrind wrote no figures ({exc})') from None
    if instructions is None:
        raise CountError(f'no total in {out}{_log_tail(out)}')
    return instructions, calls


def _log_tail(out: Path) -> str:
    try:
        lines = [line for line in Path(f'{out}.log').read_text(errors='replace').splitlines()
                 if not line.startswith('SYSCALL')]
    except OSError:
        return ''
    return ('\n    ' + '\n    '.join(lines[-8:])) if lines else ''


# ==================================================================== the process

def descriptors(pid: int) -> int:
    """How many descriptors a process has open."""
    try:
        return len(os.listdir(f'/proc/{pid}/fd'))
    except OSError as exc:
        raise CountError(f'cannot read the descriptors of process {pid}: {exc}') from None


def _sample(pid: int) -> Tuple[str, int, int]:
    """(state, CPU ticks used, open descriptors) of a process."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return fields[0], int(fields[11]) + int(fields[12]), len(os.listdir(f'/proc/{pid}/fd'))


def wait_idle(pid: int, fds: int, timeout: float = 60.0) -> None:
    """Wait until the server has closed its connections (at most ``fds`` descriptors
    open, as when it was ready) and has been asleep, using no CPU, for a quarter of a
    second: all the work the client caused is done, so stopping it now cuts every run at
    the same point."""
    deadline = time.monotonic() + timeout
    quiet, last = 0, None
    while quiet < 5:
        if time.monotonic() > deadline:
            raise CountError(f'the server (pid {pid}) did not go idle within {timeout:.0f} s '
                             f'(last seen: state, CPU ticks, descriptors = {last})')
        time.sleep(0.05)
        try:
            now = _sample(pid)
        except OSError:
            raise CountError(f'the server (pid {pid}) exited before it was stopped') from None
        asleep = now[0] == 'S' and now[2] <= fds
        quiet = quiet + 1 if asleep and last is not None and now[1] == last[1] else 0
        last = now


# ==================================================================== the client

def _msg(cid: int, seq: int) -> bytes:
    k = (cid * 131 + seq * 17) & 0xff
    return bytes((k + i) & 0xff for i in range(MSG))


class _Conn:
    __slots__ = ('sock', 'id', 'seq', 'got')

    def __init__(self, sock: socket.socket, cid: int) -> None:
        self.sock, self.id, self.seq, self.got = sock, cid, 0, b''


class Driver:
    """The exact-count client: ``pp`` and ``churn`` with the byte checks of run.py's."""

    def __init__(self, port: int, timeout: float) -> None:
        self.addr = (HOST, port)
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.verified = self.corrupt = 0
        self.sel = selectors.DefaultSelector()

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CountError(f'the load did not finish within {self.timeout:.0f} s')
        return left

    def _check(self, c: _Conn, data: bytes) -> None:
        want = _msg(c.id, c.seq)[len(c.got):len(c.got) + len(data)]
        self.corrupt += sum(a != b for a, b in zip(data, want, strict=False)) + max(0, len(data) - len(want))
        self.verified += len(data)
        c.got += data

    def _send(self, c: _Conn) -> None:
        c.got = b''
        c.sock.settimeout(min(CONNECT_TIMEOUT, self._left()))
        c.sock.sendall(_msg(c.id, c.seq))     # 64 B into an empty socket buffer
        c.sock.setblocking(False)

    def _receive(self, c: _Conn) -> bool:
        """Read what is there; True once the whole echo is in (the next seq is due)."""
        try:
            data = c.sock.recv(MSG - len(c.got))
        except BlockingIOError:
            return False
        if not data:
            raise CountError(f'the server closed connection {c.id} unexpectedly')
        self._check(c, data)
        if len(c.got) < MSG:
            return False
        c.seq += 1
        return True

    def _round_trip(self, c: _Conn) -> None:
        """One blocking round trip: the set-up of a ping-pong connection."""
        self._send(c)
        c.sock.settimeout(min(CONNECT_TIMEOUT, self._left()))
        while not self._receive(c):
            pass
        c.sock.setblocking(False)

    def _collect(self, conns: List[_Conn]) -> None:
        """Wait until the echo of every connection's message is in."""
        waiting = len(conns)
        while waiting:
            for key, _ in self.sel.select(min(1.0, self._left())):
                if self._receive(key.data):
                    waiting -= 1

    def pp(self, nconns: int, rounds: int) -> int:
        """Open ``nconns`` connections with one round trip each (set-up), then ``rounds``
        waves: a 64 B message on every connection, and the echoes of all of them in
        before the next wave; close them.  Returns the round trips after set-up.

        Waves, rather than each connection going on as soon as its echo is in, so that
        when a server reads again right after an echo, its socket is empty: whether the
        next message had arrived by then would be a race between the two processes, and
        a server that tries a read before waiting (gevent) would count differently from
        run to run."""
        conns: List[_Conn] = []
        try:
            for i in range(nconns):
                sock = socket.create_connection(self.addr, timeout=min(CONNECT_TIMEOUT,
                                                                       self._left()))
                c = _Conn(sock, i)
                conns.append(c)
                self._round_trip(c)
                self.sel.register(c.sock, selectors.EVENT_READ, c)
            for _ in range(rounds):
                for c in conns:
                    self._send(c)
                self._collect(conns)
        finally:
            for c in conns:
                c.sock.close()
            self.sel.close()
        return nconns * rounds

    def churn(self, total: int, wave: int) -> int:
        """``total`` connections in waves of ``wave`` (``total`` is a multiple of it):
        open each and send it 64 B, wait for every echo of the wave, close them all.
        Returns ``total``.  (Waves for the reason given under ``pp()``: a server that
        reads again after the echo finds nothing yet, not sometimes the end.)"""
        if total % wave:
            raise ValueError('churn: total must be a multiple of wave')
        conns: List[_Conn] = []
        try:
            for w in range(total // wave):
                for i in range(wave):
                    sock = socket.create_connection(
                        self.addr, timeout=min(CONNECT_TIMEOUT, self._left()))
                    c = _Conn(sock, w * wave + i)
                    conns.append(c)
                    self._send(c)
                    self.sel.register(c.sock, selectors.EVENT_READ, c)
                self._collect(conns)
                for c in conns:
                    self.sel.unregister(c.sock)
                    c.sock.close()
                conns.clear()
        finally:
            for c in conns:
                c.sock.close()
            self.sel.close()
        return total
