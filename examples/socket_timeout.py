"""The ``socket.setTimeout()`` example of the Node ``net`` docs.

Node's original::

    socket.setTimeout(3000);
    socket.on('timeout', () => {
      console.log('socket timeout');
      socket.end();
    });

'timeout' only tells that the socket has been idle (no data read or written) for
that many milliseconds; the listener decides what to do, here end the connection.
This server applies it to every connection: a client that stays silent for 3
seconds is told goodbye and disconnected; anything it sends is echoed back and
starts the 3 seconds again.

Run it::

    python examples/socket_timeout.py [PORT]      # PORT defaults to 8124

and ``python -m greennet connect localhost 8124``: type a few lines, then wait.
"""
import signal
import sys

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124


def on_connection(socket):
    print('client connected', flush=True)
    socket.setTimeout(3000)

    def on_timeout():
        print('socket timeout', flush=True)
        socket.end(b'3 s without a word: goodbye\n')

    socket.on('timeout', on_timeout)
    socket.on('close', lambda had_error: print('client gone', flush=True))
    socket.pipe(socket)


server = net.createServer(on_connection)
server.listen(PORT, lambda: print('server listening on port', PORT, flush=True))

# Ctrl-C ends the process at once, quietly, as it ends Node's.
signal.signal(signal.SIGINT, signal.SIG_DFL)
net.run()
