# Node: test/parallel/test-net-server-close.js
# server.close() stops listening at once; 'close' waits until the open connections have closed.
from _trace import out

import greennet as net

sockets = []


def handler(c):
    c.on('close', lambda *_: out('server socket close'))
    sockets.append(c)
    if len(sockets) == 2:
        server.close(lambda *_: out('server close callback'))
        out('close() called, listening', server.listening, 'connections open', len(sockets))
        for s in sockets:
            s.destroy()


server = net.createServer(handler)
server.on('close', lambda: out('server close event'))


def on_listening():
    net.createConnection(server.address()['port'], '127.0.0.1').on('error', lambda e: None)
    net.createConnection(server.address()['port'], '127.0.0.1').on('error', lambda e: None)


server.listen(0, '127.0.0.1', on_listening)
net.run()
