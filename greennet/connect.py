"""Connecting a ``net.Socket`` as Node does: argument forms, lookup, family autoselection.

``socket.connect()`` normalizes and validates its arguments here at the call (raising
Node's errors), marks the socket ``connecting`` and posts, as the socket's first event,
:func:`open_connection`, which talks to the socket only through the small
:class:`Connectable` protocol (its events, its loop, and a wait that keeps running the
socket's other events):

1. IPC: connect to the path.
2. TCP to a literal IP: one attempt, no 'lookup'.
3. TCP to a name: resolve it (gevent's resolver, or the ``lookup`` option with Node's
   ``(hostname, options, callback)`` signature), emit 'lookup' ``(err, address, family,
   host)``, then either one attempt or, with ``autoSelectFamily``, Node's loose RFC 8305
   section 5: addresses interleaved by family (the first address's family first), each
   attempt but the last given ``autoSelectFamilyAttemptTimeout`` ms; 'connectionAttempt',
   'connectionAttemptFailed' and 'connectionAttemptTimeout' along the way, and one
   ``AggregateError`` when every attempt failed.

Beyond Node, ``autoSelectFamilyOverlap=True`` follows RFC 8305 section 5 fully, as trio
does: an attempt that passes its timeout keeps running while the next one starts, the
first to connect wins and the others are closed.  The same events fire.
"""
from __future__ import annotations

import _socket
import errno as _errno
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple

from ._options import (
    SOCKET_OPTIONS,
    is_int,
    is_number,
    is_pipe_name,
    validate_bool,
    validate_int,
    validate_number,
    validate_port,
)
from ._options import options as _options
from .addresses import BlockList, isIP
from .errors import (
    AggregateError,
    NodeError,
    from_oserror,
    invalid_arg_type,
    invalid_arg_value,
    lookup_error,
    node_error,
    system_error,
)

log = logging.getLogger('greennet')

__all__ = [
    'getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily',
    'getDefaultAutoSelectFamilyAttemptTimeout', 'setDefaultAutoSelectFamilyAttemptTimeout',
    'CONNECT_OPTIONS', 'Connectable', 'normalize_connect_args', 'open_connection',
    'validate_connect_options',
]

CONNECT_OPTIONS = ('port', 'host', 'path', 'localAddress', 'localPort', 'family', 'hints',
                   'lookup', 'autoSelectFamily', 'autoSelectFamilyAttemptTimeout',
                   'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'blockList', 'timeout',
                   'autoSelectFamilyOverlap')
_ALL_OPTIONS = tuple(dict.fromkeys(SOCKET_OPTIONS + CONNECT_OPTIONS))

_defaults: Dict[str, Any] = {'autoSelectFamily': True, 'autoSelectFamilyAttemptTimeout': 250}


def getDefaultAutoSelectFamily() -> bool:
    """The default of ``connect()``'s ``autoSelectFamily`` option (initially True)."""
    return bool(_defaults['autoSelectFamily'])


def setDefaultAutoSelectFamily(value: bool) -> None:
    """Set the default of ``connect()``'s ``autoSelectFamily`` option."""
    _defaults['autoSelectFamily'] = validate_bool(value, 'value')


def getDefaultAutoSelectFamilyAttemptTimeout() -> int:
    """The default of ``autoSelectFamilyAttemptTimeout`` in ms (initially 250)."""
    return int(_defaults['autoSelectFamilyAttemptTimeout'])


def setDefaultAutoSelectFamilyAttemptTimeout(value: Any) -> None:
    """Set the default attempt timeout in ms; a positive integer, values under 10 become 10."""
    validate_int(value, 'value', 1)
    _defaults['autoSelectFamilyAttemptTimeout'] = max(10, int(value))


class _Cancelled(Exception):
    """The socket was destroyed while connecting: stop quietly."""


# ==================================================================== arguments

def _is_pipe_name(value: Any) -> bool:
    """Node's ``isPipeName``: a string that is not a number >= 0 (``'-1'`` and ``'0x'``
    are paths; ``''``, ``' '`` and ``'0x1f90'`` are ports)."""
    return is_pipe_name(value)


