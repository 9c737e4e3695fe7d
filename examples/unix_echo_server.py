"""The echo server of the Node ``net`` docs, listening on a Unix domain socket.

Node's original is the ``net.createServer()`` example with::

    server.listen('/tmp/echo.sock', () => {
      console.log('server bound');
    });

Run it::

    python examples/unix_echo_server.py [PATH]      # PATH defaults to /tmp/echo.sock

and try it with ``python -m greennet connect --path /tmp/echo.sock`` or
``python examples/unix_echo_client.py``.
Stop it with Ctrl-C.

As in Node, listening on a path that already exists fails with EADDRINUSE: this
script then says so and exits, and removes nothing (a stale socket file left by a
crashed server is yours to delete).  The socket file it did create is removed when
the server closes, as Node does.
"""
import signal
import sys

import gevent

import greennet as net

PATH = sys.argv[1] if len(sys.argv) > 1 else '/tmp/echo.sock'


def on_connection(c):
    print('client connected', flush=True)
    c.on('end', lambda: print('client disconnected', flush=True))
    c.write(b'hello\r\n')
    c.pipe(c)


def on_error(err):
    if err.code == 'EADDRINUSE':
        print(f'{PATH} already exists: is another server running? '
              'If not, remove it and try again.', file=sys.stderr, flush=True)
    else:
        print('server error:', err, file=sys.stderr, flush=True)
    sys.exit(1)


def stop():
    # close() stops listening and unlinks the socket file this server created.
    # shutdown() (greennet's addition) does that too, then gives the open
    # connections a second to finish and cuts the rest, so that the process exits.
    print('closing', flush=True)
    server.shutdown(1.0)


server = net.createServer(on_connection)
server.on('error', on_error)
server.listen(PATH, lambda: print('server bound', flush=True))

# Ctrl-C or SIGTERM closes the server, so the socket file is removed on the way out
# (gevent runs these handlers in a greenlet of their own, so they may block).
gevent.signal_handler(signal.SIGINT, stop)
gevent.signal_handler(signal.SIGTERM, stop)
net.run()
