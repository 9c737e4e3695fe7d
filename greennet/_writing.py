# mypy: disable-error-code="misc"
# (a mixin sets the socket's slots, which mypy looks for in the mixin's own __slots__)
"""The writable side of a ``net.Socket``: Node's ``stream.Writable`` on the socket's
:class:`~greennet._buffers.WriteQueue`.  A mixin of :class:`greennet.socket.Socket`.

* ``write()`` sends at once when nothing is queued and the socket is not corked; what
  the kernel does not take is queued and flushed by the write watcher, the whole queue
  in one ``sendmsg``.  Between ``cork()`` and ``uncork()`` writes only queue, and leave
  together.
* Callbacks run where Node runs them: a write's once the kernel took it; at the end,
  'prefinish', then ``end()``'s callbacks, then 'finish'.  A write made while connecting
  is sent as the connection is made, between 'connect' and 'ready'.
* ``end()`` sends FIN once the queue is flushed (on a socket that never connected it
  finishes at once, as Node's ``_final`` does without a handle).
"""
from __future__ import annotations

import _socket
import errno as _errno
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple

from . import _encoding
from ._buffers import NO_WRITES, WriteQueue
from ._options import pep8_aliases
from ._rare import RareFields
from .errors import NodeError, check_callback, from_oserror, invalid_arg_type, node_error
from .events import call_back

__all__ = ['WriteSide']

_WRITE = 2


