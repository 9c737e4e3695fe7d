"""BlockList.toJSON()/fromJSON() as in Node 22, and BlockList's argument errors."""
import json

import pytest

import greennet as net
from greennet.errors import NodeError


def sample():
    block_list = net.BlockList()
    block_list.addAddress('1.1.1.1')
    block_list.addRange('10.0.0.1', '10.0.0.9')
    block_list.addSubnet('192.168.0.0', 16)
    block_list.addAddress('::1', 'ipv6')
    block_list.addRange('::2', '::9', 'ipv6')
    block_list.addSubnet('fe80::', 10, 'ipv6')
    return block_list


def test_to_json_is_the_rules_most_recent_first():
    block_list = sample()
    assert block_list.toJSON() == block_list.rules
    assert block_list.toJSON()[0] == 'Subnet: IPv6 fe80::/10'


def test_from_json_adds_the_rules_in_the_list_s_order():
    rules = sample().toJSON()
    restored = net.BlockList()
    restored.fromJSON(rules)
    assert restored.rules == rules[::-1]     # as Node: fromJSON(toJSON()) reverses the order


def test_from_json_takes_the_json_text_of_the_list():
    rules = sample().toJSON()
    restored = net.BlockList()
    restored.fromJSON(json.dumps(rules))
    assert sorted(restored.rules) == sorted(rules)


@pytest.mark.parametrize('address, family', [
    ('1.1.1.1', 'ipv4'), ('10.0.0.5', 'ipv4'), ('192.168.7.7', 'ipv4'),
    ('::1', 'ipv6'), ('::5', 'ipv6'), ('fe80::42', 'ipv6')])
def test_a_restored_list_blocks_what_the_original_blocks(address, family):
    restored = net.BlockList()
    restored.fromJSON(sample().toJSON())
    assert restored.check(address, family)
    assert not restored.check('8.8.8.8') and not restored.check('2001:db8::1', 'ipv6')


def test_from_json_keeps_an_ipv6_rule_written_with_dot_decimal():
    original = net.BlockList()
    original.addAddress('::ffff:1.2.3.4', 'ipv6')
    restored = net.BlockList()
    restored.fromJSON(original.toJSON())
    assert restored.rules == ['Address: IPv6 ::ffff:1.2.3.4']


def test_from_json_skips_an_entry_that_is_not_a_rule():
    block_list = net.BlockList()
    block_list.fromJSON(['not a rule', 'Address: IPv4 1.2.3.4'])
    assert block_list.rules == ['Address: IPv4 1.2.3.4']


def test_from_json_of_a_rule_with_a_bad_address_raises_err_invalid_address():
    with pytest.raises(NodeError) as info:
        net.BlockList().fromJSON(['Address: IPv4 999.1.1.1'])
    assert info.value.code == 'ERR_INVALID_ADDRESS'


@pytest.mark.parametrize('data', [5, None, [1], ['ok', 2], '{}', '"text"'])
def test_from_json_of_anything_but_strings_raises_err_invalid_arg_type(data):
    with pytest.raises(TypeError) as info:
        net.BlockList().fromJSON(data)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


@pytest.mark.parametrize('call', [
    lambda bl: bl.addAddress(), lambda bl: bl.addAddress(1),
    lambda bl: bl.addRange('1.1.1.1'), lambda bl: bl.addRange(1, '1.1.1.1'),
    lambda bl: bl.addSubnet(1), lambda bl: bl.addSubnet('1.1.1.0'),
    lambda bl: bl.check(), lambda bl: bl.check(None),
], ids=['addAddress()', 'addAddress(1)', 'addRange(start)', 'addRange(1, end)', 'addSubnet(1)',
        'addSubnet(net)', 'check()', 'check(None)'])
def test_a_method_given_no_address_raises_err_invalid_arg_type(call):
    with pytest.raises(TypeError) as info:
        call(net.BlockList())
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


def test_net_stream_is_net_socket():
    assert net.Stream is net.Socket
