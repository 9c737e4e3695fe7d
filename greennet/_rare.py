"""The fields most sockets never set, kept out of the socket's slots.

Every slot costs 8 bytes on every connection, and an object over 512 bytes leaves
pymalloc's pools for ``malloc``.  Node's stream options (``defaultEncoding``,
``emitClose``, ``autoDestroy``), greennet's ``limit``, the TCP options to apply once
connected, the abort signal and what ``connect()`` records are set by few sockets and
read on no hot path: they live in a :class:`RareFields` record.  Every socket starts
with the one shared record of defaults, :data:`DEFAULTS`, which is read-only; a socket
that sets one of these fields first gets a record of its own
(``Socket._rare_for_write()``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from ._buffers import DEFAULT_LIMIT

if TYPE_CHECKING:
    from .abort import AbortSignal
    from .addresses import BlockList

__all__ = ['RareFields', 'DEFAULTS']


class RareFields:
    """A socket's seldom-set fields; the class attributes are their defaults."""

    #: ``setDefaultEncoding()``/``defaultEncoding``: how ``write(str)`` encodes
    default_encoding: Optional[str] = None
    #: ``setEncoding()``'s encoding (its decoder is a slot: 'data' reads it)
    read_encoding = 'utf8'
    #: Node's ``autoDestroy`` and ``emitClose`` stream options
    auto_destroy = True
    emit_close = True
    #: the longest line a sequential read accepts
    limit = DEFAULT_LIMIT
    #: ``setNoDelay``/``setKeepAlive`` given before there is a connection to apply them to
    no_delay: Optional[bool] = None
    keep_alive: Optional[Tuple[bool, float]] = None
    #: the ``signal`` option, and the listener this socket added to it
    signal: Optional['AbortSignal'] = None
    abort_listener: Any = None
    #: what ``connect()`` was given and did: the blockList, the host or path, the
    #: addresses tried (``autoSelectFamilyAttemptedAddresses``), a reset asked for
    #: while connecting
    block_list: Optional['BlockList'] = None
    host: Optional[str] = None
    attempted_addresses: Optional[List[str]] = None
    reset_on_connect = False

    def __setattr__(self, name: str, value: Any) -> None:
        if self is DEFAULTS:    # shared by every socket: setting it would set them all
            raise AttributeError(f'greennet: {name} set on the shared defaults')
        object.__setattr__(self, name, value)


DEFAULTS = RareFields()
