# Node: test/parallel/test-net-dns-lookup-skip.js
# Connecting to a literal IPv4 or IPv6 address does not look it up: no 'lookup' event.
from _trace import out

import greennet as net

hosts = ['127.0.0.1', '::1']


def next_host(*_):
    if not hosts:
        return
    host = hosts.pop(0)
    server = net.createServer(lambda s: s.end())

    def on_listening():
        c = net.connect(server.address()['port'], host)
        c.on('lookup', lambda *a: out(host, 'lookup (unexpected)'))
        c.on('connect', lambda: out(host, 'connect', c.remoteFamily))
        c.resume()
        c.on('close', lambda *_: server.close(next_host))
    server.listen(0, host, on_listening)


next_host()
net.run()
