"""greennet, sequential style: the handler loops on ``read(65536)`` / ``write`` /
``drain()`` in the connection's own greenlet.

Prints ``READY <port>`` once listening on 127.0.0.1 (port from argv[1], default any).
"""
import sys

import greennet as net


def handle(sock):
    try:
        while True:
            data = sock.read(65536)
            if not data:
                break
            sock.write(data)
            sock.drain()
    except OSError:
        sock.destroy()
        return
    sock.end()


server = net.createServer(handle)
server.listen(int(sys.argv[1]) if len(sys.argv) > 1 else 0, '127.0.0.1',
              lambda: print(f'READY {server.address()["port"]}', flush=True))
net.run()
