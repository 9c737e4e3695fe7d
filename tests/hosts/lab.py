"""A lab of test hosts on one machine: Linux network namespaces on one bridge.

Each :class:`Host` is a network namespace of its own with an ``eth0`` (one end of a
veth pair) and the addresses the test gives it, taken from 198.18.0.0/15 (set aside for
benchmarking, RFC 2544) and ``fd00:198:18::/64`` (unique local), so they can never clash
with a real network.  The other ends of the veth pairs are ports of a bridge that lives
in a namespace of its own (the lab's switch): nothing is added to the machine's own
network namespace, not even an interface.

Everything the lab creates is named ``gnh<pid>-...`` after the pytest process that made
it; :func:`sweep` removes what a run that died (its pid gone) left behind.  Processes
started in a host (:meth:`Host.spawn`, :meth:`Host.run`) are ``ip netns exec`` children
of the test; removing a host kills what still runs in it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from typing import Any, Dict, Iterable, List, Optional

from conftest import DEADLINE, Command

HERE = os.path.dirname(os.path.abspath(__file__))
GREENNET = [sys.executable, '-m', 'greennet']
PREFIX = f'gnh{os.getpid()}-'
_OURS = re.compile(r'^gnh(\d+)-')
V4_NET = '198.18.0.{}'
V6_NET = 'fd00:198:18::{}'


def v4(n: int) -> str:
    """The lab's IPv4 address number ``n`` (198.18.0.n)."""
    return V4_NET.format(n)


def v6(n: int) -> str:
    """The lab's IPv6 address number ``n`` (fd00:198:18::n)."""
    return V6_NET.format(n)


class LabError(Exception):
    pass


def _ip(*args: str, check: bool = True, input: Optional[str] = None) -> subprocess.CompletedProcess:
    result = subprocess.run(['ip', *args], capture_output=True, text=True, input=input,
                            timeout=DEADLINE)
    if check and result.returncode != 0:
        raise LabError(f'ip {" ".join(args)}: {result.stderr.strip() or result.returncode}')
    return result


