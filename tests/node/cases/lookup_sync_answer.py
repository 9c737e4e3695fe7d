# Node: test/parallel/test-net-dns-custom-lookup.js
# connect() calls the lookup at once: an answer given synchronously emits 'lookup' before connect() returns.
from _trace import out

import greennet as net

server = net.createServer(lambda s: s.end())


def on_listening():
    sock = net.Socket()
    sock.on('lookup', lambda err, address, *_: out('lookup', address))
    sock.connect({'port': server.address()['port'], 'host': 'greennet.example', 'family': 4,
                  'lookup': lambda host, options, cb: cb(None, '127.0.0.1', 4)})
    out('connect() returned')
    sock.on('connect', lambda: out('connect'))
    sock.on('close', lambda *_: server.close())
    sock.resume()


server.listen(0, '127.0.0.1', on_listening)
net.run()
