"""Node's errors, as Python exceptions.

Every error greennet raises or emits carries Node's ``.code``.  Two families:

* Node's own codes (``ERR_SERVER_ALREADY_LISTEN``, ``ERR_INVALID_ARG_TYPE``, ...) are
  :class:`NodeError` subclasses that are also the Python class that fits: a bad type is
  a ``TypeError``, a bad value or range a ``ValueError``, a state error a
  ``RuntimeError``.
* System errors (``ECONNREFUSED``, ``EADDRINUSE``, ...) are :class:`NodeSystemError`,
  which is also the matching ``OSError`` subclass (``ConnectionRefusedError`` for
  ``ECONNREFUSED``), with ``errno``, ``syscall``, ``address`` and ``port`` set as Node
  sets them (``errno`` keeps Python's positive number).
"""
from __future__ import annotations

import errno as _errno
import os as _os
import socket as _socket
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

__all__ = [
    'NodeError', 'NodeTypeError', 'NodeValueError', 'NodeStateError', 'NodeTimeoutError',
    'NodeSystemError', 'AbortError', 'AggregateError', 'IncompleteReadError', 'LimitOverrunError',
    'node_error', 'system_error', 'CODES',
]


class NodeError(Exception):
    """Base of every greennet error; ``.code`` is Node's error code."""

    code: str = 'ERR_UNKNOWN'

    def __init__(self, message: str = '', code: Optional[str] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class NodeTypeError(NodeError, TypeError):
    """A Node error thrown for an argument of the wrong type."""


class NodeValueError(NodeError, ValueError):
    """A Node error thrown for an argument with a bad value or out of range."""


class NodeStateError(NodeError, RuntimeError):
    """A Node error for an operation the object's state does not allow."""


class NodeTimeoutError(NodeError, TimeoutError):
    """A Node error for an operation that ran out of time."""


class AbortError(NodeError):
    """Node's AbortError: an operation stopped by an ``AbortSignal`` (code ``ABORT_ERR``)."""

    code = 'ABORT_ERR'

    def __init__(self, message: str = 'The operation was aborted', cause: Any = None) -> None:
        super().__init__(message)
        self.cause = cause


class AggregateError(NodeError, ExceptionGroup):
    """Node's AggregateError: several errors at once (every failed connection attempt).

    An ``ExceptionGroup``; ``.errors`` lists the errors as Node's ``AggregateError``
    does, and ``.code`` is the first error's code, as Node sets it.
    """

    code = 'ERR_AGGREGATE'

    def __new__(cls, errors: Any, message: str = '') -> 'AggregateError':
        return super().__new__(cls, message or 'All connection attempts failed', list(errors))

    def __init__(self, errors: Any, message: str = '') -> None:
        # ExceptionGroup's __init__, not NodeError's (which would take the list for a code)
        ExceptionGroup.__init__(self, message or 'All connection attempts failed', list(errors))
        first = getattr(self.exceptions[0], 'code', None)
        if isinstance(first, str):
            self.code = first

    def derive(self, excs: Any) -> 'AggregateError':  # type: ignore[override]
        return AggregateError(excs, self.message)

    def __reduce__(self) -> Any:
        return (AggregateError, (list(self.exceptions), self.message), self.__dict__)

    @property
    def errors(self) -> List[BaseException]:
        return list(self.exceptions)

    @property
    def message(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return self.message


class IncompleteReadError(NodeError, EOFError):
    """The stream ended before ``readexactly(n)`` or ``readuntil()`` was satisfied.

    As asyncio's: ``.partial`` holds the bytes read before the end, ``.expected`` the
    number wanted (``None`` for ``readuntil``).
    """

    code = 'ERR_STREAM_PREMATURE_CLOSE'

    def __init__(self, partial: bytes, expected: Optional[int]) -> None:
        want = 'undefined' if expected is None else str(expected)
        super().__init__(f'{len(partial)} bytes read on a total of {want} expected bytes')
        self.partial = partial
        self.expected = expected

    def __reduce__(self) -> Any:
        return (type(self), (self.partial, self.expected), self.__dict__)


class LimitOverrunError(NodeError, ValueError):
    """A ``readline()``/``readuntil()`` went past the socket's ``limit`` (asyncio's
    meaning and message).  ``.consumed`` is how many bytes may be taken before the
    separator could start; every byte stays buffered.  A ``ValueError``, so code written
    for asyncio's ``readline()`` (which raises ``ValueError``) catches it too."""

    code = 'ERR_STREAM_LIMIT_OVERRUN'

    def __init__(self, message: str, consumed: int) -> None:
        super().__init__(message)
        self.consumed = consumed

    def __reduce__(self) -> Any:
        return (type(self), (self.message, self.consumed), self.__dict__)


# code -> (class, message template); templates use str.format with the call's args,
# and ``{kind}``: 'property' for a dotted name ('options.host'), else 'argument'.
CODES: Dict[str, Tuple[Type[NodeError], str]] = {
    'ERR_INVALID_ARG_TYPE': (NodeTypeError, 'The "{0}" {kind} must be {1}. Received {2}'),
    'ERR_INVALID_ARG_VALUE': (NodeValueError, "The {kind} '{0}' {2}. Received {1}"),
    'ERR_UNKNOWN_OPTION': (NodeTypeError, "Unknown option '{0}' for {1}"),
    'ERR_OUT_OF_RANGE': (NodeValueError, 'The value of "{0}" is out of range. It must be {1}. Received {2}'),
    'ERR_SOCKET_BAD_PORT': (NodeValueError, '{0} should be >= 0 and < 65536. Received {1}.'),
    'ERR_INVALID_IP_ADDRESS': (NodeValueError, 'Invalid IP address: {0}'),
    'ERR_INVALID_ADDRESS_FAMILY': (NodeValueError, 'Invalid address family: {0} {1}:{2}'),
    'ERR_MISSING_ARGS': (NodeTypeError, 'The "{0}" argument must be specified'),
    'ERR_INVALID_FD_TYPE': (NodeTypeError, 'Unsupported fd type: {0}'),
    'ERR_INVALID_HANDLE_TYPE': (NodeTypeError, 'This handle type cannot be sent'),
    'ERR_SERVER_ALREADY_LISTEN': (NodeStateError,
                                  'Listen method has been called more than once without closing.'),
    'ERR_SERVER_NOT_RUNNING': (NodeStateError, 'Server is not running.'),
    'ERR_SOCKET_CLOSED': (NodeStateError, 'Socket is closed'),
    'ERR_SOCKET_CLOSED_BEFORE_CONNECTION': (NodeStateError,
                                            'Socket closed before the connection was established'),
    'ERR_SOCKET_CONNECTING': (NodeStateError, 'Socket is already connecting or connected'),
    'ERR_SOCKET_CONNECTION_TIMEOUT': (NodeTimeoutError, 'Socket connection timeout'),
    'ERR_STREAM_WRITE_AFTER_END': (NodeStateError, 'write after end'),
    'ERR_STREAM_DESTROYED': (NodeStateError, 'Cannot call {0} after a stream was destroyed'),
    'ERR_STREAM_ALREADY_FINISHED': (NodeStateError, 'Cannot call {0} after a stream was finished'),
    'ERR_STREAM_PREMATURE_CLOSE': (NodeStateError, 'Premature close'),
    'ERR_STREAM_UNSHIFT_AFTER_END_EVENT': (NodeStateError, 'stream.unshift() after end event'),
    'ERR_UNHANDLED_ERROR': (NodeStateError, 'Unhandled error. ({0})'),
    'ERR_IP_BLOCKED': (NodeStateError, 'IP({0}) is blocked by net.BlockList'),
    'ERR_UNKNOWN_ENCODING': (NodeTypeError, 'Unknown encoding: {0}'),
    'ERR_INVALID_THIS': (NodeTypeError, 'Value of "this" must be of type {0}'),
}


def node_error(code: str, *args: Any) -> NodeError:
    """Make the error Node throws for ``code``, its message filled from ``args``."""
    cls, template = CODES[code]
    kind = 'property' if args and '.' in str(args[0]) else 'argument'
    try:
        message = template.format(*args, kind=kind)
    except IndexError:
        message = template
    return cls(message, code)


def describe(value: Any) -> str:
    """How Node's messages show a received value ("Received type number (42)")."""
    if value is None:
        return 'undefined'
    if isinstance(value, bool):
        return f'type boolean ({str(value).lower()})'
    if isinstance(value, (int, float)):
        return f'type number ({js_number(value)})'
    if isinstance(value, str):
        shown = value if len(value) <= 28 else value[:25] + '...'
        return f'type string ({shown!r})'
    if callable(value):
        return f'function {getattr(value, "__name__", "anonymous")}'
    return f'an instance of {type(value).__name__}'


def invalid_arg_type(name: str, expected: str, value: Any) -> NodeError:
    return node_error('ERR_INVALID_ARG_TYPE', name, expected, describe(value))


def invalid_arg_value(name: str, value: Any, reason: str = 'is invalid') -> NodeError:
    return node_error('ERR_INVALID_ARG_VALUE', name, repr(value), reason)


def out_of_range(name: str, expected: str, value: Any) -> NodeError:
    """Node's ERR_OUT_OF_RANGE; integers past 2**32 are shown as ``1_099_511_627_776``."""
    shown = repr(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = js_number(value)
        if isinstance(value, int) or value.is_integer():
            shown = f'{int(value):_}' if abs(value) > 2 ** 32 else shown
    return node_error('ERR_OUT_OF_RANGE', name, expected, shown)


def js_number(value: float) -> str:
    """A number as JavaScript prints it: ``NaN``, ``Infinity``, ``5`` for 5.0."""
    if isinstance(value, float):
        if value != value:
            return 'NaN'
        if value in (float('inf'), float('-inf')):
            return 'Infinity' if value > 0 else '-Infinity'
        if value.is_integer():
            return str(int(value))
    return repr(value)


# ---------------------------------------------------------------- system errors

class NodeSystemError(NodeError, OSError):
    """A failed system call, as Node reports it: ``code`` ('ECONNREFUSED'), ``errno``,
    ``syscall`` ('connect'), and where they apply ``address`` and ``port``.

    Instances are also the ``OSError`` subclass Python uses for that errno, so
    ``except ConnectionRefusedError`` works.
    """

    syscall: Optional[str] = None
    address: Optional[str] = None
    port: Optional[int] = None
    hostname: Optional[str] = None

    def __init__(self, err: int, message: str, code: str) -> None:
        OSError.__init__(self, err, message)
        self.code = code
        self._message = message

    def __str__(self) -> str:
        return self._message

    def __reduce__(self) -> Any:
        # state: the code, message and hostname a lookup error sets, and any user field
        return (system_error, (self.errno, self.syscall, self.address, self.port, self.code),
                self.__dict__)


_system_classes: Dict[Type[OSError], Type[NodeSystemError]] = {}


def _system_class(err: int, builtin: Optional[Type[OSError]] = None) -> Type[NodeSystemError]:
    if builtin is None:
        builtin = type(OSError(err, ''))     # Python's own errno -> subclass mapping
    if builtin is OSError:
        return NodeSystemError
    cls = _system_classes.get(builtin)
    if cls is None:
        cls = type(builtin.__name__, (NodeSystemError, builtin),
                   {'__module__': __name__, '__doc__': NodeSystemError.__doc__})
        _system_classes[builtin] = cls
    return cls


# libuv's wording (uv_strerror), which Node puts in the messages of failed listens.
UV_MESSAGES: Dict[str, str] = {
    'EACCES': 'permission denied', 'EADDRINUSE': 'address already in use',
    'EADDRNOTAVAIL': 'address not available', 'EAFNOSUPPORT': 'address family not supported',
    'EAGAIN': 'resource temporarily unavailable', 'EBADF': 'bad file descriptor',
    'ECONNABORTED': 'software caused connection abort', 'ECONNREFUSED': 'connection refused',
    'ECONNRESET': 'connection reset by peer', 'EEXIST': 'file already exists',
    'EHOSTUNREACH': 'host is unreachable', 'EINVAL': 'invalid argument', 'EIO': 'i/o error',
    'EISDIR': 'illegal operation on a directory', 'EMFILE': 'too many open files',
    'ENAMETOOLONG': 'name too long', 'ENETUNREACH': 'network is unreachable',
    'ENFILE': 'file table overflow', 'ENOBUFS': 'no buffer space available',
    'ENOENT': 'no such file or directory', 'ENOMEM': 'not enough memory',
    'ENOSPC': 'no space left on device', 'ENOTDIR': 'not a directory',
    'ENOTSOCK': 'socket operation on non-socket', 'ENOTSUP': 'operation not supported on socket',
    'EPERM': 'operation not permitted', 'EPIPE': 'broken pipe',
    'EPROTONOSUPPORT': 'protocol not supported', 'EROFS': 'read-only file system',
    'ETIMEDOUT': 'connection timed out',
}


def errno_code(err: int) -> str:
    """Node's code for an errno: its symbolic name ('ECONNRESET')."""
    return _errno.errorcode.get(err, 'UNKNOWN')


def system_error(err: int, syscall: str, address: Optional[str] = None,
                 port: Optional[int] = None, code: Optional[str] = None) -> NodeSystemError:
    """The error Node emits for a failed system call: ``connect ECONNREFUSED 127.0.0.1:80``;
    for ``listen``, with libuv's words as Node has them:
    ``listen EADDRINUSE: address already in use 127.0.0.1:80``."""
    code = code or errno_code(err)
    message = f'{syscall} {code}'
    if syscall == 'listen':
        message += ': ' + (UV_MESSAGES.get(code) or _os.strerror(err).lower())
    if address is not None:
        message += f' {address}:{port}' if port is not None else f' {address}'
    builtin = _socket.gaierror if syscall == 'getaddrinfo' else None
    exc = _system_class(err, builtin)(err, message, code)
    exc.syscall = syscall
    exc.address = address
    exc.port = port
    return exc


def from_oserror(exc: OSError, syscall: str, address: Optional[str] = None,
                 port: Optional[int] = None) -> NodeError:
    """Turn an ``OSError`` from the socket module into Node's error for ``syscall``."""
    if isinstance(exc, NodeError):
        return exc
    err = exc.errno if exc.errno is not None else _errno.EIO
    out = system_error(err, syscall, address, port)
    out.__cause__ = exc
    return out


def lookup_error(hostname: str, err: Optional[int] = None) -> NodeSystemError:
    """Node's dns error: ``getaddrinfo ENOTFOUND example.invalid`` with ``.hostname``.

    Also a ``socket.gaierror``, as Python's own failed lookup is; ``errno`` is the
    resolver's (``socket.EAI_NONAME`` when not given).
    """
    exc = system_error(err or _socket.EAI_NONAME, 'getaddrinfo', code='ENOTFOUND')
    exc._message = f'getaddrinfo ENOTFOUND {hostname}'
    exc.hostname = hostname
    return exc


def check_callback(value: Any, name: str = 'callback') -> Optional[Callable[..., Any]]:
    """Node's ``validateFunction``: ``None`` is allowed, anything else must be callable."""
    if value is not None and not callable(value):
        raise invalid_arg_type(name, 'of type function', value)
    return value  # type: ignore[no-any-return]
