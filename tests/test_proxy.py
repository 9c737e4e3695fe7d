"""greennet.proxy: the PROXY protocol v1/v2 parsers, read_header() over real TCP
connections, and a real HAProxy sending both versions to greennet servers.
"""
from __future__ import annotations

import os
import pickle
import shutil
import socket as pysocket
import struct
import subprocess
import time

import gevent
import pytest
from gevent import socket as gsocket
from gevent.event import AsyncResult, Event

import greennet as net
from conftest import DEADLINE, wait_exit
from greennet.errors import NodeValueError
from greennet.proxy import (
    PP2_TYPE_ALPN,
    PP2_TYPE_AUTHORITY,
    PP2_TYPE_CRC32C,
    PP2_TYPE_NOOP,
    PP2_TYPE_SSL,
    PP2_TYPE_UNIQUE_ID,
    V2_SIGNATURE,
    ProxyHeader,
    ProxyProtocolError,
    crc32c,
    parse_v1,
    parse_v2,
    read_header,
)

# ------------------------------------------------------------------ builders

def v2(ver_cmd=0x21, fam=0x11, body=b'', length=None, signature=V2_SIGNATURE):
    """A v2 header as (header16, body)."""
    length = len(body) if length is None else length
    return signature + bytes([ver_cmd, fam]) + struct.pack('!H', length), body


def v2_bytes(*args, **kwargs):
    header16, body = v2(*args, **kwargs)
    return header16 + body


def inet4(src='192.0.2.1', dst='198.51.100.7', sport=56324, dport=443):
    return (pysocket.inet_pton(pysocket.AF_INET, src) + pysocket.inet_pton(pysocket.AF_INET, dst)
            + struct.pack('!HH', sport, dport))


def inet6(src='2001:db8::1', dst='2001:db8::2', sport=1234, dport=80):
    return (pysocket.inet_pton(pysocket.AF_INET6, src) + pysocket.inet_pton(pysocket.AF_INET6, dst)
            + struct.pack('!HH', sport, dport))


def unix(src=b'/run/client.sock', dst=b'/run/server.sock'):
    return src.ljust(108, b'\x00') + dst.ljust(108, b'\x00')


def tlv(kind, value):
    return bytes([kind]) + struct.pack('!H', len(value)) + value


def with_crc(ver_cmd, fam, block, tlvs=b'', corrupt=False):
    """A v2 header whose last TLV is a correct (or corrupted) CRC32C."""
    body = block + tlvs + tlv(PP2_TYPE_CRC32C, b'\x00' * 4)
    header16, _ = v2(ver_cmd, fam, body)
    crc = crc32c(header16 + body) ^ (1 if corrupt else 0)
    return header16, body[:-4] + struct.pack('!I', crc)


# ------------------------------------------------------------------ errors

def test_proxy_protocol_error_is_a_node_value_error_with_its_code():
    with pytest.raises(ProxyProtocolError) as info:
        parse_v1(b'PROXY TCP5 1.2.3.4 1.2.3.4 1 1\r\n')
    exc = info.value
    assert exc.code == 'ERR_PROXY_PROTOCOL'
    assert isinstance(exc, NodeValueError) and isinstance(exc, ValueError)
    assert isinstance(exc, net.NodeError)
    assert 'TCP5' in str(exc)
    copy = pickle.loads(pickle.dumps(exc))
    assert (type(copy), copy.code, str(copy)) == (ProxyProtocolError, 'ERR_PROXY_PROTOCOL', str(exc))


def test_parsers_take_bytes_only():
    with pytest.raises(TypeError):
        parse_v1('PROXY UNKNOWN\r\n')
    with pytest.raises(TypeError):
        parse_v2(None, b'')
    assert parse_v1(bytearray(b'PROXY UNKNOWN\r\n')).version == 1
    assert parse_v2(*(memoryview(part) for part in v2(0x20, 0x00))).command == 'LOCAL'


