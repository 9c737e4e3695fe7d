# Node: test/parallel/test-net-server-call-listen-multiple-times.js
# listen() while listening throws ERR_SERVER_ALREADY_LISTEN; after close() the server can listen again.
from _trace import code, out

import greennet as net

server = net.createServer()


def on_listening():
    out('listening 1', server.listening)
    out('listen again', code(lambda: server.listen(0)))

    def on_closed(*_):
        out('closed', server.listening)

        def on_listening2():
            out('listening 2', server.listening)
            server.close(lambda *_: out('closed again'))
        server.listen(0, '127.0.0.1', on_listening2)
    server.close(on_closed)


server.listen(0, '127.0.0.1', on_listening)
net.run()
