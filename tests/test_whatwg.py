"""SocketAddress.parse() reads hosts as the WHATWG URL parser does (greennet._whatwg).

Node parses ``http://<input>`` with Ada; ``ada-url`` (a dev dependency) is that parser,
so the properties below hold greennet's own parser to Ada's answers on generated input.
"""
import ipaddress

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from greennet import SocketAddress
from greennet._whatwg import host_and_port, parse_ipv4, parse_ipv6

ada_url = pytest.importorskip('ada_url', reason='ada-url (requirements-dev.txt) is the reference parser')


def ada_host_port(text):
    """What Node's SocketAddress.parse() sees: Ada's hostname and port, or None."""
    try:
        url = ada_url.URL('http://' + text)
    except ValueError:
        return None
    return url.hostname, url.port


def is_address(host):
    return host.startswith('[') or (host.replace('.', '').isdigit() and host.count('.') == 3)


def node_view(found):
    """(host, port) as Node reads it, or 'no address' for a failure or a host name."""
    if found is None or not is_address(found[0]):
        return 'no address'
    host, port = found
    return host, '' if port in (None, '', 80) else str(port)   # Node drops a default port


# ---------------------------------------------------------------- strategies

def ipv4_part(value):
    return st.sampled_from([str(value), '0x%x' % value, '0X%X' % value, '0%o' % value])


@st.composite
def ipv4_shorthand(draw):
    """An IPv4 address written with one to four parts, each decimal, hex or octal."""
    address = draw(st.integers(0, 0xFFFFFFFF))
    count = draw(st.integers(1, 4))
    parts = [address >> (8 * (3 - i)) & 0xFF for i in range(count - 1)]
    parts.append(address & (256 ** (5 - count) - 1))
    text = '.'.join(draw(ipv4_part(p)) for p in parts)
    return address, text + draw(st.sampled_from(['', '.']))


HOSTISH = st.text(alphabet='0123456789abcdefxX.:[]@/\\%?# \t\nuzp'
                  '\uff11\uff12\uff0e\u3002\u00ad\u200b\u2488\u2460\uff41\u0660\u00b9\ufffd', max_size=24)


@st.composite
def decorated(draw, host):
    """``host`` with what may come before and after it in SocketAddress.parse()'s input."""
    prefix = draw(st.sampled_from(['', 'user:pass@', '@', 'a@b@', '//', '\\', ':@']))
    port = draw(st.sampled_from(['', ':', ':0', ':8080', ':65535', ':65536', ':080', ':x']))
    suffix = draw(st.sampled_from(['', '/', '/path?q#f', '?x', '#', ' ', '\t']))
    return prefix + draw(host) + port + suffix


@st.composite
def ipv6_text(draw):
    pieces = draw(st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8))
    text = ipaddress.IPv6Address(bytes(b for p in pieces for b in p.to_bytes(2, 'big'))).compressed
    return draw(st.sampled_from([text, text.upper(), ipaddress.IPv6Address(text).exploded,
                                 '::ffff:1.2.3.4', '1::2:3:4:5:6:7:8', '::1.2.3', ':1::', '1:2']))


# ---------------------------------------------------------------- against Ada

@settings(max_examples=400, deadline=None)
@given(decorated(HOSTISH))
@example('%31.2.3.4')
@example('\uff11.2.3.4')
@example('1.2.3.4\u00ad')
@example('\u2488\u2488\u2488\u2488')
def test_parse_agrees_with_ada_on_any_host_text(text):
    assert node_view(host_and_port(text)) == node_view(ada_host_port(text))


@settings(max_examples=300, deadline=None)
@given(ipv4_shorthand().flatmap(lambda pair: decorated(st.just(pair[1]))))
def test_parse_agrees_with_ada_on_ipv4_shorthands(text):
    assert node_view(host_and_port(text)) == node_view(ada_host_port(text))


@settings(max_examples=300, deadline=None)
@given(ipv6_text().flatmap(lambda host: decorated(st.just('[' + host + ']'))))
def test_parse_agrees_with_ada_on_bracketed_ipv6(text):
    assert node_view(host_and_port(text)) == node_view(ada_host_port(text))


# ---------------------------------------------------------------- the parsers themselves

@given(ipv4_shorthand())
def test_every_ipv4_shorthand_of_an_address_parses_to_that_address(pair):
    address, text = pair
    assert parse_ipv4(text.rstrip('.') if text.endswith('..') else text) == address
    assert SocketAddress.parse(text).address == str(ipaddress.IPv4Address(address))


@given(st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8))
def test_the_ipv6_parser_reads_every_written_form_of_an_address(pieces):
    address = ipaddress.IPv6Address(bytes(b for p in pieces for b in p.to_bytes(2, 'big')))
    for text in (address.compressed, address.exploded, address.compressed.upper()):
        assert parse_ipv6(text) == pieces


@given(st.integers(0, 0xFFFFFFFF), st.integers(1, 65535))
def test_parse_round_trips_an_ipv4_address_and_port(address, port):
    dotted = str(ipaddress.IPv4Address(address))
    parsed = SocketAddress.parse(f'{dotted}:{port}')
    assert (parsed.address, parsed.port, parsed.family) == (dotted, port, 'ipv4')


@pytest.mark.parametrize('text, address', [
    ('256', '0.0.1.0'), ('192.168.257', '192.168.1.1'), ('0x7f.1', '127.0.0.1'),
    ('0177.0.0.1', '127.0.0.1'), ('01.2.3.4', '1.2.3.4'), ('0x', '0.0.0.0'), ('1.2.3.4.', '1.2.3.4'),
    ('user:pass@1.2.3.4', '1.2.3.4'), ('//1.2.3.4/path', '1.2.3.4'), ('%31.2.3.4', '1.2.3.4'),
    ('\uff11.\uff12.\uff13.\uff14', '1.2.3.4'),
])
def test_parse_reads_what_the_url_parser_reads_as_an_ipv4_host(text, address):
    assert SocketAddress.parse(text).address == address


def test_parse_keeps_an_explicit_port_80_unlike_node_22():
    assert SocketAddress.parse('1.2.3.4:80').port == 80


@pytest.mark.parametrize('text', ['4294967296', '1.2.3.4.5', '256.1.1.1', '0x1g', '1..2', 'a@',
                                  '[1::2:3:4:5:6:7:8]'])
def test_parse_of_a_host_the_url_parser_rejects_is_none(text):
    assert SocketAddress.parse(text) is None
