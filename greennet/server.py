"""``net.Server``: a TCP or IPC server; each connection's handler is its own thread of
control.

The core is small, in the manner of gevent's ``baseserver``: a listening socket whose
accept watcher runs in the hub (:meth:`Server._on_acceptable`), one admission decision
(:meth:`Server._refusal`: blockList, then ``maxConnections`` and the pool) for plain and
PROXY connections alike, and a pool that holds one :class:`ConnectionSlot` per open
connection.  ``server.pool`` is a ``gevent.pool.Group`` (or the ``gevent.pool.Pool`` the
user handed ``createServer``, whose size then caps the connections of every server
sharing it), so ``server.pool.kill()`` and ``server.pool.join(timeout)`` work as on any
gevent pool.  A connection counts from admission until its socket is destroyed, whether
its handler still runs or returned long ago.

Each admitted connection's 'connection' listeners run in a worker greenlet that nothing
of another connection is left on (:meth:`Server._serve_connection`, and
:mod:`greennet._workers` for when a worker is reused), in a ``contextvars.Context`` of
its own; the socket's events run in that same context.  Server events ('listening',
'close', 'error', 'drop') run in order through the server's executor, so their
listeners may block too.
"""
from __future__ import annotations

import _socket
import errno as _errno
import logging
import os
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from gevent import get_hub
from gevent.event import Event
from gevent.pool import Group, Pool, PoolFull
from gevent.timeout import Timeout
from greenlet import GreenletExit, getcurrent

from . import _run
from ._dispatch import SerialEmitter
from ._options import is_int, is_number, is_pipe_name, pep8_aliases, to_number, validate_int, validate_port
from ._options import options as _options
from ._workers import run_in_worker
from .abort import check_signal
from .addresses import BlockList, address_info, connection_info, isIP
from .errors import (
    NodeError,
    check_callback,
    from_oserror,
    invalid_arg_type,
    invalid_arg_value,
    node_error,
    system_error,
)
from .events import call_back
from .ipc import is_abstract
from .socket import Socket

__all__ = ['Server', 'ConnectionSlot', 'ConnectionGroup', 'createServer', 'SERVER_OPTIONS', 'LISTEN_OPTIONS']

log = logging.getLogger('greennet')

SERVER_OPTIONS = ('allowHalfOpen', 'highWaterMark', 'keepAlive', 'keepAliveInitialDelay',
                  'noDelay', 'pauseOnConnect', 'blockList', 'maxConnectionsPolicy',
                  'proxyProtocol', 'proxyProtocolTimeout', 'limit', 'pool')
# the server options that are the accepted sockets' own
_SOCKET_SIDE = ('allowHalfOpen', 'highWaterMark', 'keepAlive', 'keepAliveInitialDelay',
                'noDelay', 'pauseOnConnect', 'limit')
DEFAULT_PROXY_PROTOCOL_TIMEOUT = 5000   # ms
LISTEN_OPTIONS = ('port', 'host', 'path', 'backlog', 'exclusive', 'ipv6Only', 'reusePort',
                  'readableAll', 'writableAll', 'signal', 'fd', 'handle')
DEFAULT_BACKLOG = 511
_MAX_BACKLOG = 0x7FFFFFFF    # listen() takes a C int; the kernel clamps to somaxconn
_ACCEPT_BATCH = 64
_PEER_HOSTS_KEPT = 1024   # peer host strings shared between connections (_peer_address)
# accept() failures that concern one connection only: go on accepting
_TRANSIENT_ACCEPT = {_errno.ECONNABORTED, _errno.EPROTO, _errno.EINTR, _errno.EAGAIN,
                     _errno.EPERM, _errno.ENETDOWN, _errno.ENOPROTOOPT, _errno.EHOSTDOWN,
                     _errno.ENONET, _errno.EHOSTUNREACH, _errno.EOPNOTSUPP, _errno.ENETUNREACH}
# out of descriptors or memory: pause accepting a moment rather than spin
_EXHAUSTED = {_errno.EMFILE, _errno.ENFILE, _errno.ENOBUFS, _errno.ENOMEM}


def _ipv6_available() -> bool:
    if not _socket.has_ipv6:
        return False
    try:
        _socket.socket(_socket.AF_INET6, _socket.SOCK_STREAM).close()
        return True
    except OSError:
        return False


