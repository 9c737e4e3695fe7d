"""Run Python twins of the Node cases one after another in this one process.

``python tests/node/batch.py NAME...`` prints one JSON line per case:
``{"case", "out", "stderr", "error"}`` where ``out`` is the trace the twin printed and
``error`` is None, 'timeout' or a traceback.  Starting Python, gevent and greennet once
for all cases keeps the suite fast; after a case that timed out the batch stops, since
what that case left running would hold up the next ones (the test runs those alone).
"""
import contextlib
import io
import json
import os
import runpy
import sys
import traceback

import gevent

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cases')
PER_CASE = float(os.environ.get('GREENNET_NODE_CASE_TIMEOUT', '3'))


def run_case(name):
    import greennet as net
    defaults = (net.getDefaultAutoSelectFamily(), net.getDefaultAutoSelectFamilyAttemptTimeout())
    stdout, stderr = io.StringIO(), io.StringIO()
    error = None
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
                gevent.Timeout(PER_CASE, ref=False):
            runpy.run_path(os.path.join(CASES, name + '.py'), run_name='__main__')
    except gevent.Timeout:
        error = 'timeout'
    except BaseException:    # noqa: BLE001 - reported as the case's failure
        error = traceback.format_exc()
    finally:
        net.setDefaultAutoSelectFamily(defaults[0])
        net.setDefaultAutoSelectFamilyAttemptTimeout(defaults[1])
    return {'case': name, 'out': stdout.getvalue(), 'stderr': stderr.getvalue(), 'error': error}


def main(names):
    sys.path.insert(0, CASES)
    for name in names:
        result = run_case(name)
        sys.stdout.write(json.dumps(result) + '\n')
        sys.stdout.flush()
        if result['error'] == 'timeout':
            break


if __name__ == '__main__':
    main(sys.argv[1:])
