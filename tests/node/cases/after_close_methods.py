# Node: test/parallel/test-net-after-close.js
# After 'close', setNoDelay, setKeepAlive, bufferSize, pause, resume, address and the remote fields do not throw.
from _trace import code, out

import greennet as net

server = net.createServer(lambda s: s.end())


def on_listening():
    c = net.createConnection(server.address()['port'], '127.0.0.1')
    c.resume()

    def on_close(*_):
        out('setNoDelay', code(lambda: c.setNoDelay()))
        out('setKeepAlive', code(lambda: c.setKeepAlive()))
        out('bufferSize', code(lambda: c.bufferSize))
        out('pause', code(lambda: c.pause()))
        out('resume', code(lambda: c.resume()))
        out('address', code(lambda: c.address()))
        out('remoteAddress', code(lambda: c.remoteAddress))
        out('remotePort', code(lambda: c.remotePort))
        server.close(lambda *_: out('server closed'))
    c.on('close', on_close)


server.listen(0, '127.0.0.1', on_listening)
net.run()
