"""The PROXY protocol, versions 1 (text) and 2 (binary), as a receiver.

A load balancer in TCP mode (HAProxy ``send-proxy``/``send-proxy-v2``, nginx
``proxy_protocol on``, an AWS Network Load Balancer with proxy protocol v2 enabled)
puts one header in front of the client's bytes to tell the server who the client
really is.  The specification is HAProxy's ``doc/proxy-protocol.txt``.

The contract:

* :func:`read_header` reads exactly one header, v1 or v2, from a greennet
  :class:`~greennet.Socket` in the calling greenlet (a connection handler) and never
  a byte past it: whatever follows the header is left in the socket for the handler's
  next ``read()``/``readexactly()``/``readline()``, or its 'data' events.
* It raises :class:`ProxyProtocolError` (``code`` 'ERR_PROXY_PROTOCOL', a
  ``ValueError``) when the header is malformed, missing (the peer sent something
  else), cut short by the end of the stream, or not complete within ``timeout``
  seconds.  A failure of the socket itself (ECONNRESET...) is raised as the
  socket's own error.  The spec's answer to any of these is to drop the connection;
  doing so is the caller's job (``sock.destroy()``).
* Reads never ask for more than the header still has at the least (``sock.read(n)``
  with ``n`` a lower bound of what is left, ``sock.readexactly()`` for the v2 block
  whose length is announced), so a header shorter than 16 bytes ("PROXY
  UNKNOWN\r\n") returns at once and a server-speaks-first protocol works behind it.
* Parsing is strict, and fails as soon as it can tell (so a client speaking another
  protocol is told at once, not after the timeout): at the first bytes that start
  neither version, within a v1 line as it arrives, at the fixed 16 bytes of a v2
  header before its address block is awaited.
  v1: "PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\\r\\n" with single
  spaces, canonical addresses of the announced family (no zone ids, no heading zeroes
  in IPv4 numbers), ports 0..65535 without heading zeroes, at most 107 bytes with the
  CRLF; "PROXY UNKNOWN...\\r\\n" is accepted with the rest of the line ignored.  v2:
  the 12-byte signature, version 2, command LOCAL or PROXY, a defined family and
  transport, an address block as long as the family needs, then well-formed TLVs
  (returned in :attr:`ProxyHeader.tlvs`) that end exactly at the announced length; a
  PP2_TYPE_CRC32C checksum, when present, is verified.
* What the header says is returned as a :class:`ProxyHeader`.  ``family`` is None when
  the real connection's endpoints are to be used instead: a v1 UNKNOWN line, a v2
  LOCAL command (health checks; the address block is ignored, as the spec requires),
  and a v2 PROXY command with the UNSPEC family or a DGRAM transport (the spec's
  fallback to UNSPEC for valid combinations a receiver does not support: a greennet
  server is a stream server).
"""
from __future__ import annotations

import ipaddress
import os
import re
import struct
from typing import Any, Dict, Optional, Tuple

from gevent import Timeout

from ._options import validate_number
from .addresses import format_ip
from .errors import IncompleteReadError, NodeValueError, invalid_arg_type

__all__ = ['ProxyHeader', 'ProxyProtocolError', 'parse_v1', 'parse_v2', 'read_header',
           'V2_SIGNATURE', 'V1_MAX_LENGTH', 'PP2_TYPE_ALPN', 'PP2_TYPE_AUTHORITY',
           'PP2_TYPE_CRC32C', 'PP2_TYPE_NOOP', 'PP2_TYPE_UNIQUE_ID', 'PP2_TYPE_SSL',
           'PP2_TYPE_NETNS', 'crc32c']

#: The 12 bytes every v2 header starts with.
V2_SIGNATURE = b'\r\n\r\n\x00\r\nQUIT\n'
#: The longest v1 line, CRLF included ("PROXY UNKNOWN <39> <39> 65535 65535\r\n").
V1_MAX_LENGTH = 107
_V1_PREFIX = b'PROXY '
_PREFIX_LEN = 6          # 'PROXY ' and the first 6 bytes of the v2 signature
_V2_HEADER_LEN = 16

# v2 TLV types the spec registers (the value of each is returned as raw bytes).
PP2_TYPE_ALPN = 0x01
PP2_TYPE_AUTHORITY = 0x02
PP2_TYPE_CRC32C = 0x03
PP2_TYPE_NOOP = 0x04
PP2_TYPE_UNIQUE_ID = 0x05
PP2_TYPE_SSL = 0x20
PP2_TYPE_NETNS = 0x30

