"""Counted figures for ``bench/run.py --count``: what a server does per operation, in
numbers that do not swing with the machine's load.

A server runs under a counting tool (``valgrind --tool=callgrind`` for user-space
instructions, ``strace -f -c`` for syscalls) while this module's client drives an exact
number of operations through it; the server is stopped once it is idle again and the
tool's total is read.  run.py does that twice, with N1 and N2 operations, and reports
(total2 - total1) / (N2 - N1): start-up, set-up and shut-down are the same in both runs
and cancel out.

The client here is a plain Python one: under valgrind the server is some 50 times slower
than natively, so the client is never what limits it, and what matters is that the
number of operations is exact.  Every byte echoed back is checked.
"""
from __future__ import annotations

import os
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


# ==================================================================== the tools

class Tool:
    """A counting tool: how to start a server under it and read its total after."""

    name = ''
    what = ''               # what it counts, for the table's headers

    def missing(self) -> Optional[str]:
        """Why the tool cannot run here, or None."""
        raise NotImplementedError

    def wrap(self, argv: List[str], out: Path) -> List[str]:
        """``argv`` run under the tool, which writes its figures to ``out``."""
        raise NotImplementedError

    def total(self, out: Path) -> Tuple[int, Dict[str, int]]:
        """The count the tool wrote to ``out`` (and a breakdown of it, maybe empty)."""
        raise NotImplementedError

    def server_pid(self, pid: int) -> int:
        """The server's pid, given the pid of the process started with ``wrap()``."""
        return pid


class Callgrind(Tool):
    """User-space instructions executed (valgrind's ``Ir``): exact, whatever the load."""

    name, what = 'callgrind', 'instr'

    def missing(self) -> Optional[str]:
        return None if shutil.which('valgrind') else 'valgrind is not installed'

    def wrap(self, argv: List[str], out: Path) -> List[str]:
        return ['valgrind', '-q', '--tool=callgrind', f'--callgrind-out-file={out}',
                f'--log-file={out}.log', *argv]

    def total(self, out: Path) -> Tuple[int, Dict[str, int]]:
        try:
            with open(out) as f:
                for line in f:
                    if line.startswith(('summary:', 'totals:')):
                        return int(line.split()[1]), {}
        except OSError as exc:
            raise CountError(f'callgrind wrote no figures ({exc}){_log_tail(out)}') from None
        raise CountError(f'no total in {out}{_log_tail(out)}')


class Strace(Tool):
    """System calls made, every thread of the server together (``strace -f -c``)."""

    name, what = 'strace', 'syscalls'

    def missing(self) -> Optional[str]:
        if not shutil.which('strace'):
            return 'strace is not installed'
        import subprocess
        try:
            proc = subprocess.run(['strace', '-f', '-c', '-o', os.devnull, 'true'],
                                  capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f'strace cannot run: {exc}'
        if proc.returncode != 0:
            return f'strace cannot trace here: {proc.stderr.decode(errors="replace").strip()}'
        return None

    def wrap(self, argv: List[str], out: Path) -> List[str]:
        return ['strace', '-f', '-c', '-U', 'name,calls', '-o', str(out), '--', *argv]

    def total(self, out: Path) -> Tuple[int, Dict[str, int]]:
        calls: Dict[str, int] = {}
        total = None
        try:
            text = out.read_text()
        except OSError as exc:
            raise CountError(f'strace wrote no figures ({exc})') from None
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                if parts[0] == 'total':
                    total = int(parts[1])
                else:
                    calls[parts[0]] = int(parts[1])
        if total is None:
            raise CountError(f'no total in the output of strace -c:\n{text[-500:]}')
        return total, calls

    def server_pid(self, pid: int) -> int:
        """strace's one child: the server."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            kids = children(pid)
            if kids:
                return kids[0]
            time.sleep(0.02)
        raise CountError(f'strace (pid {pid}) has no child')


TOOLS = {'instr': Callgrind(), 'syscalls': Strace()}


def _log_tail(out: Path) -> str:
    try:
        text = Path(f'{out}.log').read_text().strip()
    except OSError:
        return ''
    return ('\n    ' + '\n    '.join(text.splitlines()[-8:])) if text else ''


# ==================================================================== the process

def children(pid: int) -> List[int]:
    """The pids of a process's children (from /proc)."""
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        pass
    kids = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open(f'/proc/{entry}/stat') as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry))
    return sorted(kids)


def _sample(pid: int) -> Tuple[str, int, int]:
    """(state, CPU ticks used, open descriptors) of a process."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return fields[0], int(fields[11]) + int(fields[12]), len(os.listdir(f'/proc/{pid}/fd'))


def descriptors(pid: int) -> int:
    """How many descriptors a process has open."""
    try:
        return len(os.listdir(f'/proc/{pid}/fd'))
    except OSError as exc:
        raise CountError(f'cannot read the descriptors of process {pid}: {exc}') from None


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
