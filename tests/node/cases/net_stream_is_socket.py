# Node: test/parallel/test-net-stream.js
# net.Stream is net.Socket: a Stream connects, and destroying it gives 'close'.
from _trace import out

import greennet as net

out('same class', net.Stream is net.Socket)
server = net.createServer(lambda s: s.end('hello'))


def on_listening():
    s = net.Stream()
    out('instanceof Socket', isinstance(s, net.Socket))
    s.connect(server.address()['port'], '127.0.0.1', lambda: out('connect'))
    s.on('data', lambda d: out('data', d))
    s.on('close', lambda *_: (out('close'), server.close()))


server.listen(0, '127.0.0.1', on_listening)
net.run()
