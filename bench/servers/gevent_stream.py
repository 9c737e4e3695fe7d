"""Raw gevent: ``gevent.server.StreamServer`` with ``recv(65536)`` / ``sendall``.

Prints ``READY <port>`` once listening on 127.0.0.1 (port from argv[1], default any).
"""
import sys

from gevent.server import StreamServer


def handle(sock, address):
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass


server = StreamServer(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 0), handle)
server.start()
print(f'READY {server.server_port}', flush=True)
server.serve_forever()
