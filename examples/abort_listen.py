"""Closing a server with an ``AbortSignal``, as in the Node ``net`` docs
(``server.listen(options)``, option ``signal``).

Node's original::

    const controller = new AbortController();
    server.listen({
      host: 'localhost',
      port: 80,
      signal: controller.signal,
    });
    // Later, when you want to close the server.
    controller.abort();

Here the server listens on localhost:8124 (or PORT), ``net.AbortController()``
gives the signal, and ``controller.abort()`` runs 2 seconds later: the server
closes, 'closed' is printed and the process exits, since nothing is left to run.

Run it::

    python examples/abort_listen.py [PORT]

and, within the 2 seconds, ``python -m greennet connect localhost 8124`` gets a greeting; afterwards the
connection is refused.
"""
import sys

import gevent

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124

server = net.createServer(lambda sock: sock.end(b'hello, for now\n'))
server.on('listening', lambda: print('listening on', server.address(), flush=True))
server.on('close', lambda: print('closed', flush=True))

controller = net.AbortController()
server.listen({
    'host': 'localhost',
    'port': PORT,
    'signal': controller.signal,
})

# Later, when you want to close the server.
gevent.spawn_later(2, controller.abort)

net.run()
