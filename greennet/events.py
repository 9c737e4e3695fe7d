"""Node's EventEmitter, and the zope.event tap every emit goes through.

The rules are Node's (``node:events``):

* Listeners run synchronously, in the order they were added, in the greenlet that
  calls :meth:`EventEmitter.emit`; the listener list is fixed when ``emit`` starts, so
  adding or removing listeners during an emit affects only the next one.
* A listener gets as many of the event's arguments as it accepts, as JavaScript drops
  extra arguments: ``on('close', lambda: ...)`` and ``on('close', lambda e: ...)`` both
  work; ``*args`` gets them all.  How many it accepts is read once, when it is added
  (:func:`accepted_args`), and kept beside it, so an emit only compares two ints.
* ``emit('error', err)`` with no 'error' listener raises ``err`` at the call (a value
  that is not an exception is wrapped in ERR_UNHANDLED_ERROR).
* 'newListener' fires before a listener is added, 'removeListener' after one is removed.
* Past :meth:`getMaxListeners` listeners for one event (10 by default, 0 for no limit),
  a :class:`MaxListenersExceededWarning` is issued once per event name.

Every emit is also published as ``zope.event.notify(Emitted(emitter, name, args))``, so
a process can observe every socket and server; with no subscriber that costs one check.
"""
from __future__ import annotations

import inspect
import warnings
from types import FunctionType, MethodType
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Set, Tuple

import zope.event

from ._options import is_number, pep8_aliases
from .errors import invalid_arg_type, node_error, out_of_range

__all__ = ['EventEmitter', 'Emitted', 'MaxListenersExceededWarning', 'accepted_args', 'call_back']

Listener = Callable[..., Any]
#: an event's listeners, flat: (listener, how many positional arguments it accepts,
#: listener, accepts, ...).  One tuple per event and none per listener: a socket has a
#: few events with one listener each, and emit unpacks the pair of the usual one.
Listeners = Tuple[Any, ...]

#: "takes every argument": a listener with ``*args``, or one whose signature is unknown
ALL_ARGS = 1 << 30
_CO_VARARGS = inspect.CO_VARARGS


# id(code object) -> (the code, positional parameters it takes, ALL_ARGS for *args):
# listeners made per connection (a lambda, a bound method) share their code, so most
# adds are one lookup.  Keyed by id, as hashing a code object hashes its constants; the
# code is kept in the entry, so its id cannot be reused while the entry exists.
_arity_of_code: Dict[int, Tuple[Any, int]] = {}
_MAX_CACHED = 4096


def accepted_args(fn: Any) -> int:
    """How many positional arguments ``fn`` accepts (``ALL_ARGS`` for ``*args`` or an
    unknown signature).  Read from the code object for functions, bound methods and
    objects whose class defines ``__call__``, which is cheap; anything else goes
    through :func:`inspect.signature`."""
    kind = type(fn)
    if (kind is FunctionType or kind is MethodType) and '__wrapped__' not in fn.__dict__:
        # (a decorated function, functools.wraps'd, takes what its __wrapped__ takes:
        # inspect.signature below follows it)
        code = fn.__code__      # a bound method forwards to its function's
        known = _arity_of_code.get(id(code))
        if known is not None:
            count = known[1]
        else:
            count = ALL_ARGS if code.co_flags & _CO_VARARGS else int(code.co_argcount)
            if len(_arity_of_code) >= _MAX_CACHED:
                _arity_of_code.clear()
            _arity_of_code[id(code)] = (code, count)
        if kind is MethodType and count != ALL_ARGS:
            return count - 1 if count else 0     # its self is given
        return count
    if isinstance(fn, _Once):
        return accepted_args(fn.listener)
    call = getattr(kind, '__call__', None)   # noqa: B004 (the method, not a callable test)
    if type(call) is FunctionType and '__wrapped__' not in call.__dict__:
        # an instance of a class with __call__: less its self
        count = accepted_args(call)
        return count if count == ALL_ARGS else max(0, count - 1)
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ALL_ARGS
    count = 0
    for param in params:
        if param.kind is param.VAR_POSITIONAL:
            return ALL_ARGS
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


class Emitted:
    """What the zope.event tap publishes for every emit: who, which event, with what."""

    __slots__ = ('emitter', 'name', 'args')

    def __init__(self, emitter: 'EventEmitter', name: str, args: Tuple[Any, ...]) -> None:
        self.emitter = emitter
        self.name = name
        self.args = args

    def __repr__(self) -> str:
        return f'Emitted({type(self.emitter).__name__}, {self.name!r}, {self.args!r})'


class MaxListenersExceededWarning(RuntimeWarning):
    """Node's warning for a probable listener leak; ``emitter``, ``type`` and ``count``
    as on Node's warning object."""

    emitter: Any = None
    type: Any = None
    count: int = 0


