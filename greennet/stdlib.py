"""The stdlib's blocking socket API over a greennet socket, for code written against it.

greennet's first users have code written for blocking sockets: parsers that want a
file, ``socketserver`` handlers, gevent ``StreamServer`` handlers.  This module runs it
unchanged on a :class:`greennet.Socket`, through the socket's *sequential* read and
write path, so the bytes greennet has already buffered are read first and nothing is
lost (wrapping ``sock.fileno()`` in a stdlib socket would bypass those buffers):

* :class:`StdlibSocket` (``sock.as_stdlib_socket()``): a view of the socket shaped like a
  connected ``socket.socket``: ``recv``, ``recv_into``, ``send``, ``sendall``,
  ``shutdown``, ``close``, ``settimeout``/``gettimeout`` (``socket.timeout``, which is
  ``TimeoutError``), ``setblocking``, ``getpeername``, ``getsockname``, ``fileno``,
  ``makefile``, ``setsockopt``/``getsockopt``.
* :func:`makefile` (``sock.makefile(mode, buffering)``): a real ``io`` file object over
  the socket, as ``socket.makefile`` returns: ``readline()``, ``read(n)``,
  ``pickle.load``, ``json.load`` and any parser that wants a file work on it.
* :func:`serve_handler`: a 'connection' listener that runs a ``socketserver`` request
  handler class (``StreamRequestHandler``, ``http.server``'s handlers...) or a
  gevent-style ``handle(socket, address)`` function for every connection.

Everything here uses the socket's public API only (``read``, ``write``, ``drain``,
``end``, ``destroySoon``, ``fileno``, the address properties...).  Reads block the
calling greenlet only; with a 'data' listener attached the socket is flowing and a
read raises ``RuntimeError``, as every sequential read does.
"""
from __future__ import annotations

import contextlib
import errno as _errno
import functools
import inspect
import io
import numbers
import socket as _socket
import socketserver
from typing import Any, Callable, Iterator, Optional, Union

from gevent import Timeout

__all__ = ['StdlibSocket', 'SocketIO', 'makefile', 'serve_handler', 'HandlerServer',
           'connection_listener']

Buffer = Union[bytes, bytearray, memoryview]

_FAMILIES = {'IPv4': _socket.AF_INET, 'IPv6': _socket.AF_INET6}


def _ebadf() -> OSError:
    return OSError(_errno.EBADF, 'Bad file descriptor')


# ==================================================================== the socket view