def test_header_equality_and_repr():
    one = ProxyHeader(1, 'PROXY', 'IPv4', '1.2.3.4', 1, '5.6.7.8', 2)
    assert one == parse_v1(b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n')
    assert one != ProxyHeader(2, 'PROXY', 'IPv4', '1.2.3.4', 1, '5.6.7.8', 2)
    assert "family='IPv4'" in repr(one) and 'tlvs={}' in repr(one)
    assert not hasattr(one, '__dict__')


# ------------------------------------------------------------------ parse_v1

@pytest.mark.parametrize('line, expected', [
    (b'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n',
     ('IPv4', '192.168.0.1', 56324, '192.168.0.11', 443)),
    (b'PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n',
     ('IPv4', '255.255.255.255', 65535, '255.255.255.255', 65535)),
    (b'PROXY TCP4 0.0.0.0 10.0.0.1 0 0\r\n', ('IPv4', '0.0.0.0', 0, '10.0.0.1', 0)),
    (b'PROXY TCP6 2001:db8::1 ::1 1 2\r\n', ('IPv6', '2001:db8::1', 1, '::1', 2)),
    (b'PROXY TCP6 2001:DB8:0:0:0:0:0:1 FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF 65535 65535\r\n',
     ('IPv6', '2001:db8::1', 65535, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 65535)),
    (b'PROXY TCP6 ::ffff:192.0.2.1 :: 8080 80\r\n',          # as Node and inet_ntop print it
     ('IPv6', '::ffff:192.0.2.1', 8080, '::', 80)),
    (b'PROXY TCP6 ::FFFF:C000:0201 ::1.2.3.4 8080 80\r\n',
     ('IPv6', '::ffff:192.0.2.1', 8080, '::1.2.3.4', 80)),
])
def test_parse_v1_tcp(line, expected):
    header = parse_v1(line)
    assert (header.version, header.command, header.tlvs) == (1, 'PROXY', {})
    assert (header.family, header.source_address, header.source_port,
            header.dest_address, header.dest_port) == expected


@pytest.mark.parametrize('line', [
    b'PROXY UNKNOWN\r\n',                                        # the short form, 15 bytes
    b'PROXY UNKNOWN 192.0.2.1 192.0.2.2 1 2\r\n',
    b'PROXY UNKNOWN anything \xff at all is ignored\r\n',
    b'PROXY UNKNOWN ' + b'f' * 39 + b' ' + b'f' * 39 + b' 65535 65535\r\n',   # 107 bytes
])
def test_parse_v1_unknown_uses_the_real_endpoints(line):
    assert len(line) <= 107
    header = parse_v1(line)
    assert header == ProxyHeader(1, 'PROXY')
    assert header.family is None and header.source_address is None and header.tlvs == {}


@pytest.mark.parametrize('line, complaint', [
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2', 'CRLF'),                          # missing CRLF
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n', 'CRLF'),                        # LF only
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r', 'CRLF'),                        # CR only
    (b'PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n', 'CR or LF'),
    (b'PROXY UNKNOWN a\nb\r\n', 'CR or LF'),
    (b'PROXY UNKNOWN ' + b'f' * 92 + b'\r\n', 'longer than 107'),        # 108 bytes
    (b'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 'PROXY'),
    (b'PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 'protocol'),
    (b'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n', 'protocol'),
    (b'PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n', 'protocol'),
    (b'PROXY UNKNOWNX\r\n', 'protocol'),
    (b'PROXY\r\n', 'PROXY'),
    (b'PROXY \r\n', 'protocol'),
    (b'PROXY TCP4\r\n', 'fields'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n', 'fields'),                      # missing field
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n', 'fields'),                  # extra field
    (b'PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n', 'fields'),                   # double space
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n', 'fields'),                   # trailing space
    (b'PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n', 'protocol'),
    (b'PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n', 'source address'),
    (b'PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n', 'source address'),           # heading zero
    (b'PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n', 'source address'),
    (b'PROXY TCP4 1.2.3.4 ::1 1 2\r\n', 'destination address'),           # family mismatch
    (b'PROXY TCP6 1.2.3.4 ::1 1 2\r\n', 'source address'),
    (b'PROXY TCP6 ::1 fe80::1%eth0 1 2\r\n', 'destination address'),      # zone id
    (b'PROXY TCP6 ::1 1::2::3 1 2\r\n', 'destination address'),
    (b'PROXY TCP6 ::1 12345::1 1 2\r\n', 'destination address'),
    (b'PROXY TCP4 localhost 5.6.7.8 1 2\r\n', 'source address'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n', 'source port'),           # out of range
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n', 'destination port'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n', 'source port'),             # heading zero
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 00 2\r\n', 'source port'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n', 'source port'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n', 'source port'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 0x1 2\r\n', 'source port'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 123456\r\n', 'destination port'),
    ('PROXY TCP4 1.2.3.4 5.6.7.8 \u0661 2\r\n'.encode(), 'source port'),  # a non-ASCII digit
])
def test_parse_v1_rejects(line, complaint):
    with pytest.raises(ProxyProtocolError, match=complaint):
        parse_v1(line)


# ------------------------------------------------------------------ parse_v2

def test_parse_v2_tcp4():
    header = parse_v2(*v2(0x21, 0x11, inet4()))
    assert header == ProxyHeader(2, 'PROXY', 'IPv4', '192.0.2.1', 56324, '198.51.100.7', 443)


def test_parse_v2_tcp6():
    header = parse_v2(*v2(0x21, 0x21, inet6('::ffff:192.0.2.1', 'fe80::1', 0, 65535)))
    assert header == ProxyHeader(2, 'PROXY', 'IPv6', '::ffff:192.0.2.1', 0, 'fe80::1', 65535)


def test_parse_v2_unix_stream():
    header = parse_v2(*v2(0x21, 0x31, unix()))
    assert header == ProxyHeader(2, 'PROXY', 'UNIX', '/run/client.sock', None,
                                 '/run/server.sock', None)
    abstract = parse_v2(*v2(0x21, 0x31, unix(b'\x00hidden', b'')))
    assert (abstract.source_address, abstract.dest_address) == ('\x00hidden', '')


def test_parse_v2_tlvs_after_the_addresses():
    ssl = b'\x01' + b'\x00\x00\x00\x00' + tlv(0x21, b'TLSv1.3')
    tlvs = (tlv(PP2_TYPE_ALPN, b'h2') + tlv(PP2_TYPE_AUTHORITY, b'example.com') +
            tlv(PP2_TYPE_NOOP, b'') + tlv(PP2_TYPE_UNIQUE_ID, b'id-1') + tlv(PP2_TYPE_SSL, ssl) +
            tlv(0xE0, b'custom') + tlv(PP2_TYPE_NOOP, b'\x00' * 3))
    header = parse_v2(*v2(0x21, 0x11, inet4() + tlvs))
    assert header.family == 'IPv4' and header.source_port == 56324
    assert header.tlvs == {PP2_TYPE_ALPN: b'h2', PP2_TYPE_AUTHORITY: b'example.com',
                           PP2_TYPE_NOOP: b'\x00' * 3, PP2_TYPE_UNIQUE_ID: b'id-1',
                           PP2_TYPE_SSL: ssl, 0xE0: b'custom'}


def test_parse_v2_a_repeated_tlv_keeps_its_last_value():
    header = parse_v2(*v2(0x21, 0x11, inet4() + tlv(0xE1, b'first') + tlv(0xE1, b'last')))
    assert header.tlvs == {0xE1: b'last'}


def test_parse_v2_crc32c_is_verified():
    assert crc32c(b'123456789') == 0xE3069283       # RFC 3720's check value
    header = parse_v2(*with_crc(0x21, 0x11, inet4(), tlv(PP2_TYPE_UNIQUE_ID, b'abc')))
    assert set(header.tlvs) == {PP2_TYPE_UNIQUE_ID, PP2_TYPE_CRC32C}
    with pytest.raises(ProxyProtocolError, match='CRC32C mismatch'):
        parse_v2(*with_crc(0x21, 0x11, inet4(), corrupt=True))


@pytest.mark.parametrize('fam, block', [
    (0x00, b''), (0x11, inet4()), (0x21, inet6()), (0x31, unix()),
    (0x12, inet4()), (0xFF, b'whatever the family, LOCAL ignores the block'),
])
def test_parse_v2_local_ignores_the_address_block(fam, block):
    header = parse_v2(*v2(0x20, fam, block))
    assert header == ProxyHeader(2, 'LOCAL')
    assert header.family is None and header.source_address is None


def test_parse_v2_local_with_tlvs():
    header = parse_v2(*with_crc(0x20, 0x00, b'', tlv(PP2_TYPE_UNIQUE_ID, b'check')))
    assert header.command == 'LOCAL' and header.tlvs[PP2_TYPE_UNIQUE_ID] == b'check'


@pytest.mark.parametrize('fam, block', [
    (0x00, b''),                       # UNSPEC: use the real endpoints
    (0x12, inet4()),                   # UDP over IPv4: the spec's fallback to UNSPEC
    (0x22, inet6()),
    (0x32, unix()),
])
def test_parse_v2_proxy_unspec_and_dgram_fall_back_to_the_real_endpoints(fam, block):
    header = parse_v2(*v2(0x21, fam, block + tlv(PP2_TYPE_NOOP, b'')))
    assert (header.version, header.command, header.family) == (2, 'PROXY', None)
    assert header.source_address is None and header.source_port is None
    assert header.tlvs == {PP2_TYPE_NOOP: b''}


@pytest.mark.parametrize('parts, complaint', [
    (v2(signature=b'\r\n\r\n\x00\r\nQUIT\r'), 'signature'),
    (v2(signature=b'\r\n\r\n\x00\r\nquit\n'), 'signature'),
    ((v2()[0][:15], b''), '16 bytes'),                                   # truncated fixed part
    ((v2()[0] + b'\x00', b''), '16 bytes'),
    (v2(0x11, 0x11, inet4()), 'version 1'),
    (v2(0x31, 0x11, inet4()), 'version 3'),
    (v2(0x01, 0x11, inet4()), 'version 0'),
    (v2(0x22, 0x11, inet4()), 'command 0x2'),
    (v2(0x2F, 0x11, inet4()), 'command 0xf'),
    (v2(0x21, 0x41, inet4()), 'address family 0x4'),
    (v2(0x21, 0xF1, inet4()), 'address family 0xf'),
    (v2(0x21, 0x13, inet4()), 'transport protocol 0x3'),
    (v2(0x21, 0x10, inet4()), 'combination 0x10'),                      # INET, UNSPEC transport
    (v2(0x21, 0x01, b''), 'combination 0x01'),                         # UNSPEC family, STREAM
    (v2(0x21, 0x11, inet4(), length=13), 'announces 13'),               # body shorter
    (v2(0x21, 0x11, inet4(), length=11), 'announces 11'),               # body longer
    (v2(0x21, 0x11, inet4()[:11]), 'too short'),                        # truncated address
    (v2(0x21, 0x21, inet4()), 'too short'),                             # IPv4 block for IPv6
    (v2(0x21, 0x31, unix()[:215]), 'too short'),
    (v2(0x21, 0x11, inet4() + b'\x04'), 'truncated PROXY v2 TLV'),
    (v2(0x21, 0x11, inet4() + b'\x04\x00'), 'truncated PROXY v2 TLV'),
    (v2(0x21, 0x11, inet4() + b'\x04\x00\x05abcd'), 'announces 5 bytes'),
    (v2(0x21, 0x11, inet4() + tlv(PP2_TYPE_NOOP, b'') + b'\x05\x01\x00'), 'announces 256'),
    (v2(0x21, 0x11, inet4() + tlv(PP2_TYPE_CRC32C, b'\x00' * 3)), 'CRC32C TLV must be 4'),
    (v2(0x21, 0x11, inet4() + tlv(PP2_TYPE_CRC32C, b'\x00' * 4) * 2), 'more than one CRC32C'),
    (v2(0x20, 0x00, tlv(PP2_TYPE_NOOP, b'ab')[:-1]), 'announces 2 bytes'),   # LOCAL too
])
def test_parse_v2_rejects(parts, complaint):
    with pytest.raises(ProxyProtocolError, match=complaint):
        parse_v2(*parts)


# ------------------------------------------------------------------ read_header over TCP

PAYLOAD = (b'\r\n' + V2_SIGNATURE + b'PROXY TCP4 6.6.6.6 6.6.6.6 6 6\r\nGET / HTTP/1.1\r\n\r\n' +
           bytes(range(256)) * 64)

HEADERS = {
    'v1-tcp4': (b'PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n',
                ProxyHeader(1, 'PROXY', 'IPv4', '192.0.2.1', 56324, '198.51.100.7', 443)),
    'v1-tcp4-shortest': (b'PROXY TCP4 1.2.3.4 5.6.7.8 0 1\r\n',
                         ProxyHeader(1, 'PROXY', 'IPv4', '1.2.3.4', 0, '5.6.7.8', 1)),
    'v1-tcp6': (b'PROXY TCP6 2001:db8::1 :: 65535 8080\r\n',
                ProxyHeader(1, 'PROXY', 'IPv6', '2001:db8::1', 65535, '::', 8080)),
    'v1-unknown': (b'PROXY UNKNOWN\r\n', ProxyHeader(1, 'PROXY')),
    'v1-unknown-long': (b'PROXY UNKNOWN ::1 ::1 1 2\r\n', ProxyHeader(1, 'PROXY')),
    'v2-tcp4-tlvs': (v2_bytes(0x21, 0x11, inet4() + tlv(PP2_TYPE_AUTHORITY, b'example.com')),
                     ProxyHeader(2, 'PROXY', 'IPv4', '192.0.2.1', 56324, '198.51.100.7', 443,
                                 {PP2_TYPE_AUTHORITY: b'example.com'})),
    'v2-tcp6': (v2_bytes(0x21, 0x21, inet6()),
                ProxyHeader(2, 'PROXY', 'IPv6', '2001:db8::1', 1234, '2001:db8::2', 80)),
    'v2-local': (v2_bytes(0x20, 0x00), ProxyHeader(2, 'LOCAL')),
    'v2-unix': (v2_bytes(0x21, 0x31, unix()),
                ProxyHeader(2, 'PROXY', 'UNIX', '/run/client.sock', None, '/run/server.sock', None)),
}


@pytest.fixture
def proxied(start_tcp_server):
    """``proxied(timeout=1.0, pause=0)``: a greennet server whose handler calls
    ``read_header(sock, timeout)``, answers b'ok\\n', sleeps ``pause`` and reads the rest
    sequentially.  Returns (port, result): result gets (header, rest, seconds) or
    (error, None, seconds)."""
    def start(timeout=1.0, pause=0.0):
        result = AsyncResult()

        def handler(sock):
            started = time.monotonic()
            try:
                header = read_header(sock, timeout)
            except ProxyProtocolError as exc:
                elapsed = time.monotonic() - started
                if pause:
                    gevent.sleep(pause)      # a timer left running would fire in here
                result.set((exc, None, elapsed))
                sock.destroy()
                return
            elapsed = time.monotonic() - started
            sock.write(b'ok\n')
            if pause:
                gevent.sleep(pause)
            result.set((header, sock.read(), elapsed))
            sock.end()

        server = start_tcp_server(handler)
        return server.address()['port'], result
    return start


def client_to(port):
    sock = gsocket.create_connection(('127.0.0.1', port), timeout=DEADLINE)
    sock.setsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY, 1)
    return sock


def read_to_end(sock):
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b''.join(chunks)
        chunks.append(chunk)


@pytest.mark.parametrize('name', list(HEADERS))
def test_read_header_with_the_payload_in_the_same_packet(proxied, name):
    raw, expected = HEADERS[name]
    port, result = proxied()
    client = client_to(port)
    client.sendall(raw + PAYLOAD)                  # one send: header and payload together
    client.shutdown(pysocket.SHUT_WR)
    assert read_to_end(client) == b'ok\n'
    client.close()
    header, rest, _ = result.get(timeout=DEADLINE)
    assert header == expected
    assert rest == PAYLOAD                         # not one byte taken from the payload


@pytest.mark.parametrize('name', ['v1-tcp4', 'v1-tcp6', 'v1-unknown', 'v1-unknown-long',
                                  'v2-tcp4-tlvs', 'v2-local'])
def test_read_header_byte_by_byte(proxied, name):
    raw, expected = HEADERS[name]
    port, result = proxied(timeout=5.0)
    client = client_to(port)
    for i in range(len(raw)):
        client.sendall(raw[i:i + 1])
        gevent.sleep(0.002)
    client.sendall(PAYLOAD[:1])
    gevent.sleep(0.002)
    client.sendall(PAYLOAD[1:])
    client.shutdown(pysocket.SHUT_WR)
    assert read_to_end(client) == b'ok\n'
    client.close()
    header, rest, _ = result.get(timeout=DEADLINE)
    assert header == expected
    assert rest == PAYLOAD


@pytest.mark.parametrize('name', list(HEADERS))
def test_read_header_returns_without_waiting_for_bytes_past_the_header(proxied, name):
    """The client sends the header alone and waits for the server to speak first."""
    raw, expected = HEADERS[name]
    port, result = proxied()
    client = client_to(port)
    client.sendall(raw)
    assert client.recv(3) == b'ok\n'                # the handler got the header and answered
    client.sendall(b'after the answer')
    client.shutdown(pysocket.SHUT_WR)
    read_to_end(client)
    client.close()
    header, rest, _ = result.get(timeout=DEADLINE)
    assert header == expected and rest == b'after the answer'


def test_the_timeout_does_not_outlive_a_successful_read_header(proxied):
    port, result = proxied(timeout=0.1, pause=0.3)
    client = client_to(port)
    client.sendall(HEADERS['v1-tcp4'][0] + b'payload')
    client.shutdown(pysocket.SHUT_WR)
    read_to_end(client)
    client.close()
    header, rest, _ = result.get(timeout=DEADLINE)
    assert header == HEADERS['v1-tcp4'][1] and rest == b'payload'


@pytest.mark.parametrize('sent', [b'', b'PROXY TCP4 192.0.2', b'\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\x01'],
                         ids=['nothing', 'half-v1', 'half-v2'])
def test_a_slow_header_is_bounded_by_the_timeout(proxied, sent):
    port, result = proxied(timeout=0.3, pause=0.3)
    client = client_to(port)
    client.sendall(sent)                            # ... and then nothing more
    exc, _, elapsed = result.get(timeout=DEADLINE)
    client.close()
    assert isinstance(exc, ProxyProtocolError) and exc.code == 'ERR_PROXY_PROTOCOL'
    assert 'timed out waiting for the PROXY header' in str(exc)
    assert 0.25 <= elapsed < 2.0


@pytest.mark.parametrize('sent, complaint', [
    (b'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n', 'no PROXY protocol header'),
    (b'hi\n', 'no PROXY protocol header'),            # shorter than any header: told at once
    (b'PRoXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 'no PROXY protocol header'),
    (b'\r\n\r\n\x00\rGET / HTTP/1.0\r\n', 'signature'),
    (b'\r\n\r\n\x00\r\nQUIT\r\x21\x11\x00\x0c', 'signature'),
    (b'\r\n\r\n\x00\r\nQUIT\n\x11\x11\x00\x0c', 'version 1'),
    (b'\r\n\r\n\x00\r\nQUIT\n\x21\x41\x00\x0c', 'address family'),
    (b'PROXY TCP5 ', 'protocol'),                       # told before the line is complete
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 80 x', 'invalid port'),
    (b'PROXY TCP4 1.2.3.4\n', 'CR or LF'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3', 'too many fields'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r', 'CR or LF'),
    (b'PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n', 'destination port'),
    (b'PROXY UNKNOWN ' + b'x' * 200, 'longer than 107'),   # no CRLF in 107 bytes
    (b'PROXY TCP6 ' + b'1' * 120, 'longer than 107'),
])
def test_a_missing_or_malformed_header_fails_at_once(proxied, sent, complaint):
    port, result = proxied(timeout=5.0)
    client = client_to(port)
    client.sendall(sent)                            # the connection stays open
    exc, _, elapsed = result.get(timeout=DEADLINE)
    client.close()
    assert isinstance(exc, ProxyProtocolError), exc
    assert complaint in str(exc)
    assert elapsed < 2.0                            # not the 5 s timeout


@pytest.mark.parametrize('sent', [b'', b'P', b'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r',
                                  v2_bytes(0x21, 0x11, inet4())[:20]])
def test_the_stream_ending_inside_the_header(proxied, sent):
    port, result = proxied(timeout=5.0)
    client = client_to(port)
    client.sendall(sent)
    client.shutdown(pysocket.SHUT_WR)
    exc, _, elapsed = result.get(timeout=DEADLINE)
    client.close()
    assert isinstance(exc, ProxyProtocolError)
    assert 'connection closed before the PROXY header was complete' in str(exc)
    assert elapsed < 2.0


def test_read_header_validates_its_timeout():
    with pytest.raises(TypeError):
        read_header(None, '1')
    with pytest.raises(ValueError):
        read_header(None, -1)


# ------------------------------------------------------------------ a real HAProxy

HAPROXY = shutil.which('haproxy')

HAPROXY_HEADER = """\
global
    maxconn 256

defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""

HAPROXY_CONFIG = HAPROXY_HEADER + """
# PROXY protocol v1 ("send-proxy") to greennet server A
frontend fe_v1
    bind 127.0.0.1:{fe_v1}
{fe_v1_ipv6}    default_backend be_v1

backend be_v1
    server a 127.0.0.1:{be_v1} send-proxy

# PROXY protocol v2 ("send-proxy-v2") with a CRC32C and a unique id, to greennet server B
frontend fe_v2
    bind 127.0.0.1:{fe_v2}
{fe_v2_ipv6}    unique-id-format %{{+X}}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid
    default_backend be_v2

backend be_v2
    server b 127.0.0.1:{be_v2} send-proxy-v2 proxy-v2-options crc32c,unique-id

# health checks that send a v2 header: the LOCAL command, to greennet server C
backend be_check
    server c 127.0.0.1:{be_check} send-proxy-v2 check check-send-proxy inter 200ms

# bound last: once it accepts (and rejects) a connection, every frontend is listening
frontend ready
    bind 127.0.0.1:{ready}
    tcp-request connection reject
"""


def free_port(host='127.0.0.1'):
    family = pysocket.AF_INET6 if ':' in host else pysocket.AF_INET
    with pysocket.socket(family) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def ipv6_loopback():
    try:
        free_port('::1')
        return True
    except OSError:
        return False


class HAProxy:
    """HAProxy in front of three greennet servers (v1, v2, LOCAL health checks)."""

    def __init__(self, tmp_path):
        self.received = {}          # (client address, client port) -> AsyncResult
        self.checks = []            # headers of the health-check connections
        self.check_seen = Event()
        self.servers = [self._server(self._relay), self._server(self._relay),
                        self._server(self._check)]
        self.ipv6 = ipv6_loopback()
        ports = {'fe_v1': free_port(), 'fe_v2': free_port(), 'ready': free_port(),
                 'be_v1': self._port(0), 'be_v2': self._port(1), 'be_check': self._port(2)}
        self.frontends = {('v1', '127.0.0.1'): ports['fe_v1'], ('v2', '127.0.0.1'): ports['fe_v2']}
        for version in ('v1', 'v2'):
            bind = ''
            if self.ipv6:
                port = free_port('::1')
                self.frontends[(version, '::1')] = port
                bind = f'    bind [::1]:{port}\n'
            ports[f'fe_{version}_ipv6'] = bind
        self.process = HAProxyProcess(tmp_path, HAPROXY_CONFIG.format(**ports), ports['ready'])

    def start(self):
        self.process.start()

    def _server(self, handler):
        server = net.createServer(handler)
        listening = Event()
        server.listen(0, '127.0.0.1', listening.set)
        assert listening.wait(DEADLINE)
        return server

    def _port(self, index):
        return self.servers[index].address()['port']

    def _relay(self, sock):
        """read_header, then echo everything back; results keyed by the client's address."""
        header = read_header(sock, 2.0)
        data = sock.read()
        self.received.setdefault((header.source_address, header.source_port),
                                 AsyncResult()).set((header, data))
        sock.end(data)

    def _check(self, sock):
        self.checks.append(read_header(sock, 2.0))
        self.check_seen.set()
        sock.end()

    def result(self, address, port):
        return self.received.setdefault((address, port), AsyncResult())

    def output(self):
        return self.process.output()

    def stop(self):
        self.process.stop()
        for server in self.servers:
            server.shutdown(0)


class HAProxyProcess:
    """haproxy running ``config`` in the foreground; started once the frontend bound on
    ``ready_port`` (bound last, rejecting everything) accepts, so every frontend listens."""

    def __init__(self, tmp_path, config, ready_port):
        self.ready_port = ready_port
        self.config_path = tmp_path / 'haproxy.cfg'
        self.config_path.write_text(config)
        self.log_path = tmp_path / 'haproxy.log'
        self.log = None
        self.proc = None

    def start(self):
        self.log = open(self.log_path, 'wb')
        # the stdlib's Popen, not gevent's: see conftest.wait_exit
        self.proc = subprocess.Popen([HAPROXY, '-db', '-f', str(self.config_path)],
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + DEADLINE
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f'haproxy exited with {self.proc.returncode}:\n{self.output()}')
            try:
                gsocket.create_connection(('127.0.0.1', self.ready_port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f'haproxy did not listen within {DEADLINE}s:\n{self.output()}')
                gevent.sleep(0.02)

    def output(self):
        if self.log is not None:
            self.log.flush()
        return self.log_path.read_text(errors='replace')

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                wait_exit(self.proc, 5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                wait_exit(self.proc, 5)
        if self.log is not None:
            self.log.close()


@pytest.fixture(scope='module')
def haproxy(tmp_path_factory):
    if HAPROXY is None:
        pytest.skip('haproxy is not installed (apt-get install -y haproxy): '
                    'the real-HAProxy PROXY protocol tests need it')
    running = HAProxy(tmp_path_factory.mktemp('haproxy'))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize('version, client_address', [
    ('v1', '127.0.0.3'), ('v2', '127.0.0.3'), ('v1', '::1'), ('v2', '::1')])
def test_haproxy_sends_the_real_client_address(haproxy, version, client_address):
    frontend = '127.0.0.1' if client_address == '127.0.0.3' else '::1'
    if (version, frontend) not in haproxy.frontends:
        pytest.skip('no IPv6 loopback here')
    payload = V2_SIGNATURE + b'PROXY TCP4 6.6.6.6 6.6.6.6 6 6\r\n' + os.urandom(200_000)
    client = net.connect({'host': frontend, 'port': haproxy.frontends[(version, frontend)],
                          'localAddress': client_address})
    try:
        client.wait_connected(DEADLINE)
        address, port = client.localAddress, client.localPort
        assert address == client_address
        client.end(payload)
        echoed = client.read()                     # everything, until haproxy closes
    finally:
        client.destroy()
    header, data = haproxy.result(address, port).get(timeout=DEADLINE)
    assert data == payload and echoed == payload, haproxy.output()
    assert header.version == int(version[1])
    assert header.command == 'PROXY'
    assert header.family == ('IPv4' if frontend == '127.0.0.1' else 'IPv6')
    assert (header.source_address, header.source_port) == (address, port)
    assert (header.dest_address, header.dest_port) == (
        frontend, haproxy.frontends[(version, frontend)])
    if version == 'v1':
        assert header.tlvs == {}
    else:
        assert PP2_TYPE_CRC32C in header.tlvs      # verified by parse_v2, or it would raise
        unique_id = header.tlvs[PP2_TYPE_UNIQUE_ID]
        if frontend == '127.0.0.1':
            assert unique_id.startswith(b'7F000003:%04X_7F000001:%04X_' % (
                port, haproxy.frontends[(version, frontend)]))


def test_haproxy_health_checks_send_the_local_command(haproxy):
    assert haproxy.check_seen.wait(DEADLINE), haproxy.output()
    header = haproxy.checks[0]
    assert (header.version, header.command, header.family) == (2, 'LOCAL', None)
    assert header.source_address is None and header.source_port is None


# ==================================================================== the server option

def proxied_server(**options):
    """A greennet server with proxyProtocol=True that answers who it thinks the client
    is, then echoes the rest."""
    seen = []

    def handler(sock):
        seen.append(sock)
        sock.write(f'{sock.remoteAddress} {sock.remotePort} {sock.remoteFamily}\n'.encode())
        sock.pipe(sock)

    server = net.createServer({'proxyProtocol': True, **options}, handler)
    listening = Event()
    server.listen(0, '127.0.0.1', listening.set)
    assert listening.wait(DEADLINE)
    server.seen = seen
    return server


def raw_client(server, data=b''):
    client = gsocket.create_connection(('127.0.0.1', server.address()['port']), timeout=DEADLINE)
    if data:
        client.sendall(data)
    return client


def recv_line(client):
    line = b''
    while not line.endswith(b'\n'):
        chunk = client.recv(1)
        if not chunk:
            break
        line += chunk
    return line


def test_the_proxy_protocol_option_shows_the_real_client_to_the_handler():
    server = proxied_server()
    try:
        client = raw_client(server, b'PROXY TCP4 203.0.113.7 127.0.0.1 51000 80\r\nhello')
        assert recv_line(client) == b'203.0.113.7 51000 IPv4\n'
        assert client.recv(5) == b'hello'          # the header's bytes never reach the handler
        client.close()
    finally:
        server.shutdown(0)


def test_the_proxy_protocol_option_takes_v2_and_ipv6_clients():
    server = proxied_server()
    header = v2_bytes(0x21, 0x21, pysocket.inet_pton(pysocket.AF_INET6, '2001:db8::5') +
                      pysocket.inet_pton(pysocket.AF_INET6, '2001:db8::1') + struct.pack('!HH', 4242, 443))
    try:
        client = raw_client(server, header + b'v2 payload')
        assert recv_line(client) == b'2001:db8::5 4242 IPv6\n'
        assert client.recv(10) == b'v2 payload'
        client.close()
    finally:
        server.shutdown(0)


def test_a_proxied_ipv4_mapped_client_reads_as_a_direct_one_does():
    """One way to print an address: the kernel's (a dual-stack server's IPv4 client) and
    a PROXY header's are the same string, on every Python version."""
    if not ipv6_loopback():
        pytest.skip('no IPv6 here: a dual-stack server needs it')
    seen = AsyncResult()
    direct = net.createServer(lambda sock: (seen.set(sock.remoteAddress), sock.end()))
    listening = Event()
    direct.listen(0, '::', listening.set)
    proxied = proxied_server()
    try:
        assert listening.wait(DEADLINE)
        raw_client_to = gsocket.create_connection(('127.0.0.1', direct.address()['port']),
                                                  timeout=DEADLINE)
        kernel_says = seen.get(timeout=DEADLINE)
        raw_client_to.close()
        assert kernel_says == '::ffff:127.0.0.1'
        client = raw_client(proxied, b'PROXY TCP6 ::ffff:7f00:1 ::1 5000 80\r\n')
        assert recv_line(client) == f'{kernel_says} 5000 IPv6\n'.encode()
        client.close()
    finally:
        direct.shutdown(0)
        proxied.shutdown(0)


def test_a_local_header_keeps_the_connection_s_own_addresses():
    server = proxied_server()
    try:
        client = raw_client(server, v2_bytes(0x20, 0x00, b""))
        address, port, family = recv_line(client).split()
        assert (address, int(port), family) == (b'127.0.0.1', client.getsockname()[1], b'IPv4')
        client.close()
    finally:
        server.shutdown(0)


@pytest.mark.parametrize('sent', [b'GET / HTTP/1.1\r\n\r\n', b'PROXY TCP4 1.2.3.4 nonsense\r\n'])
def test_a_missing_or_malformed_header_closes_the_connection_with_proxy_error(sent, caplog):
    server = proxied_server()
    errors = AsyncResult()
    server.on('proxyError', lambda err, where: errors.set((err, where)))
    try:
        with caplog.at_level('WARNING', logger='greennet'):
            client = raw_client(server, sent)
            assert client.recv(100) == b''
            err, where = errors.get(timeout=DEADLINE)
        assert err.code == 'ERR_PROXY_PROTOCOL' and where['remoteAddress'] == '127.0.0.1'
        assert server.seen == [] and server.getConnections() == 0
        assert any('PROXY header' in r.getMessage() for r in caplog.records)
        client.close()
    finally:
        server.shutdown(0)


def test_a_header_that_never_comes_is_bounded_by_the_timeout():
    server = proxied_server(proxyProtocolTimeout=100)
    errors = AsyncResult()
    server.on('proxyError', lambda err, where: errors.set(err))
    try:
        client = raw_client(server, b'PROXY TCP4')     # and then nothing
        assert 'timed out' in str(errors.get(timeout=DEADLINE))
        assert client.recv(10) == b''
        client.close()
    finally:
        server.shutdown(0)


def test_the_block_list_sees_the_proxied_client():
    block = net.BlockList()
    block.addAddress('203.0.113.66')
    server = proxied_server(blockList=block)
    try:
        blocked = raw_client(server, b'PROXY TCP4 203.0.113.66 127.0.0.1 1 80\r\n')
        assert blocked.recv(10) == b''
        allowed = raw_client(server, b'PROXY TCP4 203.0.113.67 127.0.0.1 1 80\r\n')
        assert recv_line(allowed) == b'203.0.113.67 1 IPv4\n'
        assert len(server.seen) == 1
        blocked.close()
        allowed.close()
    finally:
        server.shutdown(0)


def test_the_drop_payload_names_the_proxied_client():
    server = proxied_server()
    server.maxConnections = 0
    drops = AsyncResult()
    server.on('drop', drops.set)
    try:
        client = raw_client(server, b'PROXY TCP4 198.51.100.9 192.0.2.1 6000 443\r\n')
        assert drops.get(timeout=DEADLINE) == {
            'localAddress': '192.0.2.1', 'localPort': 443, 'localFamily': 'IPv4',
            'remoteAddress': '198.51.100.9', 'remotePort': 6000, 'remoteFamily': 'IPv4'}
        client.close()
    finally:
        server.shutdown(0)


def test_proxy_protocol_option_must_be_a_boolean():
    with pytest.raises(TypeError) as info:
        net.createServer({'proxyProtocol': 'yes'})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


BALANCER_CONFIG = HAPROXY_HEADER + """
frontend fe_v1
    bind 127.0.0.1:{fe_v1}
    default_backend be_v1

backend be_v1
    server worker1 127.0.0.1:{worker1} send-proxy

frontend fe_v2
    bind 127.0.0.1:{fe_v2}
    default_backend be_v2

backend be_v2
    server worker2 127.0.0.1:{worker2} send-proxy-v2

frontend ready
    bind 127.0.0.1:{ready}
    tcp-request connection reject
"""


@pytest.fixture
def balancer(tmp_path):
    """HAProxy on loopback in front of two greennet workers with proxyProtocol=True,
    one behind send-proxy (v1), one behind send-proxy-v2; both block 127.0.0.4."""
    if HAPROXY is None:
        pytest.skip('haproxy is not installed (apt-get install -y haproxy)')
    block = net.BlockList()
    block.addAddress('127.0.0.4')
    workers = [proxied_server(blockList=block), proxied_server(blockList=block)]
    ports = {'fe_v1': free_port(), 'fe_v2': free_port(), 'ready': free_port(),
             'worker1': workers[0].address()['port'], 'worker2': workers[1].address()['port']}
    process = HAProxyProcess(tmp_path, BALANCER_CONFIG.format(**ports), ports['ready'])
    try:
        process.start()
        yield {'v1': ports['fe_v1'], 'v2': ports['fe_v2'], 'workers': workers}
    finally:
        process.stop()
        for worker in workers:
            worker.shutdown(0)


def through_balancer(port, source):
    client = gsocket.socket()
    client.settimeout(DEADLINE)
    client.bind((source, 0))
    client.connect(('127.0.0.1', port))
    return client


@pytest.mark.parametrize('version', ['v1', 'v2'])
def test_behind_haproxy_the_handler_sees_the_client_and_bytes_round_trip(balancer, version):
    client = through_balancer(balancer[version], '127.0.0.3')
    assert recv_line(client) == f'127.0.0.3 {client.getsockname()[1]} IPv4\n'.encode()
    payload = os.urandom(300_000)
    sender = gevent.spawn(client.sendall, payload)
    received = b''
    while len(received) < len(payload):
        chunk = client.recv(65536)
        assert chunk, 'the connection closed early'
        received += chunk
    sender.get(timeout=DEADLINE)
    assert received == payload
    client.close()


@pytest.mark.parametrize('version', ['v1', 'v2'])
def test_behind_haproxy_the_block_list_applies_to_the_real_client(balancer, version):
    blocked = through_balancer(balancer[version], '127.0.0.4')
    assert blocked.recv(100) == b''
    blocked.close()
    assert all(w.seen == [] or all(s.remoteAddress != '127.0.0.4' for s in w.seen)
               for w in balancer['workers'])
