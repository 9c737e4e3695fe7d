# Node: test/parallel/test-net-bytes-stats.js
# bytesRead and bytesWritten count what crossed the connection, on both ends, and stay readable after close.
from _trace import out

import greennet as net


def handler(s):
    s.on('data', lambda d: None)
    s.on('end', lambda: (out('server bytesRead at end', s.bytesRead), s.end('bye!')))
    s.on('close', lambda *_: out('server bytesWritten at close', s.bytesWritten))


server = net.createServer(handler)


def on_listening():
    c = net.createConnection(server.address()['port'], '127.0.0.1')
    c.on('connect', lambda: (c.write('foo'), c.end('barbaz')))
    c.on('data', lambda d: None)

    def on_close(*_):
        out('client bytesWritten', c.bytesWritten, 'bytesRead', c.bytesRead)
        server.close(lambda *_: out('server closed'))
    c.on('close', on_close)


server.listen(0, '127.0.0.1', on_listening)
net.run()
