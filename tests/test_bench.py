"""Smoke test of the benchmark (bench/run.py): it runs and prints its table.

Its figures are never asserted (they say nothing on a shared CI machine); what is checked
is that every server starts, every scenario runs against each, every echoed byte came
back intact, and the table is printed, so the benchmark cannot rot unnoticed.
"""
from __future__ import annotations

import json
import select
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / 'bench' / 'run.py'
SCENARIOS = ['pp50', 'stream1', 'churn20', 'idle200']   # every kind, small


def _python_client_can_run() -> bool:
    """The fallback client needs epoll-backed selectors and a loopback socket."""
    if not hasattr(select, 'epoll'):
        return False
    try:
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not RUN.exists(), reason='bench/ is not in this checkout')
def test_bench_quick_run_prints_a_table(tmp_path: Path) -> None:
    if not sys.platform.startswith('linux'):
        pytest.skip('bench/run.py is Linux only (epoll, sched_setaffinity, /proc)')
    has_compiler = bool(shutil.which('gcc') or shutil.which('cc'))
    if not has_compiler and not _python_client_can_run():
        pytest.skip('no C compiler, and the Python load client cannot run here')
    out = tmp_path / 'figures.json'
    proc = subprocess.run(
        [sys.executable, str(RUN), '--quick', '--duration', '0.2',
         '--scenarios', ','.join(SCENARIOS), '--json', str(out)],
        capture_output=True, text=True, timeout=55)
    report = f'stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}'
    assert proc.returncode == 0, report

    lines = proc.stdout.splitlines()
    header = next((line for line in lines if line.startswith('| server |')), None)
    assert header is not None, report
    for name in SCENARIOS:
        assert name in header, report
    rows = [line for line in lines if line.startswith('| ') and not line.startswith(
        ('| server |', '| ---'))]
    assert len(rows) == 5, report                         # one per server
    assert not any('failed' in row for row in rows), report
    assert ' 0 corrupt' in proc.stdout, report
    assert '[1/' in proc.stderr, report                   # the progress line

    data = json.loads(out.read_text())
    assert data['corrupt'] == 0 and not data['failures']
    for name in SCENARIOS:                                # a figure for every cell
        assert all(len(v) == 1 for v in data['figures'][name].values()), report
