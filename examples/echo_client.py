"""The client of the Node ``net`` docs (``net.createConnection()``), on greennet.

Node's original::

    const client = net.createConnection({ port: 8124 }, () => {
      // 'connect' listener.
      console.log('connected to server!');
      client.write('world!\\r\\n');
    });
    client.on('data', (data) => {
      console.log(data.toString());
      client.end();
    });
    client.on('end', () => {
      console.log('disconnected from server');
    });

It connects, sends 'world!\\r\\n', prints the first chunk it receives, ends its side
and prints 'disconnected from server' when the server ends too.

Try it against the echo server::

    python examples/echo_server.py &
    python examples/echo_client.py [PORT [HOST]]     # PORT defaults to 8124
"""
import sys

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124
HOST = sys.argv[2] if len(sys.argv) > 2 else None   # None: Node's 'localhost'


def on_connect():
    # 'connect' listener.
    print('connected to server!', flush=True)
    client.write(b'world!\r\n')


def on_data(data):
    print(data.decode(), flush=True)
    client.end()


def on_error(err):
    print('error:', err, file=sys.stderr, flush=True)
    sys.exit(1)


client = net.createConnection({'port': PORT, 'host': HOST}, on_connect)
client.on('data', on_data)
client.on('end', lambda: print('disconnected from server', flush=True))
client.on('error', on_error)

net.run()
