"""Restarts without a refused connection: ``greennet serve --workers 2`` reloads on
SIGHUP (new workers listen beside the old ones through ``reusePort``, then the old ones
stop accepting and finish their connections within ``--grace``) under a steady load
from the clients' host.

The server's host has ``net.ipv4.tcp_migrate_req=1``, as the README's deployment
section says to set: the kernel then hands a connection it had queued for an old
worker's listening socket to a new worker when that socket closes, instead of
resetting it.
"""
from __future__ import annotations

import collections
import json
import signal
import time
from typing import Any, Dict

import pytest

from .lab import GREENNET, Host, Lab, hosts_for, v4

PORT = 9000
GRACE = 5


@pytest.fixture(scope='module')
def reloaded(lab: Lab, clients: Host, request: Any) -> Dict[str, Any]:
    """The load's record across one reload, and what the server said."""
    (host,) = hosts_for(lab, request, dict(role='rl-server', v4s=[21],
                                              sysctls={'net.ipv4.tcp_migrate_req': 1}))
    server = host.spawn([*GREENNET, 'serve', 'apps:greet_echo', '--host', v4(21), '--port', str(PORT),
                         '--workers', '2', '--grace', str(GRACE)], GN_HOST='rl')
    match = server.expect(r'with 2 workers \(pids (\d+), (\d+)\)$', timeout=30)
    old = {int(match.group(1)), int(match.group(2))}
    client = clients.python('peers.py', 'load', json.dumps({
        'host': v4(21), 'port': PORT, 'long': 4, 'chunk': 4096, 'interval': 0.05,
        'short': 16, 'size': 1024, 'pause': 0.002}))
    try:
        client.expect_json('ready', timeout=20)
        time.sleep(0.5)                                  # the load runs a while
        client.send('mark hup')
        server.signal(signal.SIGHUP)
        done = server.expect(r'reloaded: workers (\d+), (\d+) listening; workers (\d+), (\d+) '
                             rf'stop accepting and finish their connections within {GRACE:g} s',
                             'stderr', timeout=30)
        client.send('mark reloaded')
        time.sleep(0.5)                                  # and a while after
        client.send('stop')
        result = client.expect_json('done', timeout=30)
        gone = server.expect(r'reload done: workers (\d+), (\d+) have exited', 'stderr',
                             timeout=GRACE + 5)
    finally:
        client.stop()
    return {'result': result, 'old': old, 'new': {int(done.group(1)), int(done.group(2))},
            'retired': {int(done.group(3)), int(done.group(4))},
            'exited': {int(gone.group(1)), int(gone.group(2))}, 'stderr': server.output()}


def test_a_reload_refuses_and_resets_no_connection(reloaded):
    result = reloaded['result']
    outcomes = collections.Counter(c['outcome'] for c in result['short'] + result['long'])
    assert outcomes == {'ok': len(result['short']) + len(result['long'])}, outcomes
    by_generation = collections.Counter('old' if c['pid'] in reloaded['old'] else
                                        'new' if c['pid'] in reloaded['new'] else 'other'
                                        for c in result['short'])
    assert by_generation['old'] and by_generation['new'] and not by_generation['other'], by_generation
    hup = result['marks']['hup']
    during = [c for c in result['short'] if c['start'] > hup and c['start'] < result['marks']['reloaded']]
    print(f'\nreload under load: {len(result["short"])} short connections ({by_generation["old"]} '
          f'served by the old workers, {by_generation["new"]} by the new, {len(during)} opened '
          f'while reloading), {sum(c.get("checked", 0) for c in result["short"] + result["long"])} '
          f'echoed bytes checked, outcomes {dict(outcomes)}')


def test_the_old_workers_stop_accepting_and_finish_their_connections(reloaded):
    assert reloaded['retired'] == reloaded['old'] == reloaded['exited']
    result = reloaded['result']
    for c in result['long']:        # opened before the reload: served to their end by the old
        assert c['pid'] in reloaded['old'] and c['outcome'] == 'ok', c
        assert c['last_ok'] > result['marks']['reloaded'], c
    stderr = reloaded['stderr']
    assert any(f'greennet[{pid}]: stopping: waiting up to {GRACE:g} s for' in stderr
               for pid in reloaded['old']), stderr
    assert 'cut' not in stderr and 'reset' not in stderr