class ConnectionSlot:
    """One open connection in a server's pool: what a ``gevent.pool.Group`` needs of a
    greenlet (``rawlink``/``unlink``, ``kill``, ``join``, ``ready``), standing in for a
    connection whether or not a greenlet runs for it.  It is ready (and leaves the pool)
    once the connection's socket is destroyed; ``kill()`` destroys the socket and raises
    ``GreenletExit`` in the handler if it still runs."""

    __slots__ = ('server', 'socket', 'handler', '_links')

    exception = None     # a connection ends; it does not fail as a greenlet does
    value = None

    def __init__(self, server: 'Server') -> None:
        self.server: Optional[Server] = server    # None once the connection closed
        self.socket: Optional[Socket] = None
        self.handler: Any = None      # the handler's greenlet while the handler runs
        # None, one callback, or a list of them
        self._links: Any = None

    @property
    def dead(self) -> bool:
        """True once the connection has closed."""
        return self.server is None

    def ready(self) -> bool:
        return self.dead

    def successful(self) -> bool:
        return self.dead

    def rawlink(self, callback: Callable[[Any], Any]) -> None:
        """Call ``callback(slot)`` once the connection has closed."""
        links = self._links
        if self.dead:
            get_hub().loop.run_callback(callback, self)
        elif links is None:       # nearly always one link (the pool's): no list for it
            self._links = callback
        elif isinstance(links, list):
            links.append(callback)
        else:
            self._links = [links, callback]

    def unlink(self, callback: Callable[[Any], Any]) -> None:
        links = self._links
        if links is callback:
            self._links = None
        elif isinstance(links, list) and callback in links:
            links.remove(callback)

    def finish(self) -> None:
        """The socket was destroyed: the connection leaves the pool and the count."""
        server = self.server
        if server is None:
            return
        self.server = None
        self.socket = None
        links, self._links = self._links, None
        if isinstance(links, list):
            for callback in links:
                callback(self)
        elif links is not None:
            links(self)
        server._connection_closed(self)

    def kill(self, exception: Any = GreenletExit, block: bool = True,
             timeout: Optional[float] = None) -> None:
        """Destroy the connection (as ``Greenlet.kill``: ``GreenletExit`` is raised in
        the handler if it still runs); with ``block``, now, then wait up to ``timeout``
        s; without, in a moment, as gevent kills asynchronously (a pool's ``kill()``
        records the slot as dying after asking, and the slot leaves that record when
        the connection closes)."""
        if block:
            self._kill_now(exception)
            self.join(timeout)
        else:
            get_hub().loop.run_callback(self._kill_now, exception)

    def _kill_now(self, exception: Any) -> None:
        handler = self.handler
        if self.socket is not None:
            self.socket.destroy()
        if handler is not None and not handler.dead and handler is not getcurrent():
            get_hub().loop.run_callback(self._throw, handler, exception)

    def _throw(self, handler: Any, exception: Any) -> None:
        if self.handler is handler and not handler.dead:
            handler.throw(exception)

    def join(self, timeout: Optional[float] = None) -> None:
        """Wait until the connection has closed (at most ``timeout`` seconds)."""
        if self.dead:
            return
        done = Event()
        self.rawlink(lambda _slot: done.set())
        done.wait(timeout)

    def __repr__(self) -> str:
        return f'<greennet.ConnectionSlot {self.socket!r}>'


class ConnectionGroup(Group):   # type: ignore[misc]
    """A server's own pool: a ``gevent.pool.Group`` of its connections' slots.  A slot
    leaves it when its connection closes (the server calls :meth:`slot_finished`), so
    the group keeps no link per slot, as it would for a greenlet; anything else added
    to it is linked as usual."""

    def add(self, greenlet: Any) -> None:
        if type(greenlet) is ConnectionSlot:
            self.greenlets.add(greenlet)
            self._empty_event.clear()
        else:
            super().add(greenlet)

    def slot_finished(self, slot: ConnectionSlot) -> None:
        """``slot``'s connection closed: it leaves the group (``join()`` may return).
        (``Group._discard``'s work, without the Python call: every connection's path.)"""
        self.greenlets.discard(slot)
        self.dying.discard(slot)
        if not self.greenlets:
            self._empty_event.set()


