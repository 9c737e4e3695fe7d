# Node: test/parallel/test-net-server-listen-options-signal.js
# A signal that is not an AbortSignal is ERR_INVALID_ARG_TYPE; aborting closes the server; an aborted one gives 'close' only.
from _trace import code, out

import greennet as net

out('bad signal', code(lambda: net.createServer().listen({'port': 0, 'signal': 'INVALID_SIGNAL'})))

later = net.AbortController()
first = net.createServer()


def on_first_listening():
    out('first listening')
    later.abort()


def on_first_close():
    out('first close', first.listening)
    second = net.createServer()
    aborted = net.AbortController()
    aborted.abort()
    second.on('listening', lambda: out('second listening (unexpected)'))
    second.on('close', lambda: out('second close', second.listening))
    second.listen({'port': 0, 'signal': aborted.signal})
    out('second listen returned')


first.on('listening', on_first_listening)
first.on('close', on_first_close)
first.listen({'port': 0, 'host': '127.0.0.1', 'signal': later.signal})
net.run()