_COMMANDS = {0x0: 'LOCAL', 0x1: 'PROXY'}
# the defined family/transport bytes and the length of their address block
_ADDRESS_LENGTHS = {0x00: 0, 0x11: 12, 0x12: 12, 0x21: 36, 0x22: 36, 0x31: 216, 0x32: 216}
_FAMILY_NAMES = {0x1: 'IPv4', 0x2: 'IPv6', 0x3: 'UNIX'}
_TRANSPORT_NAMES = {0x0: 'UNSPEC', 0x1: 'STREAM', 0x2: 'DGRAM'}

_PORT = re.compile(rb'(?:0|[1-9][0-9]{0,4})\Z')
_V1_ADDRESS_CHARS = frozenset(b'0123456789abcdefABCDEF.:')
# the shortest address and port of each v1 family, for reading no further than a header
_V1_FIELD_MIN = {b'TCP4': (7, 7, 1, 1), b'TCP6': (2, 2, 1, 1)}


class ProxyProtocolError(NodeValueError):
    """A PROXY protocol header that is malformed, missing, incomplete or too slow.

    ``code`` is 'ERR_PROXY_PROTOCOL'; the message says what was wrong.  It is a
    ``ValueError`` (and a ``greennet.NodeError``).
    """

    code = 'ERR_PROXY_PROTOCOL'

    def __init__(self, message: str = 'invalid PROXY protocol header', code: Optional[str] = None) -> None:
        super().__init__(message, code)


class ProxyHeader:
    """What a PROXY protocol header says about the connection.

    * ``version``: 1 or 2.
    * ``command``: 'PROXY' (relayed on behalf of a client) or 'LOCAL' (v2 only: the
      proxy's own connection, e.g. a health check).
    * ``family``: 'IPv4', 'IPv6', 'UNIX', or None when the real connection's endpoints
      are to be used (v1 UNKNOWN, v2 LOCAL, v2 UNSPEC or DGRAM).
    * ``source_address``, ``source_port``, ``dest_address``, ``dest_port``: the
      original client and the address it connected to; addresses as ``str`` in the
      form greennet reports every address (:func:`greennet.addresses.format_ip`, as
      Node and ``inet_ntop`` print them: ``::ffff:192.0.2.1``; a socket path for
      UNIX), ports as ``int``
      (None for UNIX and when ``family`` is None).
    * ``tlvs``: v2's type-length-value extensions, ``{type: value_bytes}`` (a type
      that occurs more than once keeps its last value); ``{}`` for v1.
    """

    __slots__ = ('version', 'command', 'family', 'source_address', 'source_port',
                 'dest_address', 'dest_port', 'tlvs')

    def __init__(self, version: int, command: str = 'PROXY', family: Optional[str] = None,
                 source_address: Optional[str] = None, source_port: Optional[int] = None,
                 dest_address: Optional[str] = None, dest_port: Optional[int] = None,
                 tlvs: Optional[Dict[int, bytes]] = None) -> None:
        self.version = version
        self.command = command
        self.family = family
        self.source_address = source_address
        self.source_port = source_port
        self.dest_address = dest_address
        self.dest_port = dest_port
        self.tlvs: Dict[int, bytes] = {} if tlvs is None else tlvs

    def _fields(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, ProxyHeader):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]   # mutable, like a dataclass

    def __repr__(self) -> str:
        args = ', '.join(f'{name}={getattr(self, name)!r}' for name in self.__slots__)
        return f'ProxyHeader({args})'


def _error(message: str) -> ProxyProtocolError:
    return ProxyProtocolError(message)


def _as_bytes(data: Any, name: str) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise invalid_arg_type(name, 'of type bytes', data)


# ==================================================================== version 1