@pep8_aliases
class Server(SerialEmitter):
    """Node's ``net.Server``.  ``Server(options=None, connectionListener=None, **kw)``.

    Options (dict or keywords, either spelling): ``allowHalfOpen``, ``highWaterMark``,
    ``keepAlive``, ``keepAliveInitialDelay``, ``noDelay``, ``pauseOnConnect``, ``limit``
    and ``blockList``, applied to every accepted socket; and, beyond Node:

    * ``pool``: a ``gevent.pool.Group`` or ``Pool`` to hold the connections (one entry
      each) instead of the server's own ``Group``; a ``Pool``'s size caps the
      connections of every server that shares it, and a connection over it is dropped
      with 'drop', as at ``maxConnections``.
    * ``maxConnectionsPolicy``: 'drop' (Node's, the default) closes a connection over
      ``maxConnections`` at once, 'pause' stops accepting until a slot frees
      (connections wait in the kernel's backlog).
    * ``proxyProtocol=True``: every connection starts with a PROXY protocol v1 or v2
      header (HAProxy's ``send-proxy``, nginx, AWS NLB).  The header is read (within
      ``proxyProtocolTimeout`` ms, 5000 by default) before anything else: the socket's
      ``remoteAddress``/``remotePort``/``remoteFamily``, the blockList and the 'drop'
      payload then see the real client, and the header's bytes never reach the
      handler.  A missing, malformed or late header closes the connection, is logged,
      and fires 'proxyError' ``(error, {'remoteAddress', 'remotePort'})`` with the
      balancer's end.
    """

    _node_attributes = ('dropMaxConnection', 'maxConnectionsPolicy')

    def __init__(self, options: Any = None, connectionListener: Any = None, **kwargs: Any) -> None:
        super().__init__()
        if connectionListener is None and callable(options):
            options, connectionListener = None, options
        opts = _options(options, kwargs, SERVER_OPTIONS, 'net.createServer')
        check_callback(connectionListener, 'connectionListener')
        block_list = opts.pop('blockList', None)
        if block_list is not None and not isinstance(block_list, BlockList):
            raise invalid_arg_type('options.blockList', 'an instance of net.BlockList', block_list)
        hwm = opts.get('highWaterMark')
        if hwm is not None and (not is_int(hwm) or hwm < 0):
            raise invalid_arg_type('options.highWaterMark', 'a non-negative integer', hwm)
        delay = opts.get('keepAliveInitialDelay')
        if delay is not None and not is_number(delay):
            raise invalid_arg_type('options.keepAliveInitialDelay', 'of type number', delay)
        if opts.get('limit') is not None:
            validate_int(opts['limit'], 'options.limit', 1)
        pool = opts.pop('pool', None)
        own_pool = pool is None
        if own_pool:
            pool = ConnectionGroup()
        elif not isinstance(pool, Group):
            raise invalid_arg_type('options.pool', 'a gevent.pool.Group or Pool', pool)
        self._proxy_protocol = opts.pop('proxyProtocol', False)
        if not isinstance(self._proxy_protocol, bool):
            raise invalid_arg_type('options.proxyProtocol', 'of type boolean', self._proxy_protocol)
        proxy_timeout = opts.pop('proxyProtocolTimeout', DEFAULT_PROXY_PROTOCOL_TIMEOUT)
        if not is_number(proxy_timeout) or proxy_timeout < 0:
            raise invalid_arg_type('options.proxyProtocolTimeout', 'a non-negative number', proxy_timeout)
        self._proxy_timeout = proxy_timeout / 1000.0
        policy = opts.pop('maxConnectionsPolicy', 'drop')
        if policy not in ('drop', 'pause'):
            raise invalid_arg_value('options.maxConnectionsPolicy', policy, "must be 'drop' or 'pause'")
        self.maxConnectionsPolicy = policy
        # what every accepted socket gets (Socket._apply_options validates the rest)
        self._socket_opts: Dict[str, Any] = {k: v for k, v in opts.items() if k in _SOCKET_SIDE}
        self._block_list: Optional[BlockList] = block_list
        self._sock: Any = None
        self._accept_io: Any = None
        self._accept_paused = False
        self._peer_hosts: Dict[str, str] = {}
        self._resume_timer: Any = None
        # how many connections of this server are open; which they are is the pool's
        # business when the pool is ours, a set of our own when it was given (and may
        # hold other servers' connections)
        self._open = 0
        self._connections: Optional[Set[ConnectionSlot]] = None if own_pool else set()
        self.pool: Group = pool
        self._max_connections: Optional[int] = None
        self.dropMaxConnection = False
        self._pipe_path: Optional[str] = None
        self._unlink_on_close = False
        self._refed = True
        self._signal_listener: Any = None
        self._signal: Any = None
        self._error: Optional[BaseException] = None
        self._serving = 0
        self._closed_event = Event()
        if connectionListener is not None:
            if _takes_an_address(connectionListener):
                # gevent's StreamServer handle(socket, address): give it what it expects
                # (a stdlib-shaped socket and the peer's address) rather than fail on
                # every connection for want of a second argument
                from .stdlib import serve_handler
                connectionListener = serve_handler(connectionListener)
            self.on('connection', connectionListener)

    # ================================================================ events
    def _listener_failed(self, exc: BaseException) -> None:
        log.error('greennet: a listener of %r raised', self, exc_info=exc)

    def _emit_error(self, error: BaseException) -> None:
        if self._events.get('error'):
            self.emit('error', error)
        elif self._serving:
            self._error = error
            self._closed_event.set()
        else:
            _run.report_unhandled(self, error)     # logged, and raised by net.run()

    # ================================================================ listen
    def listen(self, *args: Any, **kwargs: Any) -> 'Server':
        """Start accepting connections; 'listening' fires once bound.

        ``listen([port[, host[, backlog]]][, callback])``, ``listen(path[, backlog][,
        callback])``, ``listen(options[, callback])`` or ``listen(handle[, backlog][,
        callback])``.  ``callback`` is added as a 'listening' listener.  Failures to bind
        (EADDRINUSE, ...) arrive as an 'error' event; calling it while listening raises
        ERR_SERVER_ALREADY_LISTEN.
        """
        if self._sock is not None:
            raise node_error('ERR_SERVER_ALREADY_LISTEN')
        opts, callback = _normalize_listen_args(args, kwargs)
        check_callback(callback)
        signal = check_signal(opts.get('signal'))
        backlog = opts.get('backlog')
        backlog = DEFAULT_BACKLOG if backlog is None else validate_int(backlog, 'backlog', 0)
        backlog = min(backlog, _MAX_BACKLOG)
        if callback is not None:
            self.once('listening', callback)
        if signal is not None and signal.aborted:
            # Node listens, then closes on the next tick: 'close' and no 'listening'
            self._post(self._emit_close)
            return self
        kind = opts.pop(_KIND)
        if kind == 'handle':
            raw = _adopt_listener(opts['handle'])
            try:
                raw.listen(backlog)
            except OSError as exc:
                raw.close()
                raise from_oserror(exc, 'listen') from None
            self._start_adopted(raw, backlog)
        elif kind == 'fd':
            self._listen_fd(opts['fd'], backlog)
        elif kind == 'path':
            self._listen_path(opts, backlog)
        else:
            self._listen_tcp(opts, backlog)
        if signal is not None and self._sock is not None:
            self._signal = signal
            self._signal_listener = lambda: self.close()
            signal.once('abort', self._signal_listener)
        return self

    def _listen_fd(self, fd: int, backlog: int) -> None:
        """Node's ``listen({fd})``: a descriptor that is not a stream socket able to
        listen is EINVAL, emitted as 'error' (syscall 'listen'), as libuv reports it."""
        try:
            raw = _adopt_listener(fd)
        except (OSError, NodeError):
            self._listen_failed(system_error(_errno.EINVAL, 'listen'))
            return
        try:
            raw.listen(backlog)
        except OSError as exc:
            raw.close()
            self._listen_failed(system_error(exc.errno or _errno.EINVAL, 'listen'))
            return
        self._start_adopted(raw, backlog)

    def _start_adopted(self, raw: Any, backlog: int) -> None:
        path = raw.getsockname() if raw.family == _socket.AF_UNIX else None
        self._start(raw, backlog, path)

    def _listen_tcp(self, opts: Dict[str, Any], backlog: int) -> None:
        port = opts['port']
        host = opts.get('host')
        if host is not None and not isinstance(host, str):
            raise invalid_arg_type('options.host', 'of type string', host)
        if not host:
            host = '::' if _ipv6_available() else '0.0.0.0'
            family = _socket.AF_INET6 if host == '::' else _socket.AF_INET
        else:
            version = isIP(host)
            if not version:
                try:
                    host, version = _resolve_host(host)
                except NodeError as err:
                    self._listen_failed(err)
                    return
            family = _socket.AF_INET6 if version == 6 else _socket.AF_INET
        raw = _socket.socket(family, _socket.SOCK_STREAM)
        try:
            raw.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
            if opts.get('reusePort'):
                raw.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEPORT, 1)
            if family == _socket.AF_INET6:
                raw.setsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 1 if opts.get('ipv6Only') else 0)
            raw.bind((host, port))
            raw.listen(backlog)
        except OSError as exc:
            raw.close()
            self._listen_failed(system_error(exc.errno or _errno.EIO, 'listen', host, port))
            return
        self._start(raw, backlog, None)

    def _listen_path(self, opts: Dict[str, Any], backlog: int) -> None:
        from .ipc import check_path, is_abstract, set_mode
        path = opts['path']
        raw = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            address = check_path(path, 'listen')
            raw.bind(address)
            raw.listen(backlog)
            set_mode(path, bool(opts.get('readableAll')), bool(opts.get('writableAll')))
        except OSError as exc:
            raw.close()
            self._listen_failed(exc if isinstance(exc, NodeError) else
                                system_error(exc.errno or _errno.EIO, 'listen', path))
            return
        self._unlink_on_close = not is_abstract(path)
        self._start(raw, backlog, path)

    def _listen_failed(self, error: BaseException) -> None:
        log.debug('server listen failed: %s', error)
        self._post(self._emit_error, error)

    def _start(self, raw: Any, backlog: int, path: Optional[str]) -> None:
        raw.setblocking(False)
        self._sock = raw
        self._pipe_path = path
        self._error = None
        self._closed_event.clear()
        self._accept_io = self._hub.loop.io(raw.fileno(), 1)
        self._accept_io.ref = self._refed
        self._accept_paused = False
        self._accept_io.start(self._on_acceptable)
        log.debug('server listening on %r (backlog %d)', self.address(), backlog)
        _run.server_listening(self)                # net.run(grace=...) stops it
        self._post(self._emit_listening)

    def _emit_listening(self) -> None:
        if self._sock is not None:
            self.emit('listening')

    # ================================================================ accept
    def _on_acceptable(self) -> None:
        """Hub: accept what the kernel has queued, a batch at a time."""
        listener = self._sock
        for _ in range(_ACCEPT_BATCH):
            if self.maxConnectionsPolicy == 'pause' and self._full():
                self._pause_accepting()
                return
            try:
                fd, peer = listener._accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in _TRANSIENT_ACCEPT:
                    continue
                if exc.errno in _EXHAUSTED:
                    log.warning('greennet: accept failed (%s); pausing accepts for 100 ms', exc)
                    self._pause_accepting()
                    self._resume_timer = self._loop.timer(0.1, 0.0, False)
                    self._resume_timer.start(self._resume_accepting)
                    return
                self._post(self._emit_error, from_oserror(exc, 'accept'))
                return
            raw = _socket.socket(listener.family, listener.type, listener.proto, fd)
            remote = None if raw.family == _socket.AF_UNIX else self._peer_address(peer)
            if self._proxy_protocol:    # the peer is the balancer: admit after the header
                slot = None
            else:
                slot = self._admit(remote, raw.getsockname)
                if slot is None:
                    raw.close()
                    continue
            # the connection runs in a worker, in a context of its own
            run_in_worker(self._hub, type(self)._serve_connection, (self, raw, remote, slot),
                          self._context.copy())
            if self._sock is None:
                return

    def _peer_address(self, peer: Tuple[Any, ...]) -> Tuple[Any, ...]:
        """``peer`` with its host string shared with the connections from the same host
        before it: a server holds many connections from few hosts.  (A bounded cache of
        our own: ``sys.intern`` makes strings immortal on Python 3.12.)"""
        hosts = self._peer_hosts
        host = hosts.get(peer[0])
        if host is None:
            if len(hosts) >= _PEER_HOSTS_KEPT:
                hosts.clear()
            host = hosts[peer[0]] = peer[0]
        return (host,) + peer[1:]

    def _full(self) -> bool:
        limit = self._max_connections
        if limit is not None and self._open >= limit:
            return True
        pool = self.pool   # a Group is never full: only a Pool's size is asked
        return isinstance(pool, Pool) and pool.full()

    def _refusal(self, remote: Any) -> Optional[str]:
        """Why a connection from ``remote`` may not come in ('blocked' by the blockList,
        'full' at ``maxConnections`` or a full pool), or None to let it in."""
        if isinstance(remote, tuple) and self._block_list is not None and \
                self._block_list.check_host(remote[0]):
            return 'blocked'
        if self._full():
            return 'full'
        return None

    def _admit(self, remote: Any, local: Callable[[], Any]) -> Optional[ConnectionSlot]:
        """The one admission path, for plain and PROXY connections: a slot in the pool
        for a connection let in, or None for one refused ('drop' fires, with Node's
        payload, for one over a limit; ``local()`` gives the local end for it)."""
        reason = self._refusal(remote)
        if reason is None:
            slot = ConnectionSlot(self)
            try:   # never block the accept loop: a full Pool refuses (_full() saw room)
                if isinstance(self.pool, Pool):
                    self.pool.add(slot, blocking=False)
                else:
                    self.pool.add(slot)
            except PoolFull:
                reason = 'full'
            else:
                self._open += 1
                if self._connections is not None:
                    self._connections.add(slot)
                return slot
        if reason == 'blocked':
            log.debug('server %r: closed a connection from blocked %s', self.address(), remote[0])
        else:
            log.debug('server %r: dropped a connection from %s (maxConnections %s)',
                      self.address(), remote, self._max_connections)
            payload = None
            if isinstance(remote, tuple):
                try:
                    payload = connection_info(local(), remote)
                except OSError:
                    payload = connection_info(None, remote)
            self._post(self.emit, 'drop', payload)
        return None

    def _serve_connection(self, raw: Any, remote: Any, slot: Optional[ConnectionSlot]) -> None:
        """A worker, in the connection's context: the 'connection' listeners (the handler,
        which may block: the worker is then this connection's until it returns), then
        its socket's events for as long as there are any to run."""
        try:
            sock = Socket._accepted(raw, remote, self._socket_opts, slot, getcurrent().gr_context)
        except Exception as exc:       # no socket could be made: the connection is gone
            raw.close()
            if slot is not None:
                slot.finish()
            log.error('greennet: could not set up a connection from %s: %s', remote, exc)
            return
        if slot is None:               # the PROXY protocol: admit once the header is read
            slot = self._admit_proxied(sock)
            if slot is None:
                sock._serve_here()
                return
        slot.socket = sock
        slot.handler = getcurrent()
        try:
            self.emit('connection', sock)
        except GreenletExit:           # pool.kill(): the socket is already destroyed
            pass
        except (Exception, Timeout) as exc:   # a handler that raises (a gevent.Timeout
            sock._listener_failed(exc)        # it let out too) costs its own socket only
        finally:
            slot.handler = None
        sock._read_ahead()
        sock._serve_here()

    def _admit_proxied(self, sock: Socket) -> Optional[ConnectionSlot]:
        """Read the PROXY header, then admit the real client as a plain one is."""
        from .proxy import read_header
        balancer = sock.remoteAddress, sock.remotePort
        try:
            header = read_header(sock, self._proxy_timeout)
        except Exception as err:   # malformed, missing, late, or the socket failed
            log.warning('greennet: closing a connection from %s: bad PROXY header: %s', balancer, err)
            sock.destroy()
            self._post(self.emit, 'proxyError', err,
                       {'remoteAddress': balancer[0], 'remotePort': balancer[1]})
            return None
        remote: Any = balancer if balancer[0] is not None else None
        local: Any = (sock.localAddress, sock.localPort)
        if header.family in ('IPv4', 'IPv6'):
            remote = (header.source_address, header.source_port)
            if header.family == 'IPv6':
                remote += (0, 0)
            sock._set_peer(remote)
            local = (header.dest_address, header.dest_port)
        slot = self._admit(remote, lambda: local)
        if slot is None:
            sock.destroy()
            return None
        sock._track(slot)
        return slot

    def _open_slots(self) -> List[ConnectionSlot]:
        """The slots of this server's open connections."""
        if self._connections is not None:
            return list(self._connections)
        return [slot for slot in list(self.pool.greenlets)
                if type(slot) is ConnectionSlot and slot.server is self]

    def _connection_closed(self, slot: ConnectionSlot) -> None:
        """A connection of this server closed: it no longer counts."""
        self._open -= 1
        if isinstance(self.pool, ConnectionGroup):   # it keeps no link to be told by
            self.pool.slot_finished(slot)
        if self._connections is not None:
            self._connections.discard(slot)
        if self._accept_paused and self._sock is not None and not self._full():
            self._resume_accepting()
        if self._sock is None and not self._open:
            self._post(self._emit_close)

    def _pause_accepting(self) -> None:
        if not self._accept_paused and self._accept_io is not None:
            self._accept_paused = True
            self._accept_io.stop()

    def _resume_accepting(self) -> None:
        if self._resume_timer is not None:
            self._resume_timer.close()
            self._resume_timer = None
        if self._accept_paused and self._accept_io is not None:
            self._accept_paused = False
            self._accept_io.start(self._on_acceptable)

    # ================================================================ close
    def close(self, callback: Any = None) -> 'Server':
        """Stop accepting now; 'close' fires once every connection has ended.

        ``callback`` runs at 'close', with ERR_SERVER_NOT_RUNNING if the server was not
        listening.
        """
        check_callback(callback)
        log.debug('server %r closing; %d connections open', self.address(), self._open)
        if callback is not None:
            if self._sock is None:
                self.once('close', lambda: callback(node_error('ERR_SERVER_NOT_RUNNING')))
            else:
                self.once('close', callback)
        self._stop_listening()
        if not self._open:
            self._post(self._emit_close)
        return self

    def _stop_listening(self) -> None:
        if self._accept_io is not None:
            self._accept_io.stop()
            self._accept_io.close()
            self._accept_io = None
        if self._resume_timer is not None:
            self._resume_timer.close()
            self._resume_timer = None
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        if self._unlink_on_close and self._pipe_path:
            from .ipc import unlink_quietly
            unlink_quietly(self._pipe_path)
        self._unlink_on_close = False
        self._pipe_path = None
        if self._signal is not None:
            self._signal.removeListener('abort', self._signal_listener)
            self._signal = None

    def _emit_close(self) -> None:
        # Whether to close was decided when this was posted (Node's _emitCloseIfDrained):
        # a listen() since then does not cancel it.
        if self._sock is None:
            self._closed_event.set()
        self.emit('close')

    def shutdown(self, timeout: Optional[float] = None) -> int:
        """Beyond Node, for deploys: stop accepting, wait up to ``timeout`` seconds for
        open connections to finish, then destroy the rest.  Blocks; returns how many
        connections it had to cut (0 when all finished in time)."""
        if self._sock is not None or self._open:
            self.close()
        if self._open:
            self._closed_event.wait(timeout)
        cut = [slot for slot in self._open_slots() if not slot.dead]
        for slot in cut:
            slot.kill(block=False)
        if cut:
            self._closed_event.wait(5.0)
        return len(cut)

    def serve_forever(self) -> None:
        """Block until the server closes; raises an I/O error the server hit that no
        'error' listener took."""
        self._serving += 1
        try:
            if self._sock is not None or self._open or self._pending:
                self._closed_event.wait()
        finally:
            self._serving -= 1
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    # ================================================================ inspecting
    def address(self) -> Any:
        """``{'port', 'family', 'address'}`` while listening on TCP, the path for IPC,
        None when not listening."""
        sock = self._sock
        if sock is None:
            return None
        if sock.family == _socket.AF_UNIX:
            return self._pipe_path if self._pipe_path is not None else sock.getsockname()
        return address_info(sock.getsockname())

    @property
    def listening(self) -> bool:
        """Whether the server is listening for connections."""
        return self._sock is not None

    def getConnections(self, callback: Any = None) -> Any:
        """The number of open connections: ``callback(None, count)`` called
        asynchronously (returns the server), or the count itself without a callback."""
        check_callback(callback)
        if callback is None:
            return self._open
        self._post(call_back, callback, None, self._open)
        return self

    @property
    def maxConnections(self) -> Optional[int]:
        """Over this many open connections new ones are dropped (or, with the 'pause'
        policy, wait); None means no limit, 0 drops every connection."""
        return self._max_connections

    @maxConnections.setter
    def maxConnections(self, value: Any) -> None:
        if value is None or (is_number(value) and value == float('inf')):
            self._max_connections = None
        else:
            self._max_connections = validate_int(value, 'maxConnections', 0)
        if self._accept_paused and not self._full():
            self._resume_accepting()

    @property
    def connections(self) -> int:
        return self._open

    def ref(self) -> 'Server':
        """Keep ``net.run()`` from returning while this server listens (the default)."""
        self._refed = True
        if self._accept_io is not None:
            self._accept_io.ref = True
        return self

    def unref(self) -> 'Server':
        """Let ``net.run()`` return even though this server listens."""
        self._refed = False
        if self._accept_io is not None:
            self._accept_io.ref = False
        return self

    def fileno(self) -> int:
        return self._sock.fileno() if self._sock is not None else -1

    def __enter__(self) -> 'Server':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._sock is not None:
            self.close()

    def __repr__(self) -> str:
        return f'<greennet.Server {self.address()!r}>'


