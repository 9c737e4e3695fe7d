"""greennet.addresses: net.isIP, net.SocketAddress and net.BlockList as Node v20/v22 behave.

Expected values come from running the same calls under node v20 (and from the Node docs
for ``SocketAddress.parse`` and ``BlockList.isBlockList``, which are v22-only).
"""
import contextlib
import ipaddress
import json
import random
import re
import shutil
import socket
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greennet.addresses import (
    BlockList,
    SocketAddress,
    format_ip,
    is_ip,
    is_ipv4,
    is_ipv6,
    isIP,
    isIPv4,
    isIPv6,
)
from greennet.errors import NodeError


@contextlib.contextmanager
def raises_code(code, kind):
    """pytest.raises for Node's error ``code``, which must also be a ``kind``."""
    with pytest.raises(kind) as info:
        yield info
    assert isinstance(info.value, NodeError), type(info.value)
    assert info.value.code == code, info.value


# ================================================================ isIP

IS_IP_TABLE = [   # the conformance scenario's table, then more
    ('127.0.0.1', 4), ('::1', 6), ('127.000.000.001', 0), ('127.0.0.1/24', 0), ('fhqwhgads', 0),
    ('', 0), ('0.0.0.0', 4), ('255.255.255.255', 4), ('256.0.0.1', 0), ('1.2.3', 0),
    ('01.2.3.4', 0), ('::', 6), ('::ffff:127.0.0.1', 6), ('2001:db8::1', 6),
    ('1:2:3:4:5:6:7:8', 6), ('1:2:3:4:5:6:7:8:9', 0), (':::1', 0), ('fe80::1%eth0', 6),
    (' 127.0.0.1', 0), ('localhost', 0), ('[::1]', 0), ('1::2::3', 0), ('FFFF::', 6),
    ('x127.0.0.1', 0),
    ('1.2.3.4\n', 0), ('1.2.3.4.', 0), ('1.2.3.4.5', 0), ('0x7f.0.0.1', 0), ('127.1', 0),
    ('\u0661.2.3.4', 0), ('::ffff:127.000.0.1', 0), ('::ffff:1.2.3', 0), ('1::2:3:4:5:6:7', 6),
    ('1:2:3:4:5:6:7::', 6), ('::2:3:4:5:6:7:8', 6), ('1:2:3:4:5:6:1.2.3.4', 6),
    ('1:2:3:4:5:6:7:1.2.3.4', 0), ('12345::', 0), ('fe80::1%', 0), ('fe80::1%a b', 0),
    ('fe80::1%en0.1:x-y', 6), ('::%1', 6), ('1.2.3.4%eth0', 0), ('::1 ', 0), ('g::', 0),
]


@pytest.mark.parametrize('text, version', IS_IP_TABLE)
def test_isIP_returns_4_6_or_0_as_node(text, version):
    assert isIP(text) == version
    assert isIPv4(text) is (version == 4)
    assert isIPv6(text) is (version == 6)


@pytest.mark.parametrize('value', [None, 4, 1.5, b'127.0.0.1', ['::1'], ipaddress.ip_address('::1')])
def test_isIP_of_a_non_string_is_0(value):
    assert isIP(value) == 0
    assert isIPv4(value) is False
    assert isIPv6(value) is False


def test_isIP_has_snake_case_names():
    assert (is_ip, is_ipv4, is_ipv6) == (isIP, isIPv4, isIPv6)


# Node's own regular expressions (lib/internal/net.js), as the reference for isIP.
_V4_SEG = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])'
_V4 = rf'(?:{_V4_SEG}\.){{3}}{_V4_SEG}'
_V6_SEG = '(?:[0-9a-fA-F]{1,4})'
NODE_IPV4 = re.compile(_V4)
NODE_IPV6 = re.compile(
    '(?:'
    f'(?:{_V6_SEG}:){{7}}(?:{_V6_SEG}|:)|'
    f'(?:{_V6_SEG}:){{6}}(?:{_V4}|:{_V6_SEG}|:)|'
    f'(?:{_V6_SEG}:){{5}}(?::{_V4}|(?::{_V6_SEG}){{1,2}}|:)|'
    f'(?:{_V6_SEG}:){{4}}(?:(?::{_V6_SEG}){{0,1}}:{_V4}|(?::{_V6_SEG}){{1,3}}|:)|'
    f'(?:{_V6_SEG}:){{3}}(?:(?::{_V6_SEG}){{0,2}}:{_V4}|(?::{_V6_SEG}){{1,4}}|:)|'
    f'(?:{_V6_SEG}:){{2}}(?:(?::{_V6_SEG}){{0,3}}:{_V4}|(?::{_V6_SEG}){{1,5}}|:)|'
    f'(?:{_V6_SEG}:){{1}}(?:(?::{_V6_SEG}){{0,4}}:{_V4}|(?::{_V6_SEG}){{1,6}}|:)|'
    f'(?::(?:(?::{_V6_SEG}){{0,5}}:{_V4}|(?::{_V6_SEG}){{1,7}}|:))'
    r')(?:%[0-9a-zA-Z-.:]{1,})?')

