"""The ``onread`` example of the Node ``net`` docs (``net.createConnection()``).

Node's original::

    net.createConnection({
      port: 8124,
      onread: {
        // Reuses a 4KiB Buffer for every read from the socket.
        buffer: Buffer.alloc(4 * 1024),
        callback: function(nread, buf) {
          // Received data is available in `buf` from 0 to `nread`.
          console.log(buf.toString('utf8', 0, nread));
        },
      },
    });

With ``onread`` the socket emits no 'data' events: every read from the kernel goes
into the one buffer given (here a 4 KiB ``bytearray``, reused for every read) and
the callback gets ``(nread, buf)``.  The callback may return ``False`` to pause the
socket, as in Node.

Beyond the docs' snippet, this script also sends 'world!\\r\\n' and ends its side, so
that against the echo server it receives 'hello' and its own line, and then exits::

    python examples/echo_server.py &
    python examples/onread_client.py [PORT [HOST]]      # PORT defaults to 8124
"""
import sys

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124
HOST = sys.argv[2] if len(sys.argv) > 2 else None

buffer = bytearray(4 * 1024)     # Buffer.alloc(4 * 1024): reused for every read


def callback(nread, buf):
    # Received data is available in `buf` from 0 to `nread`.
    assert buf is buffer
    print(bytes(buf[:nread]).decode('utf8', 'replace'), flush=True)


client = net.createConnection({
    'port': PORT,
    'host': HOST,
    'onread': {'buffer': buffer, 'callback': callback},
})
client.on('connect', lambda: client.end(b'world!\r\n'))
client.on('end', lambda: print('disconnected from server', flush=True))
client.on('error', lambda err: print('error:', err, file=sys.stderr, flush=True))

net.run()
