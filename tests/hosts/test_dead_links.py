"""Links that die: the path to a host blackholed (nft DROP inside its namespace) or
rejected (REJECT with a TCP reset or an ICMP error), seen by greennet clients in
another host.

The server host runs ``greennet serve apps:echo_node`` on port 9000.  Its firewall
treats each client address differently (the client host has several):

* 198.18.0.41: every packet dropped (a blackhole);
* 198.18.0.42: rejected with a TCP reset; .43 with ICMP port unreachable (iptables'
  default REJECT); .45 with ICMP host unreachable; fd00:198:18::43 with ICMPv6
  address unreachable;
* 198.18.0.44: let through until the keep-alive test cuts it both ways.

The client host retries a SYN once only (``net.ipv4.tcp_syn_retries=1``, a per-host
setting), so the kernel gives up on a blackholed connect after 1 + 2 seconds.
"""
from __future__ import annotations

import errno
import json
from typing import Any, Dict

import pytest

from .lab import GREENNET, Host, Lab, hosts_for, v4, v6

PORT = 9000
SYN_GIVE_UP = 3.0          # tcp_syn_retries=1: the SYN at 0 s, once more at 1 s, give up at 3 s
KEEPALIVE_MS = 1000
# Node's keep-alive: TCP_KEEPIDLE = initialDelay, then TCP_KEEPCNT=10 probes TCP_KEEPINTVL=1 s apart
KEEPALIVE_DETECTION = KEEPALIVE_MS / 1000 + 10 * 1


@pytest.fixture(scope='module')
def hosts(lab: Lab, nft: None, request: Any) -> Dict[str, Host]:
    server, client = hosts_for(
        lab, request, dict(role='dl-server', v4s=[31], v6s=[31]),
        dict(role='dl-client', v4s=[41, 42, 43, 44, 45], v6s=[43],
             sysctls={'net.ipv4.tcp_syn_retries': 1}))
    server.firewall(f'''
        ip saddr {v4(41)} drop
        ip saddr {v4(42)} tcp dport {PORT} reject with tcp reset
        ip saddr {v4(43)} tcp dport {PORT} reject
        ip saddr {v4(45)} tcp dport {PORT} reject with icmp type host-unreachable
        ip6 saddr {v6(43)} tcp dport {PORT} reject with icmpv6 type addr-unreachable
    ''')
    echo = server.spawn([*GREENNET, 'serve', 'apps:echo_node', '--host', '::', '--port', str(PORT),
                         '--grace', '0'])
    echo.expect('listening on', timeout=20)
    return {'server': server, 'client': client}


# ==================================================================== blackholed

@pytest.fixture(scope='module')
def blackholed(hosts: Dict[str, Host]) -> Dict[str, Any]:
    """Three connects at once from the blackholed address (see peers.blackhole)."""
    return hosts['client'].run_json('peers.py', 'blackhole', json.dumps({
        'host': v4(31), 'port': PORT, 'local': v4(41), 'timeout_ms': 500, 'wait_s': 0.5,
        'limit': 20}))


def test_a_connect_into_a_blackhole_fails_with_etimedout_when_the_kernel_gives_up(blackholed):
    rec = blackholed['kernel']
    assert rec['event'] == 'error', rec
    assert (rec['code'], rec['errno'], rec['syscall'], rec['address'], rec['port']) == \
        ('ETIMEDOUT', errno.ETIMEDOUT, 'connect', v4(31), PORT)
    assert rec['message'] == f'connect ETIMEDOUT {v4(31)}:{PORT}'
    assert SYN_GIVE_UP - 0.2 <= rec['at'] <= SYN_GIVE_UP + 1.5, rec
    assert rec['close']['hadError'] is True
    print(f"\nblackholed connect: '{rec['message']}' after {rec['at']:.2f} s")


def test_the_timeout_option_fires_timeout_while_connecting_in_the_time_asked(blackholed):
    rec = blackholed['timeout_option']
    assert rec['event'] == 'timeout' and rec['connecting'] is True, rec
    assert 0.5 <= rec['at'] <= 0.5 + 0.4, rec
    assert rec['close']['hadError'] is False       # the listener destroyed it, Node's idiom
    print(f"\ntimeout option (500 ms): 'timeout' while connecting after {rec['at'] * 1000:.0f} ms")


