# Node: test/parallel/test-net-server-options.js
# createServer() with options that are not an object (a string, a number) throws ERR_INVALID_ARG_TYPE.
from _trace import code, out

import greennet as net

out('createServer("path")', code(lambda: net.createServer('path')))
out('createServer(0)', code(lambda: net.createServer(0)))
out('createServer({})', code(lambda: net.createServer({})))
out('createServer(fn)', code(lambda: net.createServer(lambda s: None)))