class StdlibSocket:
    """A connected ``socket.socket``, as code written for the stdlib sees one, over a
    greennet socket's buffers (``sock.as_stdlib_socket()``).

    Reads are the socket's sequential reads, writes are ``write()`` then ``drain()``
    (so a slow peer applies backpressure here as a full kernel buffer does to a stdlib
    socket).  The timeout starts as ``socket.getdefaulttimeout()``, as a new stdlib
    socket's does; a timed-out call raises ``socket.timeout`` (``TimeoutError``), and
    with a timeout of 0 (``setblocking(False)``) a call that would wait raises
    ``BlockingIOError``.  ``close()`` ends the connection once what was written is
    flushed (``destroySoon()``), and, as with a stdlib socket, only once every file
    from :meth:`makefile` is closed too.  Several views of one greennet socket share its
    buffers; each has its own timeout.
    """

    type = _socket.SOCK_STREAM
    proto = 0

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._timeout: Optional[float] = _socket.getdefaulttimeout()
        self._closed = False
        self._read_shut = False
        self._io_refs = 0
        self.family = self._detect_family()

    def _detect_family(self) -> int:
        if self._sock.fileno() >= 0:
            with contextlib.suppress(OSError), self._on_fd() as fd_sock:
                return int(fd_sock.family)
        return _FAMILIES.get(self._sock.remoteFamily or self._sock.localFamily, _socket.AF_INET)

    def __repr__(self) -> str:
        state = 'closed' if self._closed else f'fd={self._sock.fileno()}'
        return f'<greennet.stdlib.StdlibSocket {state} of {self._sock!r}>'

    @property
    def greennet_socket(self) -> Any:
        """The :class:`greennet.Socket` this is a view of (its events still fire)."""
        return self._sock

    # ---------------------------------------------------------------- timeouts
    def settimeout(self, value: Optional[float]) -> None:
        """Seconds a blocking call may wait before raising ``socket.timeout``; None
        waits for ever, 0 makes the view non-blocking."""
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f'Timeout value must be int, float or None, not {type(value).__name__}')
            value = float(value)
            if not value >= 0:
                raise ValueError('Timeout value out of range')
        self._timeout = value

    def gettimeout(self) -> Optional[float]:
        """The timeout in seconds, or None."""
        return self._timeout

    @property
    def timeout(self) -> Optional[float]:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        """``settimeout(None)`` when true, ``settimeout(0.0)`` when false."""
        self._timeout = None if flag else 0.0

    def getblocking(self) -> bool:
        return self._timeout != 0.0

    def _timed(self, call: Callable[..., Any], *args: Any) -> Any:
        """``call(*args)``, bounded by the view's timeout (raised as the stdlib does)."""
        timeout = self._timeout
        if timeout is None:
            return call(*args)
        timer = Timeout(timeout)
        timer.start()
        try:
            return call(*args)
        except Timeout as exc:
            if exc is not timer:
                raise
            if timeout == 0:
                raise BlockingIOError(_errno.EAGAIN, 'Resource temporarily unavailable') from None
            raise _socket.timeout('timed out') from None
        finally:
            timer.close()

    # ---------------------------------------------------------------- reading
    def _check_open(self) -> None:
        if self._closed:
            raise _ebadf()

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Up to ``bufsize`` bytes as soon as any are there; ``b''`` at the end of the
        stream.  Bytes greennet has buffered come first."""
        self._check_open()
        _check_flags(flags)
        if bufsize < 0:
            raise ValueError('negative buffersize in recv')
        return self._recv(bufsize)

    def _recv(self, bufsize: int) -> bytes:
        # files from makefile() read on after close(), as the stdlib's do
        if bufsize == 0 or self._read_shut:
            return b''
        return bytes(self._timed(self._sock.read, bufsize))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        """``recv()`` into ``buffer`` (up to ``nbytes``, or its length); returns the
        number of bytes stored."""
        self._check_open()
        _check_flags(flags)
        return self._recv_into(buffer, nbytes)

    def _recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        view = memoryview(buffer).cast('B')
        if nbytes < 0:
            raise ValueError('negative buffersize in recv_into')
        if nbytes > len(view):
            raise ValueError('buffer too small for requested bytes')
        data = self._recv(nbytes or len(view))
        view[:len(data)] = data
        return len(data)

    # ---------------------------------------------------------------- writing
    def sendall(self, data: Buffer, flags: int = 0) -> None:
        """Send all of ``data``: it is written to the socket, then this waits while the
        socket's write buffer is over its high-water mark (``drain()``)."""
        self._check_open()
        _check_flags(flags)
        self._sendall(data)

    def _sendall(self, data: Buffer) -> None:
        sock = self._sock
        if not sock.writable:
            if sock.errored is not None:
                raise sock.errored
            raise BrokenPipeError(_errno.EPIPE, 'Broken pipe')
        payload = bytes(data)          # the caller may reuse its buffer (io's writers do)
        if payload:
            sock.write(payload)
        self._timed(sock.drain)

    def send(self, data: Buffer, flags: int = 0) -> int:
        """``sendall()``, returning how many bytes were sent (all of them)."""
        size = memoryview(data).nbytes
        self.sendall(data, flags)
        return size

    # ---------------------------------------------------------------- closing
    def shutdown(self, how: int) -> None:
        """``SHUT_WR``: end the stream once what was written is flushed (``end()``);
        ``SHUT_RD``: later reads return ``b''``; ``SHUT_RDWR``: both."""
        self._check_open()
        if how not in (_socket.SHUT_RD, _socket.SHUT_WR, _socket.SHUT_RDWR):
            raise OSError(_errno.EINVAL, 'Invalid argument')
        sock = self._sock
        if sock.destroyed:
            raise OSError(_errno.ENOTCONN, 'Transport endpoint is not connected')
        if how != _socket.SHUT_WR:
            self._read_shut = True
        if how != _socket.SHUT_RD and sock.writable:
            sock.end()

    def close(self) -> None:
        """Close the view; the connection ends (what was written is flushed first) once
        no file from :meth:`makefile` is open either, as with a stdlib socket."""
        if self._closed:
            return
        self._closed = True
        if self._io_refs <= 0:
            self._real_close()

    def _decref_socketios(self) -> None:
        """A file from :meth:`makefile` was closed (the stdlib's name for this)."""
        if self._io_refs > 0:
            self._io_refs -= 1
        if self._closed and self._io_refs == 0:
            self._real_close()

    def _real_close(self) -> None:
        if not self._sock.destroyed:
            self._sock.destroySoon()

    def __enter__(self) -> 'StdlibSocket':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ---------------------------------------------------------------- files
    def makefile(self, mode: str = 'r', buffering: Optional[int] = None, *,
                 encoding: Optional[str] = None, errors: Optional[str] = None,
                 newline: Optional[str] = None) -> Any:
        """A file object over this view, as ``socket.makefile`` makes: ``mode`` is 'r',
        'w' or 'rw', with 'b' for bytes; ``buffering`` as ``open()``'s (0: raw, binary
        only).  Closing the file does not close the socket."""
        if not set(mode) <= {'r', 'w', 'b'}:
            raise ValueError(f'invalid mode {mode!r} (only r, w, b allowed)')
        writing = 'w' in mode
        reading = 'r' in mode or not writing
        binary = 'b' in mode
        rawmode = ('r' if reading else '') + ('w' if writing else '')
        raw = SocketIO(self, rawmode)
        self._io_refs += 1
        if buffering is None:
            buffering = -1
        if buffering < 0:
            buffering = io.DEFAULT_BUFFER_SIZE
        if buffering == 0:
            if not binary:
                raise ValueError('unbuffered streams must be binary')
            return raw
        buffer: Any
        if reading and writing:
            buffer = io.BufferedRWPair(raw, raw, buffering)
        elif reading:
            buffer = io.BufferedReader(raw, buffering)
        else:
            buffer = io.BufferedWriter(raw, buffering)
        if binary:
            return buffer
        text = io.TextIOWrapper(buffer, io.text_encoding(encoding), errors, newline)
        text.mode = mode       # type: ignore[misc]   # as socket.makefile sets it
        return text

    # ---------------------------------------------------------------- addresses, options
    def fileno(self) -> int:
        """The OS descriptor (-1 once closed)."""
        return -1 if self._closed else int(self._sock.fileno())

    @contextlib.contextmanager
    def _on_fd(self) -> Iterator[_socket.socket]:
        """A stdlib socket object on the descriptor, for what only the kernel knows
        (it is detached again: the descriptor stays greennet's)."""
        fd = self._sock.fileno()
        if fd < 0:
            raise _ebadf()
        fd_sock = _socket.socket(fileno=fd)
        try:
            yield fd_sock
        finally:
            fd_sock.detach()

    def _address(self, address: Optional[str], port: Optional[int], family: Optional[str],
                 which: str) -> Any:
        self._check_open()
        if self.family == _socket.AF_UNIX:
            with self._on_fd() as fd_sock:
                return getattr(fd_sock, which)()
        if address is None:
            if self._sock.destroyed:
                raise _ebadf()
            raise OSError(_errno.ENOTCONN, 'Transport endpoint is not connected')
        return (address, port, 0, 0) if family == 'IPv6' else (address, port)

    def getpeername(self) -> Any:
        """The peer's address as the stdlib gives it (``(host, port)``, or
        ``(host, port, flowinfo, scope_id)`` for IPv6): greennet's ``remoteAddress`` and
        ``remotePort``, so behind the PROXY protocol it is the real client."""
        sock = self._sock
        return self._address(sock.remoteAddress, sock.remotePort, sock.remoteFamily, 'getpeername')

    def getsockname(self) -> Any:
        """The local address, as ``getpeername()`` gives the peer's."""
        sock = self._sock
        return self._address(sock.localAddress, sock.localPort, sock.localFamily, 'getsockname')

    def setsockopt(self, level: int, optname: int, value: Any, optlen: Optional[int] = None) -> None:
        """Set a socket option on the descriptor; TCP_NODELAY goes through
        ``setNoDelay()``, so that greennet knows it."""
        self._check_open()
        if (level, optname) == (_socket.IPPROTO_TCP, _socket.TCP_NODELAY) and \
                self.family != _socket.AF_UNIX and optlen is None:
            self._sock.setNoDelay(bool(value))
            return
        with self._on_fd() as fd_sock:
            if optlen is None:
                fd_sock.setsockopt(level, optname, value)
            else:
                fd_sock.setsockopt(level, optname, None, optlen)

    def getsockopt(self, level: int, optname: int, buflen: Optional[int] = None) -> Any:
        """A socket option, as the kernel has it."""
        self._check_open()
        with self._on_fd() as fd_sock:
            if buflen is None:
                return fd_sock.getsockopt(level, optname)
            return fd_sock.getsockopt(level, optname, buflen)


