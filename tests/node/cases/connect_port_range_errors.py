# Node: test/parallel/test-net-connect-options-port.js
# Blank strings and numbers outside 0..65535 are ERR_SOCKET_BAD_PORT in every form, connect('') too.
from _trace import code, out

import greennet as net

forms = {
    'connect(port)': lambda p: net.connect(p),
    'connect(port, host)': lambda p: net.connect(p, 'localhost'),
    'connect({port})': lambda p: net.connect({'port': p}),
    'Socket().connect(port, host, cb)': lambda p: net.Socket().connect(p, 'localhost', lambda: None),
    'Socket().connect({port, host})': lambda p: net.Socket().connect({'port': p, 'host': 'localhost'}),
}
ports = [('""', ''), ('" "', ' '), ('"\\t"', '\t'), ('"0x"', '0x'), ('"-0x1"', '-0x1'), ('NaN', float('nan')),
         ('Infinity', float('inf')), ('-1', -1), ('65536', 65536), ('"65536"', '65536'), ('1.5', 1.5),
         ('"1e9"', '1e9')]
for label, port in ports:
    for form, fn in forms.items():
        if port in ('0x', '-0x1') and '{port' not in form:
            continue
        out(label, form, code(lambda: fn(port)))
