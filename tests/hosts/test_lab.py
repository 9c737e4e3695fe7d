"""The lab cleans up after itself: nothing in the machine's own network namespace,
nothing left running in a removed host, and what a run that died left is swept."""
from __future__ import annotations

import os
import subprocess
import time

from .lab import Lab, _ip, namespaces, sweep


def root_links() -> list:
    return sorted(line.split(':')[1].strip() for line in _ip('-o', 'link').stdout.splitlines())


def dead_pid() -> int:
    pid = 4_000_000          # above any pid_max Linux allows by default, and never ours
    while os.path.exists(f'/proc/{pid}'):
        pid += 1
    return pid


def test_a_host_adds_nothing_to_the_machines_own_network(lab: Lab) -> None:
    before = root_links()
    host = lab.host('lab-probe', v4s=[250])
    try:
        assert host.name in namespaces()
        assert root_links() == before
    finally:
        host.remove()
    assert host.name not in namespaces()


def test_removing_a_host_kills_what_still_runs_in_it(lab: Lab) -> None:
    host = lab.host('lab-probe', v4s=[250])
    try:
        orphan = subprocess.Popen(['ip', 'netns', 'exec', host.name, 'sleep', '60'])
        deadline = time.monotonic() + 5
        while orphan.pid not in host.pids() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert orphan.pid in host.pids()
    finally:
        host.remove()
    assert orphan.wait(5) == -9
    assert host.name not in namespaces()


def test_a_sweep_removes_what_a_run_that_died_left_behind(lab: Lab) -> None:
    leftover = f'gnh{dead_pid()}-leftover'
    _ip('netns', 'add', leftover)
    runner = subprocess.Popen(['ip', 'netns', 'exec', leftover, 'sleep', '60'])
    try:
        assert leftover in sweep()
        assert leftover not in namespaces()
        assert runner.wait(5) == -9
        assert lab.switch in namespaces()           # a live run's namespaces are left alone
    finally:
        runner.kill()
        runner.wait()
        _ip('netns', 'del', leftover, check=False)
