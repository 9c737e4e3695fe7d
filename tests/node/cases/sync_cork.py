# Node: test/parallel/test-net-sync-cork.js
# cork() holds writes (writableCorked, writableLength grow) until uncork(); every byte then arrives.
from _trace import out

import greennet as net

N = 100
buf = b'aa'


def handler(s):
    got = [0]

    def on_data(d):
        got[0] += len(d)
    s.on('data', on_data)
    s.on('end', lambda: (out('server got', got[0]), server.close()))


server = net.createServer(handler)


def on_listening():
    conn = net.connect(server.address()['port'], '127.0.0.1')

    def on_connect():
        res = True
        i = 0
        while i < N and res:
            conn.cork()
            conn.write(buf)
            res = conn.write(buf)
            conn.uncork()
            i += 1
        out('writes before write() returned false or the end', i, 'writableCorked', conn.writableCorked)
        conn.end()
    conn.on('connect', on_connect)


server.listen(0, '127.0.0.1', on_listening)
net.run()