def parse_v1(line: bytes) -> ProxyHeader:
    """Parse a complete v1 line, ``b'PROXY ...\\r\\n'`` (the CRLF included).

    Returns a :class:`ProxyHeader` with ``version`` 1 and ``command`` 'PROXY';
    ``family`` is 'IPv4' for TCP4, 'IPv6' for TCP6 and None for UNKNOWN (whose
    addresses, if any, are ignored as the spec requires).  Raises
    :class:`ProxyProtocolError` for anything that is not exactly a v1 line.
    """
    line = _as_bytes(line, 'line')
    if len(line) > V1_MAX_LENGTH:
        raise _error(f'PROXY v1 line longer than {V1_MAX_LENGTH} bytes ({len(line)})')
    if not line.startswith(_V1_PREFIX):
        raise _error('not a PROXY v1 line: it must start with "PROXY "')
    if not line.endswith(b'\r\n'):
        raise _error('PROXY v1 line not terminated by CRLF')
    content = line[len(_V1_PREFIX):-2]
    if b'\r' in content or b'\n' in content:
        raise _error('stray CR or LF in the PROXY v1 line')
    if content == b'UNKNOWN' or content.startswith(b'UNKNOWN '):
        return ProxyHeader(1, 'PROXY')
    fields = content.split(b' ')
    protocol = fields[0]
    if protocol not in _V1_FIELD_MIN:
        raise _error(f'unknown PROXY v1 protocol {_show(protocol)} (TCP4, TCP6 or UNKNOWN)')
    if len(fields) != 5 or not all(fields):
        raise _error(f'PROXY v1 {protocol.decode()} line needs exactly 4 fields separated '
                     f'by single spaces: {_show(content)}')
    family = 'IPv4' if protocol == b'TCP4' else 'IPv6'
    source = _v1_address(fields[1], protocol, 'source')
    dest = _v1_address(fields[2], protocol, 'destination')
    return ProxyHeader(1, 'PROXY', family, source, _v1_port(fields[3], 'source'),
                       dest, _v1_port(fields[4], 'destination'))


def _show(data: bytes) -> str:
    """A short, printable rendering of received bytes for an error message."""
    shown = repr(bytes(data[:40]))[1:]
    return shown + ('...' if len(data) > 40 else '')


def _v1_address(field: bytes, protocol: bytes, which: str) -> str:
    try:
        if not _V1_ADDRESS_CHARS.issuperset(field):
            raise ValueError(field)
        text = field.decode('ascii')
        if protocol == b'TCP4':
            return format_ip(ipaddress.IPv4Address(text).packed)
        return format_ip(ipaddress.IPv6Address(text).packed)
    except ValueError:
        raise _error(f'invalid {which} address {_show(field)} for {protocol.decode()}') from None


def _v1_port(field: bytes, which: str) -> int:
    if _PORT.match(field) is None or int(field) > 65535:
        raise _error(f'invalid {which} port {_show(field)} (0..65535, no heading zeroes)')
    return int(field)


def _v1_check_prefix(buf: bytes) -> None:
    """Raise unless ``buf`` (starting with 'PROXY ') can begin a valid v1 line."""
    rest = buf[len(_V1_PREFIX):]
    body = rest[:-2] if rest.endswith(b'\r\n') else rest[:-1] if rest.endswith(b'\r') else rest
    if b'\r' in body or b'\n' in body:
        raise _error('stray CR or LF in the PROXY v1 line')
    token = body.split(b' ', 1)[0]
    complete = len(token) < len(rest)     # a space, CR or CRLF follows the protocol name
    if not complete:
        if not any(name.startswith(token) for name in (b'TCP4', b'TCP6', b'UNKNOWN')):
            raise _error(f'unknown PROXY v1 protocol {_show(token)} (TCP4, TCP6 or UNKNOWN)')
        return
    if token == b'UNKNOWN':
        return
    if token not in _V1_FIELD_MIN:
        raise _error(f'unknown PROXY v1 protocol {_show(token)} (TCP4, TCP6 or UNKNOWN)')
    fields = body.split(b' ')[1:]
    if len(fields) > 4:
        raise _error(f'too many fields in the PROXY v1 line: {_show(body)}')
    for field in fields[:2]:
        if not _V1_ADDRESS_CHARS.issuperset(field):
            raise _error(f'invalid address {_show(field)} in the PROXY v1 line')
    for field in fields[2:]:
        if not field.isdigit() and field:
            raise _error(f'invalid port {_show(field)} in the PROXY v1 line')


def _v1_needed(buf: bytes) -> int:
    """How many more bytes a valid line starting with ``buf`` has at the least: reading
    that many can never take a byte past the header."""
    if buf.endswith(b'\r'):
        return 1
    protocol = buf[6:10]
    mins = _V1_FIELD_MIN.get(protocol)
    if mins is None or len(buf) < 11:
        return max(2, 15 - len(buf))        # b'PROXY UNKNOWN\r\n'
    fields = buf[11:].split(b' ')
    current = len(fields) - 1
    need = max(0, mins[current] - len(fields[-1]))
    need += sum(m + 1 for m in mins[current + 1:])
    return need + 2


# ==================================================================== version 2

