# Node: test/parallel/test-net-localerror.js
# A localAddress that is not an IP is ERR_INVALID_IP_ADDRESS; a localPort that is not a number ERR_INVALID_ARG_TYPE.
from _trace import code, out

import greennet as net

out('localAddress foobar', code(lambda: net.connect({'host': 'localhost', 'port': 0, 'localAddress': 'foobar'})))
out('localPort foobar', code(lambda: net.connect({'host': 'localhost', 'port': 0, 'localPort': 'foobar'})))
out('host with NUL', code(lambda: net.connect({'host': 'local\0host', 'port': 80})))
