# Node: test/parallel/test-net-server-listen-options.js
# listen() with a port outside 0..65535 or not an integer is ERR_SOCKET_BAD_PORT; port wins over path.
from _trace import code, out

import greennet as net

bad = [('-1', -1), ('NaN', float('nan')), ('123.456', 123.456), ('65536', 65536), ('Infinity', float('inf')),
       ('-Infinity', float('-inf')), ('" "', ' '), ('"0x10000"', '0x10000')]
for label, port in bad:
    out('listen({port})', label, code(lambda: net.createServer().listen({'port': port}, lambda: None)))
    if not isinstance(port, str):
        out('listen(port)', label, code(lambda: net.createServer().listen(port, lambda: None)))
out('listen({port: -1, path})', code(lambda: net.createServer().listen({'port': -1, 'path': '/tmp/greennet-none.sock'})))
