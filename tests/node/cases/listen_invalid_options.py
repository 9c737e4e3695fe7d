# Node: test/parallel/test-net-server-listen-options.js
# listen(true/false), {port: true/false}, {fd: -1}, {path: -1} and options without port or path are ERR_INVALID_ARG_VALUE.
import re

from _trace import out

import greennet as net

cases = [('false', False), ('{port: false}', {'port': False}), ('true', True), ('{port: true}', {'port': True}),
         ('{fd: -1}', {'fd': -1}), ('{path: -1}', {'path': -1}), ('{path: "8080"}', {'path': '8080'}), ('{}', {}),
         ('{host: localhost}', {'host': 'localhost'}), ('{host: {port: 3000}}', {'host': {'port': 3000}}),
         ('{exclusive: true}', {'exclusive': True})]
for label, options in cases:
    try:
        net.createServer().listen(options, lambda: out('listening (unexpected)'))
        out(label, 'no throw')
    except net.NodeError as err:
        kind = 'must-have-port-or-path' if re.search('must have the property "port" or "path"', str(err)) else 'invalid'
        out(label, err.code, kind)
