"""One closing line for a nox run over several Pythons, in pytest's words.

    python .ci/summary.py NOX_REPORT.json

Reads the report ``nox --report`` wrote and each session's ``.nox/junit-3.X.xml``;
prints one line per version (or why it was skipped), then the total as its last line,
``total: N passed, N failed, N skipped``, which is what CI reads.  A session that failed
without a failing test (its venv could not be made, pytest did not start) counts as one
failure, so the total never says 0 failed for a run that failed.
"""
from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from typing import Dict


def counts(junit: str) -> Dict[str, int]:
    """passed, failed (failures and errors) and skipped of one pytest junit report."""
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == 'testsuite' else list(root.iter('testsuite'))
    total = {'passed': 0, 'failed': 0, 'skipped': 0}
    for suite in suites:
        tests, skipped = int(suite.get('tests', 0)), int(suite.get('skipped', 0))
        failed = int(suite.get('failures', 0)) + int(suite.get('errors', 0))
        total['passed'] += tests - failed - skipped
        total['failed'] += failed
        total['skipped'] += skipped
    return total


def line(c: Dict[str, int]) -> str:
    return f"{c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"


def main(report_path: str) -> int:
    with open(report_path) as f:
        report = json.load(f)
    base = os.path.dirname(os.path.abspath(report_path))
    total = {'passed': 0, 'failed': 0, 'skipped': 0}
    ran = 0
    for session in report['sessions']:
        for signature in session['signatures']:
            version = signature.rpartition('-')[2]
            if session['result'] == 'skipped':
                print(f"python{version}: skipped ({session.get('reason') or 'no reason given'})")
                continue
            ran += 1
            junit = os.path.join(base, f'junit-{version}.xml')
            c = counts(junit) if os.path.exists(junit) else {'passed': 0, 'failed': 0, 'skipped': 0}
            if session['result'] != 'success' and c['failed'] == 0:
                c['failed'] = 1        # the session failed outside the tests
            print(f'python{version}: {line(c)}')
            for key in total:
                total[key] += c[key]
    if not ran:
        print('no Python version ran the tests')
        return 1
    print(f'total: {line(total)}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
