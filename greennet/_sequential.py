# mypy: disable-error-code="misc"
# (a mixin sets the socket's slots, which mypy looks for in the mixin's own __slots__)
"""The sequential style: blocking reads on a ``net.Socket``, with asyncio's names and
meanings (``read``, ``readexactly``, ``readuntil``, ``readline``, iteration, ``drain``,
``wait_connected``, ``wait_closed``).  A mixin of :class:`greennet.socket.Socket`.

A read takes from the socket's :class:`~greennet._buffers.ReadBuffer` and, while that is
not enough, blocks the calling greenlet in the socket's executor (which runs the socket's
events meanwhile, so 'timeout' fires during a ``readline()``).  The hub reads into the
buffer while it holds less than ``_rlimit``: the high-water mark, or what a read needs
(``readexactly(n)`` needs n; a line needs up to ``limit`` plus the mark, never more, so
no peer can make a reader buffer without bound).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from greenlet import getcurrent

from ._buffers import ReadBuffer
from ._options import is_int
from ._rare import RareFields
from .errors import IncompleteReadError, invalid_arg_type, node_error

__all__ = ['SequentialReads']


class SequentialReads:
    """Blocking reads and waits, for the greenlet that calls them."""

    __slots__ = ()

    # what the socket provides (its state fields and executor)
    _rbuf: ReadBuffer
    _flowing: Optional[bool]
    _reading: bool
    _read_full: bool
    _read_first: bool
    _eof: bool
    _ended: bool
    _rlimit: float
    _hwm: int
    _read_hwm: int
    _events: Dict[str, Any]
    _rare: RareFields
    _error: Optional[BaseException]
    _holder: Any
    _closed: bool
    destroyed: bool
    connecting: bool

    if TYPE_CHECKING:   # provided by the socket and its executor
        def _block_until(self, ready: Callable[[Any], Any], timeout: Optional[float] = None) -> bool:
            raise NotImplementedError

        def _update_reading(self) -> None:
            raise NotImplementedError

        def _read_once(self) -> bool:
            raise NotImplementedError

        def _wake(self) -> None:
            raise NotImplementedError

        def _write_backlog(self) -> int:
            raise NotImplementedError

        def _begin_read(self) -> None:
            raise NotImplementedError

        def _end_read(self) -> None:
            raise NotImplementedError

        def _need(self, nbytes: float) -> None:
            raise NotImplementedError

        def _read_now(self, size: Any) -> Any:
            raise NotImplementedError

        def _is_attached(self) -> bool:
            raise NotImplementedError

    def _wait_for_data(self, ready: Callable[[Any], Any]) -> None:
        """Block until ``ready(self)``.  When bytes are probably in the kernel already (a
        new connection, or the last read filled the buffer) read once first: it saves
        a trip through the loop."""
        if (self._read_full or self._read_first) and self._reading and not ready(self):
            self._read_once()
        self._block_until(ready)

    def _has_data_or_done(self) -> bool:
        return self._rbuf.nbytes > 0 or self._eof or self.destroyed

    def _read_done(self) -> bool:
        return self._eof or self.destroyed

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    # ------------------------------------------------------------ reads
    def read(self, n: Optional[int] = None) -> Any:
        """Sequentially (no 'readable' listener): up to ``n`` bytes as soon as any are
        there; with n = -1 (or omitted) everything until the end of the stream; ``b''``
        at the end.  Raises the socket's error if it failed.

        With a 'readable' listener attached it is Node's ``readable.read(size)`` and
        answers at once: ``size`` bytes (characters after ``setEncoding()``), everything
        buffered when omitted, None when not enough is there yet."""
        if self._events.get('readable'):
            return self._read_now(n)
        if n is None:
            n = -1
        if n == 0:
            return b''
        self._begin_read()
        try:
            rbuf = self._rbuf
            if n < 0:
                self._need(float('inf'))
                self._block_until(SequentialReads._read_done)
                if rbuf.nbytes:
                    return rbuf.take(-1)
            else:
                if not rbuf.nbytes:
                    self._wait_for_data(SequentialReads._has_data_or_done)
                if rbuf.nbytes:
                    return rbuf.take(n)
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
            rbuf = self._rbuf
            self._need(n)
            self._wait_for_data(lambda me: rbuf.nbytes >= n or me._read_done())
            if rbuf.nbytes >= n:
                return rbuf.take(n)
            self._raise_if_failed()
            raise IncompleteReadError(rbuf.take(-1) if rbuf.nbytes else b'', n)
        finally:
            self._end_read()

    def readuntil(self, separator: bytes = b'\n') -> bytes:
        """Bytes up to and including ``separator``.  Raises ``IncompleteReadError`` if
        the stream ends first, ``LimitOverrunError`` past the socket's ``limit`` (the
        bytes stay buffered)."""
        data = self._read_separated(separator)
        if not data.endswith(separator):
            raise IncompleteReadError(data, None)
        return data

    def readline(self) -> bytes:
        """One line including its ``b'\\n'``; at the end of the stream what is left
        (``b''`` when nothing is).  Raises ``LimitOverrunError`` (a ``ValueError``) when
        the line is longer than the socket's ``limit``; the bytes stay buffered."""
        return self._read_separated(b'\n')

    def _read_separated(self, separator: bytes) -> bytes:
        if not isinstance(separator, (bytes, bytearray)) or not separator:
            raise invalid_arg_type('separator', 'non-empty bytes', separator)
        separator = bytes(separator)
        self._begin_read()
        try:
            rbuf = self._rbuf
            limit = self._rare.limit
            # at most limit + the mark buffered: enough to tell a line from an overrun
            most = limit + len(separator) + self._read_hwm
            end = -1

            def ready(_me: Any) -> bool:
                nonlocal end
                if rbuf.nbytes:
                    end = rbuf.find(separator, limit)   # raises past the limit
                    if end >= 0:
                        return True
                    self._need(min(rbuf.nbytes + self._read_hwm, most))
                return self._read_done()

            self._wait_for_data(ready)
            if end >= 0:
                return rbuf.take(end)
            if rbuf.nbytes:
                return rbuf.take(-1)
            self._raise_if_failed()
            return b''
        finally:
            self._end_read()

    def at_eof(self) -> bool:
        """True once the stream has ended and the buffer is empty."""
        return (self._eof or self.destroyed) and not self._rbuf.nbytes

    def __iter__(self) -> Any:
        return self

    def __next__(self) -> bytes:
        """Iteration yields lines, as asyncio's StreamReader and files do."""
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    # ------------------------------------------------------------ waits
    def drain(self) -> None:
        """Wait until the write buffer is below the high-water mark; raises the
        socket's error if it failed."""
        if self._write_backlog() < self._hwm and self._error is None:
            return
        self._block_until(lambda me: me._write_backlog() < me._hwm or me.destroyed)
        self._raise_if_failed()

    def wait_connected(self, timeout: Optional[float] = None) -> Any:
        """Wait until the socket is connected (``timeout`` in seconds); raises the
        connection's error if it failed, ``TimeoutError`` if time ran out."""
        if self.connecting and getcurrent() is self._holder:
            raise RuntimeError('greennet: wait_connected() from a listener of the '
                               'connecting socket would wait for itself')
        if not self._block_until(lambda me: not me.connecting, timeout):
            raise TimeoutError('greennet: not connected within %s s' % timeout)
        self._raise_if_failed()
        if not self._is_attached():
            raise node_error('ERR_SOCKET_CLOSED')
        return self

    def wait_closed(self, timeout: Optional[float] = None) -> None:
        """Wait until 'close' has been emitted (``timeout`` in seconds); raises the
        socket's error if it had one, ``TimeoutError`` if time ran out."""
        if not self._block_until(lambda me: me._closed, timeout):
            raise TimeoutError('greennet: not closed within %s s' % timeout)
        self._raise_if_failed()
