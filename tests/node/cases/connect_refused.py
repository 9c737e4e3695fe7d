# Node: test/parallel/test-net-connect-handle-econnrefused.js
# Connecting to a closed port: 'error' ECONNREFUSED (syscall connect, address, port), then one 'close'(true); destroy() twice is harmless.
from _trace import out

import greennet as net

server = net.createServer()


def on_listening():
    port = server.address()['port']

    def on_closed(*_):
        c = net.createConnection(port, '127.0.0.1')
        c.on('connect', lambda: out('connect (unexpected)'))

        def on_error(err):
            out('error', err.code, err.syscall, err.address, err.port == port)
            c.destroy()
            c.destroy()
        c.on('error', on_error)
        c.on('close', lambda had_error: out('close', had_error, c.destroyed))
    server.close(on_closed)


server.listen(0, '127.0.0.1', on_listening)
net.run()
