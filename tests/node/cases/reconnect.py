# Node: test/parallel/test-net-reconnect.js
# A client socket that closed can connect() again with the same object; events run again in order.
from _trace import out

import greennet as net

served = [0]


def handler(s):
    served[0] += 1
    s.end(f'hello {served[0]}')


server = net.createServer(handler)


def on_listening():
    port = server.address()['port']
    client = net.Socket()
    round_ = [0]
    client.setEncoding('utf8')
    client.on('connect', lambda: out('connect', round_[0]))
    client.on('data', lambda d: out('data', d))
    client.on('end', lambda: out('end'))

    def on_close(had_error):
        out('close', had_error)
        round_[0] += 1
        if round_[0] < 3:
            client.connect(port, '127.0.0.1')
        else:
            server.close(lambda *_: out('served', served[0]))
    client.on('close', on_close)
    client.connect(port, '127.0.0.1')


server.listen(0, '127.0.0.1', on_listening)
net.run()
