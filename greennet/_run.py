"""``net.run()``: a script's loop, ending as a Node process ends.

Three things a Node process does that ``gevent.wait()`` alone does not:

* **Unhandled errors end it.**  Node exits 1 on an 'error' nobody listens for (a
  ``listen()`` that failed, a connection refused).  greennet logs every such error
  (:func:`report_unhandled`, called where the engine finds one) and, while
  :func:`run` is running, raises the first one out of it at once, so a supervisor sees
  the failure.  The errors of a server's own connections are the exception: a
  connection's failure costs that connection only (a handler that raised, a client that
  reset), as greennet promises; they are logged and the server goes on.
* **Servers can be found** for a graceful stop: every server that starts listening is
  remembered (:func:`server_listening`, weakly: a server that is gone is forgotten).
* **A graceful stop on SIGINT/SIGTERM**, with ``run(grace=seconds)``: what the command
  line does (:func:`stop_servers`): stop accepting, let open connections finish for
  ``grace`` seconds, cut the rest, say what was done; a second signal cuts at once.

This module uses no other greennet module: the engine calls into it.
"""
from __future__ import annotations

import logging
import signal as _signal
import sys
import weakref
from typing import Any, Callable, Iterable, List, Optional

import gevent
from gevent import get_hub, getcurrent
from gevent.event import Event

__all__ = ['run', 'report_unhandled', 'server_listening', 'stop_servers']

log = logging.getLogger('greennet')

_STOP_SIGNALS = (_signal.SIGINT, _signal.SIGTERM)

# every server that has listened, for a graceful stop; weak, so none is kept alive
_servers: 'weakref.WeakSet[Any]' = weakref.WeakSet()


class _Running:
    """The state of one :func:`run` call in the main greenlet."""

    def __init__(self, main: Any) -> None:
        self.main = main
        self.joining = False        # the main greenlet waits in hub.join()
        self.error: Optional[BaseException] = None
        self.stop_signal: Optional[int] = None
        self.force = Event()

    def wake(self) -> None:
        """Make the main greenlet's ``hub.join()`` return, from the hub (once the
        current greenlet has gone back to it), if it still waits there."""
        get_hub().loop.run_callback(self._wake_main)

    def _wake_main(self) -> None:
        if self.joining:            # never a stray switch into a main greenlet doing else
            self.joining = False
            self.main.switch()


_running: Optional[_Running] = None


def report_unhandled(emitter: Any, error: BaseException, fatal: bool = True) -> None:
    """An 'error' of ``emitter`` that no listener took and no blocking call will raise:
    log it (logger ``greennet``, with its traceback); if ``fatal`` (anything but a
    server's own connection) and :func:`run` is running, :func:`run` raises it."""
    log.error('unhandled error on %r: %s', emitter, error,
              exc_info=(type(error), error, error.__traceback__))
    running = _running
    if fatal and running is not None and running.error is None:
        running.error = error
        running.wake()


def server_listening(server: Any) -> None:
    """``server`` has started listening: a graceful stop will stop it."""
    _servers.add(server)


def listening_servers() -> List[Any]:
    """The servers that are listening, or still have connections open."""
    return [s for s in list(_servers) if s.listening or s.getConnections()]


def _say(message: str) -> None:
    """Tell what a stop did: through logging where the application set it up, else
    on stderr (Python drops INFO records nobody configured)."""
    if log.hasHandlers():
        log.info(message)
    else:
        sys.stderr.write(f'greennet: {message}\n')
        sys.stderr.flush()


def _plural(n: int, word: str) -> str:
    return f'{n} {word}' + ('' if n == 1 else 's')


def stop_servers(servers: Iterable[Any], grace: float, force: Any,
                 say: Callable[[str], None] = _say) -> int:
    """Stop ``servers`` gracefully, as ``server.shutdown(grace)`` does for one: stop
    accepting, wait up to ``grace`` seconds for their open connections to finish, then
    cut the rest; ``force`` (an Event, set by a second signal) cuts them at once.  Says
    what it does through ``say``; returns how many connections were cut."""
    servers = list(servers)
    open_now = sum(s.getConnections() for s in servers)
    if open_now:
        say(f'stopping: waiting up to {grace:g} s for {_plural(open_now, "open connection")}')
    graceful = [gevent.spawn(s.shutdown, grace) for s in servers]
    pending = graceful
    while pending and not force.is_set():
        gevent.wait(pending + [force], count=1)
        pending = [g for g in pending if not g.ready()]
    cut = 0
    if pending:
        say('second signal: cutting the open connections')
        cut += sum(s.shutdown(0) for s in servers)
    cut += sum(int(g.get()) for g in graceful)
    if cut:
        say(f'cut {_plural(cut, "connection")} still open')
    return cut


def run(grace: Optional[float] = None) -> None:
    """Run until no ref'd server, socket or timer is left, as a Node process runs before
    it exits (``gevent.wait()``).

    Raises the first 'error' that no listener took, of a server (``listen()`` failed:
    EADDRINUSE, ...) or of a socket that is not a server's connection (``connect()``
    failed: ECONNREFUSED, ...), at once, as Node exits 1 on it.  The errors of a
    server's connections are logged and the server goes on.

    ``grace`` (seconds): on SIGINT (Ctrl-C) or SIGTERM, stop gracefully: every server
    stops accepting, open connections get up to ``grace`` seconds to finish, the rest
    are cut, what was done is said (logger ``greennet``, or stderr), and ``run()``
    returns; a second signal cuts them at once.  Without ``grace``, signals keep
    Python's behaviour (Ctrl-C raises ``KeyboardInterrupt``).
    """
    global _running
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, (int, float))
                              or not grace >= 0):
        raise ValueError(f'grace must be a number of seconds >= 0, not {grace!r}')
    hub = get_hub()
    main = getcurrent()
    if main is not hub.parent:
        raise RuntimeError('greennet: run() must be called from the main greenlet, as '
                           'gevent.wait()')
    outer, running = _running, _Running(main)
    _running = running
    restore: List[Any] = []
    watchers: List[Any] = []
    try:
        if grace is not None:
            restore = [(signum, _signal.getsignal(signum)) for signum in _STOP_SIGNALS]
            for signum in _STOP_SIGNALS:
                watchers.append(gevent.signal_handler(signum, _on_signal, running, signum))
        while True:
            running.joining = True
            try:
                finished = hub.join()
            finally:
                running.joining = False
            if running.error is None and running.stop_signal is not None:
                servers = listening_servers()
                _say(f'{_signal.Signals(running.stop_signal).name}: stopping '
                     f'{_plural(len(servers), "server")}')
                stop_servers(servers, float(grace or 0), running.force)
                finished = True
            if running.error is not None:
                raise running.error
            if finished:
                return
    finally:
        _running = outer
        for watcher in watchers:
            watcher.cancel()
        for signum, handler in restore:    # libev leaves SIG_DFL behind
            if handler is not None:
                _signal.signal(signum, handler)


def _on_signal(running: _Running, signum: int) -> None:
    if running.stop_signal is None:
        running.stop_signal = signum
        running.wake()
    else:
        running.force.set()
