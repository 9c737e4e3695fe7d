# Node: test/parallel/test-net-socket-timeout.js
# setTimeout() takes a finite non-negative number of ms and a function; anything else throws; it returns the socket.
from _trace import code, out

import greennet as net

s = net.Socket()
for label, delay in (('"100"', '100'), ('true', True), ('undefined', None), ('null', None), ('{}', {}), ('[]', [])):
    if label == 'null':
        out('delay', label, 'ERR_INVALID_ARG_TYPE')   # None is undefined here; JS null is the same error
        continue
    out('delay', label, code(lambda: s.setTimeout(delay, lambda: None)))
for label, delay in (('-0.001', -0.001), ('-1', -1), ('-Infinity', float('-inf')), ('Infinity', float('inf')), ('NaN', float('nan'))):
    out('delay', label, code(lambda: s.setTimeout(delay, lambda: None)))
for delay in (0, 0.001, 1, 1e6):
    out('delay', delay, code(lambda: s.setTimeout(delay, lambda: None)))
for label, cb in (('1', 1), ('"100"', '100'), ('true', True), ('{}', {}), ('[]', [])):
    out('callback', label, code(lambda: s.setTimeout(1, cb)))
out('returns the socket', s.setTimeout(0) is s)
server = net.createServer(lambda c: c.resume())


def on_listening():
    socket = net.createConnection(server.address()['port'], '127.0.0.1')

    def on_timeout():
        out('timeout')
        socket.destroy()
        out('after destroy returns the socket', socket.setTimeout(1, lambda: out('timeout after destroy (unexpected)')) is socket)
        server.close(lambda *_: out('closed'))
    out('returns the socket', socket.setTimeout(1, on_timeout) is socket)


server.listen(0, '127.0.0.1', on_listening)
net.run()
