"""A balancer in front of several hosts: HAProxy (``send-proxy-v2``, health checks) in
one host, three hosts each running ``greennet serve --workers 2 --proxy-protocol
--block 198.18.0.109``, clients in another host.

The handler (``apps.greet_echo``) answers each connection with who served it (host,
worker pid) and who it thinks the client is (``remoteAddress``/``remotePort``/
``remoteFamily``), then echoes.
"""
from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import socket
import time
from typing import Any, Dict, List

import pytest

from conftest import DEADLINE

from .lab import GREENNET, Host, Lab, hosts_for, v4, v6

PORT = 9000
HOSTS = {'h1': 11, 'h2': 12, 'h3': 13}
BLOCKED = v4(109)
CHECK_INTER_MS = 100
CHECK_FALL = 2

HAPROXY_CONFIG = f'''
global
    stats socket {{stats}} mode 600 level admin
    maxconn 4096

defaults
    mode tcp
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1

frontend fe
    bind {v4(2)}:{PORT}
    bind [{v6(2)}]:{PORT}
    default_backend hosts

backend hosts
    balance roundrobin
    default-server send-proxy-v2 check check-send-proxy inter {CHECK_INTER_MS} fall {CHECK_FALL} rise 2
''' + ''.join(f'    server {name} {v4(n)}:{PORT}\n' for name, n in HOSTS.items())


def haproxy_status(path: str) -> Dict[str, str]:
    """Each backend server's status ('UP', 'DOWN', ...) from HAProxy's stats socket."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(DEADLINE)
        s.connect(path)
        s.sendall(b'show stat\n')
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    rows = data.decode().splitlines()
    header = rows[0].lstrip('# ').split(',')
    status = {}
    for row in rows[1:]:
        fields = dict(zip(header, row.split(',')))
        if fields.get('pxname') == 'hosts' and fields.get('svname') in HOSTS:
            status[fields['svname']] = fields['status']
    return status


def wait_status(path: str, want: Dict[str, str], timeout: float = DEADLINE) -> float:
    """Poll HAProxy until every server named in ``want`` has that status; returns when."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            seen = haproxy_status(path)
        except OSError:
            seen = {}
        if all(seen.get(name, '').startswith(status) for name, status in want.items()):
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f'HAProxy did not report {want} within {timeout}s: {seen}')
        time.sleep(0.01)


@pytest.fixture(scope='module')
def balanced(lab: Lab, clients: Host, request: Any, tmp_path_factory: Any) -> Dict[str, Any]:
    haproxy = shutil.which('haproxy')
    if haproxy is None:
        pytest.skip('haproxy is not installed (apt-get install -y haproxy): the balancer tests need it')
    specs = [dict(role='lb', v4s=[2], v6s=[2])] + [dict(role=name, v4s=[n]) for name, n in HOSTS.items()]
    lb, *hosts = hosts_for(lab, request, *specs)
    servers = {}
    for host, (name, n) in zip(hosts, HOSTS.items()):
        servers[name] = host.spawn([*GREENNET, 'serve', 'apps:greet_echo', '--host', v4(n),
                                    '--port', str(PORT), '--workers', '2', '--grace', '2',
                                    '--proxy-protocol', '--block', BLOCKED], GN_HOST=name)
    for proc in servers.values():
        proc.expect(r'with 2 workers \(pids \d+, \d+\)$', timeout=30)
    folder = tmp_path_factory.mktemp('haproxy')
    stats = str(folder / 'haproxy.sock')
    config = folder / 'haproxy.cfg'
    config.write_text(HAPROXY_CONFIG.format(stats=stats))
    proxy = lb.spawn([haproxy, '-db', '-f', str(config)])
    try:
        wait_status(stats, {name: 'UP' for name in HOSTS}, timeout=20)
    except AssertionError as exc:
        raise AssertionError(f'{exc}\nhaproxy said: {proxy.output()} {proxy.output("stdout")}') from None
    return {'hosts': dict(zip(HOSTS, hosts)), 'servers': servers, 'stats': stats, 'clients': clients,
            'haproxy': proxy}


def connections_from(balanced: Dict[str, Any], locals_: List[str], per: int) -> List[Dict[str, Any]]:
    result = balanced['clients'].run_json('peers.py', 'addresses', json.dumps({
        'host': v4(2), 'host6': v6(2), 'port': PORT, 'locals': locals_, 'per': per, 'size': 4096}))
    return result['connections']  # type: ignore[no-any-return]


