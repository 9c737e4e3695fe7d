"""Nothing lost under a bad link: a fault-injecting TCP relay (``relay.py``: delays,
one-byte slicing, stalls, bursts) in a host between the clients' host and the server's;
200 connections x 1 MiB echoed both ways, every byte compared, in both styles.

The server's host lets in only the relay (its firewall drops anyone else), so every
byte really crosses the bad link.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

from .lab import GREENNET, Host, Lab, hosts_for, v4

CONNECTIONS = 200
SIZE = 1 << 20
PORTS = {'node': 9000, 'sequential': 9001}


@pytest.fixture(scope='module')
def link(lab: Lab, nft: None, request: Any) -> Dict[str, Host]:
    client, relay, server = hosts_for(lab, request, dict(role='bl-client', v4s=[81]),
                                         dict(role='bl-relay', v4s=[82]),
                                         dict(role='bl-server', v4s=[83]))
    server.firewall(f'tcp dport {{ 9000, 9001 }} ip saddr != {v4(82)} drop')
    for style, port in PORTS.items():
        proc = server.spawn([*GREENNET, 'serve', f'apps:echo_{style}', '--host', v4(83),
                             '--port', str(port), '--grace', '0'])
        proc.expect(r'listening on', timeout=20)
    routes = [[v4(82), port, v4(83), port] for port in PORTS.values()]
    relay_proc = relay.python('relay.py', json.dumps({'routes': routes, 'seed': 17}))
    relay_proc.expect('"event": "listening"', timeout=20)
    return {'client': client, 'relay': relay, 'server': server, 'relay_proc': relay_proc}



def _relayed(link: Dict[str, Any], count: int) -> List[Dict[str, Any]]:
    seen = []
    for _ in range(count):
        seen.append(link['relay_proc'].expect_json('conn'))
    return seen


@pytest.mark.parametrize('style', ['node', 'sequential'])
def test_every_byte_crosses_a_faulty_link_both_ways(link: Dict[str, Any], style: str) -> None:
    result = link['client'].run_json('peers.py', 'bulk', json.dumps({
        'host': v4(82), 'port': PORTS[style], 'n': CONNECTIONS, 'size': SIZE, 'style': style,
        'limit': 60}), timeout=120)
    outcomes = [c['outcome'] for c in result['connections']]
    assert outcomes == ['ok'] * CONNECTIONS, sorted(set(outcomes))
    assert sum(c['checked'] for c in result['connections']) == CONNECTIONS * SIZE
    relayed = _relayed(link, CONNECTIONS)
    assert all(r['up'] == SIZE and r['down'] == SIZE for r in relayed), relayed[:3]
    faults = {k: sum(r['faults'][k] for r in relayed) for k in ('sliced', 'stalls', 'bursts', 'delays')}
    assert all(faults.values()), faults      # every kind of fault really happened
    print(f'\n{style}: {CONNECTIONS} connections, {CONNECTIONS * SIZE} echoed bytes compared '
          f'(each crossed the relay both ways) in {result["elapsed"]:.1f} s through {faults}')