def test_a_sequential_wait_connected_gives_up_in_the_time_asked(blackholed):
    rec = blackholed['sequential']
    assert rec['outcome'] == 'TimeoutError', rec
    assert 0.5 <= rec['at'] <= 0.5 + 0.4, rec


# ==================================================================== rejected

@pytest.fixture(scope='module')
def rejected(hosts: Dict[str, Host]) -> Dict[str, Any]:
    targets = [{'label': 'tcp-reset', 'host': v4(31), 'local': v4(42)},
               {'label': 'icmp-port-unreachable', 'host': v4(31), 'local': v4(43)},
               {'label': 'icmp-host-unreachable', 'host': v4(31), 'local': v4(45)},
               {'label': 'icmpv6-addr-unreachable', 'host': v6(31), 'local': v6(43)},
               {'label': 'let-through', 'host': v4(31), 'local': v4(44)}]
    return hosts['client'].run_json('peers.py', 'reject', json.dumps({
        'port': PORT, 'targets': targets, 'limit': 10}))


@pytest.mark.parametrize('label, code', [
    ('tcp-reset', 'ECONNREFUSED'),
    ('icmp-port-unreachable', 'ECONNREFUSED'),
    ('icmp-host-unreachable', 'EHOSTUNREACH'),
    ('icmpv6-addr-unreachable', 'EHOSTUNREACH'),
])
def test_a_rejected_connect_fails_with_nodes_error(rejected, label, code):
    rec = rejected[label]
    host = v6(31) if 'icmpv6' in label else v4(31)
    assert rec['event'] == 'error', rec
    assert (rec['code'], rec['errno'], rec['syscall'], rec['address'], rec['port']) == \
        (code, getattr(errno, code), 'connect', host, PORT)
    assert rec['message'] == f'connect {code} {host}:{PORT}'
    # told by the peer's host, not timed out (an ICMPv6 error may wait for the SYN's
    # retransmission, 1 s later)
    assert rec['at'] < SYN_GIVE_UP - 0.5, rec
    assert rec['close']['hadError'] is True
    print(f"\n{label}: '{rec['message']}' after {rec['at'] * 1000:.0f} ms")


def test_the_same_server_accepts_an_address_the_firewall_lets_through(rejected):
    assert rejected['let-through']['event'] == 'connect', rejected['let-through']


# ==================================================================== keep-alive

@pytest.fixture(scope='module')
def cut_idle_connections(hosts: Dict[str, Host]) -> Dict[str, Any]:
    """Two idle connections with setKeepAlive(true, 1000) (peers.keepalive); then the
    server's host drops everything to and from the client's address."""
    client = hosts['client'].python('peers.py', 'keepalive', json.dumps({
        'host': v4(31), 'port': PORT, 'local': v4(44), 'delay_ms': KEEPALIVE_MS,
        'limit': KEEPALIVE_DETECTION + 8}))
    try:
        client.expect_json('established')
        hosts['server'].firewall(f'''
            ip saddr {v4(41)} drop
            ip saddr {v4(44)} drop
            output ip daddr {v4(44)} drop
        ''')
        client.send('mark cut')
        result = client.expect_json('done', timeout=KEEPALIVE_DETECTION + 15)
    finally:
        client.stop()
    return result


def test_keep_alive_detects_a_dead_peer_with_error_then_close(cut_idle_connections):
    result = cut_idle_connections
    events = result['node']
    assert [e[:2] for e in events[-2:]] == [['error', 'ETIMEDOUT'], ['close', True]], events
    assert events[-2][3] == 'read'
    detected = events[-2][2] - result['cut']
    # at most the idle delay plus ten probes (and a margin); at least most of the probes
    assert KEEPALIVE_DETECTION - 2 <= detected <= KEEPALIVE_DETECTION + 2, detected
    print(f'\nkeep-alive ({KEEPALIVE_MS} ms): the dead peer detected {detected:.2f} s after the cut')


def test_a_sequential_reader_blocked_in_read_gets_the_error(cut_idle_connections):
    result = cut_idle_connections
    seq = result['sequential']
    assert (seq['outcome'], seq['type'], seq['code']) == ('raised', 'TimeoutError', 'ETIMEDOUT'), seq
    detected = seq['at'] - result['cut']
    assert KEEPALIVE_DETECTION - 2 <= detected <= KEEPALIVE_DETECTION + 2, detected
    print(f'\nsequential read(): ETIMEDOUT {detected:.2f} s after the cut')
