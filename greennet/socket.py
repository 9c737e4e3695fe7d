"""``net.Socket``: a TCP or IPC stream with Node's events and blocking sequential reads.

How a socket works (the model is Node's stream, run on gevent's hub):

* **I/O happens in the hub, user code never does.**  The read watcher's callback reads
  into the readable buffer (``_rbuf``) while it holds less than the high-water mark; the
  write watcher's callback flushes the write queue (``_wbuf``).  ``write()`` itself
  sends straight away when nothing is queued.
* **Events run in the socket's owner greenlet, one at a time, in order.**  The owner is
  the connection's handler greenlet while the 'connection' listeners run (a sequential
  handler stays the owner until it returns), the greenlet ``connect()`` starts while a
  client connects, and otherwise a worker greenlet (``_workers.py``) taken only while
  there is something to dispatch, so an idle socket holds no greenlet.  Anything that
  must reach user code (a write callback, 'drain', 'timeout', 'error', 'close') is
  posted to ``_pending``; buffered data becomes 'data' events while the socket is
  flowing.  A listener may block: that delays only this socket's next events.
* **Sequential reads consume the same buffer.**  ``read()``, ``readline()``... take from
  ``_rbuf`` and wait for the hub to fill it.  When the owner itself waits, it keeps
  dispatching this socket's events (so 'timeout' still fires during a ``readline()``).

State lives in a few fields: ``connecting``/``destroyed`` (Node's), the read side
(``_flowing``, ``_eof`` FIN received, ``_ended`` 'end' emitted), the write side
(``_ending`` end() called, ``_finished`` FIN sent), and ``_closed`` ('close' emitted).
"""
from __future__ import annotations

import _socket
import errno as _errno
import logging
from typing import Any, Callable, Dict, List, Optional, Tuple

from gevent import get_hub
from gevent._hub_primitives import Waiter
from gevent.timeout import Timeout
from greenlet import getcurrent

from . import _encoding, _run
from ._options import is_int, pep8_aliases, validate_timeout_ms
from ._options import options as _options
from ._workers import run_in_worker
from .abort import AbortSignal, check_signal
from .errors import (
    AbortError,
    IncompleteReadError,
    NodeError,
    check_callback,
    from_oserror,
    invalid_arg_type,
    node_error,
    system_error,
)
from .events import EventEmitter

__all__ = ['Socket', 'DEFAULT_HIGH_WATER_MARK']

log = logging.getLogger('greennet')

#: Node v22's ``stream.getDefaultHighWaterMark()`` for byte streams.
DEFAULT_HIGH_WATER_MARK = 64 * 1024
_READ_SIZE = 64 * 1024
_BIG_READ_SIZE = 256 * 1024   # after a read that filled the buffer: a stream is coming
_READS_PER_WAKE = 4       # reads in a row on one readiness while each fills the buffer
_READ, _WRITE = 1, 2
_MAX_KEEPIDLE = 32767     # Linux's MAX_TCP_KEEPIDLE, in seconds: longer delays are clamped

