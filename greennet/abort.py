"""Node's AbortController and AbortSignal, for the ``signal`` options of listen and connect."""
from __future__ import annotations

from typing import Any, Callable, Optional

from ._options import pep8_aliases
from .errors import AbortError, invalid_arg_type
from .events import EventEmitter

__all__ = ['AbortController', 'AbortSignal']


class AbortEvent:
    """What an ``addEventListener`` listener receives, as Node's ``Event``: its ``type``
    ('abort') and ``target`` (the signal)."""

    __slots__ = ('type', 'target')

    def __init__(self, type: str, target: 'AbortSignal') -> None:
        self.type = type
        self.target = target

    @property
    def currentTarget(self) -> 'AbortSignal':
        return self.target

    def __repr__(self) -> str:
        return f'AbortEvent({self.type!r})'


class _EventListener:
    """The emitter listener ``addEventListener`` registers for the user's ``listener``."""

    __slots__ = ('signal', 'type', 'listener')

    def __init__(self, signal: 'AbortSignal', type: str, listener: Callable[..., Any]) -> None:
        self.signal = signal
        self.type = type
        self.listener = listener

    def __call__(self, *args: Any) -> Any:
        return self.listener(AbortEvent(self.type, self.signal))


@pep8_aliases
class AbortSignal(EventEmitter):
    """Says whether an operation was aborted; fires 'abort' once when it is.

    ``aborted`` and ``reason`` as in Node; ``addEventListener('abort', fn)`` (``fn``
    receives an :class:`AbortEvent`, and is added once however often it is passed) is
    accepted as well as ``on('abort', fn)`` (``fn`` receives nothing).
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
        self.reason = AbortError('This operation was aborted') if reason is None else reason
        self.emit('abort')
        self.removeAllListeners('abort')

    def throwIfAborted(self) -> None:
        """Raise ``reason`` if the signal was aborted."""
        if self.aborted:
            raise self.reason if isinstance(self.reason, BaseException) else AbortError(cause=self.reason)

    def _event_listener(self, type: str, listener: Any) -> Optional[_EventListener]:
        for fn in self.listeners(type):
            if isinstance(fn, _EventListener) and fn.listener is listener:
                return fn
        return None

    def addEventListener(self, type: str, listener: Callable[..., Any], options: Any = None) -> None:
        """Call ``listener(event)`` when ``type`` fires; ``None`` is ignored, as in Node."""
        if listener is None or self._event_listener(type, listener) is not None:
            return
        if not callable(listener):
            raise invalid_arg_type('listener', 'an instance of EventListener', listener)
        self.once(type, _EventListener(self, type, listener))

    def removeEventListener(self, type: str, listener: Callable[..., Any], options: Any = None) -> None:
        """Undo ``addEventListener(type, listener)``."""
        fn = self._event_listener(type, listener)
        if fn is not None:
            self.removeListener(type, fn)

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
        """Abort the signal: listeners of its 'abort' event run now, once; a second
        call does nothing (the first reason stays)."""
        self.signal._abort(reason)


def check_signal(signal: Any, name: str = 'options.signal') -> Optional[AbortSignal]:
    """Node's ``validateAbortSignal``."""
    if signal is not None and not isinstance(signal, AbortSignal):
        raise invalid_arg_type(name, 'an instance of AbortSignal', signal)
    return signal