_hextet = st.sampled_from(['0', '1', '00', '0000', 'ffff', 'FfFf', 'abc', '12345', 'g', ''])
_octet = st.sampled_from(['0', '1', '01', '9', '10', '99', '100', '199', '255', '256', '300', ''])
_ipv4ish = st.lists(_octet, min_size=1, max_size=6).map('.'.join)
_ipv6ish = st.builds(
    lambda groups, tail, zone: ':'.join(groups) + tail + zone,
    st.lists(_hextet, min_size=1, max_size=10),
    st.sampled_from(['', ':1.2.3.4', ':01.2.3.4', '1.2.3.4']),
    st.sampled_from(['', '%eth0', '%', '%a b', '%1:2.x-y', '%%']))


@settings(max_examples=300)
@given(st.one_of(_ipv4ish, _ipv6ish, st.text(alphabet='0123456789abcdefABCDEF:.%[] ', max_size=24)))
def test_isIP_agrees_with_nodes_regular_expressions(text):
    expected = 4 if NODE_IPV4.fullmatch(text) else 6 if NODE_IPV6.fullmatch(text) else 0
    assert isIP(text) == expected


# ================================================================ format_ip

# 16 bytes, often with the prefixes whose printing differs among Python versions and libcs
_ipv6_packed = st.one_of(
    st.binary(min_size=16, max_size=16),
    st.binary(min_size=4, max_size=4).map(lambda v4: bytes(10) + b'\xff\xff' + v4),    # mapped
    st.binary(min_size=4, max_size=4).map(lambda v4: bytes(12) + v4),                  # compatible
    st.lists(st.sampled_from([b'\x00\x00', b'\x00\x01', b'\xff\xff', b'\x20\x01']),
             min_size=8, max_size=8).map(b''.join),                                     # zero runs
)


@settings(max_examples=500)
@given(_ipv6_packed)
def test_format_ip_prints_an_ipv6_address_as_inet_ntop_does(packed):
    shown = socket.inet_ntop(socket.AF_INET6, packed)
    assert format_ip(packed) == shown
    assert format_ip(shown) == shown
    assert format_ip(str(ipaddress.IPv6Address(packed))) == shown     # whatever this Python prints
    assert format_ip(ipaddress.IPv6Address(packed).exploded.upper()) == shown


@given(st.binary(min_size=4, max_size=4))
def test_format_ip_prints_an_ipv4_address_as_inet_ntop_does(packed):
    shown = socket.inet_ntop(socket.AF_INET, packed)
    assert format_ip(packed) == format_ip(shown) == shown


@pytest.mark.parametrize('given, shown', [
    ('::ffff:192.0.2.1', '::ffff:192.0.2.1'), ('::ffff:c000:201', '::ffff:192.0.2.1'),
    (b'\0' * 10 + b'\xff\xff\xc0\0\2\1', '::ffff:192.0.2.1'), ('::1.2.3.4', '::1.2.3.4'),
    ('fe80::1%eth0', 'fe80::1'), (bytearray(b'\x7f\0\0\1'), '127.0.0.1'),
    (memoryview(bytes(15) + b'\1'), '::1'),
])
def test_format_ip_prints_ipv4_mapped_addresses_in_dot_decimal_on_every_python(given, shown):
    assert format_ip(given) == shown


@pytest.mark.parametrize('bad', ['', '1.2.3', '01.2.3.4', 'localhost', '[::1]', '::1/128',
                                 '1.2.3.4%eth0', b'', b'\1\2\3', bytes(17)])
def test_format_ip_rejects_what_is_not_an_address(bad):
    with raises_code('ERR_INVALID_IP_ADDRESS', ValueError):
        format_ip(bad)


def test_format_ip_takes_text_or_bytes_only():
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError):
        format_ip(0x7F000001)


# ================================================================ SocketAddress

def fields(sa):
    return sa.address, sa.port, sa.family, sa.flowlabel


def test_socket_address_defaults_to_ipv4_loopback_port_0():
    assert fields(SocketAddress()) == ('127.0.0.1', 0, 'ipv4', 0)
    assert fields(SocketAddress({})) == ('127.0.0.1', 0, 'ipv4', 0)


def test_socket_address_ipv6_defaults_to_the_unspecified_address():
    assert fields(SocketAddress({'family': 'ipv6'})) == ('::', 0, 'ipv6', 0)


def test_socket_address_holds_every_field():
    sa = SocketAddress({'address': '::1', 'port': 443, 'family': 'ipv6', 'flowlabel': 7})
    assert fields(sa) == ('::1', 443, 'ipv6', 7)


def test_socket_address_takes_keyword_options():
    assert fields(SocketAddress(address='123.123.123.123', port=80)) == ('123.123.123.123', 80, 'ipv4', 0)
    assert fields(SocketAddress({'address': '::1'}, family='ipv6')) == ('::1', 0, 'ipv6', 0)


def test_socket_address_option_none_takes_the_default():
    assert fields(SocketAddress(address=None, port=None, family=None, flowlabel=None)) == \
        ('127.0.0.1', 0, 'ipv4', 0)


def test_socket_address_family_is_case_insensitive_and_stored_lowercase():
    assert SocketAddress(family='IPv6').family == 'ipv6'
    assert fields(SocketAddress(family='IPV4')) == ('127.0.0.1', 0, 'ipv4', 0)