def normalize_connect_args(args: Tuple[Any, ...], kwargs: Dict[str, Any],
                           allowed: Tuple[str, ...] = _ALL_OPTIONS) -> Tuple[Dict[str, Any], Any]:
    """Node's ``normalizeArgs`` for ``connect(options | path | port[, host], [listener])``.

    A first argument that is a mapping is the options; a string that is not a number >= 0
    is a path; anything else is the port, followed by the host when the second argument
    is a string.  The listener is the last argument when it is callable (as in Node, a
    lone ``connect(listener)`` is also read as a port, which is ERR_INVALID_ARG_TYPE).
    """
    args = tuple(args)
    listener = args[-1] if args and callable(args[-1]) else None
    if not args:
        opts = _options(None, kwargs, allowed, 'connect')
    elif isinstance(args[0], Mapping):
        opts = _options(args[0], kwargs, allowed, 'connect')
    elif _is_pipe_name(args[0]):
        opts = _options({'path': args[0]}, kwargs, allowed, 'connect')
    else:
        given = {'port': args[0]}
        if len(args) > 1 and isinstance(args[1], str):
            given['host'] = args[1]
        opts = _options(given, kwargs, allowed, 'connect')
    return opts, listener


def _validate(opts: Dict[str, Any]) -> None:
    """Check the options in the order Node's ``connect()`` and ``lookupAndConnect()`` do,
    raising the first error Node would throw; normalises ``port`` and ``family``."""
    path = opts.get('path')
    if opts.get('port') is None and path is None:
        raise node_error('ERR_MISSING_ARGS', 'options" or "port" or "path')
    if path is not None:
        if not isinstance(path, str):
            raise invalid_arg_type('options.path', 'of type string', path)
        return
    host = opts.get('host')
    if host is not None:
        if not isinstance(host, str):
            raise invalid_arg_type('options.host', 'of type string', host)
        if '\0' in host:
            raise invalid_arg_value('options.host', host,
                                    'must be a string without null bytes')
    local = opts.get('localAddress')
    if local and not isIP(local):
        raise node_error('ERR_INVALID_IP_ADDRESS', local)
    if opts.get('localPort'):
        validate_number(opts['localPort'], 'options.localPort')
        opts['localPort'] = validate_port(opts['localPort'], 'localPort')   # beyond Node: a port
    port = opts['port']
    if not (is_number(port) or isinstance(port, str)):
        raise invalid_arg_type('options.port', 'of type number or string', port)
    opts['port'] = validate_port(port)
    for flag in ('autoSelectFamily', 'autoSelectFamilyOverlap'):
        if opts.get(flag) is not None:
            validate_bool(opts[flag], 'options.' + flag)
    attempt = opts.get('autoSelectFamilyAttemptTimeout')
    if attempt is not None:
        validate_int(attempt, 'options.autoSelectFamilyAttemptTimeout', 1)
        opts['autoSelectFamilyAttemptTimeout'] = max(10, int(attempt))
    family = opts.get('family')
    family = {None: 0, 'IPv4': 4, 'IPv6': 6}.get(family, family) if isinstance(family, (str, type(None))) \
        else family
    if not isIP(host or 'localhost'):
        # what Node checks only when it looks the host up (dns.lookup's own checks)
        lookup = opts.get('lookup')
        if lookup is not None and not callable(lookup):
            raise invalid_arg_type('options.lookup', 'of type function', lookup)
        if family not in (0, 4, 6) or isinstance(family, bool):
            raise invalid_arg_value('options.family', family, 'must be one of: 0, 4, 6')
        hints = opts.get('hints')
        if hints is not None:
            if not is_int(hints):
                raise invalid_arg_type('options.hints', 'of type number', hints)
            if lookup is None and hints & ~sum(DNS_HINTS):
                raise invalid_arg_value('hints', hints)
    elif family not in (0, 4, 6) or isinstance(family, bool):
        family = 0                  # unused for a literal address, as in Node
    opts['family'] = family
    block_list = opts.get('blockList')
    if block_list is not None and not isinstance(block_list, BlockList):
        raise invalid_arg_type('options.blockList', 'an instance of net.BlockList', block_list)
    delay = opts.get('keepAliveInitialDelay')
    if delay is not None and not is_number(delay):
        raise invalid_arg_type('options.keepAliveInitialDelay', 'of type number', delay)


def validate_connect_options(opts: Dict[str, Any]) -> None:
    """Validate ``connect()``'s options in place (ports and timeouts normalized),
    raising Node's error at the call."""
    _validate(opts)