def test_every_client_address_reaches_the_handlers_through_proxy_v2(balanced):
    locals_ = [v4(n) for n in range(100, 109)] + [v6(100), v6(101)]
    connections = connections_from(balanced, locals_, per=6)
    assert len(connections) == 66
    for c in connections:
        assert c['outcome'] == 'ok', c
        assert (c['seen_address'], c['seen_port']) == (c['local_address'], c['local_port']), c
        assert c['seen_family'] == ('IPv6' if ':' in c['local'] else 'IPv4'), c
    pids = collections.defaultdict(set)
    for c in connections:
        pids[c['host']].add(c['pid'])
    assert set(pids) == set(HOSTS)                     # the balancer used every host
    assert all(len(p) == 2 for p in pids.values()), pids   # and both workers of each
    print(f'\n{len(connections)} connections from {len(locals_)} addresses, '
          f'{sum(c["checked"] for c in connections)} echoed bytes checked, workers {dict(pids)}')


def test_the_block_list_sees_the_client_that_proxy_v2_names(balanced):
    connections = connections_from(balanced, [BLOCKED, v4(108)], per=5)
    blocked = [c['outcome'] for c in connections if c['local'] == BLOCKED]
    allowed = [c['outcome'] for c in connections if c['local'] == v4(108)]
    assert allowed == ['ok'] * 5
    # closed by greennet before its handler ran: no greeting ever came back
    assert set(blocked) <= {'closed before the greeting', 'ECONNRESET'} and len(blocked) == 5, blocked


def test_a_host_killed_mid_load_is_taken_out_and_the_others_lose_nothing(balanced):
    client = balanced['clients'].python('peers.py', 'load', json.dumps({
        'host': v4(2), 'port': PORT, 'locals': [v4(n) for n in range(100, 108)],
        'long': 12, 'chunk': 16384, 'interval': 0.02, 'short': 4, 'size': 4096, 'pause': 0.01}))
    try:
        ready = client.expect_json('ready', timeout=20)
        assert collections.Counter(ready['hosts']) == {name: 4 for name in HOSTS}, ready
        time.sleep(0.5)                          # the load runs on all three hosts a while
        victim = balanced['hosts']['h3']
        client.send('mark kill')
        killed_at = time.monotonic()
        pids = victim.pids()
        assert len(pids) == 3                    # the supervisor and its two workers
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + DEADLINE
        while victim.pids() and time.monotonic() < deadline:
            time.sleep(0.005)
        client.send('mark killed')
        down_at = wait_status(balanced['stats'], {'h3': 'DOWN', 'h1': 'UP', 'h2': 'UP'})
        client.send('mark down')
        time.sleep(1.0)                          # and on the two others a while longer
        client.send('stop')
        result = client.expect_json('done', timeout=30)
    finally:
        client.stop()
    marks = result['marks']
    survivors = [c for c in result['long'] if c['host'] != 'h3']
    casualties = [c for c in result['long'] if c['host'] == 'h3']
    assert len(survivors) == 8
    for c in survivors:                          # untouched: every byte checked, to the end
        assert c['outcome'] == 'ok', c
        assert c['last_ok'] > marks['down'], c
    assert all(c['outcome'] != 'ok' for c in casualties), casualties
    after = [c for c in result['short'] if c['start'] > marks['killed']]
    assert after and all(c['outcome'] == 'ok' for c in after), \
        collections.Counter(c['outcome'] for c in after)
    assert {c['host'] for c in after} == {'h1', 'h2'}
    detection = down_at - killed_at
    assert detection <= 1.0, detection           # inter 100 ms, fall 2
    lost = sorted(collections.Counter(c['outcome'] for c in casualties).items())
    overall = sorted(collections.Counter(c['outcome'] for c in result['short']).items())
    print(f'\nkilled h3: HAProxy marked it DOWN {detection * 1000:.0f} ms later; '
          f'{len(survivors)} long connections on h1/h2 kept going, '
          f'{sum(c["checked"] for c in survivors)} bytes echoed and checked; '
          f'the {len(casualties)} on h3 ended with {lost}; {len(result["short"])} short '
          f'connections, the {len(after)} opened after the kill all ok; short outcomes {overall}')
