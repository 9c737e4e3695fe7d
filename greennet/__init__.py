"""greennet: Node.js's ``net`` module for Python, on gevent.

``import greennet as net`` and every name of Node's ``net`` docs is where the docs put
it (``net.createServer``, ``net.Socket``, ``server.getConnections``...), each with a
PEP 8 twin (``net.create_server``...).  Every connection runs in its own greenlet, so a
handler may read sequentially (``sock.readline()``) as well as take events.

See ``API.md``-style mapping in the README: bytes for Buffers, None for undefined,
milliseconds wherever Node takes them, Node's error codes on Python exceptions.
"""
from __future__ import annotations

from typing import Any, Optional

from . import _run, errors
from ._options import SOCKET_OPTIONS as _SOCKET_OPTIONS
from ._options import module_aliases as _module_aliases
from .abort import AbortController, AbortSignal
from .addresses import BlockList, SocketAddress, isIP, isIPv4, isIPv6
from .connect import (
    getDefaultAutoSelectFamily,
    getDefaultAutoSelectFamilyAttemptTimeout,
    setDefaultAutoSelectFamily,
    setDefaultAutoSelectFamilyAttemptTimeout,
)
from .connect import normalize_connect_args as _normalize_connect_args
from .errors import (
    AbortError,
    AggregateError,
    IncompleteReadError,
    LimitOverrunError,
    NodeError,
    NodeSystemError,
)
from .events import Emitted, EventEmitter
from .server import Server, createServer
from .socket import Socket

__version__ = '0.1.0'

#: ``net.Stream``: Node's old name of ``net.Socket``, the same class.
Stream = Socket


def createConnection(*args: Any, **kwargs: Any) -> Socket:
    """``net.createConnection(options[, connectListener])``, ``(path[, listener])`` or
    ``(port[, host][, listener])``: a new :class:`Socket`, already connecting, returned
    at once.  Options go both to ``Socket()`` and to ``socket.connect()``."""
    opts, listener = _normalize_connect_args(args, kwargs)
    sock = Socket({k: v for k, v in opts.items() if k in _SOCKET_OPTIONS})
    return sock.connect(opts, listener) if listener is not None else sock.connect(opts)


connect = createConnection


def run(grace: Optional[float] = None) -> None:
    """Run until no ref'd server, socket or timer is left, as a Node process does
    before it exits (this is ``gevent.wait()``).

    Raises the first 'error' no listener took, of a server (``listen()`` failed) or of a
    socket that is not a server's connection (``connect()`` failed), at once, as Node
    exits 1 on it; a server's connections' errors are logged and the server goes on.
    With ``grace`` (seconds), SIGINT (Ctrl-C) and SIGTERM stop every server gracefully:
    no new connections, open ones get ``grace`` seconds to finish, the rest are cut,
    what was done is said, and ``run()`` returns (a second signal cuts at once).
    """
    _run.run(grace)


__all__ = [
    'AbortController', 'AbortSignal', 'AbortError', 'AggregateError', 'BlockList',
    'Emitted', 'EventEmitter', 'IncompleteReadError', 'LimitOverrunError', 'NodeError',
    'NodeSystemError', 'Server', 'Socket', 'SocketAddress', 'Stream', 'connect',
    'createConnection', 'createServer',
    'errors', 'getDefaultAutoSelectFamily', 'getDefaultAutoSelectFamilyAttemptTimeout',
    'isIP', 'isIPv4', 'isIPv6', 'run', 'setDefaultAutoSelectFamily',
    'setDefaultAutoSelectFamilyAttemptTimeout',
]
__all__ += _module_aliases(globals(), [
    'createConnection', 'createServer', 'isIP', 'isIPv4', 'isIPv6',
    'getDefaultAutoSelectFamily', 'getDefaultAutoSelectFamilyAttemptTimeout',
    'setDefaultAutoSelectFamily', 'setDefaultAutoSelectFamilyAttemptTimeout',
])
