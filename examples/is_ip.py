"""``net.isIP()``, ``net.isIPv4()`` and ``net.isIPv6()``, the examples of the Node
``net`` docs.

Node's originals::

    net.isIP('::1'); // returns 6
    net.isIP('127.0.0.1'); // returns 4
    net.isIP('127.000.000.001'); // returns 0
    net.isIP('127.0.0.1/24'); // returns 0
    net.isIP('fhqwhgads'); // returns 0

    net.isIPv4('127.0.0.1'); // returns true
    net.isIPv4('127.000.000.001'); // returns false
    net.isIPv4('127.0.0.1/24'); // returns false
    net.isIPv4('fhqwhgads'); // returns false

    net.isIPv6('::1'); // returns true
    net.isIPv6('fhqwhgads'); // returns false

Run it: ``python examples/is_ip.py``; each line shows the call, its result and
the result the docs give.
"""
import greennet as net

EXAMPLES = [
    ("net.isIP('::1')", net.isIP('::1'), 6),
    ("net.isIP('127.0.0.1')", net.isIP('127.0.0.1'), 4),
    ("net.isIP('127.000.000.001')", net.isIP('127.000.000.001'), 0),
    ("net.isIP('127.0.0.1/24')", net.isIP('127.0.0.1/24'), 0),
    ("net.isIP('fhqwhgads')", net.isIP('fhqwhgads'), 0),
    ("net.isIPv4('127.0.0.1')", net.isIPv4('127.0.0.1'), True),
    ("net.isIPv4('127.000.000.001')", net.isIPv4('127.000.000.001'), False),
    ("net.isIPv4('127.0.0.1/24')", net.isIPv4('127.0.0.1/24'), False),
    ("net.isIPv4('fhqwhgads')", net.isIPv4('fhqwhgads'), False),
    ("net.isIPv6('::1')", net.isIPv6('::1'), True),
    ("net.isIPv6('fhqwhgads')", net.isIPv6('fhqwhgads'), False),
]

for call, got, expected in EXAMPLES:
    print(f'{call:32} -> {got!r:6} (docs: {expected!r})')
