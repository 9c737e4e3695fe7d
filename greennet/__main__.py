"""``python -m greennet`` and the installed ``greennet`` script: see :mod:`greennet.cli`."""
from __future__ import annotations

import sys
from typing import Optional, Sequence

from . import cli


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``greennet`` command line; returns the exit status."""
    return cli.main(argv)


if __name__ == '__main__':
    sys.exit(main())
