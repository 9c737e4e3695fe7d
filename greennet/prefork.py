"""Prefork: N worker processes serving one address, supervised and restarted.

``greennet serve MODULE:HANDLER --workers N`` runs on this module; so can a program::

    from greennet import prefork
    status = prefork.run_workers('myapp:handle', workers=4, port=9000)   # blocks

The contract:

* **Workers are separate processes**, each started as ``python -m greennet serve
  MODULE:HANDLER ...`` (never forked from a running hub), each with its own gevent hub
  and one greenlet per connection.  On TCP each worker listens on the same host and
  port with ``reusePort`` (``SO_REUSEPORT``), so the kernel spreads new connections
  among them; a worker that dies leaves the others serving.  On a Unix socket
  (``path=``) the supervisor opens the one listening socket and the workers share it.
* **The supervisor holds the address** for its whole life: with TCP it binds (without
  listening) a ``SO_REUSEPORT`` socket on the port, so the port cannot be taken by
  another program between worker restarts, and port 0 is resolved once to a real port
  that all the workers share (:attr:`Prefork.address`).  A port in use shows as
  EADDRINUSE at :meth:`Prefork.start`, before any worker starts.
* **Readiness**: each worker reports over a private socketpair once it listens (or why
  it could not).  :meth:`Prefork.start` returns once all N listen, or raises
  :class:`PreforkError` (with the worker's message and exit status) if one fails to
  start, leaving no worker behind.
* **Restarts**: a worker that dies while the supervisor runs is replaced.  A worker that
  dies within ``min_uptime`` seconds of its start is restarted after a back-off that
  doubles each time (``restart_delay`` up to ``max_restart_delay``), so a crash-looping
  worker does not spin; one that ran longer is replaced after ``restart_delay``.
* **Stopping**: :meth:`Prefork.stop` (and SIGTERM or SIGINT during :meth:`Prefork.run`)
  sends SIGTERM to every worker; each stops accepting, lets its open connections
  finish for up to ``grace`` seconds, cuts the rest and exits.  Workers still alive
  ``grace + 5`` seconds later are killed.  A second SIGTERM/SIGINT is forwarded too:
  the workers then cut their connections at once.
* **Reloading** (:meth:`Prefork.reload`, and SIGHUP during :meth:`Prefork.run`) replaces
  every worker without refusing a connection: N new workers start (importing the handler
  afresh) and listen on the same port with ``reusePort`` (on a Unix socket, on the same
  listening socket) while the old ones still accept; once every new one listens, the old
  ones get SIGTERM: they stop accepting, finish their open connections within ``grace``
  seconds and exit.  A new worker that fails to start fails the reload only: the others
  are stopped, the reason is logged and the old workers go on serving.  On TCP, a
  connection the kernel has already queued for an old worker's listening socket when it
  closes is moved to a new worker only when ``net.ipv4.tcp_migrate_req`` is 1 (Linux
  5.14+); otherwise the kernel resets it, so a reload logs a warning when it is 0.
* **Orphans stop themselves**: workers run in their own session (a terminal's Ctrl-C
  reaches the supervisor only, which forwards it), and a worker whose supervisor is
  gone (even killed with SIGKILL) sees its socketpair close and stops gracefully.
* **Workers say what they do** on the supervisor's stderr, as the single-process server
  does (``stopping: waiting up to G s for N open connections``, ``cut N connections
  still open``), each line with its own pid; ``quiet=True`` leaves warnings only.

The worker side of the protocol is :class:`WorkerLink`.
"""
from __future__ import annotations

import errno as _errno
import logging
import os
import signal as _signal
import socket as _stdsocket
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import gevent
from gevent import socket as _gsocket
from gevent import subprocess as _subprocess
from gevent.event import Event
from gevent.lock import Semaphore

__all__ = ['Prefork', 'PreforkError', 'WorkerLink', 'run_workers']

log = logging.getLogger('greennet.prefork')

#: seconds a worker is given, beyond ``grace``, to exit after SIGTERM before SIGKILL
KILL_MARGIN = 5.0


