# Node: test/parallel/test-net-connect-buffer.js
# Writes made while connecting are queued, pending until 'connect', and arrive in order; end() before connect too.
from _trace import out

import greennet as net


def handler(s):
    got = []
    s.setEncoding('utf8')
    s.on('data', got.append)
    s.on('end', lambda: (out('server got', ''.join(got)), server.close()))


server = net.createServer(handler)


def on_listening():
    c = net.createConnection(server.address()['port'], '127.0.0.1')
    out('connecting', c.connecting, 'pending', c.pending)
    out('write returned', c.write('L'), c.write('O'), c.write(b'NG'))
    c.end('!')
    out('after end: connecting', c.connecting, 'writableEnded', c.writableEnded)
    c.on('connect', lambda: out('connect'))
    c.on('finish', lambda: out('finish'))
    c.on('close', lambda *_: out('close'))


server.listen(0, '127.0.0.1', on_listening)
net.run()