def _check_flags(flags: int) -> None:
    if flags:
        raise ValueError(f'greennet: socket flags are not supported on a greennet socket ({flags})')


# ==================================================================== files

class SocketIO(io.RawIOBase):
    """Raw I/O over a :class:`StdlibSocket`, as the stdlib's ``socket.SocketIO``:
    ``readinto`` is the socket's sequential ``read(n)``, ``write`` is ``write()`` then
    ``drain()``.  Closing it does not close the socket."""

    def __init__(self, view: StdlibSocket, mode: str) -> None:
        if mode not in ('r', 'w', 'rw', 'rb', 'wb', 'rwb'):
            raise ValueError(f'invalid mode: {mode!r}')
        super().__init__()
        self._view: Optional[StdlibSocket] = view
        self._mode = mode if 'b' in mode else mode + 'b'
        self._reading = 'r' in mode
        self._writing = 'w' in mode
        self._timeout_occurred = False

    def _open_view(self) -> StdlibSocket:
        if self.closed or self._view is None:
            raise ValueError('I/O operation on closed socket.')
        return self._view

    def readinto(self, b: Any) -> Optional[int]:
        """Read up to ``len(b)`` bytes into ``b``: what greennet has buffered, or as
        soon as any arrive; 0 at the end of the stream."""
        view = self._open_view()
        if not self._reading:
            raise io.UnsupportedOperation('not readable')
        if self._timeout_occurred:      # the stdlib's rule: a timed-out read may have lost data
            raise OSError('cannot read from timed out object')
        try:
            return view._recv_into(b)
        except _socket.timeout:
            self._timeout_occurred = True
            raise
        except BlockingIOError:
            return None

    def write(self, b: Any) -> Optional[int]:
        """Write all of ``b`` (then wait while the socket's buffer is over its mark);
        returns ``len(b)``."""
        view = self._open_view()
        if not self._writing:
            raise io.UnsupportedOperation('not writable')
        try:
            view._sendall(b)
        except BlockingIOError:
            return None
        return memoryview(b).nbytes

    def readable(self) -> bool:
        self._open_view()
        return self._reading

    def writable(self) -> bool:
        self._open_view()
        return self._writing

    def seekable(self) -> bool:
        self._open_view()
        return False

    def fileno(self) -> int:
        return int(self._open_view()._sock.fileno())

    @property
    def name(self) -> int:
        return self.fileno() if not self.closed else -1

    @property
    def mode(self) -> str:
        return self._mode

    def close(self) -> None:
        """Close the file; the socket stays open (unless its view was closed and this
        was its last file, as with a stdlib socket)."""
        if self.closed:
            return
        super().close()
        view, self._view = self._view, None
        if view is not None:
            view._decref_socketios()


