# Node: test/parallel/test-net-end-without-connect.js
# A Socket() that never connected: readyState, pending, connecting; end() calls back and leaves it not writable.
from _trace import out

import greennet as net

sock = net.Socket()
out('readyState', sock.readyState, 'pending', sock.pending, 'connecting', sock.connecting,
    'readable', sock.readable, 'writable', sock.writable, 'destroyed', sock.destroyed)
sock.on('finish', lambda: out('finish'))
sock.on('close', lambda *_: out('close'))
sock.end(lambda *_: out('end callback', 'writable', sock.writable, 'readyState', sock.readyState))
net.run()
