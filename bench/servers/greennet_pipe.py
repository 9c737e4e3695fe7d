"""greennet, Node style: the echo server of Node's docs, ``sock.pipe(sock)``.

Prints ``READY <port>`` once listening on 127.0.0.1 (port from argv[1], default any).
"""
import sys

import greennet as net

server = net.createServer(lambda s: s.pipe(s))
server.listen(int(sys.argv[1]) if len(sys.argv) > 1 else 0, '127.0.0.1',
              lambda: print(f'READY {server.address()["port"]}', flush=True))
net.run()