class Connectable(Protocol):
    """What connecting needs of a socket (``net.Socket`` provides it): its events, its
    loop, and a way to wait that goes on running the socket's other events."""

    destroyed: bool
    autoSelectFamilyAttemptedAddresses: Optional[List[str]]
    _hub: Any
    _loop: Any

    @property
    def refed(self) -> bool: ...

    def emit(self, eventName: str, *args: Any) -> bool: ...

    def _wait_until(self, ready: Callable[[], Any]) -> None: ...

    def _notify(self) -> None: ...


# ==================================================================== the connection

def open_connection(sock: Connectable, opts: Dict[str, Any]) -> Tuple[Any, bool]:
    """Connect as ``opts`` say (validated), emitting the connect events on ``sock``;
    returns the connected OS socket and whether it is IPC, or ``(None, False)`` when
    ``sock`` was destroyed meanwhile.  Raises the connection's error."""
    try:
        if opts.get('path') is not None:
            return _connect_ipc(sock, opts['path']), True
        return _connect_tcp(sock, opts), False
    except _Cancelled:
        return None, False


def _wait_fd(sock: Connectable, raw: Any, timeout: Optional[float]) -> str:
    """Owner: park until ``raw`` is writable; 'ready', 'timeout' or 'destroyed'."""
    loop = sock._loop
    outcome: List[str] = []

    def fire(what: str) -> None:
        if not outcome:
            outcome.append(what)
            io.stop()
            sock._notify()

    io = loop.io(raw.fileno(), 2)
    io.ref = sock.refed
    io.start(fire, 'ready')
    timer = None
    if timeout is not None:
        timer = loop.timer(timeout, 0.0, sock.refed)
        timer.start(fire, 'timeout')
    try:
        sock._wait_until(lambda: outcome or sock.destroyed)
    finally:
        io.stop()
        io.close()
        if timer is not None:
            timer.close()
    return 'destroyed' if sock.destroyed else outcome[0]


def _connect_ipc(sock: Connectable, path: str) -> Any:
    from .ipc import check_path
    address = check_path(path, 'connect')
    raw = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    raw.setblocking(False)
    try:
        while True:
            err = raw.connect_ex(address)
            if err == 0:
                return raw
            if err not in (_errno.EAGAIN, _errno.EINPROGRESS):
                raise system_error(err, 'connect', path)
            outcome = _wait_fd(sock, raw, None)
            if outcome == 'destroyed':
                raise _Cancelled()
            err = raw.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR)
            if err == 0 and outcome == 'ready':
                try:
                    raw.getpeername()
                    return raw
                except OSError:
                    continue
            if err:
                raise system_error(err, 'connect', path)
    except BaseException:
        raw.close()
        raise


def _connect_tcp(sock: Connectable, opts: Dict[str, Any]) -> Any:
    port = opts['port']
    host = opts.get('host') or 'localhost'
    family = opts.get('family') or 0
    auto = opts.get('autoSelectFamily')
    if auto is None:
        auto = getDefaultAutoSelectFamily()
    auto = auto and family == 0 and not opts.get('localAddress')
    literal = isIP(host)
    if literal:
        targets = [(host, literal)]
    else:
        targets = _lookup(sock, host, opts, all_=auto)
    if len(targets) == 1:
        return _attempt(sock, targets[0][0], targets[0][1], port, opts, None)
    if opts.get('autoSelectFamilyOverlap'):
        return _Race(sock, _interleave(targets), port, opts).run()
    return _attempt_each(sock, _interleave(targets), port, opts)


def _interleave(addresses: List[Tuple[str, int]]) -> List[Tuple[str, int]]:
    """Node's order: the first address's family first, then alternate families."""
    first_family = addresses[0][1]
    groups: Dict[int, List[Tuple[str, int]]] = {first_family: [], 10 - first_family: []}
    seen = set()
    for ip, fam in addresses:
        if ip not in seen and fam in groups:
            seen.add(ip)
            groups[fam].append((ip, fam))
    ordered = []
    a, b = groups[first_family], groups[10 - first_family]
    for i in range(max(len(a), len(b))):
        if i < len(a):
            ordered.append(a[i])
        if i < len(b):
            ordered.append(b[i])
    return ordered


