"""Where a ``net.Socket``'s two ends are: ``address()``, ``remoteAddress``,
``remotePort``, ``remoteFamily``, ``localAddress``, ``localPort``, ``localFamily``.  A
mixin of :class:`greennet.socket.Socket`.  Addresses are read from the OS once and
cached, as Node caches them, so they stay readable after the socket closed; a PROXY
protocol header may have set the peer to the real client.
"""
from __future__ import annotations

import _socket
from typing import Any, Dict, Optional

from ._options import pep8_aliases
from .addresses import address_info, family_name

__all__ = ['Addressing']


@pep8_aliases
class Addressing:
    """The socket's addresses, as Node reports them."""

    __slots__ = ()

    _sock: Any
    _is_ipc: bool
    _peer: Any
    _local: Any
    connecting: bool

    # ================================================================ addresses
    def _peername(self) -> Any:
        if self._peer is None and self._sock is not None and not self.connecting:
            try:
                self._peer = self._sock.getpeername()
            except OSError:
                return None
        return self._peer

    def _sockname(self) -> Any:
        if self._local is None and self._sock is not None:
            try:
                self._local = self._sock.getsockname()
            except OSError:
                return None
        return self._local

    def _family(self) -> Optional[str]:
        if self._is_ipc:
            return None
        sock = self._sock
        if sock is not None:
            return 'IPv6' if sock.family == _socket.AF_INET6 else 'IPv4'   # not AF_UNIX here
        return family_name(self._peer or self._local)

    def address(self) -> Dict[str, Any]:
        """``{'port', 'family', 'address'}`` of the local end, as the OS reports it
        (``{}`` for IPC or a socket that is not connected)."""
        local = self._sockname()
        if self._is_ipc or not isinstance(local, tuple):
            return {}
        info = address_info(local)
        info['family'] = self._family()
        return info

    @property
    def remoteAddress(self) -> Optional[str]:
        """The peer's IP address (None for IPC and before connecting)."""
        peer = self._peername()
        return peer[0] if isinstance(peer, tuple) and not self._is_ipc else None

    @property
    def remotePort(self) -> Optional[int]:
        """The peer's port (None for IPC and before connecting)."""
        peer = self._peername()
        return peer[1] if isinstance(peer, tuple) and not self._is_ipc else None

    @property
    def remoteFamily(self) -> Optional[str]:
        """'IPv4' or 'IPv6' (None for IPC and before connecting)."""
        peer = self._peername()
        if self._is_ipc:
            return None
        return family_name(peer)   # the peer may be a proxied client

    @property
    def localAddress(self) -> Optional[str]:
        """The local IP address the connection uses."""
        local = self._sockname()
        return local[0] if isinstance(local, tuple) and not self._is_ipc else None

    @property
    def localPort(self) -> Optional[int]:
        """The local port the connection uses."""
        local = self._sockname()
        return local[1] if isinstance(local, tuple) and not self._is_ipc else None

    @property
    def localFamily(self) -> Optional[str]:
        """'IPv4' or 'IPv6' of the local end."""
        return self._family() if isinstance(self._sockname(), tuple) else None

