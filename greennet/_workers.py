"""Greenlets reused across connections and event batches.

A new greenlet costs more than its object: its first Python frame maps a fresh frame
stack (an ``mmap`` of 16 KiB, page faults, and an ``munmap`` when it dies).  Connection
handlers and the dispatching of socket events are short and frequent, so they run on
greenlets from a per-hub free list instead: :func:`run_in_worker` hands a callable to an
idle worker greenlet (making one only when none is idle), and the worker goes back to
the list when the callable returns.  A callable may block; its worker is simply not idle
meanwhile.
"""
from __future__ import annotations

from typing import Any, Callable, List

from greenlet import getcurrent, greenlet

__all__ = ['run_in_worker', 'MAX_IDLE_WORKERS']

#: idle workers kept per hub; beyond that a finished worker exits
MAX_IDLE_WORKERS = 256


def _idle_workers(hub: Any) -> List[Any]:
    idle = getattr(hub, '_greennet_workers', None)
    if idle is None:
        idle = hub._greennet_workers = []
    return idle


def run_in_worker(hub: Any, fn: Callable[..., Any], *args: Any) -> None:
    """Hub only: run ``fn(*args)`` now in an idle worker greenlet (made if none is idle);
    returns when ``fn`` finishes or blocks."""
    idle = getattr(hub, '_greennet_workers', None)
    worker = idle.pop() if idle else greenlet(_worker_main, hub)
    worker.switch(fn, args)


def _worker_main(fn: Any, args: Any) -> None:
    me = getcurrent()
    hub = me.parent
    idle = _idle_workers(hub)
    while True:
        try:
            # a plain call for the usual arities: Python runs it in the same C frame,
            # so a handler parked in this worker saves less of the C stack
            if not args:
                fn()
            elif len(args) == 2:
                fn(args[0], args[1])
            else:
                fn(*args)
        except Exception:                  # the callables handle their own errors:
            hub.handle_error(me, *_exc_info())   # anything left is a bug; report it
        fn = args = None
        if len(idle) >= MAX_IDLE_WORKERS:
            return
        idle.append(me)
        fn, args = hub.switch()


def _exc_info() -> Any:
    import sys
    return sys.exc_info()