@pytest.mark.parametrize('given, shown', [
    ('0:0::1', '::1'), ('FFFF::', 'ffff::'), ('2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'),
    ('::ffff:7b7b:7b7b', '::ffff:123.123.123.123'), ('::ffff:0:0', '::ffff:0.0.0.0'),
    ('::1.2.3.4', '::1.2.3.4'), ('::0.0.2.3', '::203'), ('64:ff9b::1.2.3.4', '64:ff9b::102:304'),
    ('fe80::1%eth0', 'fe80::1'), ('fe80::1%', 'fe80::1'),
])
def test_socket_address_prints_an_ipv6_address_as_node_does(given, shown):
    assert SocketAddress(address=given, family='ipv6').address == shown


def test_socket_address_flowlabel_is_0_for_ipv4():
    assert SocketAddress(flowlabel=7).flowlabel == 0


def test_socket_address_fields_are_read_only():
    sa = SocketAddress()
    for name in ('address', 'port', 'family', 'flowlabel'):
        with pytest.raises(AttributeError):
            setattr(sa, name, 1)
    with pytest.raises(AttributeError):
        sa.extra = 1    # __slots__


def test_socket_address_to_json_is_a_plain_dict():
    sa = SocketAddress(address='::1', port=8, family='ipv6', flowlabel=3)
    assert sa.toJSON() == {'address': '::1', 'port': 8, 'family': 'ipv6', 'flowlabel': 3}
    assert sa.to_json() == sa.toJSON()


def test_socket_addresses_with_the_same_fields_are_equal_and_hash_alike():
    a = SocketAddress(address='0::1', family='ipv6', port=1)
    b = SocketAddress(address='::1', family='IPv6', port=1)
    assert a == b and hash(a) == hash(b)
    assert a != SocketAddress(address='::1', family='ipv6', port=2)
    assert SocketAddress(address='0.0.0.0') != SocketAddress(family='ipv6')
    assert a != ('::1', 1)


def test_socket_address_repr_shows_its_fields():
    assert repr(SocketAddress()) == \
        "SocketAddress(address='127.0.0.1', port=0, family='ipv4', flowlabel=0)"


def test_is_socket_address_is_true_only_for_a_socket_address():
    assert SocketAddress.isSocketAddress(SocketAddress()) is True
    assert SocketAddress.isSocketAddress({'address': '1.2.3.4'}) is False
    assert SocketAddress.isSocketAddress(None) is False
    assert SocketAddress.is_socket_address(SocketAddress()) is True


@pytest.mark.parametrize('options', ['x', 5, ['address'], b'', True])
def test_socket_address_options_must_be_a_mapping(options):
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError):
        SocketAddress(options)


def test_socket_address_rejects_an_unknown_option():
    with raises_code('ERR_UNKNOWN_OPTION', TypeError):
        SocketAddress(host='1.2.3.4')


@pytest.mark.parametrize('family', ['ipv5', '', 4, 6, True, ['ipv4']])
def test_socket_address_family_must_be_ipv4_or_ipv6(family):
    with raises_code('ERR_INVALID_ARG_VALUE', ValueError):   # Node: ERR_INVALID_ARG_VALUE even for 4
        SocketAddress(family=family)


@pytest.mark.parametrize('address', [5, b'1.2.3.4', ['1.2.3.4'], True])
def test_socket_address_address_must_be_a_string(address):
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError):
        SocketAddress(address=address)


@pytest.mark.parametrize('address, family', [
    ('nope', 'ipv4'), ('::1', 'ipv4'), ('1.2.3.4', 'ipv6'), ('01.2.3.4', 'ipv4'), ('127.1', 'ipv4'),
    (' 1.2.3.4', 'ipv4'), ('1.2.3.4%eth0', 'ipv4'), ('[::1]', 'ipv6'), (' ::1', 'ipv6'), ('', 'ipv4'),
])
def test_socket_address_address_must_be_of_its_family(address, family):
    with raises_code('ERR_INVALID_ADDRESS', ValueError):
        SocketAddress(address=address, family=family)


@pytest.mark.parametrize('port', [-1, 65536, 80.5, float('nan'), float('inf'), True, '', 'x', [80]])
def test_socket_address_port_must_be_0_to_65535(port):
    with raises_code('ERR_SOCKET_BAD_PORT', ValueError):
        SocketAddress(port=port)


def test_socket_address_port_may_be_an_integral_float_or_string():
    assert SocketAddress(port=80.0).port == 80
    assert SocketAddress(port='80').port == 80


@pytest.mark.parametrize('flowlabel, code, kind', [
    (-1, 'ERR_OUT_OF_RANGE', ValueError), (2 ** 32, 'ERR_OUT_OF_RANGE', ValueError),
    (1.5, 'ERR_OUT_OF_RANGE', ValueError), (float('nan'), 'ERR_OUT_OF_RANGE', ValueError),
    ('1', 'ERR_INVALID_ARG_TYPE', TypeError), (True, 'ERR_INVALID_ARG_TYPE', TypeError),
])
def test_socket_address_flowlabel_must_be_a_uint32(flowlabel, code, kind):
    with raises_code(code, kind):
        SocketAddress(flowlabel=flowlabel)


def test_socket_address_ipv6_flowlabel_must_fit_20_bits():
    assert SocketAddress(family='ipv6', flowlabel=0xFFFFF).flowlabel == 0xFFFFF
    with raises_code('ERR_OUT_OF_RANGE', ValueError):   # Node v20 aborts the process here
        SocketAddress(family='ipv6', flowlabel=0x100000)


