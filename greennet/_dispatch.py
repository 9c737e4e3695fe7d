"""One serial executor: an emitter whose events run one at a time, in order, in the
``contextvars.Context`` of the connection they belong to.  Sockets and servers are
:class:`SerialEmitter` subclasses; connecting is one of a socket's events.

The rules (API.md, "The loop" and "One greenlet per connection"):

* **One at a time, in order.**  Work is posted (:meth:`SerialEmitter._post`) and run by
  whichever greenlet holds the object's token (``_holder``).  Only the holder runs this
  object's events, so a listener that blocks delays this object's next events and no
  one else's.  A subclass adds work derived from its state (a socket's buffered data,
  its 'end') through :meth:`_run_more`.
* **Never stalled.**  When the hub sees work and no one holds the token, the object
  is due (:meth:`_kick`): the hub's due objects are run together by a worker greenlet
  from a loop callback (:class:`_DueObjects`), one switch for all the sockets a loop
  iteration made ready.  So a handler that waits on a queue, a lock or
  ``gevent.sleep`` does not hold its socket's events up: they run meanwhile, in
  between the handler's own steps, as Node's callbacks run while an async function
  awaits; and a listener that blocks holds up only its own object (the worker gives
  up the rest of its batch to another).
* **The fast path.**  A greenlet that blocks on this very object (a sequential read,
  ``drain()``) parks as its ``_sleeper`` and the hub's next kick switches straight to it:
  no waiter object, no worker.  It does not run the object's events (a worker does), so
  a timeout armed around the wait can only interrupt the wait.  The token holder may
  block on the object too (a listener calling ``drain()``): it goes on running the
  object's events while it waits (``_parked``), since what it waits for may be one of
  them ('close').
* **Isolation.**  Everything runs in the object's ``_context``: workers enter it for
  each object they run, and a connection's handler (the other place events run, once
  it returned) runs in it.  A ``ContextVar`` set by a connection's handler or
  listener is seen by that connection's later events, never by another connection;
  a worker that a job could have left something on is not reused
  (:mod:`greennet._workers`).
"""
from __future__ import annotations

import contextvars
import sys
from collections import deque
from typing import Any, Callable, Deque, List, Optional, Tuple, cast

from gevent import get_hub
from gevent._hub_primitives import Waiter
from gevent.timeout import Timeout
from greenlet import getcurrent

from ._workers import clean_after_job, job_start, run_in_worker
from .events import EventEmitter

__all__ = ['SerialEmitter']

# What an object with nothing ever posted has as its queue: most of a server's sockets
# never post anything, and an empty list costs 56 bytes each.  _queue() makes the list;
# an empty tuple, so that appending to it by mistake fails loudly.
_NOTHING_POSTED = cast(List[Tuple[Callable[..., Any], Tuple[Any, ...]]], ())


