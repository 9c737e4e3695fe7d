# Node: test/parallel/test-net-socket-local-address.js
# A client's localAddress/localPort are what the server sees as remoteAddress/remotePort.
from _trace import out

import greennet as net

seen = []


def handler(s):
    seen.append(f'{s.remoteAddress}:{s.remotePort}')
    s.end()


server = net.createServer(handler)


def on_listening():
    left = [3]

    def one():
        holder = []

        def on_connect():
            c = holder[0]
            local = f'{c.localAddress}:{c.localPort}'
            family = c.localFamily
            c.resume()

            def on_close(*_):
                out('client local address is what the server saw', local in seen, family)
                left[0] -= 1
                if left[0]:
                    one()
                else:
                    server.close()
            c.on('close', on_close)
        holder.append(net.connect(server.address()['port'], '127.0.0.1', on_connect))
    one()


server.listen(0, '127.0.0.1', on_listening)
net.run()
