"""Tests across real hosts: network namespaces joined by a bridge (see ``lab.py``).

Each module builds the hosts its scenario needs (a balancer in front of several
``greennet serve --workers`` hosts, a reload under load, links that die, happy eyeballs,
hostile peers, a fault-injecting relay); the programs that run inside the hosts are the
non-test modules here (``apps.py``, ``peers.py``, ``servers.py``, ``relay.py``) and
report what they saw as JSON.  Everything skips, saying why, where namespaces cannot
be created.
"""