def call_back(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a user's callback with as many of ``args`` as it accepts (a write callback
    written ``lambda: ...`` is called without the error, as in JavaScript)."""
    accepts = accepted_args(fn)
    return fn(*args) if len(args) <= accepts else fn(*args[:accepts])


def _check_listener(listener: Any) -> Listener:
    """Node's ``checkListener``: a listener must be a function (``None`` included)."""
    if not callable(listener):
        raise invalid_arg_type('listener', 'of type function', listener)
    return listener  # type: ignore[no-any-return]


class _Once:
    """The wrapper ``once()`` registers; ``.listener`` is the user's function."""

    __slots__ = ('emitter', 'name', 'listener', 'fired')

    def __init__(self, emitter: 'EventEmitter', name: str, listener: Listener) -> None:
        self.emitter = emitter
        self.name = name
        self.listener = listener
        self.fired = False

    def __call__(self, *args: Any) -> Any:
        if self.fired:
            return None
        self.fired = True
        self.emitter.removeListener(self.name, self)
        return self.listener(*args)


def _unwrap(fn: Listener) -> Listener:
    return fn.listener if isinstance(fn, _Once) else fn


# Every emitter starts with this one empty dict and gets a dict of its own with its first
# listener (_add): most of a server's sockets are read sequentially and never have one.
# Only _add stores into an emitter's dict; everything else reads it or removes from it,
# which on an empty dict does nothing.
_NO_LISTENERS: Dict[str, Listeners] = {}


