# Node: test/parallel/test-net-socket-no-halfopen-enforcer.js
# Without allowHalfOpen a socket that gets 'end' ends its side too: 'end', 'finish', then 'close'.
from _trace import out

import greennet as net


def handler(s):
    s.resume()
    s.on('end', lambda: server.close())


server = net.createServer(handler)


def on_listening():
    holder = []
    c = net.connect(server.address()['port'], '127.0.0.1', lambda: holder[0].end())
    holder.append(c)
    c.resume()
    server.on('connection', lambda s: s.end())
    c.on('end', lambda: out('client end'))
    c.on('finish', lambda: out('client finish'))
    c.on('close', lambda *_: out('client close', c.destroyed))


server.listen(0, '127.0.0.1', on_listening)
net.run()
