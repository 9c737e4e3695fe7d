"""``net.Server``: a TCP or IPC server, one greenlet per connection.

The core is small, in the manner of gevent's ``baseserver``: a listening socket whose
accept watcher runs in the hub (:meth:`Server._on_acceptable`), and one set of open
connections (``Server._sockets``) that is the one place they are counted and limited.
Each accepted connection is admitted (:meth:`Server._admit`: blockList, then
``maxConnections``) and its 'connection' listeners run (:meth:`Server._serve`) in a
greenlet of its own, taken from greennet's worker list.  A connection counts from accept
until its socket is destroyed (whether the handler still runs or returned long ago): a
handler that goes on after its socket closed no longer counts, and an idle connection
holds no greenlet.

Server events ('listening', 'close', 'error', 'drop') run in order in a short-lived
greenlet of the server's, so their listeners may block too.
"""
from __future__ import annotations

import _socket
import errno as _errno
import logging
import os
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from gevent import Greenlet, get_hub
from gevent.event import Event

from . import _run
from ._options import is_int, is_number, pep8_aliases, validate_int, validate_port
from ._options import options as _options
from ._workers import run_in_worker
from .abort import check_signal
from .addresses import BlockList, isIP
from .errors import (
    NodeError,
    check_callback,
    from_oserror,
    invalid_arg_type,
    invalid_arg_value,
    node_error,
    system_error,
)
from .events import EventEmitter
from .socket import _FAMILY_NAMES, Socket

__all__ = ['Server', 'createServer', 'SERVER_OPTIONS', 'LISTEN_OPTIONS']

log = logging.getLogger('greennet')

SERVER_OPTIONS = ('allowHalfOpen', 'highWaterMark', 'keepAlive', 'keepAliveInitialDelay',
                  'noDelay', 'pauseOnConnect', 'blockList', 'maxConnectionsPolicy',
                  'proxyProtocol', 'proxyProtocolTimeout')
DEFAULT_PROXY_PROTOCOL_TIMEOUT = 5000   # ms
LISTEN_OPTIONS = ('port', 'host', 'path', 'backlog', 'exclusive', 'ipv6Only', 'reusePort',
                  'readableAll', 'writableAll', 'signal', 'fd', 'handle')
DEFAULT_BACKLOG = 511
_MAX_BACKLOG = 0x7FFFFFFF    # listen() takes a C int; the kernel clamps to somaxconn
_ACCEPT_BATCH = 64
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