class SerialEmitter(EventEmitter):
    """An :class:`EventEmitter` whose posted work runs serially in its own context."""

    __slots__ = ('_hub', '_loop', '_pending', '_holder', '_parked', '_sleeper', '_waiters',
                 '_kick_scheduled', '_context', '_blocked')

    def __init__(self, context: Optional[contextvars.Context] = None) -> None:
        EventEmitter.__init__(self)
        hub = get_hub()
        self._hub = hub
        self._loop = hub.loop
        # a plain list (an empty deque costs a 64-slot block), made at the first post
        self._pending = _NOTHING_POSTED
        self._holder: Any = None      # the greenlet running this object's events
        self._parked = False          # the holder waits in _block_until, ready for more
        self._sleeper: Any = None     # a greenlet blocked on us, woken by the next kick
        self._waiters: Optional[List[Any]] = None   # more greenlets blocked on us
        self._kick_scheduled = False
        self._context = contextvars.copy_context() if context is None else context
        self._blocked = 0             # greenlets in a blocking call on this object

    # ------------------------------------------------------------ hooks
    def _has_work(self) -> bool:
        """Is there anything to run: posted work, or work derived from the object's
        state (a subclass adds the latter)?"""
        return bool(self._pending)

    def _run_more(self) -> bool:
        """Holder: run the work derived from the object's state until there is none
        left; True if something was posted meanwhile (to run next)."""
        return bool(self._pending)

    def _listener_failed(self, exc: BaseException) -> None:
        """A listener or posted callable raised ``exc``."""
        raise NotImplementedError

    # ------------------------------------------------------------ posting
    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` as this object's next event, after what is pending."""
        pending = self._pending     # _queue(), written out: every post's path
        if pending is _NOTHING_POSTED:
            pending = self._pending = []
        pending.append((fn, args))
        self._wake()

    def _queue(self, fn: Callable[..., Any], args: Tuple[Any, ...]) -> None:
        """Add ``fn(*args)`` after what is pending, without waking anyone (the caller
        wakes once it queued everything)."""
        pending = self._pending
        if pending is _NOTHING_POSTED:
            pending = self._pending = []
        pending.append((fn, args))

    def _wake(self) -> None:
        """Something changed: see that the holder, a dispatcher and every blocked
        greenlet get to look again."""
        current = getcurrent()
        if current is self._hub:
            self._kick()
        elif (current is not self._holder or self._sleeper is not None or self._waiters) \
                and not self._kick_scheduled:
            # the holder itself needs no kick, unless someone waits: it runs what is
            # pending once the listener that posted it returns
            self._kick_scheduled = True
            self._loop.run_callback(self._kick)

    def _kick(self) -> None:
        """Hub only: resume the holder if it is parked here, else start a dispatcher if
        there is work and no holder; then wake every blocked greenlet."""
        self._kick_scheduled = False
        if self._parked:
            self._parked = False
            self._holder.switch()
        elif self._holder is None and self._has_work():
            due = getattr(self._hub, 'greennet_due', None) or _new_due_objects(self._hub)
            due.add(self)
        sleeper = self._sleeper
        if sleeper is not None:
            self._sleeper = None
            sleeper.switch()
        waiters = self._waiters
        if waiters:
            self._waiters = None
            for waiter in waiters:
                waiter.switch(None)

    # ------------------------------------------------------------ running
    def _serve(self) -> None:
        """A dispatcher (in a worker, in our context): run everything, then let go."""
        if self._holder is not None:
            return                 # someone took the token since the kick
        me = getcurrent()
        self._holder = me
        try:
            # _run_pending's loop, written out: this is every dispatch's path
            while True:
                try:
                    while True:
                        pending = self._pending     # made by the first post
                        while pending:
                            fn, args = pending.pop(0)
                            fn(*args)
                        if not self._run_more():
                            break
                    break
                except (Exception, Timeout) as exc:   # a listener raised: it costs this
                    self._listener_failed(exc)         # object only
        except BaseException:   # interrupted (a kill): leave what is left to another
            self._release(me)
            raise
        self._holder = None     # the loop ends only when nothing is left
        if self._sleeper is not None or self._waiters:
            self._wake()        # what the events did may be what they wait for

    def _serve_here(self) -> None:
        """Run what is pending in the calling greenlet if no one else is running this
        object's events (a handler that returned goes on with its socket's events)."""
        if self._holder is None and self._has_work():
            self._serve()

    def _run_pending(self) -> None:
        """Holder only: run posted and state-derived work until there is none."""
        while True:
            try:
                while True:
                    pending = self._pending     # made by the first post
                    while pending:
                        fn, args = pending.pop(0)
                        fn(*args)
                    if not self._run_more():
                        return
            except Exception as exc:   # a listener raised: it costs this object only
                self._listener_failed(exc)
            # (unlike _serve, a gevent.Timeout goes on up: it is the waiting holder's own)

    def _release(self, me: Any) -> None:
        if self._holder is me:
            self._holder = None
            self._parked = False
            if self._has_work() and not self._kick_scheduled:   # left by an interruption
                self._kick_scheduled = True
                self._loop.run_callback(self._kick)

    # ------------------------------------------------------------ blocking
    def _block_until(self, ready: Callable[[Any], Any], timeout: Optional[float] = None) -> bool:
        """Block the calling greenlet until ``ready(self)``; False if ``timeout`` (s)
        passed.  (The predicate takes the object, so that a method's plain function can
        be given: a bound method made per wait costs an allocation, and keeps 64 bytes
        for as long as a sequential reader waits.)

        A greenlet that waits does not run the object's events: a worker does, so a
        timeout armed around this wait (``timeout``, or the caller's ``gevent.Timeout``)
        can only interrupt the wait, never somebody's listener.  The exception is the
        holder itself, a listener that blocks on its own socket (``drain()`` in 'data'):
        it goes on running the socket's events while it waits, since what it waits for
        may be one of them ('close'), and nobody else may run them meanwhile.
        """
        if ready(self):
            return True
        current = getcurrent()
        if current is self._hub:
            raise RuntimeError('greennet: cannot block in the hub (a watcher callback)')
        timer = Timeout._start_new_or_dummy(timeout) if timeout is not None else None
        self._blocked += 1
        try:
            # (not ready yet: each loop looks again once woken)
            if current is self._holder:
                while True:
                    if self._has_work():
                        self._run_pending()    # a holder already runs in our context
                        if ready(self):
                            break
                    self._parked = True
                    self._hub.switch()       # _kick clears _parked as it switches back
                    if ready(self):
                        break
            else:
                while True:
                    if self._sleeper is None:
                        self._sleeper = current
                        self._hub.switch()   # the next kick wakes it (and clears it)
                    else:
                        self._wait_as_waiter()
                    if ready(self):
                        break
            return True
        except Timeout as t:
            if timer is None or t is not timer:
                raise
            return False
        finally:
            self._blocked -= 1
            if self._holder is current:      # a park an exception cut short is undone
                self._parked = False
            if self._sleeper is current:
                self._sleeper = None
            if timer is not None:
                timer.close()

    def _wait_as_waiter(self) -> None:
        waiter = Waiter(self._hub)
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            waiter.get()
        finally:
            if self._waiters and waiter in self._waiters:
                self._waiters.remove(waiter)


#: the most due objects one worker dispatches in a row, between two polls of the loop
_DISPATCH_BATCH = 64


class _DueObjects:
    """A hub's objects whose events are due and that nobody is running: dispatched
    together, by one worker, once the hub has run the watchers that made them due.

    Why together: a switch from the hub into a worker copies the hub's C stack out and
    back in, and costs more than dispatching a message.  Ready sockets are many in
    one loop iteration under load, so they share one switch; and the switch is made
    from a loop callback, where the hub's stack is short.  An object is run by one
    greenlet at a time (its holder); a worker that blocks in an object's listener
    leaves the rest to another worker (see :func:`_dispatch_due`).
    """

    __slots__ = ('hub', 'objects', 'scheduled', 'after_poll', 'budget')

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.objects: Deque[SerialEmitter] = deque()
        self.scheduled = False
        # what runs the rest of a long queue: a timer of 0 s fires once the loop has
        # polled (a loop callback added during the callbacks' pass would run in the same
        # pass, and gevent looks at the clock only every 50 callbacks)
        self.after_poll = hub.loop.timer(0.0)
        self.budget = 0         # how many more objects this batch may start

    def add(self, obj: SerialEmitter) -> None:
        """Hub: ``obj`` has work and no holder: dispatch it with the others due."""
        self.objects.append(obj)
        if not self.scheduled:
            self.scheduled = True
            self.hub.loop.run_callback(self.dispatch)

    def dispatch(self) -> None:
        """Hub (a loop callback, or the timer): run a batch of the due objects in a
        worker; what is left (a batch was full, or the worker blocked in one) goes on
        once the loop has polled, so that timers and other sockets' I/O are served
        between batches (a flood of due objects would otherwise hold them up, and a
        flood of connects overflow a listener's backlog)."""
        self.scheduled = False
        objects = self.objects
        self.budget = _DISPATCH_BATCH
        # a worker returns when the batch is done, or when it blocked in one object
        # (connecting, a listener that waits): the next worker takes the rest at once
        while objects and self.budget > 0:
            try:
                run_in_worker(self.hub, _dispatch_due, (self,), None)
            except BaseException:      # a worker killed by what was thrown into it
                self.hub.handle_error(None, *sys.exc_info())
        if objects and not self.scheduled:
            self.scheduled = True
            self.after_poll.start(self.dispatch)


def _new_due_objects(hub: Any) -> _DueObjects:
    """Make the hub's due objects, its attribute ``greennet_due`` (on first use)."""
    due = hub.greennet_due = _DueObjects(hub)
    return due


def _dispatch_due(due: _DueObjects) -> None:
    """A worker: run each due object's events in its own context, until none is left,
    the batch's budget is spent, or running one more here could let something of one
    object reach the next (see :mod:`greennet._workers`); the hub gives the rest to
    another worker."""
    held = job_start()
    objects = due.objects
    while objects and due.budget > 0:
        due.budget -= 1
        obj = objects.popleft()
        if obj._holder is None:        # else it is run already (_serve checks again)
            obj._context.run(obj._serve)
            if not clean_after_job(held):
                return
