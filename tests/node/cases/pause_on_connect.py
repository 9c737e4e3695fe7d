# Node: test/parallel/test-net-server-pause-on-connect.js
# With pauseOnConnect the accepted socket reads nothing until resume(); without it data flows at once.
import gevent
from _trace import out

import greennet as net

message = 'Hello World'
paused = [True]


def handler(socket):
    socket.on('data', lambda d: (out('data', d, 'while paused', paused[0]), socket.end(), server.close()))

    def resume():
        out('resume')
        paused[0] = False
        socket.resume()
    gevent.spawn_later(0.05, resume)


server = net.createServer({'pauseOnConnect': True}, handler)


def on_listening():
    holder = []
    holder.append(net.connect(server.address()['port'], '127.0.0.1', lambda: holder[0].write(message)))
    holder[0].resume()


server.listen(0, '127.0.0.1', on_listening)
net.run()
