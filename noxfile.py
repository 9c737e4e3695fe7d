"""The test suite and ``mypy --strict`` on every supported Python, with nox.

    nox                      # every supported version this machine has
    nox -s tests-3.12        # one version
    nox -s tests-3.13 -- tests/test_proxy.py -x    # arguments after -- go to pytest

Each session makes its own venv (``.nox/tests-3-12``...) from ``requirements-dev.txt``
and the project and runs the test suite, which runs ``mypy --strict`` for that version.  An interpreter
is looked for as ``python3.X`` on PATH, then under pyenv (``$PYENV_ROOT/versions/3.X.*``,
``~/.pyenv`` by default) even when pyenv does not select it; a version the machine lacks
is skipped, with a line saying so.  Each session leaves pytest's report in
``.nox/junit-3.X.xml`` (``.ci/run`` adds them up).
"""
from __future__ import annotations

import glob
import os

import nox

PYTHONS = ['3.11', '3.12', '3.13']

nox.options.sessions = ['tests']
nox.options.default_venv_backend = 'venv'
nox.options.download_python = 'never'            # test what the machine has, nothing else
nox.options.error_on_missing_interpreters = False  # skip, saying so (also where CI is set)
nox.options.reuse_existing_virtualenvs = True      # the install step still runs each time


def _pyenv_bin_dirs() -> list[str]:
    """The bin directories of pyenv's newest 3.X for each supported X.

    pyenv's shims answer ``python3.12`` only for the versions pyenv has selected; the
    interpreters themselves are there all the same.  Appended to PATH (after the shims
    and the system's), they are found by nox and shadow nothing."""
    root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    found = []
    for version in PYTHONS:
        pattern = os.path.join(root, 'versions', f'{version}.*', 'bin', f'python{version}')
        candidates = sorted(glob.glob(pattern),
                            key=lambda p: [int(x) for x in p.split(os.sep)[-3].split('.')
                                           if x.isdigit()])
        if candidates:
            found.append(os.path.dirname(candidates[-1]))
    return found


os.environ['PATH'] = os.pathsep.join([os.environ.get('PATH', ''), *_pyenv_bin_dirs()])


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite on this version; it runs ``mypy --strict`` for this version too
    (tests/test_typing.py), so a typing failure counts as a failed test."""
    session.install('-q', '-r', 'requirements-dev.txt', '-e', '.')
    session.run('python', '-m', 'pytest', f'--junitxml=.nox/junit-{session.python}.xml',
                *session.posargs)
