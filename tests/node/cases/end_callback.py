# Node: test/parallel/test-net-socket-end-callback.js
# end(cb), end(data, cb) and end(data, encoding, cb) each call cb once the socket has finished.
from _trace import out

import greennet as net

server = net.createServer(lambda socket: socket.resume())


def on_listening():
    forms = [('end(cb)', []), ('end(data, cb)', ['foo']), ('end(data, encoding, cb)', ['foo', 'utf8'])]

    def next_form():
        if not forms:
            server.close(lambda *_: out('server closed'))
            return
        label, args = forms.pop(0)
        holder = []

        def on_end(*_):
            socket = holder[0]
            out(label, 'callback', socket.writableFinished)
            socket.destroy()
            next_form()
        holder.append(net.createConnection(server.address()['port'], '127.0.0.1',
                                           lambda: holder[0].end(*args, on_end)))
    next_form()


server.listen(0, '127.0.0.1', on_listening)
net.run()