@pep8_aliases
class Server(EventEmitter):
    """Node's ``net.Server``.  ``Server(options=None, connectionListener=None, **kw)``.

    Options (dict or keywords, either spelling): ``allowHalfOpen``, ``highWaterMark``,
    ``keepAlive``, ``keepAliveInitialDelay``, ``noDelay``, ``pauseOnConnect`` and
    ``blockList``, applied to every accepted socket; and, beyond Node:

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
        block_list = opts.get('blockList')
        if block_list is not None and not isinstance(block_list, BlockList):
            raise invalid_arg_type('options.blockList', 'an instance of net.BlockList', block_list)
        hwm = opts.get('highWaterMark')
        if hwm is not None and (not is_int(hwm) or hwm < 0):
            raise invalid_arg_type('options.highWaterMark', 'a non-negative integer', hwm)
        delay = opts.get('keepAliveInitialDelay')
        if delay is not None and not is_number(delay):
            raise invalid_arg_type('options.keepAliveInitialDelay', 'of type number', delay)
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
        self._socket_opts: Dict[str, Any] = opts
        self._block_list: Optional[BlockList] = block_list
        self._hub = get_hub()
        self._sock: Any = None
        self._accept_io: Any = None
        self._accept_paused = False
        # the open connections: admitted, and their sockets not yet destroyed
        self._sockets: Set[Socket] = set()
        self._max_connections: Optional[int] = None
        self.dropMaxConnection = False
        self._pipe_path: Optional[str] = None
        self._unlink_on_close = False
        self._refed = True
        self._pending: List[Tuple[Callable[..., Any], Tuple[Any, ...]]] = []
        self._dispatcher: Any = None
        self._signal_listener: Any = None
        self._signal: Any = None
        self._error: Optional[BaseException] = None
        self._serving = 0
        self._closed_event = Event()
        if connectionListener is not None:
            self.on('connection', connectionListener)

    # ================================================================ events
    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` in the server's event greenlet, after what is pending."""
        self._pending.append((fn, args))
        if self._dispatcher is None:
            self._dispatcher = Greenlet.spawn(self._dispatch)

    def _dispatch(self) -> None:
        pending = self._pending
        try:
            while pending:
                fn, args = pending.pop(0)
                try:
                    fn(*args)
                except Exception as exc:   # a listener raised: the server goes on
                    log.error('greennet: a listener of %r raised', self, exc_info=exc)
        finally:
            self._dispatcher = None
            if pending:
                self._dispatcher = Greenlet.spawn(self._dispatch)

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
            return self
        handle = opts.get('handle', opts.get('fd'))
        if handle is not None:
            raw = _adopt_listener(handle)
            try:
                raw.listen(backlog)
            except OSError as exc:
                raw.close()
                raise from_oserror(exc, 'listen') from None
            path = raw.getsockname() if raw.family == _socket.AF_UNIX else None
            self._start(raw, backlog, path)
        elif opts.get('port') is None and opts.get('path') is not None:
            self._listen_path(opts, backlog)
        else:
            self._listen_tcp(opts, backlog)
        if signal is not None and self._sock is not None:
            self._signal = signal
            self._signal_listener = lambda: self.close()
            signal.once('abort', self._signal_listener)
        return self

    def _listen_tcp(self, opts: Dict[str, Any], backlog: int) -> None:
        port = validate_port(opts.get('port') or 0)
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
        if not isinstance(path, str):
            raise invalid_arg_type('options.path', 'of type string', path)
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
                    self._hub.loop.timer(0.1, 0.0, False).start(self._resume_accepting)
                    return
                self._post(self._emit_error, from_oserror(exc, 'accept'))
                return
            raw = _socket.socket(listener.family, listener.type, listener.proto, fd)
            self._admit(raw, peer)
            if self._sock is None:
                return

    def _full(self) -> bool:
        limit = self._max_connections
        return limit is not None and len(self._sockets) >= limit

    def _admit(self, raw: Any, peer: Any) -> None:
        """Hub: let a new connection in, or close it (blocked address, over the limit)."""
        is_tcp = raw.family != _socket.AF_UNIX
        if self._proxy_protocol:    # the peer is the balancer: admit after the header
            run_in_worker(self._hub, self._serve, raw, peer if is_tcp else None)
            return
        if is_tcp and self._block_list is not None and self._block_list.check_host(peer[0]):
            log.debug('server %r: closed a connection from blocked %s', self.address(), peer[0])
            raw.close()
            return
        if self._full():
            payload = _drop_payload(raw, peer) if is_tcp else None
            log.debug('server %r: dropped a connection from %s (maxConnections %s)',
                      self.address(), peer, self._max_connections)
            raw.close()
            self._post(self.emit, 'drop', payload)
            return
        run_in_worker(self._hub, self._serve, raw, peer if is_tcp else None)

    def _serve(self, raw: Any, peer: Any) -> None:
        """A connection's greenlet: the 'connection' listeners, then its socket's events."""
        try:
            sock = Socket._accepted(raw, peer, self, self._socket_opts)
        except Exception as exc:       # no socket could be made: the connection is gone
            raw.close()
            log.error('greennet: could not set up a connection from %s: %s', peer, exc)
            return
        if self._proxy_protocol and not self._admit_proxied(sock):
            sock._serve_events()
            return
        self._sockets.add(sock)
        try:
            self.emit('connection', sock)
        except Exception as exc:       # a handler that raises costs its own socket only
            sock._listener_failed(exc)
        sock._read_ahead()
        sock._serve_events()

    def _admit_proxied(self, sock: Socket) -> bool:
        """Read the PROXY header, then admit the real client as ``_admit`` does."""
        from .proxy import read_header
        balancer = sock._peer
        try:
            header = read_header(sock, self._proxy_timeout)
        except Exception as err:   # malformed, missing, late, or the socket failed
            where = {'remoteAddress': sock.remoteAddress, 'remotePort': sock.remotePort}
            log.warning('greennet: closing a connection from %s: bad PROXY header: %s', balancer, err)
            sock.destroy()
            self._post(self.emit, 'proxyError', err, where)
            return False
        if header.family in ('IPv4', 'IPv6'):
            sock._peer = (header.source_address, header.source_port) if header.family == 'IPv4' \
                else (header.source_address, header.source_port, 0, 0)
        remote = sock._peer
        if isinstance(remote, tuple) and self._block_list is not None and \
                self._block_list.check_host(remote[0]):
            sock.destroy()
            return False
        if self._full():
            payload = None
            if isinstance(remote, tuple):
                local = (header.dest_address, header.dest_port) if header.family in ('IPv4', 'IPv6') \
                    else sock._sockname()
                payload = {'localAddress': local[0], 'localPort': local[1],
                           'localFamily': _family_of(local), 'remoteAddress': remote[0],
                           'remotePort': remote[1], 'remoteFamily': sock.remoteFamily}
            sock.destroy()
            self._post(self.emit, 'drop', payload)
            return False
        return True

    def _connection_closed(self, sock: Socket) -> None:
        """A socket of this server was destroyed: it no longer counts."""
        self._sockets.discard(sock)
        self._connection_gone()

    def _connection_gone(self) -> None:
        if self._accept_paused and self._sock is not None and not self._full():
            self._resume_accepting()
        if self._sock is None and not self._sockets:
            self._post(self._emit_close)

    def _pause_accepting(self) -> None:
        if not self._accept_paused and self._accept_io is not None:
            self._accept_paused = True
            self._accept_io.stop()

    def _resume_accepting(self) -> None:
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
        log.debug('server %r closing; %d connections open', self.address(), len(self._sockets))
        if callback is not None:
            if self._sock is None:
                self.once('close', lambda: callback(node_error('ERR_SERVER_NOT_RUNNING')))
            else:
                self.once('close', callback)
        self._stop_listening()
        if not self._sockets:
            self._post(self._emit_close)
        return self

    def _stop_listening(self) -> None:
        if self._accept_io is not None:
            self._accept_io.stop()
            self._accept_io.close()
            self._accept_io = None
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
        if self._sock is not None or self._sockets:
            self.close()
        Event_wait = self._closed_event.wait
        if self._sockets:
            Event_wait(timeout)
        cut = [s for s in list(self._sockets) if not s.destroyed]
        for sock in cut:
            sock.destroy()
        if cut:
            Event_wait(5.0)
        return len(cut)

    def serve_forever(self) -> None:
        """Block until the server closes; raises an I/O error the server hit that no
        'error' listener took."""
        self._serving += 1
        try:
            if self._sock is not None or self._sockets or self._pending:
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
        name = sock.getsockname()
        return {'address': name[0], 'family': _FAMILY_NAMES.get(sock.family), 'port': name[1]}

    @property
    def listening(self) -> bool:
        """Whether the server is listening for connections."""
        return self._sock is not None

    def getConnections(self, callback: Any = None) -> Any:
        """The number of open connections: ``callback(None, count)`` called
        asynchronously (returns the server), or the count itself without a callback."""
        check_callback(callback)
        if callback is None:
            return len(self._sockets)
        self._post(lambda: callback(None, len(self._sockets)))
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
        return len(self._sockets)

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

