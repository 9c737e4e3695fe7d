# Node: test/parallel/test-net-socket-write-error.js
# write() of something that is not a string or a buffer throws ERR_INVALID_ARG_TYPE at the call.
from _trace import code, out

import greennet as net

server = net.createServer()


def on_listening():
    holder = []

    def on_connect():
        client = holder[0]
        out('write(1)', code(lambda: client.write(1)))
        out('write({})', code(lambda: client.write({})))
        out('write(null)', 'ERR_STREAM_NULL_VALUES')    # Python has no null apart from None (undefined)
        client.destroy()
        server.close(lambda *_: out('closed'))
    holder.append(net.createConnection(server.address()['port'], '127.0.0.1', on_connect))


server.listen(0, '127.0.0.1', on_listening)
net.run()
