# Node: test/parallel/test-net-write-after-end-nt.js
# write() after end() is ERR_STREAM_WRITE_AFTER_END: to the write callback and as 'error', not thrown.
from _trace import out

import greennet as net

server = net.createServer(lambda s: s.resume())


def on_listening():
    holder = []

    def on_connect():
        client = holder[0]
        client.end()
        try:
            returned = client.write('hello', lambda err=None: out('write callback', err and err.code))
            out('write returned', returned)
        except net.NodeError as err:
            out('write threw', err.code)
    client = net.connect(server.address()['port'], '127.0.0.1', on_connect)
    holder.append(client)
    client.on('error', lambda err: (out('error', err.code), server.close()))
    client.on('close', lambda *_: out('close'))


server.listen(0, '127.0.0.1', on_listening)
net.run()