def createServer(options: Any = None, connectionListener: Any = None, **kwargs: Any) -> Server:
    """``net.createServer([options][, connectionListener])``: a new :class:`Server`;
    ``connectionListener`` is added as a 'connection' listener."""
    return Server(options, connectionListener, **kwargs)


# ==================================================================== helpers

def _takes_an_address(listener: Any) -> bool:
    """Does ``listener`` need two positional arguments, as a gevent-style
    ``handle(socket, address)`` does (a 'connection' listener is given one)?"""
    import inspect
    try:
        params = inspect.signature(listener).parameters.values()
    except (TypeError, ValueError):
        return False
    required = [p for p in params if p.default is p.empty and
                p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(required) == 2


_KIND = '_kind'     # the key of the form of listen() that _normalize_listen_args found


def _normalize_listen_args(given: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Tuple[Dict[str, Any], Any]:
    """Node's ``normalizeArgs`` and the checks of ``Server.prototype.listen``, in Node's
    order: the options and the callback, with ``options[_KIND]`` one of 'handle', 'fd',
    'tcp' (``port`` validated) or 'path'.

    A port given as None (Node's ``undefined``/``null``) or omitted is 0, a random port.
    Options naming neither a port nor a path, a port that is not a number or a string
    (``True``), a path that is not a pipe name (``-1``, ``'8080'``) and a negative ``fd``
    are ERR_INVALID_ARG_VALUE; ``readableAll``/``writableAll`` on an abstract socket too.
    """
    args = list(given)
    callback = None
    if args and callable(args[-1]):
        callback = args.pop()
    first = args[0] if args else None
    if not args:
        opts = _options(None, kwargs, LISTEN_OPTIONS, 'listen')
        if not any(key in opts for key in ('port', 'path', 'fd', 'handle')):
            opts['port'] = 0
    elif isinstance(first, Mapping):
        opts = _options(first, kwargs, LISTEN_OPTIONS, 'listen')
    elif first is not None and not isinstance(first, (bool, int, float, str)):
        opts = _options({'handle': first}, kwargs, LISTEN_OPTIONS, 'listen')
    elif is_pipe_name(first):
        opts = _options({'path': first}, kwargs, LISTEN_OPTIONS, 'listen')
    else:
        place = {'port': first}
        if len(args) > 1 and isinstance(args[1], str):
            place['host'] = args[1]
        opts = _options(place, kwargs, LISTEN_OPTIONS, 'listen')
    if args and not isinstance(first, Mapping) and opts.get('backlog') is None:
        # Node's backlogFromArgs: listen(x, backlog) or listen(port, host, backlog)
        for candidate in args[1:3]:
            if not isinstance(candidate, bool) and to_number(candidate) > 0:
                opts['backlog'] = candidate
                break
    opts[_KIND] = _listen_kind(opts)
    return opts, callback


def _listen_kind(opts: Dict[str, Any]) -> str:
    if opts.get('handle') is not None:
        return 'handle'
    fd: Any = opts.get('fd')
    if is_int(fd) and fd >= 0:
        return 'fd'
    if 'port' in opts and opts['port'] is None:
        opts['port'] = 0
    port = opts.get('port')
    if is_number(port) or isinstance(port, str):
        opts['port'] = validate_port(port, 'options.port')
        return 'tcp'
    path = opts.get('path')
    shown = dict(opts)
    if path and is_pipe_name(path):
        if is_abstract(path) and (opts.get('readableAll') or opts.get('writableAll')):
            raise invalid_arg_value('options', shown, 'can not set readableAll or writableAll to true '
                                                      'when path is abstract unix socket')
        return 'path'
    if 'port' not in opts and 'path' not in opts:
        raise invalid_arg_value('options', shown, 'must have the property "port" or "path"')
    raise invalid_arg_value('options', shown)


def _resolve_host(host: str) -> Tuple[str, int]:
    from .connect import check_host_name
    from .errors import lookup_error
    check_host_name(host)
    try:
        infos = get_hub().resolver.getaddrinfo(host, None, _socket.AF_UNSPEC, _socket.SOCK_STREAM)
    except OSError:
        raise lookup_error(host) from None
    family, _t, _p, _n, sockaddr = infos[0]
    return sockaddr[0], 6 if family == _socket.AF_INET6 else 4


def _adopt_listener(handle: Any) -> Any:
    """A listening OS socket from a Server, a Socket, an object with an ``fd`` or a
    bound ``socket.socket`` (it is duplicated: closing either leaves the other open)."""
    if isinstance(handle, Server):
        source = handle._sock
        if source is None:
            raise node_error('ERR_INVALID_HANDLE_TYPE')
        fd = source.fileno()
    elif isinstance(handle, Socket):
        fd = handle.fileno()
    elif is_int(handle):
        fd = handle
    elif isinstance(handle, Mapping) and is_int(handle.get('fd')):
        fd = handle['fd']
    elif is_int(getattr(handle, 'fd', None)):
        fd = handle.fd
    elif callable(getattr(handle, 'fileno', None)):
        fd = handle.fileno()
    else:
        raise node_error('ERR_INVALID_HANDLE_TYPE')
    if fd < 0:
        raise node_error('ERR_INVALID_HANDLE_TYPE')
    try:
        raw = _socket.socket(fileno=os.dup(fd))
    except OSError as exc:
        raise from_oserror(exc, 'listen') from None
    if raw.type != _socket.SOCK_STREAM:
        raw.close()
        raise node_error('ERR_INVALID_FD_TYPE', 'not a stream socket')
    return raw
