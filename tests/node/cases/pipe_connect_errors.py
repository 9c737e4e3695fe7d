# Node: test/parallel/test-net-pipe-connect-errors.js
# Connecting to a path where nothing is: ENOENT; to a file that is not a socket: ECONNREFUSED; both with syscall connect.
import os
import shutil
import tempfile

from _trace import out

import greennet as net

where = tempfile.mkdtemp(prefix='greennet-')
file = os.path.join(where, 'not-a-socket')
open(file, 'w').close()
targets = [('no such path', os.path.join(where, 'missing.sock')), ('a regular file', file)]


def next_target(*_):
    if not targets:
        shutil.rmtree(where)
        return
    label, target = targets.pop(0)
    c = net.connect(target, lambda: out('connect (unexpected)'))
    c.on('error', lambda err: out(label, 'error', err.code, err.syscall, err.address == target))
    c.on('close', lambda had_error: (out(label, 'close', had_error), next_target()))


next_target()
net.run()