def makefile(sock: Any, mode: str = 'r', buffering: Optional[int] = None, *,
             encoding: Optional[str] = None, errors: Optional[str] = None,
             newline: Optional[str] = None) -> Any:
    """``sock.makefile()``: a file object over a greennet socket, as ``socket.makefile``
    returns for a stdlib socket (see :meth:`StdlibSocket.makefile`).  The file blocks
    for ever (no timeout); closing it leaves the socket open."""
    return StdlibSocket(sock).makefile(mode, buffering, encoding=encoding, errors=errors,
                                       newline=newline)


# ==================================================================== legacy handlers

class HandlerServer:
    """What a ``socketserver`` request handler sees as ``self.server``: the handler
    class, the address connections arrive at (``server_address``, ``server_name``,
    ``server_port``, from the latest connection's local address), and whatever
    attributes were given to :func:`serve_handler`."""

    def __init__(self, handler_class: Any, **attributes: Any) -> None:
        self.RequestHandlerClass = handler_class
        self.server_address: Any = None
        self.server_name: Optional[str] = None
        self.server_port: Optional[int] = None
        self.timeout: Optional[float] = None
        self.__dict__.update(attributes)

    def _arrived_at(self, address: Any) -> None:
        if address is None:
            return
        self.server_address = address
        if isinstance(address, tuple):
            self.server_name, self.server_port = address[0], address[1]
        else:
            self.server_name, self.server_port = address, None

    def __repr__(self) -> str:
        return f'<greennet.stdlib.HandlerServer {self.RequestHandlerClass!r} at {self.server_address!r}>'