@pep8_aliases
class WriteSide:
    """``write``, ``end``, ``cork``/``uncork`` and the write watcher."""

    __slots__ = ()

    # what the socket provides (its state fields and executor)
    _wq: WriteQueue
    _sock: Any
    _loop: Any
    _refed: bool
    _write_io: Any
    _writing: bool
    _ending: bool
    _finished: bool
    _ended: bool
    _need_drain: bool
    _finish_cbs: Optional[List[Callable[..., Any]]]
    _bytes_sent: int
    _hwm: int
    _corked: int
    _rare: RareFields
    _timeout_ms: Optional[float]
    _piped_in: Any
    destroyed: bool
    connecting: bool

    if TYPE_CHECKING:   # provided by the socket
        def _rare_for_write(self) -> RareFields:
            raise NotImplementedError

        def _touch(self) -> None:
            raise NotImplementedError

        def _post(self, fn: Callable[..., Any], *args: Any) -> None:
            raise NotImplementedError

        def _queue(self, fn: Callable[..., Any], args: Tuple[Any, ...]) -> None:
            raise NotImplementedError

        def _wake(self) -> None:
            raise NotImplementedError

        def _kick(self) -> None:
            raise NotImplementedError

        def _unpipe_inbound(self) -> None:
            raise NotImplementedError

        def destroy(self, error: Optional[BaseException] = None) -> Any:
            raise NotImplementedError

        def emit(self, eventName: str, *args: Any) -> bool:
            raise NotImplementedError

        def once(self, eventName: str, listener: Callable[..., Any]) -> Any:
            raise NotImplementedError

    # ------------------------------------------------------------ writing
    def write(self, data: Any, encoding: Any = None, callback: Any = None) -> bool:
        """Send ``data`` (bytes-like, or str encoded with ``encoding``, the default
        encoding (utf8) when omitted).

        Returns False when the buffered bytes reach the high-water mark; 'drain' follows
        once they are flushed.  ``callback(err)`` runs once the data is handed to the
        kernel, or with the error if it never will be.
        """
        if type(data) is bytes and callback is None and encoding is None:
            chunk = data
        else:
            if callback is None and callable(encoding):
                encoding, callback = None, encoding
            chunk = _to_bytes(data, encoding or self._rare.default_encoding)
            check_callback(callback)
        if self.destroyed or self._ending or (self._sock is None and not self.connecting):
            return self._write_refused(callback)
        n = len(chunk)
        wq = self._wq
        ok = wq.nbytes + n < self._hwm
        if not ok:
            self._need_drain = True
        if wq.entries or self._sock is None or self._corked:
            if wq is NO_WRITES:
                wq = self._wq = WriteQueue()
            wq.append(chunk, callback)
            return ok
        try:
            sent = self._sock.send(chunk) if n else 0
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            err = from_oserror(exc, 'write')
            self.destroy(err)
            if callback is not None:
                self._post(call_back, callback, err)
            return False
        self._bytes_sent += sent
        if self._timeout_ms:
            self._touch()
        if sent == n:
            if callback is not None or self._need_drain:
                self._post(self._after_write, [callback] if callback is not None else [])
        else:
            if wq is NO_WRITES:
                wq = self._wq = WriteQueue()
            wq.append(memoryview(chunk)[sent:], callback)
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
            self._post(call_back, callback, err)
        self.destroy(err)
        return False

    def cork(self) -> Any:
        """Hold writes in memory until ``uncork()`` (as many times as ``cork()`` was
        called); they then leave together, in one ``sendmsg``."""
        self._corked += 1
        return self

    def uncork(self) -> Any:
        """Undo one ``cork()``; at the last one, send everything held."""
        if self._corked:
            self._corked -= 1
            if not self._corked:
                self._flush_now()
        return self

    @property
    def writableCorked(self) -> int:
        """How many ``uncork()`` calls it takes to send what is held."""
        return self._corked

    @property
    def writableNeedDrain(self) -> bool:
        """True once ``write()`` returned False, until 'drain'."""
        return self._need_drain and not self.destroyed and not self._ending

    def setDefaultEncoding(self, encoding: Any) -> Any:
        """The encoding ``write(str)`` uses when given none (utf8 unless set)."""
        self._rare_for_write().default_encoding = _encoding.normalize(encoding)
        return self

    def end(self, data: Any = None, encoding: Any = None, callback: Any = None) -> Any:
        """Half-close: send ``data`` if given, then FIN once everything is flushed.

        ``callback`` runs at the end, just before 'finish' (or with the error if the
        socket is destroyed first).  Returns the socket.
        """
        if callback is None and callable(encoding):
            encoding, callback = None, encoding
        if callback is None and callable(data):
            data, callback = None, data
        if callback is not None:
            check_callback(callback)
        if data is not None and not self._ending:
            self.write(data, encoding)
        if callback is not None:
            if self._finished or self.destroyed:
                err = node_error('ERR_STREAM_ALREADY_FINISHED', 'end') if self._finished else \
                    node_error('ERR_STREAM_DESTROYED', 'end')
                self._post(call_back, callback, err)
            elif self._finish_cbs is None:
                self._finish_cbs = [callback]
            else:
                self._finish_cbs.append(callback)
        if self._ending or self.destroyed:
            return self
        self._ending = True
        if self._corked:                # as Node: end() uncorks
            self._corked = 0
            self._flush_now()
        if self._sock is not None:
            if not self._wq.entries:
                self._shutdown()
        elif not self.connecting:       # never connected: nothing to flush or shut down
            self._finished = True
            self._post(self._emit_finish)
        return self

    def _shutdown(self) -> None:
        """Send FIN (everything queued is flushed) and schedule the end's events."""
        if self._finished:
            return
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
        """Node's order at the end: 'prefinish', the end() callbacks, 'finish'."""
        if self.destroyed:
            return
        callbacks, self._finish_cbs = self._finish_cbs, None
        if self._piped_in:
            self._unpipe_inbound()
        self.emit('prefinish')
        for cb in callbacks or ():
            call_back(cb, None)
        self.emit('finish')
        if self._ended and not self.destroyed and self._rare.auto_destroy:
            self.destroy()

    def destroySoon(self) -> None:
        """End the socket, and destroy it once everything written has been flushed."""
        if not self._ending:
            self.end()
        if self._finished:
            self.destroy()
        else:
            self.once('finish', self.destroy)

    # ------------------------------------------------------------ flushing
    def _flush_queued_on_connect(self) -> None:
        """The connection is made: send what was written while connecting, calling
        back at once what the kernel took (Node writes it in a 'connect' listener)."""
        if self._wq.entries and not self._corked:
            self._flush_once(now=True)
        elif self._ending and not self._wq.entries and not self._finished:
            self._shutdown()

    def _flush_now(self) -> None:
        """Send what is queued now (from ``uncork()``/``end()``), else leave it to the
        write watcher."""
        if self._wq.entries and self._sock is not None and not self._writing:
            self._flush_once()
            self._wake()

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

    def _flush_once(self, now: bool = False) -> None:
        """Hand the whole queue to the kernel in one ``send``/``sendmsg``.  The
        callbacks of the writes it took are posted (run ``now`` when asked), before the
        FIN that an ``end()`` waiting for the queue sends."""
        wq = self._wq
        buffers = wq.buffers()
        try:
            sent = self._sock.send(buffers[0]) if len(buffers) == 1 else self._sock.sendmsg(buffers)
        except (BlockingIOError, InterruptedError):
            self._start_writing()
            return
        except OSError as exc:
            self.destroy(from_oserror(exc, 'write'))
            return
        self._bytes_sent += sent
        done = wq.advance(sent)
        if self._timeout_ms:
            self._touch()
        if wq.entries:
            self._start_writing()
        else:
            self._stop_writing()
        if done or not wq.entries:
            if now:
                self._after_write(done)
            else:
                self._queue(self._after_write, (done,))
        if not wq.entries and self._ending and not self._finished:
            self._shutdown()

    def _after_write(self, callbacks: List[Callable[..., Any]]) -> None:
        """Node's afterWrite: 'drain' once the queue is empty, then the callbacks."""
        if self._need_drain and not self._wq.entries and not self._ending and not self.destroyed:
            self._need_drain = False
            self.emit('drain')
        for cb in callbacks:
            call_back(cb, None)

    def _write_backlog(self) -> int:
        return self._wq.nbytes


def _to_bytes(data: Any, encoding: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return _encoding.encode(data, encoding)
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise invalid_arg_type('chunk', 'of type string or an instance of Buffer or Uint8Array', data)
