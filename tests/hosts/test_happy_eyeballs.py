"""Happy eyeballs for real: a host with an IPv4 and an IPv6 address whose IPv6 path is
blackholed (nft DROP inside it), reached by name from the clients' host.

The name resolves through Node's ``lookup`` option to the IPv6 address first, then the
IPv4 one (literal addresses: no DNS involved), as a resolver preferring IPv6 would.
"""
from __future__ import annotations

import json
import statistics
from typing import Any, Dict

import pytest

from .lab import GREENNET, Host, Lab, hosts_for, v4, v6

PORT = 9000
ATTEMPT_MS = 250
NAME = 'dual.greennet.test'
RUNS = 5


@pytest.fixture(scope='module')
def raced(lab: Lab, nft: None, clients: Host, request: Any) -> Dict[str, Any]:
    """RUNS pairs of connects (serial and overlapping, at the same time) by name."""
    (server,) = hosts_for(lab, request, dict(role='he-server', v4s=[51], v6s=[51]))
    server.firewall(f'ip6 daddr {v6(51)} tcp dport {PORT} drop')
    echo = server.spawn([*GREENNET, 'serve', 'apps:echo_node', '--host', '::', '--port', str(PORT),
                         '--grace', '0'])
    echo.expect('listening on', timeout=20)
    return clients.run_json('peers.py', 'eyeballs', json.dumps({
        'name': NAME, 'addresses': [v6(51), v4(51)], 'port': PORT,
        'attempt_timeout_ms': ATTEMPT_MS, 'runs': RUNS}))


def without_times(events):
    return [e[:-1] for e in events]


EXPECTED = [
    ['lookup', None, v6(51), 6, NAME],
    ['lookup', None, v4(51), 4, NAME],
    ['connectionAttempt', v6(51), PORT, 6],
    ['connectionAttemptTimeout', v6(51), PORT, 6],
    ['connectionAttempt', v4(51), PORT, 4],
    ['connect'],
    ['ready'],
]


def test_autoselectfamily_connects_over_ipv4_once_the_ipv6_attempt_times_out(raced):
    for rec in raced['serial']:
        assert without_times(rec['events']) == EXPECTED, rec['events']
        assert (rec['remoteAddress'], rec['remoteFamily']) == (v4(51), 'IPv4')
        assert rec['attempted'] == [f'{v6(51)}:{PORT}', f'{v4(51)}:{PORT}']
        assert rec['echo'] == 'over the winner\n'
        timeout_at = rec['events'][3][-1]
        assert ATTEMPT_MS / 1000 <= timeout_at <= ATTEMPT_MS / 1000 + 0.15, rec['events']
        assert rec['connected_at'] >= ATTEMPT_MS / 1000
    print('\nserial: connected at ' + ', '.join(f"{r['connected_at'] * 1000:.0f}" for r in raced['serial'])
          + ' ms')


def test_overlapping_attempts_fire_the_same_events(raced):
    for rec in raced['overlap']:
        assert without_times(rec['events']) == EXPECTED, rec['events']
        assert (rec['remoteAddress'], rec['remoteFamily']) == (v4(51), 'IPv4')
        assert rec['echo'] == 'over the winner\n'


def test_overlapping_attempts_connect_no_later_than_serial_ones(raced):
    serial = statistics.median(r['connected_at'] for r in raced['serial'])
    overlap = statistics.median(r['connected_at'] for r in raced['overlap'])
    # both wait out the blackholed attempt; the pairs ran at the same moments, so only
    # scheduling noise separates them
    assert overlap <= serial + 0.05, (overlap, serial)
    print(f'\nmedian connect time over {RUNS} runs: overlap {overlap * 1000:.0f} ms, '
          f'serial {serial * 1000:.0f} ms')
