"""The package is typed (it ships py.typed) and clean: mypy --strict and ruff pass."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*argv):
    return subprocess.run([sys.executable, '-m', *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=240)


def test_the_package_ships_py_typed():
    assert os.path.isfile(os.path.join(ROOT, 'greennet', 'py.typed'))


def test_mypy_strict_passes_on_the_package():
    """For the Python running the tests (nox runs them on each supported version)."""
    pytest.importorskip('mypy')
    result = run('mypy', '--strict', '--python-version', '%d.%d' % sys.version_info[:2], 'greennet')
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_is_clean():
    pytest.importorskip('ruff')
    result = run('ruff', 'check', '.')
    assert result.returncode == 0, result.stdout + result.stderr