def _crc32c_table() -> Tuple[int, ...]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli, RFC 4960 appendix B), as PP2_TYPE_CRC32C uses it."""
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _v2_fixed(header16: bytes) -> Tuple[str, int, int]:
    """Check the fixed 16 bytes: (command, family/transport byte, body length)."""
    if len(header16) != _V2_HEADER_LEN:
        raise _error(f'PROXY v2 fixed header must be 16 bytes, got {len(header16)}')
    if header16[:12] != V2_SIGNATURE:
        raise _error('bad PROXY v2 signature')
    version, command = header16[12] >> 4, header16[12] & 0x0F
    if version != 2:
        raise _error(f'unsupported PROXY protocol version {version} (must be 2)')
    if command not in _COMMANDS:
        raise _error(f'unknown PROXY v2 command {command:#x} (LOCAL 0x0 or PROXY 0x1)')
    fam = header16[13]
    if _COMMANDS[command] == 'PROXY' and fam not in _ADDRESS_LENGTHS:
        family, transport = fam >> 4, fam & 0x0F
        if family > 3:
            raise _error(f'unknown PROXY v2 address family {family:#x}')
        if transport > 2:
            raise _error(f'unknown PROXY v2 transport protocol {transport:#x}')
        raise _error(f'undefined PROXY v2 family/transport combination {fam:#04x}')
    (length,) = struct.unpack_from('!H', header16, 14)
    return _COMMANDS[command], fam, length


def parse_v2(header16: bytes, body: bytes) -> ProxyHeader:
    """Parse a v2 header: its fixed 16 bytes and the ``body`` that follows them (as
    many bytes as the length field in bytes 15-16 announces).

    Returns a :class:`ProxyHeader` with ``version`` 2.  For the PROXY command with TCP
    (family/transport 0x11, 0x21) or a UNIX stream (0x31) the addresses are decoded;
    with UNSPEC (0x00) or a DGRAM transport ``family`` is None.  For LOCAL the address
    block is ignored whatever its family (``family`` None).  The TLVs after the
    address block are returned in ``tlvs``; a CRC32C TLV is verified.  Raises
    :class:`ProxyProtocolError` for a bad signature, version, command, family or
    transport, a length that does not match, an address block too short for its
    family, malformed TLVs, or a checksum mismatch.
    """
    header16 = _as_bytes(header16, 'header16')
    body = _as_bytes(body, 'body')
    command, fam, length = _v2_fixed(header16)
    if len(body) != length:
        raise _error(f'PROXY v2 header announces {length} bytes after the fixed part, '
                     f'got {len(body)}')
    address_length = _ADDRESS_LENGTHS.get(fam)
    if address_length is None:           # LOCAL with an undefined family: all ignored
        return ProxyHeader(2, command)
    if length < address_length:
        raise _error(f'PROXY v2 address block too short for '
                     f'{_FAMILY_NAMES.get(fam >> 4, "UNSPEC")}/{_TRANSPORT_NAMES[fam & 0xF]}: '
                     f'{length} bytes, {address_length} needed')
    tlvs = _parse_tlvs(body, address_length)
    if PP2_TYPE_CRC32C in tlvs:
        _check_crc(header16, body, address_length)
    header = ProxyHeader(2, command, tlvs=tlvs)
    if command == 'LOCAL' or fam not in (0x11, 0x21, 0x31):
        return header
    if fam == 0x11:
        src, dst, sport, dport = struct.unpack_from('!4s4sHH', body)
        header.family = 'IPv4'
        header.source_address = format_ip(src)
        header.dest_address = format_ip(dst)
        header.source_port, header.dest_port = sport, dport
    elif fam == 0x21:
        src, dst, sport, dport = struct.unpack_from('!16s16sHH', body)
        header.family = 'IPv6'
        header.source_address = format_ip(src)
        header.dest_address = format_ip(dst)
        header.source_port, header.dest_port = sport, dport
    else:
        header.family = 'UNIX'
        header.source_address = _unix_path(body[:108])
        header.dest_address = _unix_path(body[108:216])
    return header


def _unix_path(raw: bytes) -> str:
    """A 108-byte sun_path: a NUL-terminated path, or an abstract name (leading NUL,
    returned with it, trailing NUL padding dropped)."""
    if raw[:1] == b'\x00':
        name = raw.rstrip(b'\x00')
        return os.fsdecode(name) if name else ''
    return os.fsdecode(raw.split(b'\x00', 1)[0])


def _parse_tlvs(body: bytes, offset: int) -> Dict[int, bytes]:
    tlvs: Dict[int, bytes] = {}
    end = len(body)
    while offset < end:
        if end - offset < 3:
            raise _error(f'truncated PROXY v2 TLV at offset {16 + offset}: '
                         f'{end - offset} bytes left, a TLV needs at least 3')
        kind = body[offset]
        (size,) = struct.unpack_from('!H', body, offset + 1)
        offset += 3
        if offset + size > end:
            raise _error(f'PROXY v2 TLV {kind:#04x} announces {size} bytes, only '
                         f'{end - offset} left in the header')
        if kind == PP2_TYPE_CRC32C:
            if size != 4:
                raise _error(f'PROXY v2 CRC32C TLV must be 4 bytes, got {size}')
            if kind in tlvs:
                raise _error('PROXY v2 header has more than one CRC32C TLV')
        tlvs[kind] = body[offset:offset + size]
        offset += size
    return tlvs


def _check_crc(header16: bytes, body: bytes, offset: int) -> None:
    """Verify PP2_TYPE_CRC32C: the checksum of the whole header, its own value zeroed."""
    end = len(body)
    while offset < end:
        kind = body[offset]
        (size,) = struct.unpack_from('!H', body, offset + 1)
        if kind == PP2_TYPE_CRC32C:
            value = offset + 3
            (expected,) = struct.unpack_from('!I', body, value)
            zeroed = body[:value] + b'\x00\x00\x00\x00' + body[value + 4:]
            actual = crc32c(header16 + zeroed)
            if actual != expected:
                raise _error(f'PROXY v2 CRC32C mismatch: header says {expected:#010x}, '
                             f'computed {actual:#010x}')
            return
        offset += 3 + size


# ==================================================================== reading

def read_header(sock: Any, timeout: Optional[float]) -> ProxyHeader:
    """Read one PROXY protocol header (v1 or v2) from ``sock`` and return it.

    ``sock`` is a greennet :class:`~greennet.Socket` read sequentially by the calling
    greenlet (typically the connection handler, first thing).  Exactly the header's
    bytes are consumed: everything after it stays in the socket for the handler.
    ``timeout`` (seconds, as in gevent; None for no limit) bounds the whole header.

    Raises :class:`ProxyProtocolError` if the bytes are not a valid header (as soon
    as they cannot be one), if the stream ends before the header does, or if the
    header is not complete within ``timeout``; the socket's own error if it fails.
    """
    if timeout is not None:
        validate_number(timeout, 'timeout', 0)
    timer = Timeout(timeout)
    timer.start()
    try:
        return _read_header(sock)
    except Timeout as exc:
        if exc is not timer:
            raise
        raise _error(f'timed out waiting for the PROXY header ({timeout} s)') from None
    except IncompleteReadError as exc:     # inside a v2 header's address block or TLVs
        raise _error(f'connection closed before the PROXY header was complete '
                     f'({len(exc.partial)} of the {exc.expected} bytes after the fixed '
                     f'part arrived)') from None
    finally:
        timer.close()


def _more(sock: Any, buf: bytes, n: int) -> bytes:
    """``buf`` and up to ``n`` more bytes, as soon as any are there (never more than
    ``n``: the caller knows the header has at least that many left)."""
    data = sock.read(n)
    if not data:
        raise _error(f'connection closed before the PROXY header was complete '
                     f'(got {_show(buf)})')
    return buf + bytes(data)


def _read_header(sock: Any) -> ProxyHeader:
    buf = b''
    while len(buf) < _PREFIX_LEN:          # 'PROXY ' or the v2 signature's first 6 bytes
        buf = _more(sock, buf, _PREFIX_LEN - len(buf))
        if not (_V1_PREFIX.startswith(buf) or V2_SIGNATURE.startswith(buf)):
            raise _error(f'no PROXY protocol header: the connection starts with {_show(buf)}')
    if buf == _V1_PREFIX:
        return _read_v1(sock, buf)
    while len(buf) < _V2_HEADER_LEN:
        buf = _more(sock, buf, _V2_HEADER_LEN - len(buf))
        if not V2_SIGNATURE.startswith(buf[:len(V2_SIGNATURE)]):
            raise _error('bad PROXY v2 signature')
    length = _v2_fixed(buf)[2]             # check what is there before waiting for more
    return parse_v2(buf, sock.readexactly(length))


def _read_v1(sock: Any, buf: bytes) -> ProxyHeader:
    while True:
        _v1_check_prefix(buf)
        if buf.endswith(b'\r\n'):
            return parse_v1(buf)
        need = _v1_needed(buf)
        if len(buf) + need > V1_MAX_LENGTH:
            raise _error(f'PROXY v1 line longer than {V1_MAX_LENGTH} bytes: no CRLF in '
                         f'{_show(buf)}')
        buf = _more(sock, buf, need)