SOCKET_OPTIONS = ('allowHalfOpen', 'fd', 'onread', 'readable', 'writable', 'signal',
                  'highWaterMark', 'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'blockList')

_FAMILY_NAMES = {_socket.AF_INET: 'IPv4', _socket.AF_INET6: 'IPv6'}


class _ReadBuffer:
    """The one receive buffer per hub: only one greenlet runs at a time, so all the
    sockets of a hub share it and copy out just the bytes each read returned."""

    def __init__(self) -> None:
        self.view = memoryview(bytearray(_READ_SIZE))


def _read_view(hub: Any) -> memoryview:
    shared = getattr(hub, '_greennet_read_buffer', None)
    if shared is None:
        shared = hub._greennet_read_buffer = _ReadBuffer()
    return shared.view


def _address_dict(family: int, addr: Any) -> Dict[str, Any]:
    return {'address': addr[0], 'family': _FAMILY_NAMES.get(family), 'port': addr[1]}


class _Pipe:
    """One ``source.pipe(destination)``: its listeners, and taking them off again.

    The listeners are bound methods made once (listeners are removed by identity);
    ``detach`` drops them, so a socket piped to itself is freed by reference counting
    once the pipe has come apart, not left to the cycle collector.
    """

    __slots__ = ('source', 'destination', 'end', 'ondata', 'onend', 'ondrain', 'unpipe')

    def __init__(self, source: 'Socket', destination: Any, end: bool) -> None:
        self.source = source
        self.destination = destination
        self.end = end
        self.ondata: Any = self._ondata
        self.onend: Any = self._onend
        self.ondrain: Any = None
        self.unpipe: Any = self.detach

    def _ondata(self, chunk: Any) -> None:
        if self.destination.write(chunk) is False:
            self.source.pause()
            if self.ondrain is None:   # as Node: listen for 'drain' once it is needed
                self.ondrain = self._ondrain
                self.destination.on('drain', self.ondrain)

    def _ondrain(self) -> None:
        if self.source._flowing is False:
            self.source.resume()

    def _onend(self) -> None:
        if self.end:
            self.destination.end()
        else:
            self.detach()

    def detach(self) -> None:
        """Node's unpipe: take the pipe's listeners off both ends; 'unpipe' on the
        destination."""
        if self.ondata is None:
            return
        source, destination = self.source, self.destination
        source.removeListener('data', self.ondata)
        source.removeListener('end', self.onend)
        if self.ondrain is not None:
            destination.removeListener('drain', self.ondrain)
        if isinstance(destination, Socket):
            if destination._piped_in is not None and self in destination._piped_in:
                destination._piped_in.remove(self)
        elif isinstance(destination, EventEmitter):
            destination.removeListener('finish', self.unpipe)
            destination.removeListener('close', self.unpipe)
        self.ondata = self.onend = self.ondrain = self.unpipe = None
        source._unpiped(self)
        if isinstance(destination, EventEmitter):
            destination.emit('unpipe', source)


@pep8_aliases
class Socket(EventEmitter):
    """Node's ``net.Socket``: a TCP or IPC stream, driven by events or sequential reads.

    ``Socket(options=None, **kwargs)`` takes Node's options (``allowHalfOpen``, ``fd``,
    ``onread``, ``readable``, ``writable``, ``signal``, ``highWaterMark``, ``noDelay``,
    ``keepAlive``, ``keepAliveInitialDelay``) as a dict or keywords, in either spelling.
    """

    __slots__ = (
        '_hub', '_loop', '_sock', '_is_ipc', '_server', '_owner', '_parked', '_pending',
        '_waiters', '_kick_scheduled', '_reader', '_blocked',
        '_rbuf', '_rlen', '_flowing', '_read_started', '_reading', '_eof', '_ended',
        '_decoder', '_read_io', '_read_view', '_onread', '_read_full', '_read_first',
        '_wbuf', '_wlen', '_write_io', '_writing', '_ending', '_finished', '_need_drain',
        '_finish_cbs', '_bytes_dispatched', '_hwm', '_rlimit',
        'connecting', 'destroyed', '_closed', '_error', 'allowHalfOpen', 'bytesRead',
        '_timeout_ms', '_timer', '_last_active', '_refed', '_peer', '_local',
        '_no_delay', '_keep_alive', '_reset_on_connect', '_signal', '_abort_listener',
        'autoSelectFamilyAttemptedAddresses', '_readable_opt',
        '_writable_opt', '_block_list', '_host', '_pipes', '_piped_in', '__weakref__',
    )

    def __init__(self, options: Any = None, **kwargs: Any) -> None:
        super().__init__()
        opts = _options(options, kwargs, SOCKET_OPTIONS, 'net.Socket') \
            if options is not None or kwargs else None
        hub = get_hub()
        self._hub = hub
        self._loop = hub.loop
        self._sock: Any = None
        self._is_ipc = False
        self._server: Any = None
        self._owner: Any = None
        self._parked = False
        # plain lists: an empty deque costs a 64-slot block per idle connection
        self._pending: List[Tuple[Callable[..., Any], Tuple[Any, ...]]] = []
        self._waiters: Optional[List[Any]] = None
        self._kick_scheduled = False
        self._reader: Any = None
        self._blocked = 0
        # read side
        self._rbuf: List[Any] = []     # bytes, and memoryviews of what reads left
        self._rlen = 0
        self._flowing: Optional[bool] = None
        self._read_started = True
        self._reading = False
        self._eof = False
        self._ended = False
        self._decoder: Any = None
        self._read_io: Any = None
        self._read_view = _read_view(hub)
        self._read_full = False
        # a new connection's peer has often sent already: read before waiting for readiness
        self._read_first = False
        self._onread: Any = None
        # write side
        self._wbuf: List[List[Any]] = []   # [data, callback] pairs
        self._wlen = 0
        self._write_io: Any = None
        self._writing = False
        self._ending = False
        self._finished = False
        self._need_drain = False
        self._finish_cbs: Optional[List[Callable[..., Any]]] = None
        self._bytes_dispatched = 0
        # lifecycle and Node-visible state
        self.connecting = False
        self.destroyed = False
        self._closed = False
        self._error: Optional[BaseException] = None
        self.allowHalfOpen = False
        self.bytesRead = 0
        self._timeout_ms: Optional[float] = None
        self._timer: Any = None
        self._last_active = 0.0
        self._refed = True
        self._peer: Any = None
        self._local: Any = None
        self._no_delay: Optional[bool] = None
        self._keep_alive: Optional[Tuple[bool, float]] = None
        self._reset_on_connect = False
        self._signal: Optional[AbortSignal] = None
        self._abort_listener: Any = None
        self.autoSelectFamilyAttemptedAddresses: Optional[List[str]] = None
        self._readable_opt = True
        self._writable_opt = True
        self._block_list: Any = None
        self._host: Optional[str] = None
        # pipe() links out of this socket, and into it (they come apart at our end)
        self._pipes: Optional[List[_Pipe]] = None
        self._piped_in: Optional[List[_Pipe]] = None
        self._hwm: int = DEFAULT_HIGH_WATER_MARK
        # how much the hub may buffer: the mark, or more while a sequential read needs it
        self._rlimit: float = DEFAULT_HIGH_WATER_MARK
        if opts:
            self._apply_options(opts)

    def _apply_options(self, opts: Dict[str, Any]) -> None:
        self.allowHalfOpen = bool(opts.get('allowHalfOpen', False))
        self._readable_opt = opts.get('readable', True) is not False
        self._writable_opt = opts.get('writable', True) is not False
        hwm = opts.get('highWaterMark')
        if hwm is not None:
            if not is_int(hwm) or hwm < 0:
                raise invalid_arg_type('options.highWaterMark', 'a non-negative integer', hwm)
            self._hwm = self._rlimit = hwm
        if opts.get('noDelay'):
            self._no_delay = True
        if opts.get('keepAlive'):
            self._keep_alive = (True, opts.get('keepAliveInitialDelay') or 0)
        if opts.get('onread') is not None:
            self._onread = _check_onread(opts['onread'])
        signal = check_signal(opts.get('signal'))
        if signal is not None:
            self._watch_signal(signal)
        fd = opts.get('fd')
        if fd is not None:
            self._adopt_fd(fd)

    def _adopt_fd(self, fd: Any) -> None:
        """Wrap an existing socket descriptor (Node's ``fd`` option)."""
        if not is_int(fd) or fd < 0:
            raise invalid_arg_type('options.fd', 'a non-negative integer', fd)
        try:
            raw = _socket.socket(fileno=_dup_fd(fd))
        except OSError as exc:
            raise from_oserror(exc, 'open') from None
        if raw.type != _socket.SOCK_STREAM:
            raw.close()
            raise node_error('ERR_INVALID_FD_TYPE', 'not a stream socket')
        self._attach(raw, is_ipc=raw.family == _socket.AF_UNIX)
        if not self._readable_opt:
            self._eof = self._ended = True
        if not self._writable_opt:
            self._ending = self._finished = True

    # ================================================================ construction
    @classmethod
    def _accepted(cls, raw: Any, peer: Any, server: Any, opts: Dict[str, Any]) -> 'Socket':
        """A socket for a connection the server just accepted (runs in its greenlet)."""
        sock = cls()
        if opts.get('allowHalfOpen'):
            sock.allowHalfOpen = True
        hwm = opts.get('highWaterMark')
        if hwm is not None:
            sock._hwm = sock._rlimit = hwm
        sock._server = server
        sock._owner = getcurrent()
        sock._read_first = True
        sock._peer = peer
        if opts.get('noDelay'):
            sock._no_delay = True
        if opts.get('keepAlive'):
            sock._keep_alive = (True, opts.get('keepAliveInitialDelay') or 0)
        if opts.get('pauseOnConnect'):
            sock._read_started = False
            sock._flowing = False
        sock._attach(raw, is_ipc=raw.family == _socket.AF_UNIX)
        return sock

    def _attach(self, raw: Any, is_ipc: bool) -> None:
        """Take ``raw`` (a connected OS socket) as this socket's handle and start reading."""
        raw.setblocking(False)
        self._sock = raw
        self._is_ipc = is_ipc
        fd = raw.fileno()
        self._read_io = self._loop.io(fd, _READ)
        if not self._refed:
            self._read_io.ref = False
        if not is_ipc:
            if self._no_delay is not None:
                self._apply_no_delay(self._no_delay)
            if self._keep_alive is not None:
                self._apply_keep_alive(*self._keep_alive)
        if self._timeout_ms:
            self._touch()
        self._update_reading()

    # ================================================================ the owner loop
    def _run_until(self, done: Callable[[], Any]) -> None:
        """Owner only: dispatch this socket's events until ``done()`` is true."""
        hub = self._hub
        while True:
            try:
                self._dispatch()
            except Exception as exc:   # a listener raised: it costs this socket only
                self._listener_failed(exc)
                continue
            if done():
                return
            self._parked = True
            try:
                hub.switch()
            finally:
                self._parked = False

    def _dispatch(self) -> None:
        pending = self._pending
        while True:
            while pending:
                fn, args = pending.pop(0)
                fn(*args)
            if self._flowing and self._rbuf:
                self._flow()
                continue
            if self._eof and not self._ended and not self._rbuf and self._reader is None:
                self._emit_end()
                continue
            return

    def _has_work(self) -> bool:
        """Is there anything for the owner to dispatch?"""
        return bool(self._pending or (self._flowing and self._rbuf) or
                    (self._eof and not self._ended and not self._rbuf and self._reader is None))

    def _flow(self) -> None:
        """Emit buffered data as 'data' events while the socket is flowing."""
        rbuf = self._rbuf
        decoder = self._decoder
        while self._flowing and rbuf:
            chunk = rbuf.pop(0)
            self._rlen -= len(chunk)
            if type(chunk) is not bytes:   # what a sequential read left of a chunk
                chunk = bytes(chunk)
            if decoder is not None:
                chunk = decoder.decode(chunk)
                if not chunk:
                    continue
            self.emit('data', chunk)
        if not self._reading:
            self._update_reading()

    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` in the owner greenlet, after what is already pending."""
        self._pending.append((fn, args))
        self._wake()

    def _wake(self) -> None:
        """Something changed: let the owner and any blocked reader look again."""
        current = getcurrent()
        if current is self._hub:
            self._kick()
        elif current is not self._owner or self._waiters:
            if not self._kick_scheduled:
                self._kick_scheduled = True
                self._loop.run_callback(self._kick)

    def _kick(self) -> None:
        """Hub only: resume the owner if it is parked here (or give the socket a
        dispatcher if it has none and there is work), and every blocked reader."""
        self._kick_scheduled = False
        if self._parked:
            self._parked = False
            self._owner.switch()
        elif self._owner is None and self._has_work():
            run_in_worker(self._hub, self._serve_events)
        waiters = self._waiters
        if waiters:
            self._waiters = None
            for waiter in waiters:
                waiter.switch(None)

    def _serve_events(self) -> None:
        """Owner: dispatch until there is nothing left to do, then let go of the greenlet.

        An idle socket holds no greenlet: its next events go to a worker greenlet.
        """
        me = getcurrent()
        if self._owner is None:
            self._owner = me
        try:
            while True:
                try:
                    self._dispatch()   # returns only when there is nothing left to do
                    return
                except Exception as exc:   # a listener raised: it costs this socket only
                    self._listener_failed(exc)
        finally:
            if self._owner is me:
                self._owner = None

    def _read_ahead(self) -> None:
        """Owner, after a new connection's 'connection' listeners: if they made it flow,
        read at once what the peer has most likely sent already, so the first 'data'
        is dispatched in this same turn instead of after a trip through the loop."""
        if self._read_first and self._flowing and self._reading:
            try:
                self._read_once()
            except Exception as exc:   # as in the hub's read: it costs this socket only
                self.destroy(exc)

    def _start_owner(self, body: Callable[[], None]) -> None:
        from gevent import Greenlet
        owner = Greenlet(body)
        self._owner = owner
        owner.start()

    def _is_closed(self) -> bool:
        return self._closed

    def _listener_failed(self, exc: BaseException) -> None:
        """A listener or handler raised: destroy this socket with that error."""
        if self.destroyed:
            self._log_error(exc)
        else:
            self.destroy(exc)

    # ================================================================ hub-side I/O
    def _update_reading(self) -> None:
        """Start or stop the read watcher: read while the buffer is under the mark."""
        want = (self._read_started and not self._eof and not self.destroyed and
                self._read_io is not None and self._rlen < self._rlimit)
        if want != self._reading:
            self._reading = want
            if want:
                self._read_io.start(self._on_readable)
            else:
                self._read_io.stop()

    def _on_readable(self) -> None:
        """Hub: read from the kernel into the readable buffer and dispatch.

        A read that fills the whole buffer says more is waiting: once that chunk is
        dispatched, read again at once (a few times at most, to stay fair to other
        sockets) rather than go back to the loop for readiness we already know of.
        """
        try:
            for _ in range(_READS_PER_WAKE):
                full = self._read_once()
                self._kick()
                if not (full and self._reading):
                    return
        except Exception as exc:   # never into the hub: it costs this socket only
            self.destroy(exc)
            self._kick()

    def _read_once(self) -> bool:
        """One read; True if it filled the whole buffer (more is probably waiting)."""
        self._read_first = False
        onread = self._onread
        if onread is not None:
            return self._read_into_user_buffer(onread)
        try:
            if self._read_full:    # a stream: read into a fresh bytes, no copy out
                size = _BIG_READ_SIZE if self._flowing else _READ_SIZE
                data = self._sock.recv(size)
                n = len(data)
            else:                  # messages: the shared buffer, copy out what came
                size = _READ_SIZE
                n = self._sock.recv_into(self._read_view)
                data = self._read_view[:n].tobytes()
        except (BlockingIOError, InterruptedError):
            self._read_full = False
            return False
        except OSError as exc:
            self.destroy(from_oserror(exc, 'read'))
            return False
        self._read_full = full = n == size
        if n:
            self.bytesRead += n
            if self._timeout_ms:
                self._touch()
            self._rbuf.append(data)
            self._rlen += n
            if self._rlen >= self._rlimit:
                self._update_reading()
        else:
            self._eof = True
            self._update_reading()
        return full

    def _read_into_user_buffer(self, onread: '_OnRead') -> bool:
        view = onread.next_buffer()
        if not len(view):      # Node: a read into no room at all is ENOBUFS
            self.destroy(system_error(_errno.ENOBUFS, 'read'))
            return False
        try:
            n = self._sock.recv_into(view)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self.destroy(from_oserror(exc, 'read'))
            return False
        if n:
            self.bytesRead += n
            if self._timeout_ms:
                self._touch()
            # the user's buffer is reused: no further read until the callback ran
            self._read_started = False
            self._update_reading()
            self._post(self._deliver_onread, n, view)
        else:
            self._eof = True
            self._update_reading()
        return False

    def _deliver_onread(self, n: int, buf: Any) -> None:
        if self._onread.callback(n, self._onread.buffer_of(buf)) is False:
            self.pause()
        elif self._flowing is not False:
            self._read_started = True
            self._update_reading()

    def _start_writing(self) -> None:
        if not self._writing and self._sock is not None:
            if self._write_io is None:   # most writes never wait: make it on first need
                self._write_io = self._loop.io(self._sock.fileno(), _WRITE)
                self._write_io.ref = self._refed
            self._writing = True
            self._write_io.start(self._on_writable)

    def _stop_writing(self) -> None:
        if self._writing:
            self._writing = False
            self._write_io.stop()

    def _on_writable(self) -> None:
        """Hub: flush the write queue as far as the kernel takes it."""
        try:
            self._flush_once()
        except Exception as exc:   # never into the hub: it costs this socket only
            self.destroy(exc)
            self._kick()

    def _flush_once(self) -> None:
        wbuf = self._wbuf
        done: List[Callable[..., Any]] = []
        while wbuf:
            entry = wbuf[0]
            try:
                sent = self._sock.send(entry[0])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self.destroy(from_oserror(exc, 'write'))
                self._kick()
                return
            self._bytes_dispatched += sent
            self._wlen -= sent
            if sent < len(entry[0]):
                entry[0] = entry[0][sent:]
                break
            wbuf.pop(0)
            if entry[1] is not None:
                done.append(entry[1])
        if self._timeout_ms:
            self._touch()
        if not wbuf:
            self._stop_writing()
            self._pending.append((self._after_write, (done,)))
            if self._ending and not self._finished:
                self._shutdown()
        elif done:
            self._pending.append((self._after_write, (done,)))
        self._kick()

    def _after_write(self, callbacks: List[Callable[..., Any]]) -> None:
        """Owner: Node's afterWrite: 'drain' once the queue is empty, then the callbacks."""
        if self._need_drain and not self._wbuf and not self._ending and not self.destroyed:
            self._need_drain = False
            self.emit('drain')
        for cb in callbacks:
            cb(None)

    # ================================================================ reading (events)
    def _listener_added(self, name: str) -> None:
        if name == 'data' and self._flowing is not False:
            self.resume()

    def pause(self) -> 'Socket':
        """Stop emitting 'data'; data keeps arriving into the buffer up to the mark."""
        if self._flowing is not False:
            self._flowing = False
            if self._onread is not None:
                self._read_started = False
                self._update_reading()
        return self

    def resume(self) -> 'Socket':
        """Emit 'data' again (and start reading a socket paused on connect)."""
        self._flowing = True
        if not self._read_started:
            self._read_started = True
            self._update_reading()
        if self._rbuf or self._eof:
            self._wake()
        return self

    def isPaused(self) -> bool:
        """True after ``pause()`` until ``resume()``."""
        return self._flowing is False

    def setEncoding(self, encoding: Optional[str] = 'utf8') -> 'Socket':
        """Emit 'data' as ``str`` decoded with ``encoding``; characters split across
        reads are decoded whole."""
        self._decoder = _encoding.decoder('utf8' if encoding is None else encoding)
        return self

    def _emit_end(self) -> None:
        self._ended = True
        decoder = self._decoder
        if decoder is not None and self._flowing:
            tail = decoder.decode(b'', True)
            if tail:
                self.emit('data', tail)
        self.emit('end')
        if not self.allowHalfOpen and not self._ending:
            self._post(self._auto_end)
        elif self._finished:
            self.destroy()

    def _auto_end(self) -> None:
        if not self.destroyed:
            self.end()

    def pipe(self, destination: Any, options: Any = None, **kwargs: Any) -> Any:
        """Write everything this socket reads to ``destination``, pausing while the
        destination's buffer is full and resuming on its 'drain'; ``end()`` it at 'end'
        unless ``end=False``.  Returns ``destination``.

        As Node's ``Readable.pipe``: the pipe comes apart (``unpipe``) when the
        destination finishes or closes, or at 'end' with ``end=False``; the destination
        sees 'pipe' then 'unpipe' with this socket.
        """
        opts = _options(options, kwargs, ('end',), 'pipe') if options or kwargs else {}
        link = _Pipe(self, destination, opts.get('end', True))
        if isinstance(destination, Socket):   # our own end hooks: no listeners to add
            if destination._piped_in is None:
                destination._piped_in = []
            destination._piped_in.append(link)
        elif isinstance(destination, EventEmitter):
            destination.once('finish', link.unpipe)
            destination.once('close', link.unpipe)
        if self._pipes is None:
            self._pipes = []
        self._pipes.append(link)
        self.on('end', link.onend)      # 'end' comes once; detach() takes it off
        self.on('data', link.ondata)
        if isinstance(destination, EventEmitter):
            destination.emit('pipe', self)
        return destination

    def unpipe(self, destination: Any = None) -> 'Socket':
        """Detach ``destination`` (every destination when omitted) from this socket's
        pipes; with none left the socket pauses.  The destination sees 'unpipe'."""
        for link in list(self._pipes or ()):
            if destination is None or link.destination is destination:
                link.detach()
        return self

    def _unpiped(self, link: '_Pipe') -> None:
        pipes = self._pipes
        if pipes is not None and link in pipes:
            pipes.remove(link)
            if not pipes:
                self._pipes = None
                self.pause()

    def _unpipe_inbound(self) -> None:
        """This socket finished or closed: the pipes into it come apart (Node's pipe
        listens for the destination's 'finish' and 'close')."""
        piped_in, self._piped_in = self._piped_in, None
        for link in piped_in or ():
            link.detach()

    # ================================================================ writing
    def write(self, data: Any, encoding: Any = None, callback: Any = None) -> bool:
        """Send ``data`` (bytes-like, or str encoded with ``encoding``, utf8 by default).

        Returns False when the buffered bytes reach the high-water mark; 'drain' follows
        once they are flushed.  ``callback(err)`` runs once the data is handed to the
        kernel, or with the error if it never will be.
        """
        if type(data) is bytes and callback is None and encoding is None:
            chunk = data
        else:
            if callback is None and callable(encoding):
                encoding, callback = None, encoding
            chunk = _to_bytes(data, encoding)
            check_callback(callback)
        if self.destroyed or self._ending or (self._sock is None and not self.connecting):
            return self._write_refused(callback)
        n = len(chunk)
        wlen = self._wlen
        ok = wlen + n < self._hwm
        if not ok:
            self._need_drain = True
        if wlen or self._sock is None:
            self._wbuf.append([chunk, callback])
            self._wlen = wlen + n
            return ok
        try:
            sent = self._sock.send(chunk) if n else 0
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            err = from_oserror(exc, 'write')
            self.destroy(err)
            if callback is not None:
                self._post(callback, err)
            return False
        self._bytes_dispatched += sent
        if self._timeout_ms:
            self._touch()
        if sent == n:
            if callback is not None or self._need_drain:
                self._post(self._after_write, [callback] if callback is not None else [])
        else:
            self._wbuf.append([memoryview(chunk)[sent:], callback])
            self._wlen = n - sent
            self._start_writing()
        return ok

    def _write_refused(self, callback: Any) -> bool:
        if self.destroyed:
            err: NodeError = node_error('ERR_STREAM_DESTROYED', 'write')
        elif self._ending:
            err = node_error('ERR_STREAM_WRITE_AFTER_END')
        else:
            err = node_error('ERR_SOCKET_CLOSED')
        if callback is not None:
            self._post(callback, err)
        self.destroy(err)
        return False

    def end(self, data: Any = None, encoding: Any = None, callback: Any = None) -> 'Socket':
        """Half-close: send ``data`` if given, then FIN once everything is flushed.

        ``callback`` runs at 'finish'.  Returns the socket.
        """
        if callback is None and callable(encoding):
            encoding, callback = None, encoding
        if callback is None and callable(data):
            data, callback = None, data
        check_callback(callback)
        if data is not None and not self._ending:
            self.write(data, encoding)
        if callback is not None:
            if self._finished or self.destroyed:
                err = None if self._finished else node_error('ERR_STREAM_DESTROYED', 'end')
                self._post(callback, err)
            elif self._finish_cbs is None:
                self._finish_cbs = [callback]
            else:
                self._finish_cbs.append(callback)
        if self._ending or self.destroyed:
            return self
        self._ending = True
        if self._sock is not None and not self._wbuf:
            self._shutdown()
        return self

    def _shutdown(self) -> None:
        """Send FIN (everything queued is flushed) and schedule 'finish'."""
        try:
            if not self._ended:   # else the close() that follows 'finish' sends the FIN
                self._sock.shutdown(_socket.SHUT_WR)
        except OSError as exc:
            if exc.errno not in (_errno.ENOTCONN, _errno.EPIPE):
                self.destroy(from_oserror(exc, 'shutdown'))
                return
        self._finished = True
        self._post(self._emit_finish)

    def _emit_finish(self) -> None:
        callbacks, self._finish_cbs = self._finish_cbs, None
        if self._piped_in is not None:
            self._unpipe_inbound()
        self.emit('finish')
        for cb in callbacks or ():
            cb(None)
        if self._ended and not self.destroyed:
            self.destroy()

    def destroySoon(self) -> None:
        """Destroy the socket once everything written has been flushed."""
        if not self._ending:
            self.end()
        if self._finished:
            self.destroy()
        else:
            self.once('finish', lambda: self.destroy())

    # ================================================================ destroying
    def destroy(self, error: Optional[BaseException] = None) -> 'Socket':
        """Close the connection now; pending writes are dropped.

        Emits 'error' (when ``error`` is given) then 'close' with ``hadError``.
        """
        if self.destroyed:
            return self
        self.destroyed = True
        self.connecting = False
        self._error = error
        self._close_handle()   # addresses read before stay readable, as Node caches them
        dropped = [entry[1] for entry in self._wbuf if entry[1] is not None]
        self._wbuf.clear()
        self._wlen = 0
        if dropped or self._finish_cbs:
            err = node_error('ERR_STREAM_DESTROYED', 'write')
            for cb in dropped + (self._finish_cbs or []):
                self._pending.append((cb, (err,)))
            self._finish_cbs = None
        server = self._server
        if server is not None:
            server._connection_closed(self)
        if error is not None:
            self._pending.append((self._emit_error, (error,)))
        self._pending.append((self._emit_close, (error is not None,)))
        self._wake()
        return self

    def _close_handle(self) -> None:
        if self._reading:
            self._read_io.stop()
            self._reading = False
        if self._writing:
            self._write_io.stop()
            self._writing = False
        for watcher in (self._read_io, self._write_io):
            if watcher is not None:
                watcher.close()
        self._read_io = self._write_io = None
        if self._timer is not None:
            self._timer.close()
            self._timer = None
        if self._signal is not None and self._abort_listener is not None:
            self._signal.removeListener('abort', self._abort_listener)
            self._abort_listener = None
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def resetAndDestroy(self) -> 'Socket':
        """Close the TCP connection with an RST (the peer sees ECONNRESET), then destroy.

        While connecting, the RST is sent as soon as the connection is made.  On an IPC
        socket it raises ERR_INVALID_HANDLE_TYPE.
        """
        if self._is_ipc:
            raise node_error('ERR_INVALID_HANDLE_TYPE')
        if self.connecting:
            self._reset_on_connect = True
            return self
        if self._sock is None:
            return self.destroy(node_error('ERR_SOCKET_CLOSED'))
        try:
            self._sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
        except OSError:
            pass
        return self.destroy()

    def _emit_error(self, error: BaseException) -> None:
        if self._events.get('error'):
            self.emit('error', error)
        elif self._blocked:
            pass   # a blocking call on this socket raises it
        else:
            self._log_error(error)

    def _log_error(self, error: BaseException) -> None:
        # logged; net.run() raises it too, unless this is a server's connection
        _run.report_unhandled(self, error, fatal=self._server is None)

    def _emit_close(self, had_error: bool) -> None:
        self._closed = True
        if self._piped_in is not None:
            self._unpipe_inbound()
        self.emit('close', had_error)

    # ================================================================ timeouts
    def setTimeout(self, timeout: Any, callback: Any = None) -> 'Socket':
        """Emit 'timeout' after ``timeout`` ms without activity (it does not close the
        socket); 0 disables it.  ``callback`` is added as a once 'timeout' listener."""
        ms = validate_timeout_ms(timeout)
        check_callback(callback)
        self._timeout_ms = ms
        if ms == 0:
            if self._timer is not None:
                self._timer.close()
                self._timer = None
            if callback is not None:
                self.removeListener('timeout', callback)
            return self
        if callback is not None:
            self.once('timeout', callback)
        if not self.destroyed:
            if self._timer is not None:
                self._timer.close()
                self._timer = None
            self._touch()
        return self

    def _touch(self) -> None:
        """Activity: the idle timer starts counting again."""
        self._last_active = self._loop.now()
        if self._timer is None and not self.destroyed and self._timeout_ms:
            self._arm_timer(self._timeout_ms / 1000.0)

    def _arm_timer(self, seconds: float) -> None:
        timer = self._loop.timer(max(seconds, 0.0), 0.0, self._refed)
        self._timer = timer
        timer.start(self._on_timer)

    def _on_timer(self) -> None:
        """Hub: the idle timer ran out; emit 'timeout' if the socket was idle all along."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.close()
        if not self._timeout_ms or self.destroyed:
            return
        left = self._timeout_ms / 1000.0 - (self._loop.now() - self._last_active)
        if left > 0.001:
            self._arm_timer(left)
            return
        self._post(self._emit_timeout)

    def _emit_timeout(self) -> None:
        if not self.destroyed:
            self.emit('timeout')

    @property
    def timeout(self) -> Optional[float]:
        """The idle timeout in ms set by ``setTimeout()``; None if never set."""
        if self._timeout_ms is None:
            return None
        return int(self._timeout_ms) if float(self._timeout_ms).is_integer() else self._timeout_ms

    # ================================================================ options
    def setNoDelay(self, noDelay: bool = True) -> 'Socket':
        """Disable Nagle's algorithm (``noDelay=True``) or enable it again."""
        self._no_delay = bool(noDelay)
        if self._sock is not None and not self._is_ipc:
            self._apply_no_delay(self._no_delay)
        return self

    def _apply_no_delay(self, enable: bool) -> None:
        try:
            self._sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, int(enable))
        except OSError:
            pass

    def setKeepAlive(self, enable: bool = False, initialDelay: Any = 0) -> 'Socket':
        """Enable TCP keep-alive: SO_KEEPALIVE, TCP_KEEPIDLE=initialDelay (ms, rounded
        down to seconds; 0 leaves it unchanged), TCP_KEEPCNT=10, TCP_KEEPINTVL=1."""
        delay = validate_timeout_ms(initialDelay or 0, 'initialDelay')
        self._keep_alive = (bool(enable), delay)
        if self._sock is not None and not self._is_ipc:
            self._apply_keep_alive(bool(enable), delay)
        return self

    def _apply_keep_alive(self, enable: bool, delay_ms: float) -> None:
        sock = self._sock
        try:
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_KEEPALIVE, int(enable))
            if enable:
                seconds = min(int(delay_ms // 1000), _MAX_KEEPIDLE)
                if seconds > 0:
                    sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_KEEPIDLE, seconds)
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_KEEPCNT, 10)
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_KEEPINTVL, 1)
        except OSError:
            pass

    def ref(self) -> 'Socket':
        """Keep ``net.run()`` from returning while this socket is open (the default)."""
        return self._set_ref(True)

    def unref(self) -> 'Socket':
        """Let ``net.run()`` return even though this socket is open."""
        return self._set_ref(False)

    def _set_ref(self, refed: bool) -> 'Socket':
        self._refed = refed
        for watcher in (self._read_io, self._write_io, self._timer):
            if watcher is not None:
                watcher.ref = refed
        return self

    def _watch_signal(self, signal: AbortSignal) -> None:
        self._signal = signal
        if signal.aborted:
            self._post(self._abort)
            return
        self._abort_listener = self._abort
        signal.once('abort', self._abort)

    def _abort(self) -> None:
        if not self.destroyed:
            reason = self._signal.reason if self._signal is not None else None
            self.destroy(AbortError(cause=reason))

    # ================================================================ addresses
    def _peername(self) -> Any:
        if self._peer is None and self._sock is not None and not self.connecting:
            try:
                self._peer = self._sock.getpeername()
            except OSError:
                return None
        return self._peer

    def _sockname(self) -> Any:
        if self._local is None and self._sock is not None:
            try:
                self._local = self._sock.getsockname()
            except OSError:
                return None
        return self._local

    def _family(self) -> Optional[str]:
        if self._is_ipc:
            return None
        sock = self._sock
        if sock is not None:
            return _FAMILY_NAMES.get(sock.family)
        addr = self._peer or self._local
        if isinstance(addr, tuple):
            return 'IPv6' if len(addr) == 4 else 'IPv4'
        return None

    def address(self) -> Dict[str, Any]:
        """``{'port', 'family', 'address'}`` of the local end, as the OS reports it
        (``{}`` for IPC or a socket that is not connected)."""
        local = self._sockname()
        if self._is_ipc or not isinstance(local, tuple):
            return {}
        return {'address': local[0], 'family': self._family(), 'port': local[1]}

    @property
    def remoteAddress(self) -> Optional[str]:
        """The peer's IP address (None for IPC and before connecting)."""
        peer = self._peername()
        return peer[0] if isinstance(peer, tuple) and not self._is_ipc else None

    @property
    def remotePort(self) -> Optional[int]:
        """The peer's port (None for IPC and before connecting)."""
        peer = self._peername()
        return peer[1] if isinstance(peer, tuple) and not self._is_ipc else None

    @property
    def remoteFamily(self) -> Optional[str]:
        """'IPv4' or 'IPv6' (None for IPC and before connecting)."""
        peer = self._peername()
        if not isinstance(peer, tuple) or self._is_ipc:
            return None
        return 'IPv6' if len(peer) == 4 else 'IPv4'   # the peer may be a proxied client

    @property
    def localAddress(self) -> Optional[str]:
        """The local IP address the connection uses."""
        local = self._sockname()
        return local[0] if isinstance(local, tuple) and not self._is_ipc else None

    @property
    def localPort(self) -> Optional[int]:
        """The local port the connection uses."""
        local = self._sockname()
        return local[1] if isinstance(local, tuple) and not self._is_ipc else None

    @property
    def localFamily(self) -> Optional[str]:
        """'IPv4' or 'IPv6' of the local end."""
        return self._family() if isinstance(self._sockname(), tuple) else None

    # ================================================================ Node's state
    @property
    def pending(self) -> bool:
        """True until the socket is connected (and again once it is closed)."""
        return self._sock is None or self.connecting

    @property
    def readable(self) -> bool:
        return self._sock is not None and not self.destroyed and not self._ended

    @property
    def writable(self) -> bool:
        return (self._sock is not None or self.connecting) and not self.destroyed and not self._ending

    @property
    def readyState(self) -> str:
        """'opening', 'open', 'readOnly', 'writeOnly' or 'closed'."""
        if self.connecting:
            return 'opening'
        readable, writable = self.readable, self.writable
        if readable and writable:
            return 'open'
        if readable:
            return 'readOnly'
        if writable:
            return 'writeOnly'
        return 'closed'

    @property
    def bufferSize(self) -> int:
        """Bytes written but not yet handed to the kernel (``writableLength``)."""
        return self._wlen

    writableLength = bufferSize

    @property
    def bytesWritten(self) -> int:
        """Bytes written so far, including those still buffered."""
        return self._bytes_dispatched + self._wlen

    @property
    def readableLength(self) -> int:
        return self._rlen

    @property
    def readableFlowing(self) -> Optional[bool]:
        return self._flowing

    @property
    def readableEnded(self) -> bool:
        return self._ended

    @property
    def writableEnded(self) -> bool:
        return self._ending

    @property
    def writableFinished(self) -> bool:
        return self._finished

    @property
    def writableHighWaterMark(self) -> int:
        return self._hwm

    readableHighWaterMark = writableHighWaterMark

    @property
    def errored(self) -> Optional[BaseException]:
        return self._error

    @property
    def closed(self) -> bool:
        return self._closed

    def fileno(self) -> int:
        """The OS descriptor, for code that needs it (-1 once closed)."""
        return self._sock.fileno() if self._sock is not None else -1

    def makefile(self, mode: str = 'r', buffering: Optional[int] = None, **kwargs: Any) -> Any:
        """``socket.makefile()`` for a greennet socket: an ``io`` file over its sequential
        reads and writes; closing it leaves the socket open (see :mod:`greennet.stdlib`)."""
        from .stdlib import makefile
        return makefile(self, mode, buffering, **kwargs)

    def as_stdlib_socket(self) -> Any:
        """A view of this socket shaped like a connected stdlib ``socket.socket`` (recv,
        sendall, settimeout, makefile...), on the same buffers (see :mod:`greennet.stdlib`)."""
        from .stdlib import StdlibSocket
        return StdlibSocket(self)

    def __repr__(self) -> str:
        where = self._peer if self._peer is not None else self._host
        return f'<greennet.Socket {self.readyState} {where!r}>'

    # ================================================================ connecting
    def connect(self, *args: Any, **kwargs: Any) -> 'Socket':
        """``connect(options[, connectListener])``, ``connect(path[, listener])`` or
        ``connect(port[, host][, listener])``: start connecting, emit 'connect' (and
        'ready') once connected, or 'error' then 'close' if it fails.  Returns the
        socket at once."""
        from .connect import normalize_connect_args, start_connect
        opts, listener = normalize_connect_args(args, kwargs)
        start_connect(self, opts, listener)
        return self

    def _reset_for_reconnect(self) -> None:
        """Node allows ``connect()`` again after 'close': start from a fresh state."""
        self.destroyed = self._closed = False
        self._error = None
        self._eof = self._ended = self._ending = self._finished = False
        self._need_drain = self._reset_on_connect = False
        self._rbuf.clear()
        self._rlen = 0
        self._peer = self._local = None
        self._read_started = True
        if self._flowing is False and self._events.get('data'):
            self._flowing = True

    def _connected(self, raw: Any, is_ipc: bool) -> None:
        """Owner: the connection is made; adopt it and emit 'connect' and 'ready'."""
        self.connecting = False
        self._attach(raw, is_ipc)
        if self._reset_on_connect:
            self.resetAndDestroy()
            return
        if self._wbuf:
            self._start_writing()
        elif self._ending:
            self._shutdown()
        self._post(self._emit_connect)

    def _emit_connect(self) -> None:
        if not self.destroyed:
            self.emit('connect')
            self.emit('ready')

    # ================================================================ sequential style
    def _block_until(self, ready: Callable[[], Any], timeout: Optional[float] = None) -> bool:
        """Block the calling greenlet until ``ready()``; False if ``timeout`` (s) passed."""
        if ready():
            return True
        current = getcurrent()
        if current is self._hub:
            raise RuntimeError('greennet: cannot block in the hub (a watcher callback)')
        timer = Timeout._start_new_or_dummy(timeout) if timeout is not None else None
        self._blocked += 1
        try:
            if current is self._owner:
                self._run_until(ready)
            else:
                while not ready():
                    waiter = Waiter(self._hub)
                    if self._waiters is None:
                        self._waiters = []
                    self._waiters.append(waiter)
                    try:
                        waiter.get()
                    finally:
                        if self._waiters and waiter in self._waiters:
                            self._waiters.remove(waiter)
            return True
        except Timeout as t:
            if timer is None or t is not timer:
                raise
            return False
        finally:
            self._blocked -= 1
            if timer is not None:
                timer.close()

    def _wait_for_data(self, ready: Callable[[], Any]) -> None:
        """A sequential read: block until ``ready()``.  When bytes are probably in the
        kernel already (a new connection, or the last read filled the buffer) read once
        first: it saves a trip through the loop."""
        if (self._read_full or self._read_first) and self._reading and not ready():
            self._read_once()
        self._block_until(ready)

    def _begin_read(self) -> None:
        if self._flowing:
            raise RuntimeError('greennet: the socket is flowing (a \'data\' listener is '
                               'attached); sequential reads would race with it')
        if self._reader is not None:
            raise RuntimeError('greennet: another greenlet is already reading this socket')
        if not self._read_started:
            self._read_started = True
            self._update_reading()
        self._reader = getcurrent()

    def _need(self, nbytes: float) -> None:
        """A sequential read needs ``nbytes`` buffered: let the hub read that far."""
        if nbytes > self._rlimit:
            self._rlimit = nbytes
            self._update_reading()

    def _end_read(self) -> None:
        self._reader = None
        self._rlimit = self._hwm
        if self._reading is False and not self.destroyed:
            self._update_reading()
        if self._eof and not self._rbuf and not self._ended:
            self._wake()   # the owner emits 'end' now that the end was consumed

    def _has_data_or_done(self) -> bool:
        return bool(self._rbuf) or self._eof or self.destroyed

    def _read_done(self) -> bool:
        return self._eof or self.destroyed

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _take(self, n: int) -> bytes:
        """Take up to ``n`` bytes (all if n < 0) from the readable buffer.

        What is left of a chunk stays as a memoryview of it: taking 64 KiB at a time
        from a 256 KiB read copies each byte once, not the remainder again and again.
        """
        rbuf = self._rbuf
        first = rbuf[0]
        if n < 0 or (len(first) <= n and len(rbuf) == 1):
            data = bytes(first) if len(rbuf) == 1 else b''.join(rbuf)
            rbuf.clear()
        elif len(first) >= n:
            data = bytes(first[:n])
            if len(first) > n:
                rbuf[0] = memoryview(first)[n:]
            else:
                rbuf.pop(0)
        else:
            parts = []
            want = n
            while rbuf and want > 0:
                chunk = rbuf.pop(0)
                if len(chunk) > want:
                    rbuf.insert(0, memoryview(chunk)[want:])
                    chunk = chunk[:want]
                parts.append(chunk)
                want -= len(chunk)
            data = b''.join(parts)
        self._rlen -= len(data)
        return data

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes as soon as any are there; with n = -1 everything until the
        end of the stream; ``b''`` at the end.  Raises the socket's error if it failed."""
        if n == 0:
            return b''
        self._begin_read()
        try:
            if n < 0:
                self._need(float('inf'))
                self._block_until(self._read_done)
                if self._rbuf:
                    return self._take(-1)
            else:
                if not self._rbuf:
                    self._wait_for_data(self._has_data_or_done)
                if self._rbuf:
                    return self._take(n)
            self._raise_if_failed()
            return b''
        finally:
            self._end_read()

    def readexactly(self, n: int) -> bytes:
        """Exactly ``n`` bytes; raises ``IncompleteReadError`` (with ``.partial``) if the
        stream ends first."""
        if not is_int(n) or n < 0:
            raise invalid_arg_type('n', 'a non-negative integer', n)
        if n == 0:
            return b''
        self._begin_read()
        try:
            self._need(n)
            self._wait_for_data(lambda: self._rlen >= n or self._read_done())
            if self._rlen >= n:
                return self._take(n)
            self._raise_if_failed()
            partial = self._take(-1) if self._rbuf else b''
            raise IncompleteReadError(partial, n)
        finally:
            self._end_read()

    def readuntil(self, separator: bytes = b'\n') -> bytes:
        """Bytes up to and including ``separator``; raises ``IncompleteReadError`` if the
        stream ends first."""
        data = self._read_separated(separator)
        if not data.endswith(separator):
            raise IncompleteReadError(data, None)
        return data

    def readline(self) -> bytes:
        """One line including its ``b'\\n'``; at the end of the stream what is left
        (``b''`` when nothing is)."""
        return self._read_separated(b'\n')

    def _read_separated(self, separator: bytes) -> bytes:
        if not isinstance(separator, (bytes, bytearray)) or not separator:
            raise invalid_arg_type('separator', 'non-empty bytes', separator)
        self._begin_read()
        try:
            found = [-1]
            searched = [0]

            def ready() -> bool:
                rbuf = self._rbuf
                if rbuf:
                    if len(rbuf) > 1 or type(rbuf[0]) is not bytes:
                        joined = b''.join(rbuf)
                        rbuf.clear()
                        rbuf.append(joined)
                    pos = rbuf[0].find(separator, searched[0])
                    if pos >= 0:
                        found[0] = pos + len(separator)
                        return True
                    searched[0] = max(0, len(rbuf[0]) - len(separator) + 1)
                    self._need(self._rlen + self._hwm)   # a line may outgrow the mark
                return self._read_done()

            self._wait_for_data(ready)
            if found[0] >= 0:
                return self._take(found[0])
            if self._rbuf:
                return self._take(-1)
            self._raise_if_failed()
            return b''
        finally:
            self._end_read()

    def at_eof(self) -> bool:
        """True once the stream has ended and the buffer is empty."""
        return (self._eof or self.destroyed) and not self._rbuf

    def __iter__(self) -> 'Socket':
        return self

    def __next__(self) -> bytes:
        """Iteration yields lines, as asyncio's StreamReader and files do."""
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def drain(self) -> None:
        """Wait until the write buffer is below the high-water mark; raises the
        socket's error if it failed."""
        if self._wlen < self._hwm and self._error is None:
            return
        self._block_until(lambda: self._wlen < self._hwm or self.destroyed)
        self._raise_if_failed()

    def wait_connected(self, timeout: Optional[float] = None) -> 'Socket':
        """Wait until the socket is connected (``timeout`` in seconds); raises the
        connection's error if it failed, ``TimeoutError`` if time ran out."""
        if getcurrent() is self._owner and self.connecting:
            raise RuntimeError('greennet: wait_connected() from the connecting greenlet')
        if not self._block_until(lambda: not self.connecting, timeout):
            raise TimeoutError('greennet: not connected within %s s' % timeout)
        self._raise_if_failed()
        if self._sock is None:
            raise node_error('ERR_SOCKET_CLOSED')
        return self

    def wait_closed(self, timeout: Optional[float] = None) -> None:
        """Wait until 'close' has been emitted (``timeout`` in seconds); raises the
        socket's error if it had one, ``TimeoutError`` if time ran out."""
        if not self._block_until(self._is_closed, timeout):
            raise TimeoutError('greennet: not closed within %s s' % timeout)
        self._raise_if_failed()

    # ================================================================ context manager
    def __enter__(self) -> 'Socket':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if exc_info[1] is not None:
            self.destroy()
        else:
            self.destroySoon()


# ==================================================================== helpers

def _to_bytes(data: Any, encoding: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return _encoding.encode(data, encoding)
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise invalid_arg_type('chunk', 'of type string or an instance of Buffer or Uint8Array', data)


def _dup_fd(fd: int) -> int:
    import os
    return os.dup(fd)


class _OnRead:
    """Node's ``onread`` option: reads go into one user buffer, no 'data' events."""

    __slots__ = ('buffer', 'callback', 'view')

    def __init__(self, buffer: Any, callback: Callable[..., Any]) -> None:
        self.buffer = buffer
        self.callback = callback
        self.view: Any = None

    def next_buffer(self) -> memoryview:
        buf = self.buffer() if callable(self.buffer) else self.buffer
        self.view = buf
        return _writable_view(buf, 'options.onread.buffer')

    def buffer_of(self, view: Any) -> Any:
        return self.view


def _check_onread(onread: Any) -> _OnRead:
    if not isinstance(onread, dict):
        raise invalid_arg_type('options.onread', 'of type object', onread)
    buffer = onread.get('buffer')
    callback = onread.get('callback')
    if not callable(callback):
        raise invalid_arg_type('options.onread.callback', 'of type function', callback)
    if not callable(buffer):
        _writable_view(buffer, 'options.onread.buffer')
    return _OnRead(buffer, callback)


def _writable_view(buffer: Any, name: str) -> memoryview:
    """A flat writable byte view of ``buffer``; ERR_INVALID_ARG_TYPE for anything else."""
    try:
        view = memoryview(buffer)
    except TypeError:
        raise invalid_arg_type(name, 'a writable bytearray or memoryview', buffer) from None
    if view.readonly:
        raise invalid_arg_type(name, 'a writable bytearray or memoryview', buffer)
    return view.cast('B')
