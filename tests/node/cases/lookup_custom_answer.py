# Node: test/parallel/test-net-dns-custom-lookup.js
# A custom lookup gets (host, options, cb); its answer reaches 'lookup' as (err, address, family, host) and is dialled.
import gevent
from _trace import out

import greennet as net


def e(err):
    return '-' if err is None else err.code


server = net.createServer(lambda s: s.end())


def on_listening():
    port = server.address()['port']

    def lookup(host, options, cb):
        out('lookup called', host, options['family'], options.get('all') is True)
        gevent.spawn(cb, None, '127.0.0.1', 4)

    sock = net.connect({'port': port, 'host': 'greennet.example', 'family': 4, 'lookup': lookup})
    sock.on('lookup', lambda err, address, family, host: out('lookup event', e(err), address, family, host))
    sock.on('connect', lambda: out('connect', sock.remoteAddress))
    sock.on('close', lambda *_: (out('close'), server.close()))
    sock.resume()


server.listen(0, '127.0.0.1', on_listening)
net.run()
