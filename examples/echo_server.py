"""The echo server of the Node ``net`` docs (``net.createServer()``), on greennet.

Node's original::

    const server = net.createServer((c) => {
      console.log('client connected');
      c.on('end', () => { console.log('client disconnected'); });
      c.write('hello\\r\\n');
      c.pipe(c);
    });
    server.on('error', (err) => { throw err; });
    server.listen(8124, () => { console.log('server bound'); });

Every connection gets 'hello\\r\\n', then whatever it sends is echoed back.

Run it::

    python examples/echo_server.py [PORT [HOST]]     # PORT defaults to 8124

and try it with ``python -m greennet connect localhost 8124``, or with
``python examples/echo_client.py``.  Stop it with Ctrl-C.
"""
import signal
import sys

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124
HOST = sys.argv[2] if len(sys.argv) > 2 else None


def on_connection(c):
    # 'connection' listener.
    print('client connected', flush=True)
    c.on('end', lambda: print('client disconnected', flush=True))
    c.write(b'hello\r\n')
    c.pipe(c)


def on_error(err):
    # Node's `throw err` ends the process: do the same.
    print('server error:', err, file=sys.stderr, flush=True)
    sys.exit(1)


server = net.createServer(on_connection)
server.on('error', on_error)
server.listen(PORT, HOST, lambda: print('server bound', flush=True))

# Ctrl-C ends the process at once, quietly, as it ends Node's.
signal.signal(signal.SIGINT, signal.SIG_DFL)
net.run()
