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


def _count_mode_missing() -> str | None:
    """Why the count mode cannot run here (it runs the servers under valgrind)."""
    if not sys.platform.startswith('linux'):
        return 'bench/run.py is Linux only'
    if not shutil.which('valgrind'):
        return 'valgrind is not installed (the count mode runs the servers under callgrind)'
    return None


@pytest.mark.skipif(not RUN.exists(), reason='bench/ is not in this checkout')
@pytest.mark.timeout(180)
def test_bench_count_reports_instructions_and_syscalls_per_round_trip(
        tmp_path: Path) -> None:
    why = _count_mode_missing()
    if why:
        pytest.skip(why)
    out = tmp_path / 'counts.json'
    proc = subprocess.run(
        [sys.executable, str(RUN), '--count', '--servers', 'greennet_pipe',
         '--scenarios', 'pp10', '--count-scale', '0.1', '--json', str(out)],
        capture_output=True, text=True, timeout=170)
    report = f'stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}'
    assert proc.returncode == 0, report
    assert '| greennet Node style: pipe(sock) | ' in proc.stdout, report

    data = json.loads(out.read_text())
    assert data['mode'] == 'count' and data['corrupt'] == 0 and not data['failures']
    [instr] = data['figures']['pp10 instr/rt']['greennet_pipe']
    [calls] = data['figures']['pp10 syscalls/rt']['greennet_pipe']
    assert 1e4 <= instr <= 1e7, report       # a Python echo: tens of thousands
    assert 1 <= calls <= 50, report          # a recv and a send, and a share of epoll_wait
    [counted] = data['counts']['pp10']['greennet_pipe']
    first, second = counted['runs']
    assert second['ops'] > first['ops'] and second['instr'] > first['instr'], report
    assert counted['calls'].get('recvfrom', 0) >= 1, report   # each echo read once at least
    assert counted['calls'].get('sendto', 0) >= 1, report     # and sent back


@pytest.mark.skipif(not RUN.exists(), reason='bench/ is not in this checkout')
def test_bench_refuses_a_checkout_without_greennet(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(RUN), '--count', '--checkout', f'old={tmp_path}'],
        capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert f'{tmp_path} has no greennet/__init__.py' in proc.stderr
