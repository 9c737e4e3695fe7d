# Node: test/parallel/test-net-listen-fd0.js
# listen({fd}) on a descriptor that is not a socket emits 'error' EINVAL (syscall listen), it does not throw.
import os

from _trace import out

import greennet as net

fd = os.open(__file__, os.O_RDONLY)
server = net.createServer()


def on_error(err):
    out('error', err.code, err.syscall)
    os.close(fd)


server.on('error', on_error)
server.on('listening', lambda: out('listening (unexpected)'))
server.listen({'fd': fd})
out('listen returned', server.listening)
net.run()