@pytest.mark.parametrize('text, expected', [
    ('1.2.3.4:80', ('1.2.3.4', 80, 'ipv4', 0)),
    ('123.1.2.3:1234', ('123.1.2.3', 1234, 'ipv4', 0)),
    ('1.2.3.4', ('1.2.3.4', 0, 'ipv4', 0)),
    ('1.2.3.4:', ('1.2.3.4', 0, 'ipv4', 0)),
    ('1.2.3.4:0080', ('1.2.3.4', 80, 'ipv4', 0)),
    ('1.2.3.4:65535', ('1.2.3.4', 65535, 'ipv4', 0)),
    ('[1::1]:1234', ('1::1', 1234, 'ipv6', 0)),
    ('[::ffff:7b7b:7b7b]:1', ('::ffff:123.123.123.123', 1, 'ipv6', 0)),
    ('[::1]', ('::1', 0, 'ipv6', 0)),
])
def test_socket_address_parse_reads_address_and_optional_port(text, expected):
    assert fields(SocketAddress.parse(text)) == expected


@pytest.mark.parametrize('text', [
    '', 'localhost:80', '1.2.3.4:65536', '1.2.3.4:x', '1.2.3.4:-1', '1::1', '1::1:80', '[1::1',
    '[1.2.3.4]:80', '256.0.0.1:80', '[fe80::1%eth0]:80', ' 1.2.3.4:80', '1.2.3.4:80:80', ':80',
    '[]:80',
])
def test_socket_address_parse_returns_none_for_anything_else(text):
    assert SocketAddress.parse(text) is None


@pytest.mark.parametrize('value', [None, 80, b'1.2.3.4:80'])
def test_socket_address_parse_of_a_non_string_raises_as_node(value):
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError):
        SocketAddress.parse(value)


# ================================================================ BlockList

def node_docs_example():
    bl = BlockList()
    bl.addAddress('123.123.123.123')
    bl.addRange('10.0.0.1', '10.0.0.10')
    bl.addSubnet('8592:757c:efae:4e45::', 64, 'ipv6')
    return bl


@pytest.mark.parametrize('address, family, blocked', [   # the conformance scenario
    ('123.123.123.123', None, True), ('10.0.0.3', None, True), ('10.0.0.11', None, False),
    ('222.111.111.222', None, False), ('::ffff:7b7b:7b7b', 'ipv6', True),
    ('::ffff:123.123.123.123', 'ipv6', True), ('8592:757c:efae:4e45::f', 'ipv6', True),
    ('8592:757c:efae:4e46::f', 'ipv6', False),
])
def test_block_list_checks_the_node_docs_example(address, family, blocked):
    bl = node_docs_example()
    assert (bl.check(address, family) if family else bl.check(address)) is blocked


def test_block_list_rules_are_listed_newest_first():
    assert node_docs_example().rules == [
        'Subnet: IPv6 8592:757c:efae:4e45::/64',
        'Range: IPv4 10.0.0.1-10.0.0.10',
        'Address: IPv4 123.123.123.123',
    ]


def test_block_list_rules_is_a_copy():
    bl = node_docs_example()
    bl.rules.clear()
    assert len(bl.rules) == 3


def test_an_empty_block_list_blocks_nothing():
    bl = BlockList()
    assert bl.rules == []
    assert bl.check('1.2.3.4') is False
    assert bl.check('::', 'ipv6') is False


def test_block_list_checks_a_socket_address_by_its_own_family():
    bl = node_docs_example()
    assert bl.check(SocketAddress(address='10.0.0.5')) is True
    assert bl.check(SocketAddress(address='8592:757c:efae:4e45::1', family='ipv6'), 'ipv4') is True


def test_address_rule_blocks_that_address_only():
    bl = BlockList()
    bl.addAddress('1.2.3.4')
    assert bl.check('1.2.3.4') and not bl.check('1.2.3.5')


def test_range_rule_is_inclusive_at_both_ends():
    bl = BlockList()
    bl.addRange('::1', '::ffff', 'ipv6')
    assert [bl.check(a, 'ipv6') for a in ('::', '::1', '::ffff', '::1:0')] == [False, True, True, False]


def test_range_of_one_address_is_allowed():
    bl = BlockList()
    bl.addRange('10.0.0.1', '10.0.0.1')
    assert bl.check('10.0.0.1') and not bl.check('10.0.0.2')


def test_subnet_rule_keeps_the_network_as_given_and_matches_its_prefix():
    bl = BlockList()
    bl.addSubnet('10.1.2.3', 8)
    assert bl.rules == ['Subnet: IPv4 10.1.2.3/8']
    assert bl.check('10.200.0.1') and not bl.check('11.0.0.0')


def test_subnet_prefix_0_matches_the_whole_family():
    bl = BlockList()
    bl.addSubnet('0.0.0.0', 0)
    assert bl.check('255.255.255.255') and not bl.check('::1', 'ipv6')


def test_rules_print_addresses_as_node_does():
    bl = BlockList()
    bl.addAddress('::ffff:7b7b:7b7b', 'ipv6')
    bl.addSubnet('::ffff:0:0', 96, 'ipv6')
    bl.addRange('0::1', '::1:0:0:1', 'ipv6')
    assert bl.rules == ['Range: IPv6 ::1-::1:0:0:1', 'Subnet: IPv6 ::ffff:0.0.0.0/96',
                        'Address: IPv6 ::ffff:123.123.123.123']


