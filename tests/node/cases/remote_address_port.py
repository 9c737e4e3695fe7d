# Node: test/parallel/test-net-remote-address-port.js
# remoteAddress, remoteFamily and remotePort on both ends name the other end.
from _trace import out

import greennet as net

server_side = []


def handler(s):
    server_side.extend([s.remoteAddress, s.remoteFamily, s.remotePort])
    s.end()


server = net.createServer(handler)


def on_listening():
    port = server.address()['port']
    c = net.createConnection(port, '127.0.0.1')
    c.on('connect', lambda: out('client', c.remoteAddress, c.remoteFamily, c.remotePort == port))
    c.resume()

    def on_end():
        out('server', server_side[0], server_side[1], server_side[2] == c.localPort)
        server.close()
    c.on('end', on_end)


server.listen(0, '127.0.0.1', on_listening)
net.run()