def _attempt_each(sock: Connectable, targets: List[Tuple[str, int]], port: int, opts: Dict[str, Any]) -> Any:
    attempted: List[str] = []
    sock.autoSelectFamilyAttemptedAddresses = attempted
    timeout_ms = opts.get('autoSelectFamilyAttemptTimeout') or getDefaultAutoSelectFamilyAttemptTimeout()
    errors: List[BaseException] = []
    for i, (ip, fam) in enumerate(targets):
        last = i == len(targets) - 1
        attempted.append(f'{ip}:{port}')
        try:
            raw = _attempt(sock, ip, fam, port, opts, None if last else timeout_ms / 1000.0,
                           report_failure=False)
        except NodeError as err:
            errors.append(err)
            sock.emit('connectionAttemptFailed', ip, port, fam, err)
            continue
        if raw is None:
            sock.emit('connectionAttemptTimeout', ip, port, fam)
            continue
        return raw
    raise _all_failed(errors)


def _all_failed(errors: List[BaseException]) -> BaseException:
    """Node's error when every attempt failed: one AggregateError with its first code."""
    aggregate = AggregateError(errors)
    if errors:
        aggregate.code = getattr(errors[0], 'code', aggregate.code)
    return aggregate


class _Race:
    """RFC 8305 section 5 connection attempts that overlap (``autoSelectFamilyOverlap``).

    Runs as the socket's connecting event; the hub only records which attempt became
    writable or which delay ran out, and notifies the socket.
    """

    def __init__(self, sock: Connectable, targets: List[Tuple[str, int]], port: int,
                 opts: Dict[str, Any]) -> None:
        self.sock = sock
        self.targets = list(targets)
        self.port = port
        self.opts = opts
        ms = opts.get('autoSelectFamilyAttemptTimeout') or getDefaultAutoSelectFamilyAttemptTimeout()
        self.delay = ms / 1000.0
        self.live: Dict[Any, Tuple[str, int, Any]] = {}   # raw socket -> (ip, family, watcher)
        self.ready: List[Any] = []        # raw sockets the hub saw become writable
        self.delay_over = False
        self.timer: Any = None
        self.errors: List[BaseException] = []
        self.attempted: List[str] = []
        sock.autoSelectFamilyAttemptedAddresses = self.attempted

    def run(self) -> Any:
        sock = self.sock
        try:
            self._start_next()
            while True:
                sock._wait_until(lambda: self.ready or self.delay_over or sock.destroyed)
                if sock.destroyed:
                    raise _Cancelled()
                while self.ready:
                    winner = self._settle(self.ready.pop(0))
                    if winner is not None:
                        return winner
                if self.delay_over:
                    self.delay_over = False
                    newest = list(self.live.values())[-1] if self.live else None
                    if newest is not None and self.targets:
                        sock.emit('connectionAttemptTimeout', newest[0], self.port, newest[1])
                    self._start_next()
                if not self.live and not self.targets:
                    raise _all_failed(self.errors)
        finally:
            self._stop_timer()
            for raw in list(self.live):
                self._drop(raw)

    def _start_next(self) -> None:
        """Start the next attempt; one that fails at once makes way for the next."""
        sock, port = self.sock, self.port
        while self.targets:
            ip, fam = self.targets.pop(0)
            self.attempted.append(f'{ip}:{port}')
            try:
                raw = _begin_attempt(sock, ip, fam, port, self.opts, report_failure=False)
            except NodeError as err:
                self.errors.append(err)
                sock.emit('connectionAttemptFailed', ip, port, fam, err)
                continue
            watcher = sock._loop.io(raw.fileno(), 2)
            watcher.ref = sock.refed
            watcher.start(self._writable, raw)
            self.live[raw] = (ip, fam, watcher)
            self._restart_timer()
            return

    def _writable(self, raw: Any) -> None:      # hub
        entry = self.live.get(raw)
        if entry is not None:
            entry[2].stop()
            self.ready.append(raw)
            self.sock._notify()

    def _delay_passed(self) -> None:            # hub
        self.delay_over = True
        self.sock._notify()

    def _restart_timer(self) -> None:
        self._stop_timer()
        if self.targets:
            self.timer = self.sock._loop.timer(self.delay, 0.0, self.sock.refed)
            self.timer.start(self._delay_passed)

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.close()
            self.timer = None

    def _settle(self, raw: Any) -> Any:
        """An attempt finished: return its socket if it connected, else record why."""
        ip, fam, watcher = self.live.pop(raw)
        watcher.close()
        err = raw.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR)
        if not err:
            return raw
        raw.close()
        error = system_error(err, 'connect', ip, self.port)
        self.errors.append(error)
        self.sock.emit('connectionAttemptFailed', ip, self.port, fam, error)
        if not self.live:
            self._start_next()     # nothing else running: do not wait out the delay
        return None

    def _drop(self, raw: Any) -> None:
        _ip, _fam, watcher = self.live.pop(raw)
        watcher.close()
        raw.close()


