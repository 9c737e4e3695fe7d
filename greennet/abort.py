"""Node's AbortController and AbortSignal, for the ``signal`` options of listen and connect."""
from __future__ import annotations

from typing import Any, Callable, Optional

from ._options import pep8_aliases
from .errors import AbortError
from .events import EventEmitter

__all__ = ['AbortController', 'AbortSignal']


@pep8_aliases
class AbortSignal(EventEmitter):
    """Says whether an operation was aborted; fires 'abort' once when it is.

    ``aborted`` and ``reason`` as in Node; ``addEventListener('abort', fn)`` is accepted
    as well as ``on('abort', fn)``.
    """

    __slots__ = ('aborted', 'reason')

    def __init__(self) -> None:
        super().__init__()
        self.aborted = False
        self.reason: Any = None

    def _abort(self, reason: Any) -> None:
        if self.aborted:
            return
        self.aborted = True
        self.reason = AbortError(cause=None) if reason is None else reason
        self.emit('abort')
        self.removeAllListeners('abort')

    def throwIfAborted(self) -> None:
        """Raise ``reason`` if the signal was aborted."""
        if self.aborted:
            raise self.reason if isinstance(self.reason, BaseException) else AbortError(cause=self.reason)

    def addEventListener(self, type: str, listener: Callable[..., Any], options: Any = None) -> None:
        self.once(type, lambda *a: listener(self))

    def removeEventListener(self, type: str, listener: Callable[..., Any]) -> None:
        self.removeListener(type, listener)

    @staticmethod
    def abort(reason: Any = None) -> 'AbortSignal':
        """A signal that is already aborted."""
        signal = AbortSignal()
        signal._abort(reason)
        return signal


@pep8_aliases
class AbortController:
    """Node's AbortController: ``.signal``, and ``.abort(reason=None)`` to fire it."""

    __slots__ = ('signal',)

    def __init__(self) -> None:
        self.signal = AbortSignal()

    def abort(self, reason: Optional[Any] = None) -> None:
        """Abort the signal: listeners of its 'abort' event run now, once."""
        self.signal._abort(reason)


def check_signal(signal: Any, name: str = 'options.signal') -> Optional[AbortSignal]:
    """Node's ``validateAbortSignal``."""
    from .errors import invalid_arg_type
    if signal is not None and not isinstance(signal, AbortSignal):
        raise invalid_arg_type(name, 'an instance of AbortSignal', signal)
    return signal
