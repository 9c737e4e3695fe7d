"""The greenlets that run user code: reused workers, retired as soon as reusing one
could let something of one connection reach another.

A new greenlet costs more than its object: its first Python frame maps a fresh frame
stack (an ``mmap`` of 16 KiB, page faults, and an ``munmap`` when it dies).  A
connection's handler and the dispatching of its socket's events are short and frequent,
so they run on greenlets from a per-hub list of idle workers (:func:`run_in_worker`):
each job runs in the ``contextvars.Context`` it is given, and the worker goes back to
the list when the job returns.

A worker is reused only if the job left nothing on it.  It is retired (its greenlet
ends) instead when:

* the job **blocked** (a connection's handler that reads, a listener that waits): code
  that ran across switches may have left anything behind, and such a worker has served
  as the connection's own thread of control, as a fresh greenlet would have;
* **anything still holds the worker** once the job returned: its reference count is
  higher than when the job started.  An armed ``gevent.Timeout`` holds the greenlet it
  will throw into, so does a stored ``getcurrent()`` someone may ``kill()`` later, or
  a lock left acquired;
* it picked up **greenlet-local state**: its ``__dict__`` is where gevent keeps the key
  of every ``local`` (``threading.local`` under monkey patching) used in it, and under
  monkey patching ``threading.current_thread()`` registers a thread object for it (by
  the greenlet's id), whose ``name`` a handler may set.

What is thrown into a worker that is idle or retired (a timeout left armed) is dropped,
never raised into another job.
"""
from __future__ import annotations

import logging
import sys
import threading
from typing import Any, Callable, List, Optional, Tuple

from greenlet import getcurrent, greenlet

__all__ = ['run_in_worker', 'job_start', 'clean_after_job', 'idle_worker_count',
           'MAX_IDLE_WORKERS']

log = logging.getLogger('greennet')

#: idle workers kept per hub; beyond that a finished worker exits
MAX_IDLE_WORKERS = 256

_getrefcount = sys.getrefcount
# threading's registry of Thread objects by ident: under monkey patching the ident is the
# greenlet's id, and gevent keeps there (with a weak reference only) the thread object
# current_thread() made for the greenlet, its name and all
_threads = threading._active     # type: ignore[attr-defined]
# a worker's state: running a job, running one that blocked (it retires after it),
# between jobs
_RUNNING, _BLOCKED, _IDLE = 0, 1, 2


class _Worker(greenlet):   # type: ignore[misc]
    """A reusable greenlet: runs one job after another, each in its context."""

    # a slot: the __dict__ must stay empty but for greenlet-locals (no __init__ of
    # its own either, a Python call per worker: run_in_worker sets the state)
    __slots__ = ('state',)

    state: int

    def throw(self, *args: Any) -> Any:
        if self.dead or self.state == _IDLE:   # armed by a job that has finished: not ours
            log.debug('greennet: dropped %r thrown into an idle worker', args[1:2] or args)
            return None
        return greenlet.throw(self, *args)


def idle_worker_count(hub: Any) -> int:
    """How many idle worker greenlets ``hub`` keeps for reuse (a cache, at most
    :data:`MAX_IDLE_WORKERS`; what it holds depends on the most jobs that once ran at
    the same time, not on how many connections came and went)."""
    return len(getattr(hub, '_greennet_workers', ()))


def _idle_workers(hub: Any) -> List[Any]:
    idle = getattr(hub, '_greennet_workers', None)
    if idle is None:
        idle = hub._greennet_workers = []
    return idle


def run_in_worker(hub: Any, fn: Callable[..., Any], args: Tuple[Any, ...],
                  context: Optional[Any]) -> None:
    """Hub only: run ``fn(*args)`` now in an idle worker greenlet (made if none is idle),
    in ``context``; returns when the job finishes or blocks."""
    idle = getattr(hub, '_greennet_workers', None)
    worker = idle.pop() if idle else _Worker(_worker_main, hub)
    worker.state = _RUNNING
    worker.switch(fn, args, context)
    if worker.state == _RUNNING:   # back in the hub with the job unfinished: it blocked
        worker.state = _BLOCKED


def job_start() -> int:
    """A worker, as a job starts: how many references hold it (the hub's frame that
    switched to it, the worker's own frames), for :func:`clean_after_job`."""
    return _getrefcount(getcurrent())


def clean_after_job(held: int) -> bool:
    """A worker, after a job: may it run a job of another connection?  Not if the job
    blocked, left a reference to the worker (``held`` is :func:`job_start`'s count,
    taken at the same depth), or left greenlet-local state on it."""
    count = _getrefcount(getcurrent())
    me = getcurrent()
    return not (me.state == _BLOCKED or count != held or me.__dict__ or id(me) in _threads)


def _worker_main(fn: Any, args: Any, context: Any) -> None:
    me = getcurrent()
    hub = me.parent
    idle = _idle_workers(hub)
    held = job_start()
    while True:
        if context is not None:
            me.gr_context = context
        try:
            # plain calls for the arities used: Python runs them in this same C frame
            # (fn(*args) would nest one), so a handler parked here saves less C stack
            if not args:
                fn()
            elif len(args) == 4:
                fn(args[0], args[1], args[2], args[3])
            else:
                fn(*args)
        except Exception:                  # the callables handle their own errors:
            hub.handle_error(me, *sys.exc_info())   # anything left is a bug; report it
        if context is not None:
            me.gr_context = None
        fn = args = context = None
        reusable = clean_after_job(held) and len(idle) < MAX_IDLE_WORKERS
        me.state = _IDLE
        if not reusable:
            return                         # retired: see the module's docstring
        idle.append(me)
        fn, args, context = hub.switch()
