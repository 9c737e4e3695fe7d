# Node: test/parallel/test-net-socket-close-after-end.js
# With a 'readable' listener, read() takes the buffered bytes; 'end' then 'close' follow once the peer ended.
import gevent
from _trace import out

import greennet as net

server = net.createServer()


def on_connection(socket):
    socket.once('readable', lambda: gevent.spawn_later(0.05, lambda: out('read', socket.read())))
    socket.on('end', lambda: out('end'))
    socket.on('close', lambda *_: (out('close'), server.close()))
    socket.end('foo')


server.on('connection', on_connection)


def on_listening():
    holder = []
    holder.append(net.createConnection(server.address()['port'], '127.0.0.1', lambda: holder[0].end('foo')))
    holder[0].resume()


server.listen(0, '127.0.0.1', on_listening)
net.run()
