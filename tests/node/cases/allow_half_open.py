# Node: test/parallel/test-net-connect-options-allowhalfopen.js
# With allowHalfOpen the client gets 'end', still writes, and ends when it chooses; the server reads all of it.
from _trace import out

import greennet as net


def handler(s):
    got = []
    s.setEncoding('utf8')
    s.on('data', got.append)
    s.on('end', lambda: (out('server got', ''.join(got)), server.close()))
    s.end('bye')


server = net.createServer(handler)


def on_listening():
    c = net.connect({'port': server.address()['port'], 'host': '127.0.0.1', 'allowHalfOpen': True})
    out('allowHalfOpen', c.allowHalfOpen)
    c.setEncoding('utf8')
    c.on('data', lambda d: out('client data', d))

    def on_end():
        out('client end', 'writable', c.writable, 'readyState', c.readyState)
        c.write('after end')
        c.end('!', lambda *_: out('client finished'))
    c.on('end', on_end)
    c.on('close', lambda *_: out('client close'))


server.listen(0, '127.0.0.1', on_listening)
net.run()