@pytest.mark.parametrize('type', ['ipv6', 'IPv6', 'IPV6', 'iPv6'])
def test_block_list_type_is_case_insensitive(type):
    bl = BlockList()
    bl.addAddress('::2', type)
    bl.addRange('::10', '::20', type)
    bl.addSubnet('1::', 16, type)
    assert bl.check('::2', type) and bl.check('::15', type) and bl.check('1::9', type)
    assert bl.rules[-1] == 'Address: IPv6 ::2'


def test_a_socket_address_argument_ignores_type():
    bl = BlockList()
    bl.addAddress(SocketAddress(address='2.2.2.2'), 'ipv6')
    bl.addAddress(SocketAddress(address='2.2.2.3'), 5)
    assert bl.rules == ['Address: IPv4 2.2.2.3', 'Address: IPv4 2.2.2.2']


def test_ipv4_rules_block_the_ipv4_mapped_ipv6_form():
    bl = BlockList()
    bl.addAddress('1.2.3.4')
    bl.addSubnet('10.0.0.0', 8)
    bl.addRange('20.0.0.1', '20.0.0.10')
    for address in ('::ffff:1.2.3.4', '::ffff:10.1.2.3', '::ffff:20.0.0.5', '::ffff:1.2.3.4%eth0'):
        assert bl.check(address, 'ipv6') is True, address
    for address in ('::1.2.3.4', '::ffff:11.1.2.3', '::ffff:20.0.0.11', '::1'):
        assert bl.check(address, 'ipv6') is False, address


def test_ipv6_rules_covering_mapped_addresses_block_the_ipv4_form():
    bl = BlockList()
    bl.addAddress('::ffff:1.2.3.4', 'ipv6')
    bl.addSubnet('::ffff:10.0.0.0', 104, 'ipv6')
    bl.addRange('::ffff:20.0.0.1', '::ffff:20.0.0.10', 'ipv6')
    assert [bl.check(a) for a in ('1.2.3.4', '10.9.9.9', '20.0.0.5')] == [True, True, True]
    assert [bl.check(a) for a in ('1.2.3.5', '11.0.0.0', '20.0.0.11')] == [False, False, False]


def test_an_ipv6_subnet_matches_ipv4_addresses_through_their_mapped_form():
    def blocks(network, prefix, address):
        bl = BlockList()
        bl.addSubnet(network, prefix, 'ipv6')
        return bl.check(address)
    assert blocks('::', 0, '1.2.3.4') and blocks('::', 80, '1.2.3.4')
    assert not blocks('::', 95, '1.2.3.4')
    assert blocks('::ffff:1.2.3.4', 100, '15.255.3.4') and not blocks('::ffff:1.2.3.4', 100, '16.0.0.0')


def test_an_ipv6_range_matches_ipv4_only_when_bounded_by_mapped_addresses():
    bl = BlockList()
    bl.addRange('::', 'ffff::', 'ipv6')     # covers ::ffff:0:0/96, but Node cannot compare
    assert bl.check('1.2.3.4') is False
    assert bl.check('::ffff:1.2.3.4', 'ipv6') is True


def test_a_range_may_mix_families_as_in_node():
    bl = BlockList()
    bl.addRange('10.0.0.1', SocketAddress(address='::ffff:10.0.0.9', family='ipv6'))
    bl.addRange(SocketAddress(address='::1', family='ipv6'), '20.0.0.1')
    assert bl.rules == ['Range: IPv6 ::1-20.0.0.1', 'Range: IPv4 10.0.0.1-::ffff:10.0.0.9']
    assert bl.check('10.0.0.5') and not bl.check('10.0.0.10')
    assert bl.check('::ffff:20.0.0.0', 'ipv6')
    assert not bl.check('::1', 'ipv6') and not bl.check('20.0.0.0')


def test_range_start_must_come_before_end():
    bl = BlockList()
    with raises_code('ERR_INVALID_ARG_VALUE', ValueError) as info:
        bl.addRange('10.0.0.10', '10.0.0.1')
    assert 'must come before end' in str(info.value)
    with raises_code('ERR_INVALID_ARG_VALUE', ValueError):
        bl.addRange('10.0.0.9', SocketAddress(address='::ffff:10.0.0.1', family='ipv6'))
    assert bl.rules == []


@pytest.mark.parametrize('call', [
    lambda bl: bl.addAddress(5), lambda bl: bl.addAddress(None), lambda bl: bl.addAddress(b'1.2.3.4'),
    lambda bl: bl.addRange(5, '1.2.3.4'), lambda bl: bl.addRange('1.2.3.4', 5),
    lambda bl: bl.addSubnet(5, 8), lambda bl: bl.check(5), lambda bl: bl.check(None),
])
def test_block_list_address_arguments_must_be_strings_or_socket_addresses(call):
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError):
        call(BlockList())


@pytest.mark.parametrize('call', [
    lambda bl: bl.addAddress('1.2.3.4', 4), lambda bl: bl.addRange('1.2.3.4', '1.2.3.5', 4),
    lambda bl: bl.addSubnet('1.2.3.4', 8, 4), lambda bl: bl.check('1.2.3.4', 4),
    lambda bl: bl.check('1.2.3.4', ['ipv4']),
])
def test_block_list_type_must_be_a_string(call):
    with raises_code('ERR_INVALID_ARG_TYPE', TypeError) as info:
        call(BlockList())
    assert '"family"' in str(info.value)


