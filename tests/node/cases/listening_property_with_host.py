# Node: test/parallel/test-net-listening.js
# server.listening is false before listen(), true once listening, false after close(); with a host, not until it is looked up.
from _trace import out

import greennet as net

server = net.createServer()
out('before', server.listening)


def on_listening():
    out('listening', server.listening)
    server.close()
    out('after close()', server.listening)


server.listen(0, '127.0.0.1', on_listening)
out('right after listen()', server.listening)
net.run()