def namespaces() -> List[str]:
    out = _ip('netns', 'list', check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def unavailable() -> Optional[str]:
    """Why the lab cannot be built here, or None when it can."""
    if sys.platform != 'linux':
        return 'network namespaces are Linux only'
    if shutil.which('ip') is None:
        return "no 'ip' command (apt-get install -y iproute2)"
    probe = PREFIX + 'probe'
    result = _ip('netns', 'add', probe, check=False)
    if result.returncode != 0:
        return f"cannot create a network namespace ('ip netns add' says: {result.stderr.strip()})" \
               + ('; the host tests need root' if os.geteuid() != 0 else '')
    try:
        made = _ip('-n', probe, 'link', 'add', 'br0', 'type', 'bridge', check=False)
        if made.returncode != 0:
            return f'cannot create a bridge in a namespace: {made.stderr.strip()}'
    finally:
        _ip('netns', 'del', probe, check=False)
    return None


def _kill_pids(pids: Iterable[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _netns_pids(name: str) -> List[int]:
    out = _ip('netns', 'pids', name, check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def _delete_namespace(name: str) -> None:
    """Kill what runs in namespace ``name`` (processes our tests started there) and
    delete it."""
    for _ in range(50):
        pids = _netns_pids(name)
        if not pids:
            break
        _kill_pids(pids)
        time.sleep(0.02)
    _ip('netns', 'del', name, check=False)


def sweep() -> List[str]:
    """Remove the namespaces of earlier runs whose pytest process is gone; returns them."""
    removed = []
    for name in namespaces():
        match = _OURS.match(name)
        if match and not os.path.exists(f'/proc/{match.group(1)}'):
            _delete_namespace(name)
            removed.append(name)
    return removed


class Process(Command):
    """A program running in a host, in the background (conftest's ``Command`` run under
    ``ip netns exec``): its output lines are collected as they come, lines can be sent
    to its stdin, and JSON lines on its stdout are read as events."""

    def __init__(self, host: 'Host', argv: List[str], env: Optional[Dict[str, str]]) -> None:
        self.host = host
        super().__init__(['ip', 'netns', 'exec', host.name, *argv], env=env,
                         stdin=subprocess.PIPE)
        self.argv = argv
        self.pid = self.popen.pid       # 'ip netns exec' execs the program in place

    def expect_json(self, event: str, timeout: float = DEADLINE) -> Dict[str, Any]:
        """The next JSON line on stdout whose ``event`` is ``event``."""
        match = self.expect(r'^\{.*"event": "' + re.escape(event) + '"', timeout=timeout)
        return json.loads(match.string)  # type: ignore[no-any-return]

    def events(self) -> List[Dict[str, Any]]:
        """Every JSON line the program has written on stdout so far."""
        return [json.loads(line) for line in list(self.every['stdout']) if line.startswith('{')]

    def wait_event(self, predicate: Any, what: str, timeout: float = DEADLINE) -> Dict[str, Any]:
        """The first JSON line on stdout for which ``predicate(event)`` is true, waiting
        for it up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events():
                if predicate(event):
                    return event
            if time.monotonic() > deadline or self.popen.poll() is not None:
                raise AssertionError(f'{what}: not seen within {timeout}s; stderr: '
                                     f'{self.every["stderr"][-20:]!r}')
            time.sleep(0.01)

    def send(self, line: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(line.encode() + b'\n')
        self.popen.stdin.flush()

    def output(self, stream: str = 'stderr') -> str:
        return '\n'.join(self.every[stream])

    def wait(self, timeout: float = DEADLINE) -> int:
        """Its exit status, once its output is all read."""
        code = super().wait(timeout)
        for pump in self._pumps:
            pump.join(timeout)
        return code

    def signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            super().signal(signum)

    def stop(self) -> None:
        super().stop()
        if self.popen.stdin is not None:
            try:
                self.popen.stdin.close()
            except OSError:
                pass


class Host:
    """One test host: a network namespace with ``eth0`` on the lab's bridge."""

    def __init__(self, lab: 'Lab', role: str, addresses: List[str]) -> None:
        self.lab = lab
        self.role = role
        self.name = lab.prefix + role
        self.addresses = addresses
        self.processes: List[Process] = []
        self.removed = False

    @property
    def address(self) -> str:
        """The host's first address."""
        return self.addresses[0]

    # ------------------------------------------------------------ programs
    def env(self, **extra: str) -> Dict[str, str]:
        environ = dict(os.environ)
        environ['PYTHONPATH'] = os.pathsep.join(filter(None, [HERE, environ.get('PYTHONPATH')]))
        environ['PYTHONUNBUFFERED'] = '1'
        environ.update(extra)
        return environ

    def spawn(self, argv: List[str], **env: str) -> Process:
        """Start ``argv`` in this host in the background; stopped when the host is removed."""
        process = Process(self, argv, self.env(**env))
        self.processes.append(process)
        return process

    def python(self, script: str, *args: str, **env: str) -> Process:
        """Start one of this package's programs (``script``) with the tests' Python."""
        return self.spawn([sys.executable, os.path.join(HERE, script), *args], **env)

    def run_json(self, script: str, *args: str, timeout: float = 60.0,
                 **env: str) -> Dict[str, Any]:
        """Run one of this package's programs to its end; its last stdout line is JSON."""
        result = subprocess.run(['ip', 'netns', 'exec', self.name, sys.executable,
                                 os.path.join(HERE, script), *args],
                                capture_output=True, text=True, timeout=timeout, env=self.env(**env))
        lines = result.stdout.strip().splitlines()
        if result.returncode != 0 or not lines:
            raise AssertionError(f'{script} {args} in {self.role} exited {result.returncode}:\n'
                                 f'{result.stdout[-3000:]}\n{result.stderr[-3000:]}')
        return json.loads(lines[-1])  # type: ignore[no-any-return]

    def sh(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a command in this host (iproute2, nft, sysctl...) and wait for it."""
        result = subprocess.run(['ip', 'netns', 'exec', self.name, *argv], capture_output=True,
                                text=True, timeout=DEADLINE)
        if check and result.returncode != 0:
            raise LabError(f'{" ".join(argv)} in {self.role}: {result.stderr.strip()}')
        return result

    def pids(self) -> List[int]:
        """Every process running in this host (those our tests started there)."""
        return _netns_pids(self.name)

    def sysctl(self, key: str, value: Any) -> None:
        """Set a per-namespace sysctl (net.ipv4...) in this host only."""
        self.sh('sysctl', '-q', '-w', f'{key}={value}')

    # ------------------------------------------------------------ firewall
    def firewall(self, rules: str = '') -> None:
        """Replace this host's firewall with ``rules`` (nft statements, one per line, for
        the input chain; a line starting with 'output ' goes to the output chain)."""
        if shutil.which('nft') is None:
            raise LabError('no nft command')
        inbound = [r for r in rules.splitlines() if r.strip() and not r.strip().startswith('output ')]
        outbound = [r.strip()[len('output '):] for r in rules.splitlines()
                    if r.strip().startswith('output ')]
        script = ('table inet gnlab\ndelete table inet gnlab\n'
                  'table inet gnlab {\n'
                  '  chain input { type filter hook input priority 0; policy accept;\n'
                  + ''.join(f'    {r.strip()}\n' for r in inbound) +
                  '  }\n'
                  '  chain output { type filter hook output priority 0; policy accept;\n'
                  + ''.join(f'    {r}\n' for r in outbound) +
                  '  }\n}\n')
        result = subprocess.run(['ip', 'netns', 'exec', self.name, 'nft', '-f', '-'], input=script,
                                capture_output=True, text=True, timeout=DEADLINE)
        if result.returncode != 0:
            raise LabError(f'nft in {self.role}: {result.stderr.strip()}\n{script}')

    # ------------------------------------------------------------ the link
    def unplug(self) -> None:
        """Cut this host off the bridge at once: its switch port is deleted (with its
        eth0), so nothing it sends afterwards leaves it, not even a FIN or an RST."""
        _ip('-n', self.lab.switch, 'link', 'del', self.lab.port_name(self.role), check=False)

    def remove(self) -> None:
        """Stop this host's programs, kill whatever still runs in it, delete it."""
        if self.removed:
            return
        self.removed = True
        for process in self.processes:
            process.stop()
        self.unplug()           # at once: a namespace's own links go in the kernel's own time
        _delete_namespace(self.name)


class Lab:
    """The switch (a bridge in a namespace of its own) and the hosts on it."""

    def __init__(self, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self.switch = prefix + 'switch'
        self.hosts: Dict[str, Host] = {}
        _ip('netns', 'add', self.switch)
        try:
            _ip('-n', self.switch, 'link', 'add', 'br0', 'type', 'bridge')
            _ip('-n', self.switch, 'link', 'set', 'br0', 'up')
        except LabError:
            self.close()
            raise

    def port_name(self, role: str) -> str:
        return f'p-{role}'[:15]

    def host(self, role: str, v4s: Iterable[int] = (), v6s: Iterable[int] = (),
             sysctls: Optional[Dict[str, Any]] = None) -> Host:
        """A new host named ``role`` with the addresses 198.18.0.n for each n of ``v4s`` and
        fd00:198:18::n for each n of ``v6s``; ``sysctls`` are set in it."""
        if role in self.hosts and not self.hosts[role].removed:
            raise LabError(f'host {role!r} exists')
        addresses = [v4(n) for n in v4s] + [v6(n) for n in v6s]
        host = Host(self, role, addresses)
        self.hosts[role] = host
        try:
            _ip('netns', 'add', host.name)
            port = self.port_name(role)
            _ip('link', 'add', 'eth0', 'netns', host.name, 'type', 'veth',
                'peer', 'name', port, 'netns', self.switch)
            _ip('-n', self.switch, 'link', 'set', port, 'master', 'br0')
            _ip('-n', self.switch, 'link', 'set', port, 'up')
            _ip('-n', host.name, 'link', 'set', 'lo', 'up')
            for key, value in (sysctls or {}).items():
                host.sysctl(key, value)
            for n in v4s:
                _ip('-n', host.name, 'addr', 'add', f'{v4(n)}/24', 'dev', 'eth0')
            for n in v6s:
                _ip('-n', host.name, 'addr', 'add', f'{v6(n)}/64', 'dev', 'eth0', 'nodad')
            _ip('-n', host.name, 'link', 'set', 'eth0', 'up')
        except BaseException:
            host.remove()
            raise
        return host

    def close(self) -> None:
        for host in self.hosts.values():
            host.remove()
        _delete_namespace(self.switch)


def hosts_for(lab: Lab, request: Any, *specs: Dict[str, Any]) -> List[Host]:
    """``lab.host(**spec)`` for each spec, removed when ``request``'s scope ends (a
    fixture's ``request``): a module-scoped fixture's hosts live as long as its module."""
    made: List[Host] = []
    try:
        for spec in specs:
            made.append(lab.host(**spec))
    except BaseException:
        for host in made:
            host.remove()
        raise
    for host in made:
        request.addfinalizer(host.remove)
    return made
