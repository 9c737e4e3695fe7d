# Node: test/parallel/test-net-server-address.js
# server.address() is {address, family, port}: 127.0.0.1 is IPv4, ::1 IPv6, no host '::'; null before listening and after close.
from _trace import out

import greennet as net


def show(a):
    return 'null' if a is None else f"{a['address']} {a['family']} {'number' if isinstance(a['port'], int) else '?'} {'true' if a['port'] > 0 else 'false'}"


hosts = ['127.0.0.1', '::1', None]


def next_host(*_):
    if not hosts:
        return
    host = hosts.pop(0)
    server = net.createServer()
    out('before listen', show(server.address()))

    def on_listening():
        out('undefined' if host is None else host, show(server.address()))
        server.close(lambda *_: (out('after close', show(server.address())), next_host()))
    server.listen(0, host, on_listening)


next_host()
net.run()