def _normalize_listen_args(given: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Tuple[Dict[str, Any], Any]:
    args = list(given)
    callback = None
    if args and callable(args[-1]):
        callback = args.pop()
    if not args:
        return _options(None, kwargs, LISTEN_OPTIONS, 'listen') or {'port': 0}, callback
    first = args[0]
    if isinstance(first, Mapping):
        opts = _options(first, kwargs, LISTEN_OPTIONS, 'listen')
        if opts.get('port') is None and opts.get('path') is None and \
                opts.get('handle') is None and opts.get('fd') is None:
            raise invalid_arg_value('options', dict(first),
                                    'must have the property "port" or "path"')
        return opts, callback
    if isinstance(first, str) and not _is_number_text(first):
        opts = {'path': first}
        if len(args) > 1:
            opts['backlog'] = args[1]
        return _options(opts, kwargs, LISTEN_OPTIONS, 'listen'), callback
    if first is None or is_number(first) or isinstance(first, str):
        opts = {'port': first}
        if len(args) > 1 and args[1] is not None:
            if isinstance(args[1], str):
                opts['host'] = args[1]
                if len(args) > 2:
                    opts['backlog'] = args[2]
            else:
                opts['backlog'] = args[1]
        return _options(opts, kwargs, LISTEN_OPTIONS, 'listen'), callback
    opts = {'handle': first}
    if len(args) > 1:
        opts['backlog'] = args[1]
    return _options(opts, kwargs, LISTEN_OPTIONS, 'listen'), callback


def _is_number_text(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


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


def _family_of(address: Any) -> Optional[str]:
    return 'IPv6' if ':' in str(address[0]) else 'IPv4'


def _drop_payload(raw: Any, peer: Any) -> Dict[str, Any]:
    try:
        local = raw.getsockname()
    except OSError:
        local = (None, None)
    family = _FAMILY_NAMES.get(raw.family)
    return {'localAddress': local[0], 'localPort': local[1], 'localFamily': family,
            'remoteAddress': peer[0], 'remotePort': peer[1], 'remoteFamily': family}