@pytest.mark.parametrize('call', [
    lambda bl: bl.addAddress('1.2.3.4', 'ipv5'), lambda bl: bl.addRange('1.2.3.4', '1.2.3.5', 'inet'),
    lambda bl: bl.addSubnet('1.2.3.4', 8, ''),
])
def test_block_list_type_must_be_ipv4_or_ipv6(call):
    with raises_code('ERR_INVALID_ARG_VALUE', ValueError):
        call(BlockList())


@pytest.mark.parametrize('call', [
    lambda bl: bl.addAddress('nope'), lambda bl: bl.addAddress('::1'),
    lambda bl: bl.addAddress('1.2.3.4', 'ipv6'), lambda bl: bl.addRange('x', '10.0.0.1'),
    lambda bl: bl.addRange('10.0.0.1', 'x'), lambda bl: bl.addSubnet('x', 8),
    lambda bl: bl.addSubnet('x', 'not a prefix'),    # the address is checked first
])
def test_block_list_rejects_an_address_not_of_its_family(call):
    with raises_code('ERR_INVALID_ADDRESS', ValueError):
        call(BlockList())


@pytest.mark.parametrize('prefix, family, code, kind', [
    (-1, 'ipv4', 'ERR_OUT_OF_RANGE', ValueError), (33, 'ipv4', 'ERR_OUT_OF_RANGE', ValueError),
    (129, 'ipv6', 'ERR_OUT_OF_RANGE', ValueError), (1.5, 'ipv4', 'ERR_OUT_OF_RANGE', ValueError),
    (float('nan'), 'ipv4', 'ERR_OUT_OF_RANGE', ValueError), (2 ** 31, 'ipv4', 'ERR_OUT_OF_RANGE', ValueError),
    ('8', 'ipv4', 'ERR_INVALID_ARG_TYPE', TypeError), (None, 'ipv4', 'ERR_INVALID_ARG_TYPE', TypeError),
    (True, 'ipv4', 'ERR_INVALID_ARG_TYPE', TypeError),
])
def test_subnet_prefix_must_be_an_integer_in_range_for_the_family(prefix, family, code, kind):
    network = '1.2.3.4' if family == 'ipv4' else '1::'
    with raises_code(code, kind):
        BlockList().addSubnet(network, prefix, family)


def test_subnet_prefix_bounds_are_allowed():
    bl = BlockList()
    bl.addSubnet('1.2.3.4', 32)
    bl.addSubnet('1::', 128, 'ipv6')
    bl.addSubnet('1.2.3.4', 8.0)
    assert bl.rules == ['Subnet: IPv4 1.2.3.4/8', 'Subnet: IPv6 1::/128', 'Subnet: IPv4 1.2.3.4/32']


@pytest.mark.parametrize('address, family', [
    ('nope', 'ipv4'), ('::1', 'ipv4'), ('1.2.3.4', 'ipv6'), ('1.2.3.4', 'ipv5'), ('', 'ipv4'),
])
def test_check_of_an_unparsable_address_is_false(address, family):
    bl = BlockList()
    bl.addSubnet('0.0.0.0', 0)
    bl.addSubnet('::', 0, 'ipv6')
    assert bl.check(address, family) is False


def test_check_host_reads_the_family_from_the_address():
    bl = node_docs_example()
    assert bl.check_host('10.0.0.3') is True
    assert bl.check_host('::ffff:123.123.123.123') is True
    assert bl.check_host('8592:757c:efae:4e45::1%eth0') is True
    assert bl.check_host('8592:757c:efae:4e46::1') is False
    assert bl.check_host('not an ip') is False


def test_is_block_list_is_true_only_for_a_block_list():
    assert BlockList.isBlockList(BlockList()) is True
    assert BlockList.isBlockList({'rules': []}) is False
    assert BlockList.is_block_list(BlockList()) is True


def test_block_list_has_snake_case_methods():
    bl = BlockList()
    bl.add_address('1.1.1.1')
    bl.add_range('2.0.0.0', '2.0.0.9')
    bl.add_subnet('3.0.0.0', 8)
    assert bl.check('1.1.1.1') and bl.check('2.0.0.5') and bl.check('3.3.3.3')
    assert BlockList.add_address is BlockList.addAddress


def test_block_list_repr_shows_its_rules():
    bl = BlockList()
    bl.addAddress('1.2.3.4')
    assert repr(bl) == "BlockList(rules=['Address: IPv4 1.2.3.4'])"


def test_block_list_has_no_instance_dict():
    with pytest.raises(AttributeError):
        BlockList().extra = 1


# ---------------------------------------------------------------- properties