def _begin_attempt(sock: Connectable, ip: str, fam: int, port: int, opts: Dict[str, Any],
                   report_failure: bool = True) -> Any:
    """Check the blockList, emit 'connectionAttempt', bind the local address if one is
    asked for, and start a non-blocking connect; returns the OS socket."""
    block_list = opts.get('blockList')
    if block_list is not None and block_list.check(ip.split('%')[0], 'ipv6' if fam == 6 else 'ipv4'):
        raise node_error('ERR_IP_BLOCKED', ip)
    sock.emit('connectionAttempt', ip, port, fam)
    raw = _socket.socket(_socket.AF_INET6 if fam == 6 else _socket.AF_INET, _socket.SOCK_STREAM)
    raw.setblocking(False)
    with _closed_if_failed(sock, raw, ip, port, fam, report_failure):
        local, local_port = opts.get('localAddress'), opts.get('localPort')
        if local or local_port:
            where = local or ('::' if fam == 6 else '0.0.0.0')
            try:
                raw.bind((where, local_port or 0))
            except OSError as exc:
                raise from_oserror(exc, 'bind', where, local_port or 0) from None
        err = raw.connect_ex((ip, port))
        if err not in (0, _errno.EINPROGRESS, _errno.EAGAIN):
            raise system_error(err, 'connect', ip, port)
    return raw


@contextmanager
def _closed_if_failed(sock: Connectable, raw: Any, ip: str, port: int, fam: int,
                      report_failure: bool) -> Iterator[None]:
    """Close the attempt's socket if it fails; report a Node error as
    'connectionAttemptFailed' unless the caller reports it."""
    try:
        yield
    except NodeError as error:
        raw.close()
        if report_failure:
            sock.emit('connectionAttemptFailed', ip, port, fam, error)
        raise
    except BaseException:
        raw.close()
        raise


def _attempt(sock: Connectable, ip: str, fam: int, port: int, opts: Dict[str, Any],
             timeout: Optional[float], report_failure: bool = True) -> Any:
    """One connection attempt; the connected OS socket, or None if ``timeout`` passed."""
    raw = _begin_attempt(sock, ip, fam, port, opts, report_failure)
    with _closed_if_failed(sock, raw, ip, port, fam, report_failure):
        outcome = _wait_fd(sock, raw, timeout)
        if outcome == 'destroyed':
            raise _Cancelled()
        if outcome == 'timeout':
            raw.close()
            return None
        err = raw.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR)
        if err:
            raise system_error(err, 'connect', ip, port)
    return raw


# ==================================================================== lookup

def _lookup(sock: Connectable, host: str, opts: Dict[str, Any], all_: bool) -> List[Tuple[str, int]]:
    """Resolve ``host``; emits 'lookup' ``(err, address, family, host)`` for each address
    the lookup answered (Node's order), then fails on an answer that is not an address."""
    family = opts.get('family') or 0
    lookup = opts.get('lookup')
    if lookup is not None:
        return _custom_lookup(sock, lookup, host, opts, {'family': family, 'hints': opts.get('hints') or 0,
                                                         'all': all_})
    try:
        found = _resolver_lookup(sock, host, family, opts.get('hints') or 0)
    except _Cancelled:
        raise
    except Exception as err:
        error = err if isinstance(err, NodeError) else lookup_error(host)
        sock.emit('lookup', error, None, None, host)
        raise error from None
    if sock.destroyed:
        raise _Cancelled()
    if not all_:
        found = found[:1]
    for ip, fam in found:
        sock.emit('lookup', None, ip, fam, host)
        if sock.destroyed:
            raise _Cancelled()
    return found


#: Node's dns hint values (``dns.ADDRCONFIG``, ``dns.V4MAPPED``, ``dns.ALL``) -> getaddrinfo
#: flags.  Node's values are the platform's own flags (32, 8 and 16 on Linux, 1024, 2048
#: and 256 on macOS), so they map to themselves.
DNS_HINTS = {_socket.AI_ADDRCONFIG: _socket.AI_ADDRCONFIG, _socket.AI_V4MAPPED: _socket.AI_V4MAPPED,
             _socket.AI_ALL: _socket.AI_ALL}


