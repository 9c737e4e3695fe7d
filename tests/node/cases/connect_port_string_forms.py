# Node: test/parallel/test-net-connect-options-port.js
# A port given as a decimal or hex string connects, in every connect() form.
from _trace import out

import greennet as net

server = net.createServer(lambda s: s.end('ok'))


def on_listening():
    port = server.address()['port']
    ports = {'number': port, 'decimal': str(port), 'hex': '0x%x' % port, 'padded': f' {port} '}
    forms = {
        'connect(port, host, cb)': lambda p, cb: net.connect(p, '127.0.0.1', cb),
        'connect({port, host}, cb)': lambda p, cb: net.connect({'port': p, 'host': '127.0.0.1'}, cb),
        'Socket().connect(port, host, cb)': lambda p, cb: net.Socket().connect(p, '127.0.0.1', cb),
    }
    jobs = [(kind, form, fn, p) for kind, p in ports.items() for form, fn in forms.items()]

    def next_job(*_):
        if not jobs:
            server.close(lambda *a: out('server closed'))
            return
        kind, form, fn, p = jobs.pop(0)
        holder = []

        def on_connect():
            sock = holder[0]
            out(kind, form, 'connect', sock.remotePort == port)
            sock.resume()
            sock.on('close', next_job)
        holder.append(fn(p, on_connect))
    next_job()


server.listen(0, '127.0.0.1', on_listening)
net.run()
