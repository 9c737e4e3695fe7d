# Node: test/parallel/test-net-connect-options-port.js
# hints that are not a combination of ADDRCONFIG, V4MAPPED and ALL are ERR_INVALID_ARG_VALUE.
import socket

from _trace import code, out

import greennet as net

hints = (socket.AI_ADDRCONFIG | socket.AI_V4MAPPED | socket.AI_ALL) + 42
out('connect({port, hints})', code(lambda: net.connect({'port': 42, 'hints': hints})))
out('Socket().connect({port, hints}, cb)', code(lambda: net.Socket().connect({'port': 42, 'hints': hints}, lambda: None)))
