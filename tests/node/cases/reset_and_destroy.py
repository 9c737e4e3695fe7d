# Node: test/parallel/test-net-connect-reset-until-connected.js
# resetAndDestroy() on a connected socket: the peer reads ECONNRESET; the socket closes.
from _trace import fmt, out

import greennet as net

seen = []


def note(what):
    seen.append(what)
    if len(seen) == 3:
        out(*sorted(seen))
        server.close()


server = net.createServer()


def on_listening():
    conn = net.createConnection(server.address()['port'], '127.0.0.1')
    waiting = [2]

    def both(*_):
        waiting[0] -= 1
        if waiting[0] == 0:
            conn.resetAndDestroy()
    conn.on('close', lambda had_error: note(f'client close {fmt(had_error)}'))

    def on_connection(socket):
        both()
        socket.on('error', lambda err: note(f'server socket error {err.code} {err.syscall}'))
        socket.on('close', lambda *_: note('server socket close'))
    server.on('connection', on_connection)
    conn.on('connect', both)


server.listen(0, '127.0.0.1', on_listening)
net.run()
