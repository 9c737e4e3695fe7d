"""``net.Socket``: a TCP or IPC stream with Node's events and blocking sequential reads.

How a socket works (the model is Node's stream, run on gevent's hub):

* **I/O happens in the hub, user code never does.**  The read watcher's callback reads
  into the read buffer (``_rbuf``) while it holds less than ``_rlimit``; the write
  watcher's callback flushes the write queue (``_wq``) with one ``sendmsg``.
  ``write()`` itself sends straight away when nothing is queued.
* **Events run one at a time, in order, in the connection's context**: the socket is a
  :class:`~greennet._dispatch.SerialEmitter`.  Anything that must reach user code (a
  write callback, 'drain', 'timeout', 'error', 'close') is posted; buffered data
  becomes 'data' events while the socket is flowing, and the end 'end'
  (:meth:`Socket._run_more`).  A handler that blocks on anything never holds them up.
* **Sequential reads consume the same buffer** (:mod:`greennet._sequential`).

State lives in a few fields: ``connecting``/``destroyed`` (Node's), the read side
(``_flowing``, ``_eof`` FIN received, ``_ended`` 'end' emitted), the write side
(``_ending`` end() called, ``_finished`` FIN sent), and ``_closed`` ('close' emitted);
``readyState`` is derived from them.
"""
from __future__ import annotations

import _socket
import contextvars
import errno as _errno
import logging
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from greenlet import getcurrent

from . import _encoding, _run
from ._addressing import Addressing
from ._buffers import DEFAULT_LIMIT, NO_WRITES, ReadBuffer
from ._dispatch import SerialEmitter
from ._options import SOCKET_OPTIONS, is_int, pep8_aliases, validate_int
from ._options import options as _options
from ._pipe import Pipe, Piping
from ._rare import DEFAULTS, RareFields
from ._sequential import SequentialReads
from ._socket_options import SocketOptions, set_keep_alive, set_no_delay
from ._writing import WriteSide, _to_bytes
from .abort import check_signal
from .addresses import BlockList
from .connect import normalize_connect_args, open_connection, validate_connect_options
from .errors import (
    from_oserror,
    invalid_arg_type,
    node_error,
    system_error,
)
from .events import call_back

__all__ = ['Socket', 'DEFAULT_HIGH_WATER_MARK', 'DEFAULT_LIMIT']

log = logging.getLogger('greennet')

#: Node v22's ``stream.getDefaultHighWaterMark()`` for byte streams.
DEFAULT_HIGH_WATER_MARK = 64 * 1024
_READ_SIZE = 64 * 1024
_BIG_READ_SIZE = 256 * 1024   # after a read that filled the buffer: a stream is coming
_READS_PER_WAKE = 4       # reads in a row on one readiness while each fills the buffer
_READ, _WRITE = 1, 2
_MAX_KEEPIDLE = 32767     # Linux's MAX_TCP_KEEPIDLE, in seconds: longer delays are clamped
_LINGER_RESET = b'\x01\x00\x00\x00\x00\x00\x00\x00'   # SO_LINGER on, 0 s: close sends RST


def _new_scratch_buffer(hub: Any) -> memoryview:
    """Make the hub's one receive buffer, its attribute ``greennet_scratch`` (a hub
    belongs to one thread): only one greenlet runs at a time, so all the sockets of a
    hub read small messages into it and copy out just the bytes read.  Each socket
    keeps it in a slot, which is quicker to read than the hub's attribute."""
    view = hub.greennet_scratch = memoryview(bytearray(_READ_SIZE))
    return view


