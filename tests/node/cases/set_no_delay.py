# Node: test/parallel/test-net-socket-setnodelay.js
# setNoDelay() and setKeepAlive() return the socket, before and after connecting, with any argument.
from _trace import out

import greennet as net

s = net.Socket()
out('before connect', s.setNoDelay() is s, s.setNoDelay(False) is s, s.setKeepAlive(True, 1000) is s)
server = net.createServer(lambda c: c.end())


def on_listening():
    holder = []

    def on_connect():
        c = holder[0]
        out('connected', c.setNoDelay(True) is c, c.setNoDelay(False) is c, c.setNoDelay(1) is c,
            c.setKeepAlive(True) is c, c.setKeepAlive(False, 10) is c)
        c.resume()
        c.on('close', lambda *_: server.close())
    holder.append(net.connect(server.address()['port'], '127.0.0.1', on_connect))


server.listen(0, '127.0.0.1', on_listening)
net.run()
