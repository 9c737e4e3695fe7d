"""Node's ``stream.finished()`` and ``stream.pipeline()`` for greennet sockets (and, at the
end of a pipeline, any Python writable: a file object, ``io.BytesIO``).

``from greennet.stream import pipeline, finished``.  Both take a ``callback`` as Node's
do; without one they block the calling greenlet until the stream (or the pipeline) is
done and raise its error, which is how a sequential handler wants them.  Built on the
socket's public API only (its events and its stream state), as ``proxy.py`` is.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional

import gevent
from gevent.event import AsyncResult

from .errors import check_callback, invalid_arg_type, node_error
from .events import EventEmitter, call_back

__all__ = ['finished', 'pipeline']


def finished(stream: Any, callback: Optional[Callable[..., Any]] = None, *,
             readable: Optional[bool] = None, writable: Optional[bool] = None) -> Any:
    """Node's ``stream.finished(stream[, options], callback)``: call ``callback(err)`` once
    ``stream`` is done: its readable side ended ('end') and its writable side finished
    ('finish'), or it failed ('error'), or it closed before that (then the error is
    ERR_STREAM_PREMATURE_CLOSE).  ``readable=False``/``writable=False`` leave a side out.

    Returns Node's clean-up function, which removes the listeners it added.  Without a
    callback, blocks the calling greenlet until the stream is done and raises its error.
    """
    if not isinstance(stream, EventEmitter):
        raise invalid_arg_type('stream', 'a greennet stream (an EventEmitter)', stream)
    if callback is None:
        outcome: AsyncResult = AsyncResult()
        finished(stream, lambda err=None: outcome.set(err), readable=readable, writable=writable)
        error = _wait(outcome, stream)
        if error is not None:
            raise error
        return None
    check_callback(callback)
    wants_read = bool(getattr(stream, 'readable', False) or getattr(stream, 'readableEnded', False)) \
        if readable is None else readable
    wants_write = bool(getattr(stream, 'writable', False) or getattr(stream, 'writableFinished', False)) \
        if writable is None else writable
    state = {'ended': bool(getattr(stream, 'readableEnded', False)),
             'finished': bool(getattr(stream, 'writableFinished', False)), 'called': False}

    def done(err: Optional[BaseException] = None) -> None:
        if not state['called']:
            state['called'] = True
            cleanup()
            call_back(callback, err)

    def complete() -> bool:
        return (not wants_read or state['ended']) and (not wants_write or state['finished'])

    def on_end() -> None:
        state['ended'] = True
        if complete():
            done()

    def on_finish() -> None:
        state['finished'] = True
        if complete():
            done()

    def on_error(err: BaseException) -> None:
        done(err)

    def on_close() -> None:
        error = getattr(stream, 'errored', None)
        if error is not None:
            done(error)
        elif complete():
            done()
        else:
            done(node_error('ERR_STREAM_PREMATURE_CLOSE'))

    def cleanup() -> None:
        stream.removeListener('end', on_end)
        stream.removeListener('finish', on_finish)
        stream.removeListener('error', on_error)
        stream.removeListener('close', on_close)

    stream.on('end', on_end)
    stream.on('finish', on_finish)
    stream.on('error', on_error)
    stream.on('close', on_close)
    if getattr(stream, 'closed', False) or complete():   # already done: call back soon
        gevent.spawn(on_close if getattr(stream, 'closed', False) else done)
    return cleanup


def pipeline(*streams: Any, callback: Optional[Callable[..., Any]] = None) -> Any:
    """Node's ``stream.pipeline(source, ...transforms, destination, callback)``: pipe each
    stream into the next; when one fails (or closes too early) every stream is destroyed
    with that error and ``callback(err)`` runs; when the destination is done,
    ``callback(None)``.  Returns the last stream.  Without a callback, blocks until the
    pipeline is done and raises its error.  The destination may be a plain Python
    writable (a file, ``io.BytesIO``): it is flushed at the end and left open."""
    if len(streams) == 1 and isinstance(streams[0], (list, tuple)):
        streams = tuple(streams[0])
    if callback is None and streams and callable(streams[-1]) and \
            not isinstance(streams[-1], EventEmitter) and not hasattr(streams[-1], 'write'):
        streams, callback = streams[:-1], streams[-1]
    if len(streams) < 2:
        raise node_error('ERR_MISSING_ARGS', 'streams')
    if callback is None:
        outcome: AsyncResult = AsyncResult()
        pipeline(*streams, callback=lambda err=None: outcome.set(err))
        error = _wait(outcome, *streams)
        if error is not None:
            raise error
        return streams[-1]
    check_callback(callback)
    called: List[bool] = []
    done_ok: List[int] = []    # streams already finished: an error destroys only the others
    last = len(streams) - 1

    def settle(err: Optional[BaseException]) -> None:
        if called:
            return
        called.append(True)
        if err is not None:
            for index, stream in enumerate(streams):
                destroy = getattr(stream, 'destroy', None)
                if isinstance(stream, EventEmitter) and destroy is not None and index not in done_ok:
                    destroy(err)
        call_back(callback, err)

    def on_done(index: int) -> Callable[..., None]:
        def after(err: Optional[BaseException] = None) -> None:
            if err is None:
                done_ok.append(index)
            if err is not None or index == last:
                settle(err)
            elif index == last - 1 and not isinstance(streams[last], EventEmitter):
                settle(None)    # a Python file at the end: done once its source ended
        return after

    for source, destination in zip(streams[:-1], streams[1:], strict=True):
        source.pipe(destination)    # first: a file at the end is flushed before we are told
    for index, stream in enumerate(streams):
        if isinstance(stream, EventEmitter):
            finished(stream, on_done(index), readable=index < last, writable=index > 0)
    return streams[-1]


def _wait(outcome: 'AsyncResult', *streams: Any) -> Any:
    """The outcome, waited for by the calling greenlet.  Called from a listener of one of
    the streams, it waits through that socket's own blocking wait, which goes on running
    the socket's events (else 'end'/'finish'/'close' could never come)."""
    for stream in streams:
        block_until = getattr(stream, '_block_until', None)   # the socket's own wait
        if block_until is not None and getattr(stream, '_holder', None) is gevent.getcurrent():
            block_until(lambda _stream: outcome.ready())
            break
    return outcome.get()