@pep8_aliases
class Socket(SerialEmitter, SequentialReads, WriteSide, Piping, SocketOptions, Addressing):
    """Node's ``net.Socket``: a TCP or IPC stream, driven by events or sequential reads.

    ``Socket(options=None, **kwargs)`` takes Node's options (``allowHalfOpen``, ``fd``,
    ``onread``, ``readable``, ``writable``, ``signal``, ``highWaterMark``, ``noDelay``,
    ``keepAlive``, ``keepAliveInitialDelay``, ``blockList``), the stream options Node
    passes on (``readableHighWaterMark``, ``writableHighWaterMark``, ``encoding``,
    ``defaultEncoding``, ``emitClose``, ``autoDestroy``) and greennet's ``limit`` (the
    longest line a sequential ``readline()`` accepts, 64 KiB by default) as a dict or
    keywords, in either spelling.
    """

    __slots__ = (
        '_sock', '_is_ipc', '_slot', '_served', '_reader',
        '_rbuf', '_flowing', '_read_started', '_reading', '_eof', '_ended',
        '_decoder', '_read_io', '_scratch', '_onread', '_read_full', '_read_first',
        '_wq', '_write_io', '_writing', '_ending', '_finished', '_need_drain',
        '_finish_cbs', '_bytes_sent', '_hwm', '_read_hwm', '_rlimit', '_corked',
        '_readable_due', '_rtext',
        'connecting', 'destroyed', '_closed', '_error', 'allowHalfOpen', 'bytesRead',
        '_timeout_ms', '_timer', '_last_active', '_refed', '_peer', '_local',
        '_pipes', '_piped_in', '_rare', '__weakref__',
    )

    def __init__(self, options: Any = None, *, context: Optional[contextvars.Context] = None,
                 **kwargs: Any) -> None:
        SerialEmitter.__init__(self, context)   # not super(): a Python call less per socket
        opts = _options(options, kwargs, SOCKET_OPTIONS, 'net.Socket') \
            if options is not None or kwargs else None
        self._sock: Any = None
        self._is_ipc = False
        self._slot: Any = None        # the server's record of this connection
        self._served = False          # accepted by a server (its errors are not fatal)
        self._reader: Any = None      # the greenlet in a sequential read
        # read side
        self._rbuf = ReadBuffer()
        self._flowing: Optional[bool] = None
        self._read_started = True
        self._reading = False
        self._eof = False
        self._ended = False
        self._decoder: Any = None
        self._read_io: Any = None
        self._scratch = getattr(self._hub, 'greennet_scratch', None) or _new_scratch_buffer(self._hub)
        self._read_full = False
        # a new connection's peer has often sent already: read before waiting for readiness
        self._read_first = False
        self._onread: Any = None
        # write side
        self._wq = NO_WRITES          # a queue of its own at the first write that waits
        self._write_io: Any = None
        self._writing = False
        self._ending = False
        self._finished = False
        self._need_drain = False
        self._finish_cbs: Optional[List[Callable[..., Any]]] = None
        self._bytes_sent = 0
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
        # what few sockets set (stream options, TCP options before connecting, the
        # signal, what connect() records): shared defaults until one is set
        self._rare = DEFAULTS
        # pipe() links out of this socket, and into it (they come apart at our end)
        self._pipes: Tuple[Pipe, ...] = ()
        self._piped_in: Tuple[Pipe, ...] = ()
        # Node's stream layer: paused-mode 'readable', corking, its options
        self._readable_due = False    # 'readable' is to be emitted
        self._rtext = ''              # decoded text read(size) has not handed out yet
        self._corked = 0
        self._hwm: int = DEFAULT_HIGH_WATER_MARK      # writable
        self._read_hwm: int = DEFAULT_HIGH_WATER_MARK
        # how much the hub may buffer: the mark, or more while a sequential read needs it
        self._rlimit: float = DEFAULT_HIGH_WATER_MARK
        if opts:
            self._apply_options(opts)

    # ================================================================ options
    def _rare_for_write(self) -> RareFields:
        """This socket's own record of rare fields, made at the first one it sets."""
        rare = self._rare
        if rare is DEFAULTS:
            rare = self._rare = RareFields()
        return rare

    def _apply_options(self, opts: Dict[str, Any]) -> None:
        """The one place options take effect: ``Socket()``'s, a server's for the sockets
        it accepts, and ``connect()``'s.  Each is validated here, as Node does."""
        if 'allowHalfOpen' in opts:
            self.allowHalfOpen = bool(opts['allowHalfOpen'])
        for name in ('highWaterMark', 'readableHighWaterMark', 'writableHighWaterMark'):
            hwm = opts.get(name)
            if hwm is None:
                continue
            if not is_int(hwm) or hwm < 0:
                raise invalid_arg_type('options.' + name, 'a non-negative integer', hwm)
            if name != 'writableHighWaterMark':
                self._read_hwm = self._rlimit = hwm
            if name != 'readableHighWaterMark':
                self._hwm = hwm
        if opts.get('encoding') is not None:
            self.setEncoding(opts['encoding'])
        if opts.get('defaultEncoding') is not None:
            self.setDefaultEncoding(opts['defaultEncoding'])
        if 'emitClose' in opts:
            self._rare_for_write().emit_close = opts['emitClose'] is not False
        if 'autoDestroy' in opts:
            self._rare_for_write().auto_destroy = opts['autoDestroy'] is not False
        limit = opts.get('limit')
        if limit is not None:
            self._rare_for_write().limit = validate_int(limit, 'options.limit', 1)
        if opts.get('noDelay'):
            self._rare_for_write().no_delay = True
            if self._sock is not None and not self._is_ipc:
                set_no_delay(self._sock, True)
        if opts.get('keepAlive'):
            keep_alive = self._rare_for_write().keep_alive = (True, opts.get('keepAliveInitialDelay') or 0)
            if self._sock is not None and not self._is_ipc:
                set_keep_alive(self._sock, *keep_alive)
        block_list = opts.get('blockList')
        if block_list is not None:
            if not isinstance(block_list, BlockList):
                raise invalid_arg_type('options.blockList', 'an instance of net.BlockList', block_list)
            self._rare_for_write().block_list = block_list
        if opts.get('onread') is not None:
            self._onread = _check_onread(opts['onread'])
        signal = check_signal(opts.get('signal'))
        if signal is not None:
            self._watch_signal(signal)
        if opts.get('timeout') is not None:
            self.setTimeout(opts['timeout'])
        fd = opts.get('fd')
        if fd is not None:
            self._adopt_fd(fd, opts.get('readable') is not False, opts.get('writable') is not False)

    def _adopt_fd(self, fd: Any, readable: bool, writable: bool) -> None:
        """Wrap an existing socket descriptor (Node's ``fd`` option; ``readable`` and
        ``writable`` false close that side from the start)."""
        if not is_int(fd) or fd < 0:
            raise invalid_arg_type('options.fd', 'a non-negative integer', fd)
        try:
            raw = _socket.socket(fileno=os.dup(fd))
        except OSError as exc:
            raise from_oserror(exc, 'open') from None
        if raw.type != _socket.SOCK_STREAM:
            raw.close()
            raise node_error('ERR_INVALID_FD_TYPE', 'not a stream socket')
        self._attach(raw, is_ipc=raw.family == _socket.AF_UNIX)
        if not readable:
            self._eof = self._ended = True
        if not writable:
            self._ending = self._finished = True

    @property
    def blockList(self) -> Optional[BlockList]:
        """The ``blockList`` this socket's connection attempts are checked against."""
        return self._rare.block_list

    @property
    def autoSelectFamilyAttemptedAddresses(self) -> Optional[List[str]]:
        """The ``address:port`` pairs the last ``connect()`` tried, in order, when it
        tried more than one family (``autoSelectFamily``); None otherwise."""
        return self._rare.attempted_addresses

    @autoSelectFamilyAttemptedAddresses.setter
    def autoSelectFamilyAttemptedAddresses(self, addresses: Optional[List[str]]) -> None:
        self._rare_for_write().attempted_addresses = addresses

    # ================================================================ construction
    @classmethod
    def _accepted(cls, raw: Any, peer: Any, opts: Dict[str, Any], slot: Any,
                  context: contextvars.Context) -> 'Socket':
        """A socket for a connection a server just accepted; ``slot.finish()`` is called
        once it is destroyed."""
        sock = cls(context=context)
        if opts:
            sock._apply_options(opts)
            if opts.get('pauseOnConnect'):
                sock._read_started = False
                sock._flowing = False
        sock._slot = slot
        sock._served = True
        sock._read_first = True
        sock._peer = peer
        sock._attach(raw, is_ipc=raw.family == _socket.AF_UNIX)
        return sock

    def _attach(self, raw: Any, is_ipc: bool) -> None:
        """Take ``raw`` (a connected OS socket) as this socket's handle and start reading."""
        raw.setblocking(False)
        self._sock = raw
        self._is_ipc = is_ipc
        self._read_io = self._loop.io(raw.fileno(), _READ)
        if not self._refed:
            self._read_io.ref = False
        rare = self._rare
        if not is_ipc and rare is not DEFAULTS:
            if rare.no_delay is not None:
                set_no_delay(raw, rare.no_delay)
            if rare.keep_alive is not None:
                set_keep_alive(raw, *rare.keep_alive)
        if self._timeout_ms:
            self._touch()
        self._update_reading()

    def _is_attached(self) -> bool:
        return self._sock is not None

    def _set_peer(self, address: Any) -> None:
        """The server's: the connection's real peer (what a PROXY header says)."""
        self._peer = address

    def _track(self, slot: Any) -> None:
        """The server's: ``slot.finish()`` is to be called once this socket is destroyed
        (at once if it already is)."""
        if self.destroyed:
            slot.finish()
        else:
            self._slot = slot

    # ================================================================ the executor's work
    def _has_work(self) -> bool:
        if self._pending:
            return True
        if self._rbuf.nbytes or self._rtext:
            return bool(self._flowing) or self._readable_due
        return self._eof and not self._ended and self._reader is None

    def _run_more(self) -> bool:
        """Buffered data as 'data' while flowing, or 'readable' in paused mode; then
        'end' once it is all consumed.  (The 'data' loop is written out here rather than
        in a method of its own: it is the hot path of every Node-style socket.)"""
        rbuf = self._rbuf
        while not self._pending:
            if self._readable_due:
                self._readable_due = False
                if self._events.get('readable'):
                    self.emit('readable')
                    continue
            if self._rtext and self._flowing:   # text paused mode decoded but did not hand out
                text, self._rtext = self._rtext, ''
                self.emit('data', text)
                continue
            if rbuf.nbytes:
                if not self._flowing:
                    return False
                decoder = self._decoder
                while self._flowing and rbuf.nbytes:
                    chunk = rbuf.popleft()
                    if decoder is not None:
                        chunk = decoder.decode(chunk)
                        if not chunk:
                            continue
                    self.emit('data', chunk)
                    rbuf = self._rbuf       # a listener may have reconnected the socket
                if not self._reading:
                    self._update_reading()
            elif self._eof and not self._ended and self._reader is None and not self._rtext:
                self._emit_end()
            else:
                return False
        return True

    def _listener_failed(self, exc: BaseException) -> None:
        """A listener or handler raised: destroy this socket with that error."""
        if self.destroyed:
            self._log_error(exc)
        else:
            self.destroy(exc)

    def _read_ahead(self) -> None:
        """After a new connection's 'connection' listeners: if they made it flow, read
        at once what the peer has most likely sent already, so the first 'data' is
        dispatched in this same turn instead of after a trip through the loop."""
        if self._read_first and self._flowing and self._reading:
            try:
                self._read_once()
            except Exception as exc:   # as in the hub's read: it costs this socket only
                self.destroy(exc)

    # ================================================================ hub-side I/O
    def _update_reading(self) -> None:
        """Start or stop the read watcher: read while the buffer is under ``_rlimit``."""
        want = (self._read_started and not self._eof and not self.destroyed and
                self._read_io is not None and self._rbuf.nbytes < self._rlimit)
        if want != self._reading:
            self._reading = want
            if want:
                self._read_io.start(self._on_readable)
            else:
                self._read_io.stop()

    def _on_readable(self) -> None:
        """Hub: read from the kernel into the read buffer and dispatch.

        A read that fills the whole buffer says more is waiting: read again at once
        (a few times at most, to stay fair to other sockets, and while the buffer is
        under its mark) rather than go back to the loop for readiness we already know
        of.  What was read is dispatched once the loop's watchers have run (the socket
        is due: :class:`~greennet._dispatch.SerialEmitter`).
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
        if self._onread is not None:
            return self._read_into_user_buffer(self._onread)
        rbuf = self._rbuf
        # a sequential reader never reads past what it may buffer (``_rlimit``); a
        # flowing socket hands every chunk on at once
        size = _READ_SIZE
        if not self._flowing:
            room = self._rlimit - rbuf.nbytes
            if room < _READ_SIZE:
                size = int(room) if room > 1 else 1
        try:
            if self._read_full:    # a stream: read into a fresh bytes, no copy out
                if self._flowing:
                    size = _BIG_READ_SIZE
                data = self._sock.recv(size)
                n = len(data)
            else:                  # messages: the scratch buffer, copy out what came
                scratch = self._scratch
                n = self._sock.recv_into(scratch, size)
                data = scratch[:n].tobytes()
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
            rbuf.chunks.append(data)   # ReadBuffer.append, inline: every message's path
            rbuf.nbytes += n
            if rbuf.nbytes >= self._rlimit:
                self._update_reading()
        else:
            self._eof = True
            self._update_reading()
        if self._flowing is False and self._events.get('readable'):
            self._readable_due = True
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
            self._post(self._deliver_onread, n)
        else:
            self._eof = True
            self._update_reading()
        return False

    def _deliver_onread(self, n: int) -> None:
        if self._onread.callback(n, self._onread.view) is False:
            self.pause()
        elif self._flowing is not False:
            self._read_started = True
            self._update_reading()

    # ================================================================ a sequential read's turn
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

    def _end_read(self) -> None:
        self._reader = None
        self._rlimit = self._read_hwm
        if self._reading is False and not self.destroyed:
            self._update_reading()
        if self._eof and not self._rbuf.nbytes and not self._ended:
            self._wake()   # 'end' is emitted now that the end was consumed

    def _need(self, nbytes: float) -> None:
        """A sequential read needs ``nbytes`` buffered: let the hub read that far."""
        if nbytes > self._rlimit:
            self._rlimit = nbytes
            self._update_reading()

    # ================================================================ reading (events)
    _watched_events = frozenset({'data', 'readable'})

    def _listener_added(self, name: str) -> None:
        if name == 'data':
            if self._flowing is not False and not self._events.get('readable'):
                self.resume()
        elif name == 'readable':    # paused mode, Node's way: 'readable' and read(size)
            self._flowing = False
            if not self._read_started:
                self._read_started = True
                self._update_reading()
            if self._rbuf.nbytes or self._rtext or self._eof:
                self._readable_due = True
                self._wake()

    def _listener_removed(self, name: str) -> None:
        if name == 'readable' and not self._events.get('readable'):
            # Node's updateReadableListening: back to flowing if 'data' listeners wait,
            # else to neither mode (the next 'data' listener or pipe() starts the flow)
            if self._events.get('data'):
                self.resume()
            elif self._flowing is False:
                self._flowing = None

    def _read_now(self, size: Any) -> Any:
        """Node's ``readable.read(size)`` in paused mode: at once, never blocking."""
        if size is not None and (not is_int(size) or size < 0):
            raise invalid_arg_type('size', 'a non-negative integer', size)
        rbuf = self._rbuf
        result: Any = None
        if size == 0:
            pass
        elif self._decoder is not None:     # size counts characters, as after setEncoding
            if rbuf.nbytes:
                self._rtext += self._decoder.decode(rbuf.take(-1))
            if self._eof and not self._ended and self._reader is None:
                self._rtext += self._decoder.decode(b'', True)
            text = self._rtext
            if text and (size is None or len(text) >= size or self._eof):
                result, self._rtext = (text, '') if size is None else (text[:size], text[size:])
        elif rbuf.nbytes and (size is None or rbuf.nbytes >= size or self._eof):
            result = rbuf.take(-1 if size is None else size)
        if result is None and size and not self._eof:
            # asked for more than may be buffered: let the hub read that far (Node raises
            # the high-water mark the same way, computeNewHighWaterMark)
            self._need(size * 4 if self._decoder is not None else size)
        if not self._reading:
            self._update_reading()
        if self._eof and not rbuf.nbytes and not self._rtext and not self._ended:
            self._wake()            # everything consumed: 'end' is next
        return result

    def unshift(self, chunk: Any, encoding: Any = None) -> None:
        """Put ``chunk`` (bytes, or a str encoded as ``write()`` encodes it) back in
        front of what is buffered, for the next read to find first."""
        if self._ended:
            raise node_error('ERR_STREAM_UNSHIFT_AFTER_END_EVENT')
        if chunk is None:
            return
        if isinstance(chunk, str) and self._decoder is not None:
            self._rtext = chunk + self._rtext
        elif self._decoder is not None and self._rtext:
            decoder = _encoding.decoder(self._rare.read_encoding)
            self._rtext = decoder.decode(bytes(chunk), True) + self._rtext
        else:
            self._rbuf.unshift(_to_bytes(chunk, encoding or self._rare.default_encoding))
        if self._events.get('readable'):
            self._readable_due = True
        self._wake()


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
        if self._rbuf.nbytes or self._rtext or self._eof:
            self._wake()
        return self

    def isPaused(self) -> bool:
        """True after ``pause()`` until ``resume()``."""
        return self._flowing is False

    def setEncoding(self, encoding: Optional[str] = 'utf8') -> 'Socket':
        """Emit 'data' as ``str`` decoded with ``encoding``; characters split across
        reads are decoded whole."""
        name = _encoding.normalize('utf8' if encoding is None else encoding)
        self._decoder = _encoding.decoder(name)
        if name != self._rare.read_encoding:
            self._rare_for_write().read_encoding = name
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
        elif self._finished and self._rare.auto_destroy:
            self.destroy()

    def _auto_end(self) -> None:
        if not self.destroyed:
            self.end()

    # ================================================================ destroying
    def destroy(self, error: Optional[BaseException] = None) -> 'Socket':
        """Close the connection now; pending writes are dropped.

        Emits 'error' (when ``error`` is given) then 'close' with ``hadError``.
        """
        if self.destroyed:
            return self
        self.destroyed = True
        was_connecting, self.connecting = self.connecting, False
        self._error = error
        self._close_handle()   # addresses read before stay readable, as Node caches them
        dropped = self._wq.clear() if self._wq.entries else []
        if dropped or self._finish_cbs:
            err = node_error('ERR_SOCKET_CLOSED_BEFORE_CONNECTION') if was_connecting else \
                node_error('ERR_STREAM_DESTROYED', 'write')
            for cb in dropped + (self._finish_cbs or []):
                self._queue(call_back, (cb, err))
            self._finish_cbs = None
        slot, self._slot = self._slot, None
        if slot is not None:
            slot.finish()
        if error is not None:
            self._queue(self._emit_error, (error,))
        self._queue(self._emit_close, (error is not None,))
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
        if self._rare is not DEFAULTS:
            self._unwatch_signal()
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
            self._rare_for_write().reset_on_connect = True
            return self
        if self._sock is None:
            return self.destroy(node_error('ERR_SOCKET_CLOSED'))
        try:
            self._sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_LINGER, _LINGER_RESET)
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
        _run.report_unhandled(self, error, fatal=not self._served)

    def _emit_close(self, had_error: bool) -> None:
        self._closed = True
        if self._piped_in:
            self._unpipe_inbound()
        if self._rare.emit_close:
            self.emit('close', had_error)

    # ================================================================ Node's state
    @property
    def pending(self) -> bool:
        """True until the socket is connected (and again once it is closed)."""
        return self._sock is None or self.connecting

    @property
    def readable(self) -> bool:
        """As a stream's: until 'end' or destroy() (a socket not connected yet is)."""
        return not self.destroyed and not self._ended

    @property
    def writable(self) -> bool:
        """As a stream's: until end() or destroy() (a socket not connected yet is)."""
        return not self.destroyed and not self._ending

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
        return self._wq.nbytes

    writableLength = bufferSize

    @property
    def bytesWritten(self) -> int:
        """Bytes written so far, including those still buffered."""
        return self._bytes_sent + self._wq.nbytes

    @property
    def readableLength(self) -> int:
        return self._rbuf.nbytes

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

    @property
    def readableHighWaterMark(self) -> int:
        return self._read_hwm

    @property
    def limit(self) -> int:
        """The longest line (or ``readuntil()`` chunk) a sequential read accepts."""
        return self._rare.limit

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
        where = self._peer if self._peer is not None else self._rare.host
        return f'<greennet.Socket {self.readyState} {where!r}>'

    # ================================================================ connecting
    def connect(self, *args: Any, **kwargs: Any) -> 'Socket':
        """``connect(options[, connectListener])``, ``connect(path[, listener])`` or
        ``connect(port[, host][, listener])``: start connecting, emit 'connect' (and
        'ready') once connected, or 'error' then 'close' if it fails.  Returns the
        socket at once."""
        opts, listener = normalize_connect_args(args, kwargs)
        if self.connecting or (self._sock is not None and not self.destroyed):
            raise node_error('ERR_SOCKET_CONNECTING')
        validate_connect_options(opts)
        if listener is not None:
            self.once('connect', listener)
        if self.destroyed or self._closed:
            self._reset_for_reconnect()
        self._apply_options({key: opts[key] for key in ('timeout', 'noDelay', 'keepAlive',
                                                         'keepAliveInitialDelay', 'blockList')
                             if opts.get(key) is not None})
        rare = self._rare_for_write()
        if rare.block_list is not None:
            opts['blockList'] = rare.block_list
        rare.host = opts.get('path') or opts.get('host') or 'localhost'
        self.connecting = True
        self._post(self._run_connect, opts)
        return self

    def _run_connect(self, opts: Dict[str, Any]) -> None:
        """The socket's first event: connect (blocking this socket's events only), then
        adopt the connection."""
        try:
            raw, is_ipc = open_connection(self, opts)
        except Exception as err:   # a NodeError, or a listener of a connect event raised
            log.debug('connect to %s failed: %s', self._rare.host, err)
            if not self.destroyed:
                self.destroy(err)
            return
        if raw is None:            # destroyed while connecting
            return
        if self.destroyed:
            raw.close()
            return
        log.debug('connected to %s', self._rare.host)
        self.connecting = False
        self._attach(raw, is_ipc)
        self._post(self._emit_connect)
        if self._rare.reset_on_connect:     # Node resets in a 'connect' listener: after 'ready'
            self._post(self.resetAndDestroy)

    def _reset_for_reconnect(self) -> None:
        """Node allows ``connect()`` again after 'close': start from a fresh state."""
        self.destroyed = self._closed = False
        self._error = None
        self._eof = self._ended = self._ending = self._finished = False
        self._need_drain = False
        if self._rare.reset_on_connect:
            self._rare.reset_on_connect = False
        self._rbuf = ReadBuffer()
        self._peer = self._local = None
        self._read_started = True
        if self._flowing is False and self._events.get('data'):
            self._flowing = True

    def _emit_connect(self) -> None:
        """Node's order: 'connect', what was written while connecting (its callbacks
        run), then 'ready'."""
        if self.destroyed:
            return
        self.emit('connect')
        if not self.destroyed:
            self._flush_queued_on_connect()
        if not self.destroyed:
            self.emit('ready')

    # the seam connecting uses (connect.Connectable)
    def _wait_until(self, ready: Callable[[], Any]) -> None:
        self._block_until(lambda _me: ready())

    def _notify(self) -> None:
        self._wake()    # from the hub (a watcher) or a lookup's callback in any greenlet

    # ================================================================ context manager
    def __enter__(self) -> 'Socket':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if exc_info[1] is not None:
            self.destroy()
        else:
            self.destroySoon()


# ==================================================================== helpers


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
