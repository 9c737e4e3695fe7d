"""The ``server.address()`` example of the Node ``net`` docs.

Node's original::

    const server = net.createServer((socket) => {
      socket.end('goodbye\\n');
    }).on('error', (err) => {
      // Handle errors here.
      throw err;
    });
    // Grab an arbitrary unused port.
    server.listen(() => {
      console.log('opened server on', server.address());
    });

``listen()`` without a port binds an arbitrary unused one; ``server.address()`` is
then a dict like ``{'address': '::', 'family': 'IPv6', 'port': 41234}``.  Every
connection is answered 'goodbye\\n' and closed.

Run it and connect to the port it prints::

    python examples/address_server.py
    python -m greennet connect localhost <port>
"""
import signal
import sys

import greennet as net


def on_error(err):
    # Handle errors here (Node's `throw err` ends the process).
    print('server error:', err, file=sys.stderr, flush=True)
    sys.exit(1)


server = net.createServer(lambda socket: socket.end(b'goodbye\n')).on('error', on_error)

# Grab an arbitrary unused port.
server.listen(lambda: print('opened server on', server.address(), flush=True))

# Ctrl-C ends the process at once, quietly, as it ends Node's.
signal.signal(signal.SIGINT, signal.SIG_DFL)
net.run()
