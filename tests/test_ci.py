"""What CI runs: nox on every supported Python, and one closing line for them all.

``.ci/summary.py`` turns nox's report and pytest's junit files into the line CI reads;
the versions nox tests are the ones ``pyproject.toml`` says are supported.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def nox_pythons():
    tree = ast.parse((ROOT / 'noxfile.py').read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ['PYTHONS']:
            return ast.literal_eval(node.value)
    raise AssertionError('noxfile.py has no PYTHONS')


def test_the_classifiers_say_which_versions_nox_tests():
    project = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']
    classified = [c.rsplit(' :: ', 1)[1] for c in project['classifiers']
                  if re.fullmatch(r'Programming Language :: Python :: 3\.\d+', c)]
    assert classified == nox_pythons() == ['3.11', '3.12', '3.13']
    assert project['requires-python'] == f'>={classified[0]}'


def junit(path, tests, failures=0, errors=0, skipped=0):
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
                    f'tests="{tests}" failures="{failures}" errors="{errors}" '
                    f'skipped="{skipped}"/></testsuites>')


def summarize(tmp_path, sessions):
    report = tmp_path / 'report.json'
    report.write_text(json.dumps({'result': 1, 'sessions': sessions}))
    return subprocess.run([sys.executable, str(ROOT / '.ci' / 'summary.py'), str(report)],
                          capture_output=True, text=True, timeout=60)


def session(version, result, reason=None):
    return {'name': 'tests', 'signatures': [f'tests-{version}'], 'result': result,
            'reason': reason, 'args': {}}


def test_the_summary_adds_up_every_version_and_closes_on_pytest_s_words(tmp_path):
    junit(tmp_path / 'junit-3.11.xml', tests=10, skipped=1)
    junit(tmp_path / 'junit-3.12.xml', tests=10, failures=1, errors=1, skipped=2)
    result = summarize(tmp_path, [session('3.11', 'success'), session('3.12', 'failed'),
                                  session('3.13', 'skipped', 'Python interpreter 3.13 not found')])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        'python3.11: 9 passed, 0 failed, 1 skipped',
        'python3.12: 6 passed, 2 failed, 2 skipped',
        'python3.13: skipped (Python interpreter 3.13 not found)',
        'total: 15 passed, 2 failed, 3 skipped',
    ]


def test_a_session_that_failed_before_its_tests_counts_as_a_failure(tmp_path):
    junit(tmp_path / 'junit-3.11.xml', tests=3)
    result = summarize(tmp_path, [session('3.11', 'success'), session('3.12', 'failed')])
    assert result.stdout.splitlines()[-1] == 'total: 3 passed, 1 failed, 0 skipped'


def test_no_version_run_is_a_failure(tmp_path):
    result = summarize(tmp_path, [session('3.13', 'skipped', 'not found')])
    assert result.returncode == 1
    assert 'total:' not in result.stdout
