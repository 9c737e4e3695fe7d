# Node: test/parallel/test-net-connect-options-port.js
# Ports that are not numbers or strings are ERR_INVALID_ARG_TYPE in every connect() form.
from _trace import code, out

import greennet as net

forms = {
    'createConnection(port)': lambda p: net.createConnection(p),
    'createConnection(port, host)': lambda p: net.createConnection(p, 'localhost'),
    'connect({port})': lambda p: net.connect({'port': p}),
    'connect({port, host})': lambda p: net.connect({'port': p, 'host': 'localhost'}),
    'Socket().connect({port}, cb)': lambda p: net.Socket().connect({'port': p}, lambda: None),
}
for label, port in (('true', True), ('false', False), ('[]', []), ('{}', {})):
    for form, fn in forms.items():
        if isinstance(port, (list, dict)) and '{port' not in form:
            continue
        out(label, form, code(lambda: fn(port)))