class PreforkError(Exception):
    """The workers could not be started: ``str(err)`` is a one-line reason, ``.status``
    the exit status a command line should return (1 for a run-time failure such as
    EADDRINUSE, 2 for a handler that cannot be loaded), ``.code`` Node's error code
    when there is one."""

    def __init__(self, message: str, status: int = 1, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


# ==================================================================== worker side

class WorkerLink:
    """A worker's end of its supervisor's socketpair (the ``--worker-fd`` descriptor).

    ``ready()`` tells the supervisor the worker is listening; ``failed(message,
    status)`` tells it why the worker could not start (send it just before exiting);
    ``watch(callback)`` calls ``callback()`` once, in a greenlet, when the supervisor
    goes away (its end closed, whether it exited or was killed).
    """

    def __init__(self, fd: int) -> None:
        self._sock = _gsocket.socket(fileno=fd)
        self._watcher: Any = None

    def _send(self, line: str) -> None:
        try:
            self._sock.sendall(line.replace('\n', ' ').encode('utf-8', 'replace') + b'\n')
        except OSError:
            pass   # the supervisor is gone; watch() says so

    def ready(self) -> None:
        self._send('ready')

    def failed(self, message: str, status: int = 1) -> None:
        self._send(f'error {int(status)} {message}')

    def watch(self, callback: Callable[[], Any]) -> None:
        def wait_for_eof() -> None:
            try:
                while self._sock.recv(512):
                    pass
            except OSError:
                pass
            callback()
        self._watcher = gevent.spawn(wait_for_eof)

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.kill(block=False)
        self._sock.close()


# ==================================================================== supervisor side

class _Worker:
    """The supervisor's view of one worker process."""

    def __init__(self, proc: Any, link: Any) -> None:
        self.proc = proc
        self.pid: int = proc.pid
        self.link = link
        self.started = time.monotonic()
        self.ready = False
        self.error: Optional[str] = None
        self.status = 1
        self.settled = Event()   # ready, or gone without being ready
        self.reader = gevent.spawn(self._read_link)

    def _read_link(self) -> None:
        try:
            with self.link.makefile('rb') as stream:
                for raw in stream:
                    line = raw.decode('utf-8', 'replace').rstrip('\n')
                    if line == 'ready':
                        self.ready = True
                        self.settled.set()
                    elif line.startswith('error '):
                        _, status, message = (line.split(' ', 2) + [''])[:3]
                        self.status = int(status) if status.isdigit() else 1
                        self.error = message
        except OSError:
            pass
        finally:
            self.settled.set()
            self.link.close()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive:
            try:
                self.proc.send_signal(signum)
            except OSError:
                pass

    def describe_exit(self) -> str:
        code = self.proc.returncode
        if code is None:
            return 'is running'
        if code < 0:
            try:
                return f'was killed by {_signal.Signals(-code).name}'
            except ValueError:
                return f'was killed by signal {-code}'
        return f'exited with status {code}'


class Prefork:
    """Run ``workers`` processes that serve ``target`` (``'module:function'``, called
    with each connection's :class:`greennet.Socket` in its own greenlet) on one address.

    ``port``/``host`` (TCP; ``host`` a name or address, 127.0.0.1 by default) or ``path``
    (a Unix socket).  ``grace``: seconds the workers give open connections when asked to
    stop.  ``monkey_patch``: workers apply ``gevent.monkey.patch_all()`` before importing
    ``target``.  ``python``: the interpreter for the workers.  ``env``: their environment
    (``os.environ`` by default).  ``min_uptime``, ``restart_delay``,
    ``max_restart_delay``: the restart back-off, in seconds.  ``start_timeout``: how long
    :meth:`start` (and :meth:`reload`) waits for the workers to listen.  ``worker_args``:
    more ``greennet serve`` options for every worker, for the server itself (e.g.
    ``['--proxy-protocol', '--block', '203.0.113.0/24']``).  ``quiet``: workers log
    warnings only.

    Use :meth:`run` (start, serve until SIGTERM/SIGINT, reload on SIGHUP, stop; returns
    an exit status), or :meth:`start` / :meth:`reload` / :meth:`stop` yourself.
    :attr:`pids` lists the live workers.
    """

    def __init__(self, target: str, workers: int, *, port: Optional[int] = None,
                 host: Optional[str] = '127.0.0.1', path: Optional[str] = None,
                 grace: float = 10.0, monkey_patch: bool = False,
                 python: Optional[str] = None, env: Optional[Dict[str, str]] = None,
                 min_uptime: float = 5.0, restart_delay: float = 0.1,
                 max_restart_delay: float = 10.0, start_timeout: float = 30.0,
                 worker_args: Sequence[str] = (), quiet: bool = False) -> None:
        if not isinstance(target, str) or ':' not in target:
            raise ValueError(f"target must be 'module:function', not {target!r}")
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f'workers must be an integer >= 1, not {workers!r}')
        if (port is None) == (path is None):
            raise ValueError('give either port or path')
        if grace < 0:
            raise ValueError(f'grace must be >= 0, not {grace!r}')
        self.target = target
        self.workers = workers
        self.port = port
        self.host = host or None
        self.path = path
        self.grace = float(grace)
        self.monkey_patch = monkey_patch
        self.python = python or sys.executable
        self.env = env
        self.min_uptime = min_uptime
        self.restart_delay = restart_delay
        self.max_restart_delay = max_restart_delay
        self.start_timeout = start_timeout
        self.worker_args = [str(arg) for arg in worker_args]
        self.quiet = quiet
        self._holder: Any = None          # TCP: the bound SO_REUSEPORT socket holding the port
        self._listener: Any = None        # IPC: the listening socket the workers share
        self._bound_host: Optional[str] = None
        self._slots: List[Optional[_Worker]] = []
        self._retired: List[_Worker] = []    # replaced by a reload, finishing their connections
        self._monitors: List[Any] = []
        self._reload_requested = Event()
        self._reload_lock = Semaphore()
        self._stopping = False
        self._stop_requested = Event()
        self._stopped = Event()
        self._started = False

    # ------------------------------------------------------------ inspecting
    @property
    def pids(self) -> List[int]:
        """The pids of the live workers."""
        return [w.pid for w in self._slots if w is not None and w.alive]

    @property
    def address(self) -> Any:
        """``{'address', 'family', 'port'}`` for TCP (the real port, also when 0 was
        asked for) or the path, once :meth:`start` has reserved it; None before."""
        if self._holder is not None:
            name = self._holder.getsockname()
            family = 'IPv6' if self._holder.family == _stdsocket.AF_INET6 else 'IPv4'
            return {'address': name[0], 'family': family, 'port': name[1]}
        if self._listener is not None:
            return self.path
        return None

    # ------------------------------------------------------------ the address
    def _reserve(self) -> None:
        from .errors import lookup_error, system_error
        if self.path is not None:
            from .ipc import check_path
            sock = _stdsocket.socket(_stdsocket.AF_UNIX, _stdsocket.SOCK_STREAM)
            try:
                sock.bind(check_path(self.path, 'listen'))
                sock.listen(511)
            except OSError as exc:
                sock.close()
                err = exc if getattr(exc, 'code', None) else \
                    system_error(exc.errno or _errno.EIO, 'listen', self.path)
                raise PreforkError(str(err), 1, getattr(err, 'code', None)) from None
            self._listener = sock
            return
        host = self.host
        if host is None:
            host, family = '::', _stdsocket.AF_INET6
            if not _stdsocket.has_ipv6:
                host, family = '0.0.0.0', _stdsocket.AF_INET
        else:
            try:
                info = _stdsocket.getaddrinfo(host, None, _stdsocket.AF_UNSPEC,
                                              _stdsocket.SOCK_STREAM)[0]
            except OSError:
                err = lookup_error(host)
                raise PreforkError(str(err), 1, err.code) from None
            family, host = info[0], str(info[4][0])
        sock = _stdsocket.socket(family, _stdsocket.SOCK_STREAM)
        try:
            sock.setsockopt(_stdsocket.SOL_SOCKET, _stdsocket.SO_REUSEADDR, 1)
            sock.setsockopt(_stdsocket.SOL_SOCKET, _stdsocket.SO_REUSEPORT, 1)
            if family == _stdsocket.AF_INET6:
                sock.setsockopt(_stdsocket.IPPROTO_IPV6, _stdsocket.IPV6_V6ONLY, 0)
            sock.bind((host, self.port))
        except OSError as exc:
            sock.close()
            err = system_error(exc.errno or _errno.EIO, 'listen', host, self.port)
            raise PreforkError(str(err), 1, err.code) from None
        self._holder = sock
        self._bound_host = host

    def _release(self) -> None:
        if self._holder is not None:
            self._holder.close()
        if self._listener is not None:
            self._listener.close()
            if self.path and not self.path.startswith('\0'):
                try:
                    os.unlink(self.path)
                except OSError:
                    pass

    # ------------------------------------------------------------ workers
    def worker_command(self, link_fd: int, listen_fd: Optional[int]) -> List[str]:
        """The argv of one worker process (override to run workers differently; a
        worker must speak :class:`WorkerLink` on ``link_fd``)."""
        cmd = [self.python, '-m', 'greennet', 'serve', self.target,
               '--grace', repr(self.grace), '--worker-fd', str(link_fd)]
        if listen_fd is not None:
            cmd += ['--listen-fd', str(listen_fd)]
        else:
            cmd += ['--host', self._bound_host or '', '--port', str(self.address['port'])]
        if self.monkey_patch:
            cmd.append('--monkey-patch')
        if self.quiet:
            cmd.append('--quiet')
        return cmd + self.worker_args

    def _spawn(self) -> _Worker:
        ours, theirs = _stdsocket.socketpair()
        fds = [theirs.fileno()]
        listen_fd = None
        if self._listener is not None:
            listen_fd = self._listener.fileno()
            fds.append(listen_fd)
        try:
            proc = _subprocess.Popen(self.worker_command(theirs.fileno(), listen_fd),
                                     pass_fds=fds, start_new_session=True, env=self.env,
                                     stdin=_subprocess.DEVNULL)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        link = _gsocket.socket(fileno=ours.detach())
        return _Worker(proc, link)

    def start(self) -> None:
        """Reserve the address, start the workers and return once every one listens.

        Raises :class:`PreforkError` if the address cannot be had or a worker fails to
        start (the others are stopped first).  If :meth:`stop` is asked for meanwhile,
        returns early with the workers stopping.
        """
        if self._started:
            raise RuntimeError('greennet: this Prefork was already started')
        self._started = True
        self._reserve()
        try:
            spawned = [self._spawn() for _ in range(self.workers)]
            self._slots = list(spawned)
        except OSError as exc:
            self._abort_start()
            raise PreforkError(f'cannot start a worker: {exc}') from None
        failure = self._await_ready(spawned)
        if failure is not None:
            self._abort_start()
            raise PreforkError(*failure)
        slots = self._slots
        self._monitors = [gevent.spawn(self._monitor, slots, i) for i in range(self.workers)]

    def _await_ready(self, workers: List[_Worker]) -> Optional[Tuple[str, int]]:
        """Wait until every one of ``workers`` listens: None, or why one did not (a
        message and an exit status).  Returns None early if a stop is requested."""
        deadline = time.monotonic() + self.start_timeout
        for worker in workers:
            gevent.wait([worker.settled, self._stop_requested], count=1,
                        timeout=max(0.0, deadline - time.monotonic()))
            if self._stop_requested.is_set():
                return None
            if worker.ready:
                continue
            if worker.settled.is_set():
                try:
                    worker.proc.wait(timeout=KILL_MARGIN)
                except _subprocess.TimeoutExpired:
                    pass
                message = worker.error or f'worker {worker.pid} {worker.describe_exit()} ' \
                                          'before it listened'
                return message, (worker.status if worker.error else 1)
            return f'worker {worker.pid} did not listen within {self.start_timeout:g} s', 1
        return None

    def _abort_start(self) -> None:
        self._stopping = True
        for worker in self._slots:
            if worker is not None:
                worker.signal(_signal.SIGTERM)
        for worker in self._slots:
            if worker is not None:
                try:
                    worker.proc.wait(timeout=KILL_MARGIN)
                except _subprocess.TimeoutExpired:
                    worker.signal(_signal.SIGKILL)
                    worker.proc.wait()
        self._release()
        self._stopped.set()

    def _monitor(self, slots: List[Optional[_Worker]], index: int) -> None:
        """One worker slot of the generation ``slots``: wait for its worker to die, then
        replace it (with back-off); ends once a reload has replaced the generation."""
        quick_failures = 0
        while True:
            worker = slots[index]
            if worker is None:
                return
            worker.proc.wait()
            if self._stopping or slots is not self._slots:
                return
            uptime = time.monotonic() - worker.started
            if uptime >= self.min_uptime and worker.ready:
                quick_failures = 0
                delay = self.restart_delay
            else:
                quick_failures += 1
                delay = min(self.restart_delay * 2 ** quick_failures, self.max_restart_delay)
            why = f': {worker.error}' if worker.error else ''
            log.warning('worker %d %s%s; starting another in %g s',
                        worker.pid, worker.describe_exit(), why, delay)
            if self._stop_requested.wait(delay) or self._stopping or slots is not self._slots:
                return
            try:
                replacement = self._spawn()
            except OSError as exc:
                log.error('cannot start a worker: %s', exc)
                continue
            slots[index] = replacement
            if self._stopping or slots is not self._slots:   # stopped or reloaded meanwhile
                self._retire([replacement])
                return
            gevent.spawn(self._announce, replacement)

    def _announce(self, worker: _Worker) -> None:
        worker.settled.wait()
        if worker.ready and not self._stopping:
            log.info('worker %d listening', worker.pid)

    # ------------------------------------------------------------ reloading
    def request_reload(self) -> None:
        """Ask for a :meth:`reload` without waiting (safe in a signal handler); it runs
        in :meth:`run`.  Requests that arrive during a reload make one more reload."""
        if not self._stop_requested.is_set():
            self._reload_requested.set()

    def reload(self) -> bool:
        """Replace every worker without refusing a connection.

        Starts ``workers`` new worker processes (each imports ``target`` afresh) on the
        same address while the old ones go on accepting; once every new one listens,
        sends SIGTERM to the old ones, which stop accepting, finish their open
        connections within ``grace`` seconds and exit (killed ``grace`` + 5 s later if
        still there).  Returns True once the new workers serve, without waiting for the
        old ones to exit (the log says when they have).  Returns False, with the old
        workers serving on, if a new worker could not start (the reason is logged and
        the other new ones are stopped) or a stop was requested meanwhile.
        """
        if not self._started or self._stop_requested.is_set():
            return False
        with self._reload_lock:
            if self._stop_requested.is_set():
                return False
            return self._reload()

    def _reload(self) -> bool:
        old = [w for w in self._slots if w is not None]
        self._check_migration()
        log.info('reloading: starting %d new worker%s', self.workers,
                 '' if self.workers == 1 else 's')
        fresh: List[_Worker] = []
        try:
            for _ in range(self.workers):
                fresh.append(self._spawn())
        except OSError as exc:
            log.error('reload failed: cannot start a worker: %s; the old workers go on serving', exc)
            self._retire(fresh)
            return False
        failure = self._await_ready(fresh)
        if self._stop_requested.is_set():
            self._retire(fresh)
            return False
        if failure is not None:
            log.error('reload failed: %s; the old workers go on serving', failure[0])
            self._retire(fresh)
            return False
        slots: List[Optional[_Worker]] = list(fresh)
        self._slots = slots      # the old generation's monitors end as their workers exit
        self._monitors = [m for m in self._monitors if not m.dead]
        self._monitors += [gevent.spawn(self._monitor, slots, i) for i in range(self.workers)]
        log.info('reloaded: workers %s listening; workers %s stop accepting and finish their '
                 'connections within %g s', _pid_list(fresh), _pid_list(old), self.grace)
        self._retire(old, announce=True)
        return True

    def _check_migration(self) -> None:
        """Warn when the kernel would reset connections queued for a closing listener."""
        if self._holder is None:
            return      # a Unix socket: every worker shares one listening socket
        try:
            with open('/proc/sys/net/ipv4/tcp_migrate_req') as f:
                enabled = f.read().strip() != '0'
        except OSError:
            enabled = False
        if not enabled:
            log.warning('reloading: net.ipv4.tcp_migrate_req is not 1, so a connection the kernel '
                        'has queued for an old worker as it stops listening is reset; '
                        'sysctl -w net.ipv4.tcp_migrate_req=1 (Linux 5.14+) moves it to a new one')

    def _retire(self, workers: List[_Worker], announce: bool = False) -> None:
        """SIGTERM to ``workers`` (no longer restarted), SIGKILL to those still there
        ``grace`` + 5 s later; with ``announce``, log once all of them have exited."""
        if not workers:
            return
        self._retired = [w for w in self._retired if w.alive] + workers
        for worker in workers:
            worker.signal(_signal.SIGTERM)

        def reap() -> None:
            deadline = time.monotonic() + self.grace + KILL_MARGIN
            for worker in workers:
                try:
                    worker.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
                except _subprocess.TimeoutExpired:
                    log.warning('worker %d still running %g s after SIGTERM; killing it',
                                worker.pid, self.grace + KILL_MARGIN)
                    worker.signal(_signal.SIGKILL)
                    worker.proc.wait()
            if announce and not self._stopping:
                log.info('reload done: workers %s have exited', _pid_list(workers))
        gevent.spawn(reap)

    def _reload_loop(self) -> None:
        while True:
            self._reload_requested.wait()
            self._reload_requested.clear()
            if self._stop_requested.is_set():
                return
            self.reload()

    # ------------------------------------------------------------ stopping
    def request_stop(self) -> None:
        """Ask for a graceful stop without waiting (safe in a signal handler).  A second
        call forwards SIGTERM to the workers again, which makes them cut their open
        connections at once."""
        if self._stop_requested.is_set():
            for worker in [w for w in self._slots if w is not None] + self._retired:
                worker.signal(_signal.SIGTERM)
            return
        self._stop_requested.set()

    def stop(self, grace: Optional[float] = None) -> None:
        """Stop every worker gracefully and wait for them: SIGTERM, then up to ``grace``
        (the constructor's by default) plus a margin of seconds before SIGKILL.  Releases
        the address.  Returns once every worker has exited."""
        if not self._started or self._stopped.is_set():
            return
        if self._stopping:
            self._stopped.wait()
            return
        self._stop_requested.set()
        with self._reload_lock:     # a reload under way gives up at once (stop requested)
            self._stopping = True
        grace = self.grace if grace is None else grace
        everyone = [w for w in self._slots if w is not None] + self._retired
        for worker in everyone:
            worker.signal(_signal.SIGTERM)
        deadline = time.monotonic() + grace + KILL_MARGIN
        for worker in everyone:
            try:
                worker.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except _subprocess.TimeoutExpired:
                log.warning('worker %d still running %g s after SIGTERM; killing it',
                            worker.pid, grace + KILL_MARGIN)
                worker.signal(_signal.SIGKILL)
                worker.proc.wait()
        gevent.joinall(self._monitors, timeout=KILL_MARGIN)
        for late in self._slots + self._retired:   # one started while we were stopping
            if late is not None and late.alive:
                late.signal(_signal.SIGKILL)
                late.proc.wait()
        self._release()
        self._stopped.set()

    def wait(self) -> None:
        """Block until a stop is requested (:meth:`request_stop`)."""
        self._stop_requested.wait()

    def run(self, on_ready: Optional[Callable[['Prefork'], Any]] = None,
            signals: Sequence[int] = (_signal.SIGTERM, _signal.SIGINT),
            reload_signals: Sequence[int] = (_signal.SIGHUP,)) -> int:
        """Start, call ``on_ready(self)`` once every worker listens, serve until one of
        ``signals`` arrives, then stop gracefully; each of ``reload_signals`` meanwhile
        makes a :meth:`reload`.  Returns 0.  Raises :class:`PreforkError` if the workers
        could not be started."""
        handlers = [gevent.signal_handler(signum, self.request_stop) for signum in signals]
        handlers += [gevent.signal_handler(signum, self.request_reload)
                     for signum in reload_signals]
        reloader = None
        try:
            self.start()
            if on_ready is not None and not self._stop_requested.is_set():
                on_ready(self)
            reloader = gevent.spawn(self._reload_loop)
            self.wait()
            self.stop()
            return 0
        finally:
            if reloader is not None:
                reloader.kill()
            for handler in handlers:
                handler.cancel()


def _pid_list(workers: List[_Worker]) -> str:
    return ', '.join(str(w.pid) for w in workers)


def run_workers(target: str, workers: int, *, on_ready: Optional[Callable[[Prefork], Any]] = None,
                **options: Any) -> int:
    """Serve ``target`` (``'module:function'``) with ``workers`` worker processes until
    SIGTERM or SIGINT (reloading them on SIGHUP), then stop them gracefully; returns the
    exit status (0).

    ``options`` are :class:`Prefork`'s (``port``, ``host``, ``path``, ``grace``,
    ``monkey_patch``, ...).  Raises :class:`PreforkError` if the workers cannot start.
    """
    return Prefork(target, workers, **options).run(on_ready=on_ready)
