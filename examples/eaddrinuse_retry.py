"""The EADDRINUSE retry pattern of the Node ``net`` docs (``server.listen()``).

Node's original::

    server.on('error', (e) => {
      if (e.code === 'EADDRINUSE') {
        console.error('Address in use, retrying...');
        setTimeout(() => {
          server.close();
          server.listen(PORT, HOST);
        }, 1000);
      }
    });

To show it at work, this script first occupies the port with another server (the
"squatter"), which closes itself after 2 seconds.  The real server's ``listen()``
then fails with EADDRINUSE, it retries every second, and it gets the port once the
squatter is gone.  ``setTimeout(fn, 1000)`` is ``gevent.spawn_later(1, fn)``.

Run it::

    python examples/eaddrinuse_retry.py [PORT [HOST]]   # 8124 and 127.0.0.1 by default

It prints 'Address in use, retrying...' once or twice, then 'server listening on
...'; then ``python -m greennet connect localhost 8124`` gets a greeting.  Stop it with Ctrl-C.
"""
import signal
import sys

import gevent

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124
HOST = sys.argv[2] if len(sys.argv) > 2 else '127.0.0.1'


# The squatter: holds the port for 2 seconds.
def squatter_bound():
    print('squatter listening on', squatter.address(), '(closing it in 2 s)', flush=True)
    gevent.spawn_later(2, squatter.close)
    # Only now that the port is taken, start the real server.
    server.listen(PORT, HOST)


squatter = net.createServer()
squatter.on('close', lambda: print('squatter closed', flush=True))


# The real server, with the docs' error handler.
server = net.createServer(lambda sock: sock.end(b'hello from the server that waited\n'))


def retry():
    server.close()
    server.listen(PORT, HOST)


def on_error(e):
    if e.code == 'EADDRINUSE':
        print('Address in use, retrying...', file=sys.stderr, flush=True)
        gevent.spawn_later(1, retry)
    else:
        print('server error:', e, file=sys.stderr, flush=True)
        sys.exit(1)


server.on('error', on_error)
server.on('listening', lambda: print('server listening on', server.address(), flush=True))

squatter.listen(PORT, HOST, squatter_bound)

# Ctrl-C ends the process at once, quietly, as it ends Node's.
signal.signal(signal.SIGINT, signal.SIG_DFL)
net.run()
