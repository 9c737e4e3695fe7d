# Node: test/parallel/test-pipe-abstract-socket.js
# readableAll or writableAll on an abstract Unix socket is ERR_INVALID_ARG_VALUE.
import os

from _trace import code, out

import greennet as net

path = '\0greennet-abstract-%d' % os.getpid()
out('readableAll', code(lambda: net.createServer().listen({'path': path, 'readableAll': True})))
out('writableAll', code(lambda: net.createServer().listen({'path': path, 'writableAll': True})))
out('both', code(lambda: net.createServer().listen({'path': path, 'readableAll': True, 'writableAll': True})))
