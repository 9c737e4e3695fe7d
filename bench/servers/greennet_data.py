"""greennet, Node style by hand: a 'data' listener that writes, pauses when write()
returns False and resumes on 'drain' (what ``pipe()`` does, written out).

Prints ``READY <port>`` once listening on 127.0.0.1 (port from argv[1], default any).
"""
import sys

import greennet as net


def on_connection(sock):
    def on_data(chunk):
        if not sock.write(chunk):
            sock.pause()

    def on_drain():
        if sock.isPaused():
            sock.resume()

    sock.on('data', on_data)
    sock.on('drain', on_drain)
    sock.on('error', lambda err: None)   # a peer that resets is no news here
    # allowHalfOpen is false: greennet ends the socket at 'end', as Node does


server = net.createServer(on_connection)
server.listen(int(sys.argv[1]) if len(sys.argv) > 1 else 0, '127.0.0.1',
              lambda: print(f'READY {server.address()["port"]}', flush=True))
net.run()
