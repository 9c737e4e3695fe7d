# Node: test/parallel/test-net-server-listen-options.js
# listen(), listen(cb), listen(0), listen('0'), listen(undefined/null) and {port: undefined/null} listen on a random port.
from _trace import out

import greennet as net

forms = [
    ('listen()', lambda s, cb: s.listen().on('listening', cb)),
    ('listen(cb)', lambda s, cb: s.listen(cb)),
    ('listen(0, cb)', lambda s, cb: s.listen(0, cb)),
    ('listen("0", cb)', lambda s, cb: s.listen('0', cb)),
    ('listen(null, cb)', lambda s, cb: s.listen(None, cb)),
    ('listen({port: 0}, cb)', lambda s, cb: s.listen({'port': 0}, cb)),
    ('listen({port: "0"}, cb)', lambda s, cb: s.listen({'port': '0'}, cb)),
    ('listen({port: null}, cb)', lambda s, cb: s.listen({'port': None}, cb)),
    ('listen({port: 0x0}, cb)', lambda s, cb: s.listen({'port': '0x0'}, cb)),
]


def next_form(*_):
    if not forms:
        return
    label, fn = forms.pop(0)
    server = net.createServer()

    def on_listening():
        port = server.address()['port']
        out(label, 'listening', 'number' if isinstance(port, int) else type(port).__name__, port > 0)
        server.close(next_form)
    fn(server, on_listening)


next_form()
net.run()
