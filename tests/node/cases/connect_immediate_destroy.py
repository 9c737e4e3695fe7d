# Node: test/parallel/test-net-connect-immediate-destroy.js
# connect() followed at once by destroy() leaves nothing behind: no connect, no error, and the process exits.
from _trace import out

import greennet as net

server = net.createServer(lambda s: out('connection (unexpected)'))
server.listen(0)
port = server.address()['port']
socket = net.connect(port, '127.0.0.1', lambda: out('connect (unexpected)'))
socket.on('error', lambda err: out('error (unexpected)', err.code))
socket.on('close', lambda had_error: out('close', had_error))
server.close(lambda *_: out('server close'))
socket.destroy()
out('destroyed', socket.destroyed, socket.connecting)
net.run()
out('exit')
