"""Fixtures of the host tests: the lab (skipped, with the reason, where network
namespaces cannot be created) and the shared client host."""
from __future__ import annotations

import shutil
from typing import Iterator

import pytest

from .lab import Host, Lab, sweep, unavailable


@pytest.fixture(scope='session')
def lab() -> Iterator[Lab]:
    """The lab's switch; every host made on it is removed at the end of the session
    (each module also removes its own hosts when it ends).  Leftovers of earlier runs
    that died are swept first."""
    why = unavailable()
    if why is not None:
        pytest.skip(why)
    sweep()
    built = Lab()
    try:
        yield built
    finally:
        built.close()


@pytest.fixture(scope='session')
def clients(lab: Lab) -> Host:
    """The clients' host: 198.18.0.100-109 and fd00:198:18::100-101."""
    return lab.host('clients', v4s=range(100, 110), v6s=(100, 101))


@pytest.fixture(scope='session')
def nft() -> None:
    """The firewall inside a host (DROP, REJECT) needs nft."""
    if shutil.which('nft') is None:
        pytest.skip('no nft command (apt-get install -y nftables): the firewall tests need it')