def check_host_name(host: str, syscall: str = 'getaddrinfo') -> None:
    """A name the resolver cannot even encode is EINVAL, as getaddrinfo says in Node."""
    try:
        host.encode('idna')
    except UnicodeError:
        raise system_error(_errno.EINVAL, syscall, host) from None


def _resolver_lookup(sock: Connectable, host: str, family: int, hints: int) -> List[Tuple[str, int]]:
    check_host_name(host)
    af = {4: _socket.AF_INET, 6: _socket.AF_INET6}.get(family, _socket.AF_UNSPEC)
    flags = 0
    for node_hint, flag in DNS_HINTS.items():
        if hints & node_hint:
            flags |= flag
    try:
        infos = sock._hub.resolver.getaddrinfo(host, None, af, _socket.SOCK_STREAM, 0, flags)
    except OSError as exc:
        raise lookup_error(host, getattr(exc, 'errno', None) or None) from None
    out = []
    for info_family, _type, _proto, _name, sockaddr in infos:
        fam = 6 if info_family == _socket.AF_INET6 else 4
        ip = sockaddr[0]
        if (ip, fam) not in out:
            out.append((ip, fam))
    if not out:
        raise lookup_error(host)
    return out


def _custom_lookup(sock: Connectable, lookup: Callable[..., Any], host: str, opts: Dict[str, Any],
                   dnsopts: Dict[str, Any]) -> List[Tuple[str, int]]:
    """Call a Node-style ``lookup(hostname, options, callback)``, wait for its answer and
    check it as Node's ``lookupAndConnect`` does.

    With ``options.all`` false the callback gives ``(err, address, family)``: 'lookup'
    fires with exactly those, then an address that is not an IP string is
    ERR_INVALID_IP_ADDRESS and a family other than 4 or 6 ERR_INVALID_ADDRESS_FAMILY.  With
    ``all`` true it gives ``(err, [{'address', 'family'}, ...])``: 'lookup' fires for each
    entry, the invalid ones are skipped, and when none is left the first one's fault is
    the error.
    """
    answer: List[Tuple[Any, Any, Any]] = []

    def callback(err: Any = None, address: Any = None, family: Any = None) -> None:
        if not answer:
            answer.append((err, address, family))
            sock._notify()

    try:
        lookup(host, dnsopts, callback)
    except Exception as raised:
        failure = raised if isinstance(raised, NodeError) else lookup_error(host)
        sock.emit('lookup', failure, None, None, host)
        raise failure from None
    if not answer:
        sock._wait_until(lambda: answer or sock.destroyed)
    if sock.destroyed:
        raise _Cancelled()
    err, address, family = answer[0]
    if err is not None:
        # an error that is not a Node error (a plain OSError...) becomes Node's lookup
        # error, chained to it, so every 'error' a socket emits carries a Node code
        error = err if isinstance(err, NodeError) else lookup_error(host)
        if error is not err and isinstance(err, BaseException):
            error.__cause__ = err
        sock.emit('lookup', error, address, family, host)
        raise error
    if not dnsopts['all'] or not isinstance(address, list):
        # a lookup that answers one address although ``all`` was asked is taken at its word
        sock.emit('lookup', None, address, family, host)
        if sock.destroyed:
            raise _Cancelled()
        _check_answer(address, family, host, opts.get('port'))
        return [(address, family)]
    if not address:
        raise lookup_error(host)
    entries = [(a.get('address'), a.get('family')) if isinstance(a, Mapping) else (a, None)
               for a in address]
    found = []
    for ip, fam in entries:
        sock.emit('lookup', None, ip, fam, host)
        if sock.destroyed:
            raise _Cancelled()
        if isinstance(ip, str) and isIP(ip) and fam in (4, 6) and not isinstance(fam, bool):
            found.append((ip, int(fam)))
    if not found:
        _check_answer(entries[0][0], entries[0][1], host, opts.get('port'))
    return found


def _check_answer(address: Any, family: Any, host: str, port: Any) -> None:
    if not isinstance(address, str) or not isIP(address):
        raise node_error('ERR_INVALID_IP_ADDRESS', address)
    if family not in (4, 6) or isinstance(family, bool):
        raise node_error('ERR_INVALID_ADDRESS_FAMILY', family, host, port)
