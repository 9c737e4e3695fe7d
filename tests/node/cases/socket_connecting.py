# Node: test/parallel/test-net-socket-connecting.js
# connecting is true from connect() until 'connect', then false; 'ready' follows 'connect' without a callback too.
from _trace import out

import greennet as net


def handler(conn):
    conn.end()
    server.close()


server = net.createServer(handler)


def on_listening():
    holder = []
    client = net.connect(server.address()['port'], '127.0.0.1', lambda: out('connect callback', holder[0].connecting))
    holder.append(client)
    out('after connect()', client.connecting)
    client.on('ready', lambda: out('ready', client.connecting))
    client.end()


server.listen(0, '127.0.0.1', on_listening)
net.run()