ipv4s = st.integers(0, 2 ** 32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
ipv6s = st.one_of(
    st.integers(0, 2 ** 128 - 1),
    st.integers(0, 2 ** 32 - 1).map(lambda n: (0xFFFF << 32) | n),      # IPv4-mapped
    st.integers(0, 2 ** 16 - 1),                                         # near ::
).map(lambda n: str(ipaddress.IPv6Address(n)))


def near(addresses):
    """Addresses, and addresses one step from them, so that rules are often hit."""
    def step(pair):
        text, delta = pair
        ip = ipaddress.ip_address(text)
        try:
            return str(ip + delta)
        except ipaddress.AddressValueError:
            return text
    return st.tuples(addresses, st.sampled_from([-1, 0, 0, 1, 255])).map(step)


@settings(max_examples=200)
@given(st.data())
def test_check_matches_ipaddress_for_same_family_rules(data):
    family = data.draw(st.sampled_from(['ipv4', 'ipv6']))
    addresses = ipv4s if family == 'ipv4' else ipv6s
    bits = 32 if family == 'ipv4' else 128
    bl, networks, ranges, singles = BlockList(), [], [], set()
    for kind in data.draw(st.lists(st.sampled_from(['address', 'range', 'subnet']), max_size=4)):
        if kind == 'address':
            address = data.draw(addresses)
            bl.addAddress(address, family)
            singles.add(ipaddress.ip_address(address))
        elif kind == 'range':
            start, end = sorted(map(ipaddress.ip_address, (data.draw(addresses), data.draw(addresses))))
            bl.addRange(str(start), str(end), family)
            ranges.append((start, end))
        else:
            network, prefix = data.draw(addresses), data.draw(st.integers(0, bits))
            bl.addSubnet(network, prefix, family)
            networks.append(ipaddress.ip_network((network, prefix), strict=False))
    pool = [str(a) for a in singles] + [str(s) for s, _ in ranges] + [str(n[0]) for n in networks]
    probes = data.draw(st.lists(st.one_of(addresses, near(st.sampled_from(pool)) if pool else addresses),
                                min_size=1, max_size=8))
    for probe in probes:
        ip = ipaddress.ip_address(probe)
        expected = ip in singles or any(s <= ip <= e for s, e in ranges) or any(ip in n for n in networks)
        assert bl.check(probe, family) is expected, (probe, bl.rules)


def as_ipv6(ip):
    return ipaddress.IPv6Address('::ffff:' + str(ip)) if ip.version == 4 else ip


def reference_check(rules, ip):
    """Node's cross-family semantics, restated on ipaddress objects: an IPv4 address is
    its IPv4-mapped IPv6 form, except that a range bound and an address compare only if
    both are IPv4 or IPv4-mapped or both are IPv6."""
    mine = as_ipv6(ip)
    for kind, *args in rules:
        if kind == 'address' and as_ipv6(args[0]) == mine:
            return True
        if kind == 'subnet':
            network, prefix = args
            bits = prefix + 96 if network.version == 4 else prefix
            if mine in ipaddress.IPv6Network((as_ipv6(network), bits), strict=False):
                return True
        if kind == 'range':
            def comparable(bound):
                return bound.version == ip.version or (
                    as_ipv6(bound).ipv4_mapped is not None and mine.ipv4_mapped is not None)
            start, end = args
            if comparable(start) and comparable(end) and as_ipv6(start) <= mine <= as_ipv6(end):
                return True
    return False


any_address = st.one_of(ipv4s, ipv6s)


@settings(max_examples=200)
@given(st.data())
def test_check_matches_the_reference_across_families(data):
    bl, rules = BlockList(), []

    def draw_ip():
        return ipaddress.ip_address(data.draw(any_address))

    def arg(ip):
        return SocketAddress(address=str(ip), family=f'ipv{ip.version}')
    for kind in data.draw(st.lists(st.sampled_from(['address', 'range', 'subnet']), max_size=4)):
        if kind == 'address':
            ip = draw_ip()
            bl.addAddress(str(ip), f'ipv{ip.version}')
            rules.append(('address', ip))
        elif kind == 'range':
            start, end = draw_ip(), draw_ip()
            try:
                bl.addRange(arg(start), arg(end))
            except NodeError as exc:
                assert exc.code == 'ERR_INVALID_ARG_VALUE'
                continue
            rules.append(('range', start, end))
        else:
            network = draw_ip()
            prefix = data.draw(st.integers(0, 32 if network.version == 4 else 128))
            bl.addSubnet(arg(network), prefix)
            rules.append(('subnet', network, prefix))
    pool = [str(r[1]) for r in rules]
    for _ in range(6):
        source = near(st.sampled_from(pool)) if pool and data.draw(st.booleans()) else any_address
        ip = ipaddress.ip_address(data.draw(source))
        forms = {ip, as_ipv6(ip), getattr(ip, 'ipv4_mapped', None)} - {None}
        for probe in forms:
            text = str(probe)
            assert bl.check(text, f'ipv{probe.version}') is reference_check(rules, probe), (text, bl.rules)


anything = st.one_of(
    st.none(), st.integers(), st.text(max_size=40), st.floats(), st.booleans(), st.binary(max_size=8),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=8), st.integers(), max_size=2),
    any_address, st.sampled_from(['ipv4', 'ipv6', 'IPv6', 'ipv5']),
    st.builds(SocketAddress, st.just({'address': '::ffff:1.2.3.4', 'family': 'ipv6'})),
)


ARITY = {'addAddress': (1, 2), 'addRange': (2, 3), 'addSubnet': (2, 3), 'check': (1, 2), 'check_host': (1, 1)}


@settings(max_examples=300)
@given(st.data())
def test_block_list_methods_raise_only_node_errors(data):
    method = data.draw(st.sampled_from(sorted(ARITY)))
    args = data.draw(st.lists(anything, min_size=ARITY[method][0], max_size=ARITY[method][1]))
    bl = BlockList()
    try:
        result = getattr(bl, method)(*args)
    except NodeError:
        return
    assert result in (None, True, False)
    assert all(isinstance(rule, str) for rule in bl.rules)


@settings(max_examples=300)
@given(st.one_of(anything, st.fixed_dictionaries({}, optional={
    'address': anything, 'port': anything, 'family': anything, 'flowlabel': anything})))
