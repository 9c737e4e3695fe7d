# Node: test/parallel/test-net-connect-custom-lookup-non-string-address.mjs
# A custom lookup answering something that is not an IP string: 'lookup' with its arguments, then ERR_INVALID_IP_ADDRESS.
import gevent
from _trace import out

import greennet as net


def e(err):
    return '-' if err is None else err.code


answers = [
    ('family 4, an array', {'family': 4}, [None, ['127.0.0.1'], 4]),
    ('family 6, an array', {'family': 6}, [None, ['::1'], 6]),
    ('family 4, a name', {'family': 4}, [None, 'not-an-ip', 4]),
    ('family 4, a number', {'family': 4}, [None, 12345, 4]),
    ('family 4, no family', {'family': 4}, [None, '127.0.0.1']),
    ('all, a name', {}, [None, [{'address': 'not-an-ip', 'family': 4}]]),
    ('all, family 5', {}, [None, [{'address': '127.0.0.1', 'family': 5}]]),
]


def next_answer(*_):
    if not answers:
        return
    label, options, args = answers.pop(0)
    sock = net.connect({'host': 'example.invalid', 'port': 80, **options,
                        'lookup': lambda host, dnsopts, cb: gevent.spawn(cb, *args)})
    sock.on('lookup', lambda err, address, family, host: out(label, 'lookup', e(err), address, family, host))
    sock.on('connect', lambda: out(label, 'connect (unexpected)'))
    sock.on('error', lambda err: out(label, 'error', err.code))
    sock.on('close', lambda had_error: (out(label, 'close', had_error), next_answer()))


next_answer()
net.run()
