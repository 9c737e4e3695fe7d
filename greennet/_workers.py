"""The greenlets that run user code: a fresh one per connection handler, reused ones
for event dispatch.

A connection's handler runs in a greenlet of its own that dies with it
(:func:`start_task`), so nothing a handler leaves on its greenlet reaches another
connection: greenlet-local state (``gevent.local``, and ``threading.local`` under
monkey patching) is keyed on the greenlet, and a ``gevent.Timeout`` left armed throws
into the greenlet it was started in; thrown into a dead task, it is dropped.

Dispatching a socket's events is short and frequent, and a new greenlet costs an
``mmap``/``munmap`` pair (its first Python frame maps a fresh frame stack), so events
run on reused worker greenlets (:func:`run_in_worker`).  Each callable runs in the
``contextvars.Context`` it is given, and the worker leaves it afterwards.  A worker that
picked up greenlet-local state (its ``__dict__`` is where gevent keeps the key of every
``local`` used in it) is retired, not reused; an exception thrown into an idle worker
(a timeout a listener left armed) is dropped, not raised into the next callable.
"""
from __future__ import annotations

import logging
import sys
from typing import Any, Callable, List, Optional, Tuple

from greenlet import getcurrent, greenlet

__all__ = ['run_in_worker', 'start_task', 'idle_worker_count', 'MAX_IDLE_WORKERS']

log = logging.getLogger('greennet')

#: idle workers kept per hub; beyond that a finished worker exits
MAX_IDLE_WORKERS = 256


class _Task(greenlet):     # type: ignore[misc]
    """A greenlet for one connection's handler; it never runs anything else."""

    __slots__ = ()

    def throw(self, *args: Any) -> Any:
        if self.dead:      # a timeout the handler left armed: nothing left to interrupt
            log.debug('greennet: dropped %r thrown into a finished handler', args[1:2] or args)
            return None
        return greenlet.throw(self, *args)


class _Worker(greenlet):   # type: ignore[misc]
    """A reusable greenlet: runs one callable after another, each in its context."""

    __slots__ = ('idle',)   # a slot: the __dict__ must stay empty but for greenlet-locals

    def __init__(self, run: Callable[..., Any], parent: Any) -> None:
        super().__init__(run, parent)
        self.idle = False

    def throw(self, *args: Any) -> Any:
        if self.dead or self.idle:   # armed by a callable that has finished: not ours
            log.debug('greennet: dropped %r thrown into an idle worker', args[1:2] or args)
            return None
        return greenlet.throw(self, *args)


def start_task(hub: Any, fn: Callable[..., Any], args: Tuple[Any, ...], context: Any) -> None:
    """Hub only: run ``fn(*args)`` now in a new greenlet, in ``context``; returns when
    ``fn`` finishes or blocks.  (A plain function and one tuple: the greenlet keeps
    both for as long as it lives, a bound method and nested tuples would cost more.)"""
    task = _Task(fn, hub)
    task.gr_context = context
    task.switch(*args)


def idle_worker_count(hub: Any) -> int:
    """How many idle worker greenlets ``hub`` keeps for reuse (a cache, at most
    :data:`MAX_IDLE_WORKERS`; what it holds depends on the most dispatches that once ran
    at the same time, not on how many connections came and went)."""
    return len(getattr(hub, '_greennet_workers', ()))


def _idle_workers(hub: Any) -> List[Any]:
    idle = getattr(hub, '_greennet_workers', None)
    if idle is None:
        idle = hub._greennet_workers = []
    return idle


def run_in_worker(hub: Any, fn: Callable[[], Any], context: Optional[Any]) -> None:
    """Hub only: run ``fn()`` now in an idle worker greenlet (made if none is idle), in
    ``context``; returns when ``fn`` finishes or blocks."""
    idle = getattr(hub, '_greennet_workers', None)
    if idle:
        worker = idle.pop()
        worker.idle = False
    else:
        worker = _Worker(_worker_main, hub)
    worker.switch(fn, context)


def _worker_main(fn: Any, context: Any) -> None:
    me = getcurrent()
    hub = me.parent
    idle = _idle_workers(hub)
    while True:
        me.gr_context = context
        try:
            fn()
        except Exception:                  # the callables handle their own errors:
            hub.handle_error(me, *sys.exc_info())   # anything left is a bug; report it
        me.gr_context = None
        fn = context = None
        if me.__dict__ or len(idle) >= MAX_IDLE_WORKERS:
            return                         # greenlet-local state: let it die with us
        me.idle = True
        idle.append(me)
        fn, context = hub.switch()
