# mypy: disable-error-code="misc"
# (a mixin sets the socket's slots, which mypy looks for in the mixin's own __slots__)
"""``socket.pipe(destination)``: Node's ``Readable.pipe`` for a ``net.Socket``.  A mixin of
:class:`greennet.socket.Socket`, and the :class:`Pipe` that links two ends.

The destination is anything with ``write()``: another socket, any greennet emitter, or a
plain Python writable (a file object, ``io.BytesIO``).  Backpressure is Node's: when
``write()`` returns False the source pauses until the destination's 'drain'.  At the
source's 'end' the destination is ended: ``end()`` when it has one, else (a Python file)
``flush()``, and the file is left open, as closing is its owner's business.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Tuple

from ._options import options as _options
from .events import EventEmitter

__all__ = ['Pipe', 'Piping']


class Pipe:
    """One ``source.pipe(destination)``: its listeners, and taking them off again.

    The listeners are bound methods made once, the destination's only where needed
    (listeners are removed by identity; a bound method is also the cheapest thing to
    call, which 'data' does for every chunk).
    ``detach`` drops them, so a socket piped to itself is freed by reference counting
    once the pipe has come apart, not left to the cycle collector.
    """

    __slots__ = ('source', 'destination', 'end', 'ondata', 'onend', 'ondrain', 'unpipe')

    def __init__(self, source: 'Piping', destination: Any, end: bool) -> None:
        self.source = source
        self.destination = destination
        self.end = end
        self.ondata: Any = self._ondata
        self.onend: Any = self._onend
        self.ondrain: Any = None    # the destination's 'drain' listener, once needed
        self.unpipe: Any = None     # its 'finish'/'close' listener, if it is not a socket

    def _ondata(self, chunk: Any) -> None:
        if self.destination.write(chunk) is False:
            self.source.pause()
            if self.ondrain is None:   # as Node: listen for 'drain' once it is needed
                self.ondrain = self._ondrain
                self.destination.on('drain', self.ondrain)

    def _ondrain(self) -> None:
        if self.source.isPaused():
            self.source.resume()

    def _onend(self) -> None:
        destination = self.destination
        if not self.end:
            self.detach()
        elif hasattr(destination, 'end'):
            destination.end()
        else:                          # a Python file: everything written, left open
            flush = getattr(destination, 'flush', None)
            if flush is not None:
                flush()
            self.detach()

    def detach(self) -> None:
        """Node's unpipe: take the pipe's listeners off both ends; 'unpipe' on the
        destination."""
        if self.ondata is None:
            return
        source, destination = self.source, self.destination
        source.removeListener('data', self.ondata)
        source.removeListener('end', self.onend)
        if self.ondrain is not None:
            destination.removeListener('drain', self.ondrain)
        if isinstance(destination, Piping):
            destination._unpiped_into(self)
        elif self.unpipe is not None:
            destination.removeListener('finish', self.unpipe)
            destination.removeListener('close', self.unpipe)
        self.ondata = self.onend = self.ondrain = self.unpipe = None
        source._unpiped(self)
        if isinstance(destination, EventEmitter):
            destination.emit('unpipe', source)


class Piping:
    """``pipe()``/``unpipe()`` for the socket."""

    __slots__ = ()

    # the pipes out of this socket and into it: tuples (most sockets have one pipe or
    # none, and a 1-tuple is half the size of a list)
    _pipes: Tuple[Pipe, ...]
    _piped_in: Tuple[Pipe, ...]

    def pipe(self, destination: Any, options: Any = None, **kwargs: Any) -> Any:
        """Write everything this socket reads to ``destination``, pausing while the
        destination's buffer is full and resuming on its 'drain'; end it at 'end'
        unless ``end=False``.  Returns ``destination``.

        As Node's ``Readable.pipe``: the pipe comes apart (``unpipe``) when the
        destination finishes or closes, or at 'end' with ``end=False``; the destination
        sees 'pipe' then 'unpipe' with this socket.
        """
        opts = _options(options, kwargs, ('end',), 'pipe') if options or kwargs else {}
        link = Pipe(self, destination, opts.get('end', True))
        if isinstance(destination, Piping):   # our own end hooks: no listeners to add
            destination._piped_in += (link,)
        elif isinstance(destination, EventEmitter):
            link.unpipe = link.detach
            destination.once('finish', link.unpipe)
            destination.once('close', link.unpipe)
        self._pipes += (link,)
        self.on('end', link.onend)      # 'end' comes once; detach() takes it off
        self.on('data', link.ondata)
        if isinstance(destination, EventEmitter):
            destination.emit('pipe', self)
        return destination

    def unpipe(self, destination: Any = None) -> Any:
        """Detach ``destination`` (every destination when omitted) from this socket's
        pipes; with none left the socket pauses.  The destination sees 'unpipe'."""
        for link in self._pipes:
            if destination is None or link.destination is destination:
                link.detach()
        return self

    def _unpiped(self, link: Pipe) -> None:
        if link in self._pipes:
            self._pipes = _without(self._pipes, link)
            if not self._pipes:
                self.pause()

    def _unpiped_into(self, link: Pipe) -> None:
        if link in self._piped_in:
            self._piped_in = _without(self._piped_in, link)

    def _unpipe_inbound(self) -> None:
        """This socket finished or closed: the pipes into it come apart (Node's pipe
        listens for the destination's 'finish' and 'close')."""
        piped_in, self._piped_in = self._piped_in, ()
        for link in piped_in:
            link.detach()

    if TYPE_CHECKING:   # provided by the socket
        def on(self, eventName: str, listener: Any) -> Any:
            raise NotImplementedError

        def removeListener(self, eventName: str, listener: Any) -> Any:
            raise NotImplementedError

        def pause(self) -> Any:
            raise NotImplementedError

        def resume(self) -> Any:
            raise NotImplementedError

        def isPaused(self) -> bool:
            raise NotImplementedError


def _without(links: Tuple[Pipe, ...], link: Pipe) -> Tuple[Pipe, ...]:
    if len(links) == 1:        # the usual: a socket's one pipe
        return ()
    return tuple(other for other in links if other is not link)
