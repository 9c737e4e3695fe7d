# Node: test/parallel/test-net-connect-reset-before-connected.js
# resetAndDestroy() while connecting: the socket connects ('connect', 'ready'), then resets; the peer sees ECONNRESET.
from _trace import out

import greennet as net


def handler(c):
    c.on('error', lambda e: out('server socket error', e.code))
    c.on('close', lambda *_: (out('server socket close'), server.close()))


server = net.createServer(handler)


def on_listening():
    c = net.connect(server.address()['port'], '127.0.0.1')
    c.on('connect', lambda: out('client connect'))
    c.on('ready', lambda: out('client ready'))
    c.on('error', lambda e: out('client error', e.code))
    c.on('close', lambda had_error: out('client close', had_error))
    c.resetAndDestroy()
    out('after resetAndDestroy', 'destroyed', c.destroyed, 'connecting', c.connecting, 'readyState', c.readyState)


server.listen(0, '127.0.0.1', on_listening)
net.run()
