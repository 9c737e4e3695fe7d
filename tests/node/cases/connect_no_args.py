# Node: test/parallel/test-net-connect-no-arg.js
# connect() without a port or a path is ERR_MISSING_ARGS, in every form.
from _trace import code, out

import greennet as net

out('connect()', code(lambda: net.connect()))
out('createConnection({})', code(lambda: net.createConnection({})))
out('Socket().connect()', code(lambda: net.Socket().connect()))
out('Socket().connect({})', code(lambda: net.Socket().connect({})))
out('Socket().connect(cb)', code(lambda: net.Socket().connect(lambda: None)))
