# mypy: disable-error-code="misc"
# (a mixin sets the socket's slots, which mypy looks for in the mixin's own __slots__)
"""A ``net.Socket``'s settings after construction: the idle timeout (``setTimeout``),
Nagle (``setNoDelay``), TCP keep-alive (``setKeepAlive``), ``ref()``/``unref()``, and the
``signal`` that destroys it.  A mixin of :class:`greennet.socket.Socket`.
"""
from __future__ import annotations

import _socket
from typing import TYPE_CHECKING, Any, Callable, Optional

from ._options import pep8_aliases, validate_timeout_ms
from ._rare import RareFields
from .abort import AbortSignal
from .errors import AbortError, check_callback

__all__ = ['SocketOptions', 'set_no_delay', 'set_keep_alive']

_MAX_KEEPIDLE = 32767     # Linux's MAX_TCP_KEEPIDLE, in seconds: longer delays are clamped


@pep8_aliases
class SocketOptions:
    """Timeouts, TCP options, ref/unref and the abort signal of a socket."""

    __slots__ = ()

    _sock: Any
    _loop: Any
    _is_ipc: bool
    _timeout_ms: Optional[float]
    _timer: Any
    _last_active: float
    _refed: bool
    _rare: RareFields
    _read_io: Any
    _write_io: Any
    destroyed: bool

    if TYPE_CHECKING:   # provided by the socket and its executor
        def _rare_for_write(self) -> RareFields:
            raise NotImplementedError

        def _post(self, fn: Callable[..., Any], *args: Any) -> None:
            raise NotImplementedError

        def destroy(self, error: Optional[BaseException] = None) -> Any:
            raise NotImplementedError

        def emit(self, eventName: str, *args: Any) -> bool:
            raise NotImplementedError

        def once(self, eventName: str, listener: Callable[..., Any]) -> Any:
            raise NotImplementedError

        def removeListener(self, eventName: str, listener: Callable[..., Any]) -> Any:
            raise NotImplementedError

    # ================================================================ timeouts
    def setTimeout(self, timeout: Any, callback: Any = None) -> Any:
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

    # ================================================================ socket options
    def setNoDelay(self, noDelay: bool = True) -> Any:
        """Disable Nagle's algorithm (``noDelay=True``) or enable it again."""
        enable = self._rare_for_write().no_delay = bool(noDelay)
        if self._sock is not None and not self._is_ipc:
            set_no_delay(self._sock, enable)
        return self

    def setKeepAlive(self, enable: bool = False, initialDelay: Any = 0) -> Any:
        """Enable TCP keep-alive: SO_KEEPALIVE, TCP_KEEPIDLE=initialDelay (ms, rounded
        down to seconds; 0 leaves it unchanged), TCP_KEEPCNT=10, TCP_KEEPINTVL=1."""
        delay = validate_timeout_ms(initialDelay or 0, 'initialDelay')
        self._rare_for_write().keep_alive = (bool(enable), delay)
        if self._sock is not None and not self._is_ipc:
            set_keep_alive(self._sock, bool(enable), delay)
        return self

    def ref(self) -> Any:
        """Keep ``net.run()`` from returning while this socket is open (the default)."""
        return self._set_ref(True)

    def unref(self) -> Any:
        """Let ``net.run()`` return even though this socket is open."""
        return self._set_ref(False)

    def _set_ref(self, refed: bool) -> Any:
        self._refed = refed
        for watcher in (self._read_io, self._write_io, self._timer):
            if watcher is not None:
                watcher.ref = refed
        return self

    @property
    def refed(self) -> bool:
        """Whether this socket keeps ``net.run()`` running (``ref()``/``unref()``)."""
        return self._refed

    def _watch_signal(self, signal: AbortSignal) -> None:
        self._unwatch_signal()
        rare = self._rare_for_write()
        rare.signal = signal
        if signal.aborted:
            self._post(self._abort)
            return
        # one bound method, kept: a listener is removed by the identity it was added with
        rare.abort_listener = self._abort
        signal.once('abort', rare.abort_listener)

    def _unwatch_signal(self) -> None:
        rare = self._rare
        if rare.abort_listener is not None:
            if rare.signal is not None:
                rare.signal.removeListener('abort', rare.abort_listener)
            rare.abort_listener = None

    def _abort(self) -> None:
        if not self.destroyed:
            signal = self._rare.signal
            self.destroy(AbortError(cause=signal.reason if signal is not None else None))


def set_no_delay(raw: Any, enable: bool) -> None:
    try:
        raw.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, int(enable))
    except OSError:
        pass


def set_keep_alive(raw: Any, enable: bool, delay_ms: float) -> None:
    try:
        raw.setsockopt(_socket.SOL_SOCKET, _socket.SO_KEEPALIVE, int(enable))
        if enable:
            seconds = min(int(delay_ms // 1000), _MAX_KEEPIDLE)
            if seconds > 0:
                raw.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_KEEPIDLE, seconds)
            raw.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_KEEPCNT, 10)
            raw.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_KEEPINTVL, 1)
    except OSError:
        pass