def _is_request_handler(target: Any) -> bool:
    while isinstance(target, functools.partial):
        target = target.func
    return isinstance(target, type) and issubclass(target, socketserver.BaseRequestHandler)


def _takes_socket_and_address(target: Any) -> bool:
    """True for a gevent-style ``handle(socket, address)``: two positional parameters
    are required (and not ``*args``)."""
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return False
    required = 0
    for param in signature.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            return False
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD) and \
                param.default is param.empty:
            required += 1
    return required == 2


def _address_or_none(get: Callable[[], Any]) -> Any:
    """An address of a connection that may be gone already (a client that connected and
    reset at once): its handler then reads the end of the stream, as a stdlib server's
    handler does."""
    try:
        return get()
    except OSError:
        return None


def serve_handler(target: Any, **server_attributes: Any) -> Callable[[Any], None]:
    """A 'connection' listener that runs legacy per-connection code unchanged, in the
    connection's own greenlet:

    * a ``socketserver.BaseRequestHandler`` subclass (``StreamRequestHandler``,
      ``http.server.SimpleHTTPRequestHandler``..., or a ``functools.partial`` of one):
      made for every connection as ``socketserver`` makes it, ``HandlerClass(request,
      client_address, server)``, with ``request`` the connection's
      :class:`StdlibSocket`, ``client_address`` its ``getpeername()`` (the real client
      behind the PROXY protocol) and ``server`` a :class:`HandlerServer` (which carries
      ``server_attributes``); ``setup()``, ``handle()`` and ``finish()`` run as in
      ``socketserver``, then the connection is shut down and closed as
      ``socketserver``'s ``shutdown_request()`` does;
    * a gevent-style function ``handle(socket, address)`` (``gevent.server.
      StreamServer``'s): called with the :class:`StdlibSocket` and the peer's address;
      the connection is closed when it returns, as ``StreamServer`` closes it.

    An exception from the handler destroys that connection with it (logged when nobody
    listens for its 'error'), as for any greennet handler; the server goes on.
    """
    if _is_request_handler(target):
        server = HandlerServer(target, **server_attributes)

        def run_request_handler(sock: Any) -> None:
            request = StdlibSocket(sock)
            client_address = _address_or_none(request.getpeername)
            server._arrived_at(_address_or_none(request.getsockname))
            target(request, client_address, server)
            with contextlib.suppress(OSError):      # socketserver's shutdown_request()
                request.shutdown(_socket.SHUT_WR)
            request.close()

        run_request_handler.server = server  # type: ignore[attr-defined]
        return run_request_handler
    if server_attributes:
        raise TypeError('greennet: server attributes are for socketserver handler classes')
    if not callable(target):
        raise TypeError(f'greennet: serve_handler() needs a socketserver handler class or a '
                        f'function handle(socket, address), not {type(target).__name__}')

    def run_function(sock: Any) -> None:
        request = StdlibSocket(sock)
        try:
            target(request, _address_or_none(request.getpeername))
        finally:
            request.close()

    return run_function


def connection_listener(target: Any) -> Callable[..., Any]:
    """``target`` as a 'connection' listener: :func:`serve_handler` of it for a
    ``socketserver`` handler class or a function ``handle(socket, address)``, the
    function itself otherwise (a Node-style ``handler(sock)``)."""
    if _is_request_handler(target) or (not isinstance(target, type) and _takes_socket_and_address(target)):
        return serve_handler(target)
    return target  # type: ignore[no-any-return]
