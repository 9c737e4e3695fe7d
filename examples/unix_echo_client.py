"""The client of the Node ``net`` docs, connecting to a Unix domain socket.

Node's original is the ``net.createConnection()`` example with::

    const client = net.createConnection({ path: '/tmp/echo.sock' });

It connects, sends 'world!\\r\\n', prints the first chunk it receives, ends its side
and prints 'disconnected from server' when the server ends too.

Try it against the Unix echo server::

    python examples/unix_echo_server.py &
    python examples/unix_echo_client.py [PATH]      # PATH defaults to /tmp/echo.sock
"""
import sys

import greennet as net

PATH = sys.argv[1] if len(sys.argv) > 1 else '/tmp/echo.sock'


def on_connect():
    print('connected to server!', flush=True)
    client.write(b'world!\r\n')


def on_data(data):
    print(data.decode(), flush=True)
    client.end()


def on_error(err):
    print('error:', err, file=sys.stderr, flush=True)
    sys.exit(1)


client = net.createConnection({'path': PATH}, on_connect)
client.on('data', on_data)
client.on('end', lambda: print('disconnected from server', flush=True))
client.on('error', on_error)

net.run()
