# Node: test/parallel/test-blocklist.js
# BlockList.toJSON() is the rules; fromJSON() takes them (or their JSON text) back and blocks the same addresses.
import json

from _trace import code, out

import greennet as net

bl = net.BlockList()
bl.addAddress('1.1.1.1')
bl.addRange('10.0.0.1', '10.0.0.9')
bl.addSubnet('192.168.0.0', 16)
bl.addAddress('::1', 'ipv6')
bl.addRange('::2', '::9', 'ipv6')
bl.addSubnet('fe80::', 10, 'ipv6')
out('toJSON', bl.toJSON())
out('JSON.stringify', json.dumps(bl.toJSON(), separators=(',', ':')))
for data in (bl.toJSON(), json.dumps(bl.toJSON())):
    copy = net.BlockList()
    copy.fromJSON(data)
    out('fromJSON', 'string' if isinstance(data, str) else 'object', copy.rules)
    out('checks', [copy.check(a) for a in ('1.1.1.1', '10.0.0.5', '192.168.7.7', '8.8.8.8')],
        [copy.check(a, 'ipv6') for a in ('::1', '::5', 'fe80::42', '2001:db8::1')])
skip = net.BlockList()
skip.fromJSON(['not a rule', 'Address: IPv4 1.2.3.4'])
out('skips what is not a rule', skip.rules)
for label, data in (('5', 5), ('[1]', [1]), ('"{}"', '{}'), ('bad address', ['Address: IPv4 999.1.1.1'])):
    out('fromJSON', label, code(lambda: net.BlockList().fromJSON(data)))