@pep8_aliases
class EventEmitter:
    """Node's ``EventEmitter``: named events, each with an ordered list of listeners."""

    __slots__ = ('_events', '_max_listeners', '_warned')

    defaultMaxListeners = 10

    #: the events whose listeners coming and going a subclass watches
    #: (:meth:`_listener_added`, :meth:`_listener_removed`); the hooks are called for
    #: these only, a Python call saved on every other ``on()`` and removal
    _watched_events: FrozenSet[str] = frozenset()

    def __init__(self) -> None:
        # name -> its Listeners; a tuple, so that emit needs no copy
        self._events = _NO_LISTENERS
        self._max_listeners: Optional[float] = None
        self._warned: Optional[Set[str]] = None

    # ------------------------------------------------------------------ adding
    def _add(self, name: str, listener: Listener, prepend: bool) -> 'EventEmitter':
        if not callable(listener):
            _check_listener(listener)
        events = self._events
        if events is _NO_LISTENERS:
            events = self._events = {}
        elif 'newListener' in events:
            self.emit('newListener', name, _unwrap(listener))
        entry = (listener, accepted_args(listener))
        existing = events.get(name, ())
        events[name] = entry + existing if prepend else existing + entry
        if existing:   # the limit can only be passed by a second listener or more
            limit = self.getMaxListeners()
            count = len(existing) // 2 + 1
            if limit and count > limit:
                self._warn_leak(name, count)
        if name in self._watched_events:
            self._listener_added(name)
        return self

    def _warn_leak(self, name: str, count: int) -> None:
        warned = self._warned
        if warned is None:
            warned = self._warned = set()
        if name in warned:
            return
        warned.add(name)
        warning = MaxListenersExceededWarning(
            f'Possible EventEmitter memory leak detected. {count} {name} listeners added to '
            f'[{type(self).__name__}]. MaxListeners is {self.getMaxListeners()}. '
            'Use emitter.setMaxListeners() to increase limit')
        warning.emitter, warning.type, warning.count = self, name, count
        warnings.warn(warning, stacklevel=4)

    def _listener_added(self, name: str) -> None:
        """Hook for subclasses: a listener for ``name`` (one of ``_watched_events``) was
        just added."""

    def _listener_removed(self, name: str) -> None:
        """Hook for subclasses: a listener for ``name`` (one of ``_watched_events``) was
        just removed."""

    def on(self, eventName: str, listener: Listener) -> 'EventEmitter':
        """Add ``listener`` at the end of the list for ``eventName``; returns the emitter."""
        return self._add(eventName, listener, False)

    addListener = on

    def prependListener(self, eventName: str, listener: Listener) -> 'EventEmitter':
        """Add ``listener`` at the beginning of the list for ``eventName``."""
        return self._add(eventName, listener, True)

    def once(self, eventName: str, listener: Listener) -> 'EventEmitter':
        """Add a listener that is removed the first time ``eventName`` fires, then runs."""
        _check_listener(listener)
        return self._add(eventName, _Once(self, eventName, listener), False)

    def prependOnceListener(self, eventName: str, listener: Listener) -> 'EventEmitter':
        """``once()``, added at the beginning of the list."""
        _check_listener(listener)
        return self._add(eventName, _Once(self, eventName, listener), True)

    # ------------------------------------------------------------------ removing
    def removeListener(self, eventName: str, listener: Listener) -> 'EventEmitter':
        """Remove the most recently added instance of ``listener`` for ``eventName``."""
        if not callable(listener):
            _check_listener(listener)
        events = self._events
        existing = events.get(eventName)
        if not existing:
            return self
        if len(existing) == 2 and existing[0] is listener and 'removeListener' not in events:
            del events[eventName]     # the common case: the one listener goes
            if self._warned:
                self._warned.discard(eventName)
            if eventName in self._watched_events:
                self._listener_removed(eventName)
            return self
        for i in range(len(existing) - 2, -1, -2):
            fn = existing[i]
            if fn is listener or (isinstance(fn, _Once) and fn.listener is listener):
                rest = existing[:i] + existing[i + 2:]
                if rest:
                    self._events[eventName] = rest
                else:
                    del self._events[eventName]
                if len(rest) < 4 and self._warned:
                    self._warned.discard(eventName)   # Node warns again past the limit
                if 'removeListener' in self._events:
                    self.emit('removeListener', eventName, _unwrap(fn))
                if eventName in self._watched_events:
                    self._listener_removed(eventName)
                break
        return self

    off = removeListener

    def removeAllListeners(self, eventName: Optional[str] = None) -> 'EventEmitter':
        """Remove every listener of ``eventName``, or of every event when it is omitted."""
        events = self._events
        if 'removeListener' not in events:
            if eventName is None:
                names = list(events)
                events.clear()
                self._warned = None
            else:
                names = [eventName] if events.pop(eventName, None) else []
                if names and self._warned:
                    self._warned.discard(eventName)
            for name in names:
                if name in self._watched_events:
                    self._listener_removed(name)
            return self
        names = [eventName] if eventName is not None else \
            [n for n in list(events) if n != 'removeListener'] + ['removeListener']
        for name in names:
            for fn in reversed(events.get(name, ())[::2]):
                self.removeListener(name, fn)
        if eventName is None:
            events.clear()      # as Node: listeners added by 'removeListener' go too
            self._warned = None
        return self

    # ------------------------------------------------------------------ emitting
    def emit(self, eventName: str, *args: Any) -> bool:
        """Call every listener of ``eventName`` with as many of ``args`` as it accepts;
        True if there were any.  With no 'error' listener, ``emit('error', err)`` raises
        ``err``."""
        if zope.event.subscribers:
            zope.event.notify(Emitted(self, eventName, args))
        listeners = self._events.get(eventName)
        if not listeners:
            if eventName == 'error':
                err = args[0] if args else None
                if isinstance(err, BaseException):
                    raise err
                unhandled = node_error('ERR_UNHANDLED_ERROR', 'undefined' if err is None else repr(err))
                unhandled.context = err     # type: ignore[attr-defined]
                raise unhandled
            return False
        nargs = len(args)
        if len(listeners) == 2:
            fn, accepts = listeners
            if nargs == 1 and accepts:     # a plain call keeps Python from recursing in C
                fn(args[0])
            elif nargs <= accepts:
                fn(*args)
            else:
                fn(*args[:accepts])
        else:
            for i in range(0, len(listeners), 2):
                fn, accepts = listeners[i], listeners[i + 1]
                if nargs <= accepts:
                    fn(*args)
                else:
                    fn(*args[:accepts])
        return True

    # ------------------------------------------------------------------ inspecting
    def listeners(self, eventName: str) -> List[Listener]:
        """A copy of the listeners of ``eventName``, ``once`` wrappers unwrapped."""
        return [_unwrap(fn) for fn in self._events.get(eventName, ())[::2]]

    def rawListeners(self, eventName: str) -> List[Listener]:
        """A copy of the listeners of ``eventName``, ``once`` wrappers included."""
        return list(self._events.get(eventName, ())[::2])

    def listenerCount(self, eventName: str, listener: Optional[Listener] = None) -> int:
        """How many listeners ``eventName`` has (of ``listener`` only, when given)."""
        existing = self._events.get(eventName, ())[::2]
        if listener is None:
            return len(existing)
        return sum(1 for fn in existing if fn is listener or _unwrap(fn) is listener)

    def eventNames(self) -> List[str]:
        """The names of the events that have listeners, in the order first added."""
        return list(self._events)

    def setMaxListeners(self, n: float) -> 'EventEmitter':
        """Warn past ``n`` listeners for one event; 0 means no limit (so does ``inf``)."""
        if not is_number(n):
            raise invalid_arg_type('setMaxListeners', 'of type number', n)
        if n != n or n < 0:
            raise out_of_range('setMaxListeners', '>= 0', n)
        self._max_listeners = n
        return self

    def getMaxListeners(self) -> float:
        """The listener limit: ``setMaxListeners``' value, else ``defaultMaxListeners``."""
        if self._max_listeners is None:
            return EventEmitter.defaultMaxListeners
        return self._max_listeners
