# Node: test/parallel/test-net-write-cb-on-destroy-before-connect.js
# A write made while connecting, then destroy(): its callback gets ERR_SOCKET_CLOSED_BEFORE_CONNECTION; no 'connect'.
from _trace import out

import greennet as net

server = net.createServer()


def on_listening():
    socket = net.Socket()
    socket.on('connect', lambda: out('connect (unexpected)'))
    socket.connect({'port': server.address()['port'], 'host': '127.0.0.1'})
    out('connecting', socket.connecting)
    socket.write('foo', lambda err=None: out('write callback', err and err.code))
    socket.on('error', lambda err: out('error', err.code))
    socket.on('close', lambda had_error: out('close', had_error))
    socket.destroy()
    server.close(lambda *_: out('server closed'))


server.listen(0, '127.0.0.1', on_listening)
net.run()