def test_socket_address_raises_only_node_errors(options):
    try:
        sa = SocketAddress(options)
    except NodeError:
        return
    assert sa.family in ('ipv4', 'ipv6') and 0 <= sa.port <= 65535
    assert SocketAddress(sa.toJSON()) == sa


@settings(max_examples=300)
@given(anything)
def test_socket_address_parse_returns_an_address_none_or_a_node_error(text):
    try:
        result = SocketAddress.parse(text)
    except NodeError as exc:
        assert exc.code == 'ERR_INVALID_ARG_TYPE' and not isinstance(text, str)
        return
    assert result is None or isinstance(result, SocketAddress)


# ---------------------------------------------------------------- against node itself

NODE = shutil.which('node')

NODE_SCRIPT = r"""
const net = require('net');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const S = ([address, family]) => new net.SocketAddress({ address, family });
const attempt = (f) => { try { return f(); } catch (e) { return e.code; } };
console.log(JSON.stringify({
  isIP: cases.texts.map((t) => net.isIP(t)),
  address: cases.texts.map((t) => ['ipv4', 'ipv6'].map((family) => attempt(() => S([t, family]).address))),
  lists: cases.lists.map(([rules, probes]) => {
    const bl = new net.BlockList();
    const added = rules.map(([kind, a, b]) => attempt(() => {
      if (kind === 'address') bl.addAddress(S(a));
      else if (kind === 'range') bl.addRange(S(a), S(b));
      else bl.addSubnet(S(a), b);
      return 'ok';
    }));
    return [added, bl.rules, probes.map(([address, family]) => bl.check(address, family))];
  }),
}));
"""


def random_cases(seed):
    rng = random.Random(seed)

    def v4():
        return '.'.join(str(rng.choice([0, 1, 10, 127, 255, rng.randint(0, 255)])) for _ in range(4))

    def v6():
        roll = rng.random()
        if roll < 0.4:
            return '::ffff:' + v4()
        if roll < 0.5:
            return '::' + v4()
        return ':'.join(rng.choice(['0', '0', '1', 'ffff', '%x' % rng.randint(0, 0xFFFF)]) for _ in range(8))

    def address():
        return [v4(), 'ipv4'] if rng.random() < 0.5 else [v6(), 'ipv6']

    texts = []
    for _ in range(400):
        groups = [rng.choice(['', '1', 'ffff', '0000', 'abcde']) for _ in range(rng.randint(1, 9))]
        text = rng.choice([v4(), v6(), ':'.join(groups)])
        if rng.random() < 0.2:
            text = text.replace(rng.choice('.:0123456789'), rng.choice(['', '00', ':', '::', ' ', '%x']), 1)
        texts.append(text)
    lists = []
    for _ in range(60):
        rules = []
        for _ in range(rng.randint(0, 4)):
            kind = rng.choice(['address', 'range', 'subnet'])
            first = address()
            second = address() if kind == 'range' else rng.randint(0, 32 if first[1] == 'ipv4' else 128)
            rules.append([kind, first, second])
        probes = [address() for _ in range(6)]
        for _, (text, family), _ in rules:   # neighbours and the other form of each rule address
            ip = ipaddress.ip_address(text)
            for delta in (-1, 0, 1, 256):
                try:
                    near_ip = ip + delta
                except ipaddress.AddressValueError:
                    continue
                probes.append([str(near_ip), family])
                other = as_ipv6(near_ip) if near_ip.version == 4 else near_ip.ipv4_mapped
                if other is not None:
                    probes.append([str(other), f'ipv{other.version}'])
        lists.append([rules, probes])
    return {'texts': texts, 'lists': lists}


def greennet_answers(cases):
    def attempt(f):
        try:
            return f()
        except NodeError as exc:
            return exc.code

    def sa(pair):
        return SocketAddress(address=pair[0], family=pair[1])

    def run(rules, probes):
        bl = BlockList()

        def add(kind, a, b):
            if kind == 'address':
                bl.addAddress(sa(a))
            elif kind == 'range':
                bl.addRange(sa(a), sa(b))
            else:
                bl.addSubnet(sa(a), b)
            return 'ok'
        added = [attempt(lambda: add(*rule)) for rule in rules]
        return [added, bl.rules, [bl.check(address, family) for address, family in probes]]

    return {
        'isIP': [isIP(t) for t in cases['texts']],
        'address': [[attempt(lambda: sa([t, f]).address) for f in ('ipv4', 'ipv6')] for t in cases['texts']],
        'lists': [run(rules, probes) for rules, probes in cases['lists']],
    }


@pytest.mark.skipif(NODE is None, reason='node is not installed')
@pytest.mark.parametrize('seed', [1, 2])
def test_isIP_socket_address_and_block_list_agree_with_node(seed):
    cases = random_cases(seed)
    node = subprocess.run([NODE, '-e', NODE_SCRIPT], input=json.dumps(cases), capture_output=True,
                          text=True, timeout=60, check=True)
    expected = json.loads(node.stdout)
    actual = greennet_answers(cases)
    for key in ('isIP', 'address'):
        for text, mine, theirs in zip(cases['texts'], actual[key], expected[key]):
            assert mine == theirs, (key, text)
    for case, mine, theirs in zip(cases['lists'], actual['lists'], expected['lists']):
        assert mine == theirs, case
