# Node: test/parallel/test-blocklist.js
# BlockList methods given something that is not an address throw ERR_INVALID_ARG_TYPE (bad values ERR_INVALID_ARG_VALUE...).
from _trace import code, out

import greennet as net

bl = net.BlockList()


def check_not_blocked():
    if bl.check('not an address') is not False:
        raise RuntimeError('blocked')


calls = {
    'addAddress(1)': lambda: bl.addAddress(1),
    'addAddress()': lambda: bl.addAddress(),
    'addAddress("1.1.1.1", 1)': lambda: bl.addAddress('1.1.1.1', 1),
    'addAddress("1.1.1.1", "ipv5")': lambda: bl.addAddress('1.1.1.1', 'ipv5'),
    'addAddress("1.1.1")': lambda: bl.addAddress('1.1.1'),
    'addRange("1.1.1.1")': lambda: bl.addRange('1.1.1.1'),
    'addRange(1, "1.1.1.2")': lambda: bl.addRange(1, '1.1.1.2'),
    'addRange("1.1.1.2", "1.1.1.1")': lambda: bl.addRange('1.1.1.2', '1.1.1.1'),
    'addSubnet(1)': lambda: bl.addSubnet(1),
    'addSubnet("1.1.1.0")': lambda: bl.addSubnet('1.1.1.0'),
    'addSubnet("1.1.1.0", 33)': lambda: bl.addSubnet('1.1.1.0', 33),
    'addSubnet("::", 129, "ipv6")': lambda: bl.addSubnet('::', 129, 'ipv6'),
    'addSubnet("1.1.1.0", "24")': lambda: bl.addSubnet('1.1.1.0', '24'),
    'check(1)': lambda: bl.check(1),
    'check("1.1.1.1", 1)': lambda: bl.check('1.1.1.1', 1),
    'check("not an address")': check_not_blocked,
}
for label, fn in calls.items():
    out(label, code(fn))
out('rules', bl.rules)
