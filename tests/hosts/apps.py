"""Connection handlers the host tests serve with ``greennet serve apps:NAME`` (this folder
is on the hosts' PYTHONPATH).  ``GN_HOST`` names the host in the greetings."""
from __future__ import annotations

import os
from typing import Any

HOST = os.environ.get('GN_HOST', '?')


def greet_echo(sock: Any) -> None:
    """Say who served whom, one line: ``HOST PID REMOTE_ADDRESS REMOTE_PORT
    REMOTE_FAMILY``, then echo everything (Node style) until the client ends."""
    sock.on('error', lambda err: None)      # health checks hang up at once; nothing to say
    sock.write(f'{HOST} {os.getpid()} {sock.remoteAddress} {sock.remotePort} '
               f'{sock.remoteFamily}\n'.encode())
    sock.pipe(sock)


def echo_node(sock: Any) -> None:
    """Echo, Node style: the socket piped into itself."""
    sock.pipe(sock)


def echo_sequential(sock: Any) -> None:
    """Echo, sequential style: read what is there, write it, wait while the peer is slow."""
    while True:
        data = sock.read(65536)
        if not data:
            break
        sock.write(data)
        sock.drain()
    sock.end()
