"""IP addresses as Node's ``net`` module sees them: ``isIP``, ``SocketAddress``, ``BlockList``.

The contract, as Node v20/v22 behaves (each point checked against ``node``):

* ``isIP(input)`` returns 4, 6 or 0; ``isIPv4``/``isIPv6`` return a bool.  IPv4 is
  dot-decimal with no leading zeros; IPv6 may embed an IPv4 address and carry a zone id
  (``fe80::1%eth0``); no brackets, no whitespace.  Anything that is not a ``str`` is not
  an address.
* ``SocketAddress(options=None, **kwargs)`` holds ``address``, ``port``, ``family``
  ('ipv4' or 'ipv6') and ``flowlabel``, read-only.  The address is normalised as Node
  prints it (``'0:0::1'`` -> ``'::1'``, ``'::ffff:7b7b:7b7b'`` -> ``'::ffff:123.123.123.123'``,
  a zone id is dropped).  Bad options raise Node's error at the call; an address that is
  not one of its family raises ``ERR_INVALID_ADDRESS``.
* ``BlockList`` holds address, range and subnet rules of either family.  An IPv4 address
  and its IPv4-mapped IPv6 form (``::ffff:a.b.c.d``) are the same address to every rule,
  as in Node.  ``check()`` never raises for an address that does not parse: it is simply
  not blocked.
* ``format_ip(address)`` prints an address the one way greennet reports every address
  (``remoteAddress``, PROXY headers, ``SocketAddress``...): as Node and ``inet_ntop``
  print it, whatever the Python version.

``None`` stands for JavaScript's ``undefined``: an option or ``type`` given as ``None``
takes its default.
"""
from __future__ import annotations

import ipaddress
import json
import re
from typing import Any, Dict, List, Optional, Set, Tuple, Union

from ._options import options as merge_options
from ._options import pep8_aliases, validate_int, validate_port
from ._whatwg import host_and_port
from .errors import NodeValueError, invalid_arg_type, invalid_arg_value, node_error, out_of_range

__all__ = ['isIP', 'isIPv4', 'isIPv6', 'is_ip', 'is_ipv4', 'is_ipv6', 'SocketAddress', 'BlockList',
           'format_ip']

_FAMILIES = ('ipv4', 'ipv6')
_ZONE_ID = re.compile(r'[0-9a-zA-Z.:-]+')    # what Node's isIPv6 accepts after '%'
_MAX_FLOWLABEL = 0xFFFFF                    # an IPv6 flow label is 20 bits
_IPV4_MAPPED = 0xFFFF << 32                 # ::ffff:0.0.0.0, the IPv4-mapped IPv6 block


# ---------------------------------------------------------------- isIP

def isIPv4(input: Any) -> bool:
    """Returns true if input is an IPv4 address in dot-decimal notation with no leading
    zeroes. Otherwise, returns false."""
    return isinstance(input, str) and _parse_ipv4(input) is not None


def isIPv6(input: Any) -> bool:
    """Returns true if input is an IPv6 address. Otherwise, returns false."""
    if not isinstance(input, str):
        return False
    head, percent, zone = input.partition('%')
    if percent and not _ZONE_ID.fullmatch(zone):
        return False
    return _parse_ipv6(head) is not None


def isIP(input: Any) -> int:
    """Returns 6 if input is an IPv6 address. Returns 4 if input is an IPv4 address in
    dot-decimal notation with no leading zeroes. Otherwise, returns 0."""
    if isIPv4(input):
        return 4
    if isIPv6(input):
        return 6
    return 0


is_ip, is_ipv4, is_ipv6 = isIP, isIPv4, isIPv6


# ---------------------------------------------------------------- parsing and printing

def _parse_ipv4(text: str) -> Optional[int]:
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def _parse_ipv6(text: str) -> Optional[int]:
    if '%' in text:             # a zone id is the caller's business; ipaddress would keep it
        return None
    try:
        return int(ipaddress.IPv6Address(text))
    except ValueError:
        return None


def _parse(address: str, family: str) -> Optional[int]:
    """The address as an int of its family, as ``inet_pton`` reads it (an IPv6 zone id is
    dropped), or None."""
    if family == 'ipv4':
        return _parse_ipv4(address)
    return _parse_ipv6(address.partition('%')[0])


def _format(ip: int, family: str) -> str:
    """The address as Node (``inet_ntop``) prints it: IPv4-mapped and IPv4-compatible
    IPv6 addresses end in dot-decimal, as in ``::ffff:1.2.3.4`` and ``::1.2.3.4``.

    Not ``str(ipaddress.IPv6Address)``: that prints ``::ffff:c000:201`` up to Python 3.12
    and ``::ffff:192.0.2.1`` from 3.13 on, and ``::102:304`` for ``::1.2.3.4`` on all."""
    if family == 'ipv4':
        return str(ipaddress.IPv4Address(ip))
    high, low = ip >> 32, ipaddress.IPv4Address(ip & 0xFFFFFFFF)
    if high == 0xFFFF:
        return f'::ffff:{low}'
    if high == 0 and ip >> 16:                  # ::a.b.c.d, but ::1 and ::203 stay hex
        return f'::{low}'
    return ipaddress.IPv6Address(ip).compressed


def format_ip(address: Union[str, bytes, bytearray, memoryview]) -> str:
    """An IP address as greennet reports every address, which is how Node and
    ``inet_ntop`` print it, on every Python version: IPv4 in dot-decimal; IPv6 in lower
    case with the longest run of zero groups compressed (RFC 5952), except that an
    IPv4-mapped or IPv4-compatible address ends in dot-decimal (``::ffff:192.0.2.1``,
    ``::192.0.2.1``).

    ``address`` is the text of an address in any form ``inet_pton`` reads (an IPv6 zone
    id, ``%eth0``, is dropped, as Node's ``SocketAddress`` drops it) or the packed
    address (4 bytes for IPv4, 16 for IPv6).  Anything else raises
    ERR_INVALID_IP_ADDRESS (a ``ValueError``); a value that is neither text nor bytes
    raises ERR_INVALID_ARG_TYPE."""
    if isinstance(address, (bytes, bytearray, memoryview)):
        packed = bytes(address)
        if len(packed) == 4:
            return _format(int.from_bytes(packed, 'big'), 'ipv4')
        if len(packed) == 16:
            return _format(int.from_bytes(packed, 'big'), 'ipv6')
        raise node_error('ERR_INVALID_IP_ADDRESS', repr(packed))
    if not isinstance(address, str):
        raise invalid_arg_type('address', 'of type string or an instance of Buffer', address)
    ip = _parse_ipv4(address)
    if ip is not None:
        return _format(ip, 'ipv4')
    ip = _parse(address, 'ipv6')
    if ip is not None:
        return _format(ip, 'ipv6')
    raise node_error('ERR_INVALID_IP_ADDRESS', address)


def _family_of(type: Any) -> str:
    """The ``type`` argument of BlockList's methods, which must be a string (Node names
    it ``family``); its value, in any case, is checked where it is used."""
    if type is None:
        return 'ipv4'
    if not isinstance(type, str):
        raise invalid_arg_type('family', 'of type string', type)
    return type


# ---------------------------------------------------------------- SocketAddress

@pep8_aliases
class SocketAddress:
    """An IP address, port, family and IPv6 flow label, as Node's ``net.SocketAddress``.

    ``SocketAddress({'address': '::1', 'port': 443, 'family': 'ipv6'})`` or
    ``SocketAddress(address='::1', port=443, family='ipv6')``.
    """

    __slots__ = ('_address', '_port', '_family', '_flowlabel', '_ip')

    def __init__(self, options: Any = None, **kwargs: Any) -> None:
        """Options: ``address`` (default '127.0.0.1' for 'ipv4', '::' for 'ipv6'),
        ``family`` ('ipv4' or 'ipv6', default 'ipv4'), ``flowlabel`` (an IPv6 flow label,
        used only if family is 'ipv6') and ``port``."""
        given = merge_options(options, kwargs, ('address', 'port', 'family', 'flowlabel'), 'SocketAddress')
        family = given.get('family')
        if family is None:
            family = 'ipv4'
        if not isinstance(family, str) or family.lower() not in _FAMILIES:
            raise invalid_arg_value('options.family', family)
        family = family.lower()
        address = given.get('address')
        if address is None:
            address = '127.0.0.1' if family == 'ipv4' else '::'
        if not isinstance(address, str):
            raise invalid_arg_type('options.address', 'of type string', address)
        port = given.get('port')
        port = 0 if port is None else validate_port(port, 'options.port')
        flowlabel = given.get('flowlabel')
        flowlabel = 0 if flowlabel is None else validate_int(flowlabel, 'options.flowlabel', 0, 0xFFFFFFFF)
        ip = _parse(address, family)
        if ip is None:
            raise NodeValueError('Invalid socket address', 'ERR_INVALID_ADDRESS')
        if family == 'ipv4':
            flowlabel = 0
        elif flowlabel > _MAX_FLOWLABEL:
            raise out_of_range('options.flowlabel', f'>= 0 && <= {_MAX_FLOWLABEL}', flowlabel)
        self._ip = ip
        self._address = _format(ip, family)
        self._family = family
        self._port = port
        self._flowlabel = flowlabel

    @property
    def address(self) -> str:
        """The network address, as either an IPv4 or IPv6 string."""
        return self._address

    @property
    def port(self) -> int:
        """An IP port."""
        return self._port

    @property
    def family(self) -> str:
        """Either 'ipv4' or 'ipv6'."""
        return self._family

    @property
    def flowlabel(self) -> int:
        """The IPv6 flow label (0 for an IPv4 address)."""
        return self._flowlabel

    def toJSON(self) -> Dict[str, Any]:
        """The fields as a plain object: ``{'address', 'port', 'family', 'flowlabel'}``."""
        return {'address': self._address, 'port': self._port,
                'family': self._family, 'flowlabel': self._flowlabel}

    @staticmethod
    def isSocketAddress(value: Any) -> bool:
        """Returns true if the value is a net.SocketAddress."""
        return isinstance(value, SocketAddress)

    @staticmethod
    def parse(input: Any) -> Optional['SocketAddress']:
        """Parses an IP address and optional port, e.g. ``123.1.2.3:1234`` or
        ``[1::1]:1234``. Returns a SocketAddress if parsing was successful; otherwise
        returns None.

        As in Node, ``input`` is read as the host and port of the URL
        ``http://<input>`` by the WHATWG URL parser: IPv4 shorthands (``'256'`` is
        0.0.1.0), hex and octal parts, a ``user:pass@`` prefix, percent-escapes and a
        trailing path are accepted; a host name is not an address.  A non-string
        ``input`` raises ERR_INVALID_ARG_TYPE.  Unlike Node v22 (nodejs/node#62906), an
        explicit port 80 is kept.
        """
        if not isinstance(input, str):
            raise invalid_arg_type('input', 'of type string', input)
        found = host_and_port(input)
        if found is None:
            return None
        host, port = found
        try:
            if host.startswith('['):
                return SocketAddress(address=host[1:-1], port=port or 0, family='ipv6')
            return SocketAddress(address=host, port=port or 0, family='ipv4')
        except NodeValueError:
            return None     # a host name

    def _key(self) -> Tuple[str, int, int, int]:
        return (self._family, self._ip, self._port, self._flowlabel)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, SocketAddress):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f'SocketAddress(address={self._address!r}, port={self._port!r}, '
                f'family={self._family!r}, flowlabel={self._flowlabel!r})')


# ---------------------------------------------------------------- BlockList

# Every rule works on one 128-bit space in which an IPv4 address a.b.c.d is its mapped
# IPv6 form ::ffff:a.b.c.d, which is how Node matches addresses and subnets across the two
# families.  Ranges keep one quirk of Node's: an IPv4 address and an IPv6 address that is
# not IPv4-mapped are not comparable, so neither is in a range bounded by the other.

def _in_ipv4_space(ip128: int) -> bool:
    return ip128 >> 32 == 0xFFFF


def _comparable(family: str, ip128: int, other_family: str, other_ip128: int) -> bool:
    return family == other_family or (_in_ipv4_space(ip128) and _in_ipv4_space(other_ip128))


@pep8_aliases
class BlockList:
    """Rules for disabling inbound or outbound access to specific IP addresses, IP ranges,
    or IP subnets, as Node's ``net.BlockList``.

    Each address argument is a ``str`` or a :class:`SocketAddress`; for a SocketAddress its
    own family is used and ``type`` is ignored.  ``type`` is 'ipv4' (the default) or
    'ipv6', in any case.
    """

    __slots__ = ('_rules', '_addresses', '_subnets', '_ranges')

    def __init__(self) -> None:
        self._rules: List[str] = []                       # oldest first
        self._addresses: Set[int] = set()                 # 128-bit addresses
        self._subnets: Dict[int, Set[int]] = {}           # prefix bits -> network bits
        self._ranges: List[Tuple[str, int, str, int]] = []  # (family, first, family, last)

    def addAddress(self, address: Any = None, type: Any = 'ipv4') -> None:
        """Adds a rule to block the given IP address."""
        addr = _socket_address(address, type, 'address')
        self._addresses.add(_ip128(addr))
        self._rules.append(f'Address: {_label(addr)} {addr.address}')

    def addRange(self, start: Any = None, end: Any = None, type: Any = 'ipv4') -> None:
        """Adds a rule to block a range of IP addresses from start (inclusive) to end
        (inclusive)."""
        first = _socket_address(start, type, 'start')
        last = _socket_address(end, type, 'end')
        low, high = _ip128(first), _ip128(last)
        if _comparable(first.family, low, last.family, high) and low > high:
            raise invalid_arg_value('start', first, 'must come before end')
        self._ranges.append((first.family, low, last.family, high))
        self._rules.append(f'Range: {_label(first)} {first.address}-{last.address}')

    def addSubnet(self, net: Any = None, prefix: Any = None, type: Any = 'ipv4') -> None:
        """Adds a rule to block a range of IP addresses specified as a subnet mask.

        ``prefix`` is the number of CIDR prefix bits: 0 to 32 for IPv4, 0 to 128 for IPv6.
        """
        network = _socket_address(net, type, 'network')
        bits = 32 if network.family == 'ipv4' else 128
        prefix = validate_int(prefix, 'prefix', 0, bits)
        prefix128 = prefix + 128 - bits
        self._subnets.setdefault(prefix128, set()).add(_ip128(network) >> (128 - prefix128))
        self._rules.append(f'Subnet: {_label(network)} {network.address}/{prefix}')

    def check(self, address: Any = None, type: Any = 'ipv4') -> bool:
        """Returns true if the given IP address matches any of the rules added to the
        BlockList.  An address that is not one of ``type`` matches nothing."""
        if isinstance(address, SocketAddress):
            family, ip = address.family, address._ip
        else:
            if not isinstance(address, str):
                raise invalid_arg_type('address', 'of type string', address)
            family = _family_of(type).lower()
            if family not in _FAMILIES:
                return False
            parsed = _parse(address, family)
            if parsed is None:
                return False
            ip = parsed
        return self._matches(family, _to128(ip, family))

    def check_host(self, ip: Any) -> bool:
        """Whether a literal IPv4 or IPv6 address (an IPv6 one may carry a %zone) is
        blocked; the family is read from the address itself."""
        return self.check(ip, 'ipv6' if isinstance(ip, str) and ':' in ip else 'ipv4')

    def _matches(self, family: str, ip128: int) -> bool:
        if ip128 in self._addresses:
            return True
        for prefix, networks in self._subnets.items():
            if ip128 >> (128 - prefix) in networks:
                return True
        for low_family, low, high_family, high in self._ranges:
            if low <= ip128 <= high and _comparable(family, ip128, low_family, low) \
                    and _comparable(family, ip128, high_family, high):
                return True
        return False

    @property
    def rules(self) -> List[str]:
        """The list of rules added to the blocklist, the most recent first."""
        return self._rules[::-1]

    def toJSON(self) -> List[str]:
        """The rules, as ``rules`` lists them (the most recent first)."""
        return self.rules

    def fromJSON(self, data: Any) -> None:
        """Add the rules of ``data``: a list of rule strings as ``toJSON()`` returns them, or
        that list as JSON text.  The rules are added in the list's order; an entry that is
        not a rule is skipped, and a rule whose address is invalid raises as ``addAddress``
        does.  Anything but a string or a list of strings is ERR_INVALID_ARG_TYPE."""
        if isinstance(data, str):
            data = json.loads(data)
        if not isinstance(data, (list, tuple)) or not all(isinstance(item, str) for item in data):
            raise invalid_arg_type('data', 'of type string or an instance of Array', data)
        for item in data:
            self._add_rule_text(item)

    def _add_rule_text(self, item: str) -> None:
        """One rule of ``rules``/``toJSON()``, found anywhere in ``item`` as Node's
        ``#parseIPInfo`` finds it."""
        for family, patterns in _RULE_TEXT:
            if family not in item:
                continue
            for kind, pattern in patterns:
                found = pattern.search(item)
                if found is None:
                    continue
                if kind == 'Subnet':
                    self.addSubnet(found.group(1), int(found.group(2)), family.lower())
                elif kind == 'Address':
                    self.addAddress(found.group(1), family.lower())
                else:
                    self.addRange(found.group(1), found.group(2), family.lower())
                return

    @staticmethod
    def isBlockList(value: Any) -> bool:
        """Returns true if the value is a net.BlockList."""
        return isinstance(value, BlockList)

    def __repr__(self) -> str:
        return f'BlockList(rules={self.rules!r})'


# Node's #parseIPInfo: per family, the patterns in the order it tries them.  An IPv6
# address may end in dot-decimal here ('::ffff:1.2.3.4'); Node's own pattern stops at the
# first dot and would read that rule as another address.
_V4 = r'([0-9]{1,3}(?:\.[0-9]{1,3}){3})'
_V6 = r'([0-9a-fA-F:.]{1,45})'
_RULE_TEXT = (
    ('IPv4', (('Subnet', re.compile(r'Subnet: IPv4 ' + _V4 + r'/([0-9]{1,2})')),
              ('Address', re.compile(r'Address: IPv4 ' + _V4)),
              ('Range', re.compile(r'Range: IPv4 ' + _V4 + '-' + _V4)))),
    ('IPv6', (('Subnet', re.compile(r'Subnet: IPv6 ' + _V6 + r'/([0-9]{1,3})', re.I)),
              ('Address', re.compile(r'Address: IPv6 ' + _V6, re.I)),
              ('Range', re.compile(r'Range: IPv6 ' + _V6 + '-' + _V6, re.I)))),
)


def _socket_address(value: Any, type: Any, name: str) -> SocketAddress:
    """An address argument of BlockList's methods, validated as Node does."""
    if isinstance(value, SocketAddress):
        return value
    if not isinstance(value, str):
        raise invalid_arg_type(name, 'of type string', value)
    return SocketAddress(address=value, family=_family_of(type))


def _to128(ip: int, family: str) -> int:
    return ip if family == 'ipv6' else _IPV4_MAPPED | ip


def _ip128(address: SocketAddress) -> int:
    return _to128(address._ip, address.family)


def _label(address: SocketAddress) -> str:
    return 'IPv4' if address.family == 'ipv4' else 'IPv6'


# ---------------------------------------------------------------- socket address helpers

def family_name(address: Any) -> Optional[str]:
    """Node's family of an OS socket address: 'IPv4' for a (host, port) pair, 'IPv6' for
    a (host, port, flowinfo, scope_id) tuple, None for anything else (a Unix path)."""
    if isinstance(address, tuple):
        return 'IPv6' if len(address) == 4 or ':' in str(address[0]) else 'IPv4'
    return None


def address_info(address: Any) -> Dict[str, Any]:
    """``{'address', 'family', 'port'}`` of an OS socket address, as Node's
    ``address()`` gives it; ``{}`` for anything but an IP address."""
    if not isinstance(address, tuple):
        return {}
    return {'address': address[0], 'family': family_name(address), 'port': address[1]}


def connection_info(local: Any, remote: Any) -> Optional[Dict[str, Any]]:
    """Node's description of a connection by its two ends (the 'drop' event's payload):
    ``localAddress``, ``localPort``, ``localFamily``, ``remoteAddress``, ``remotePort``,
    ``remoteFamily``; None for a connection that is not over IP."""
    if not isinstance(remote, tuple):
        return None
    if not isinstance(local, tuple):
        local = (None, None)
    local_family = family_name(remote if local[0] is None else local)
    return {'localAddress': local[0], 'localPort': local[1], 'localFamily': local_family,
            'remoteAddress': remote[0], 'remotePort': remote[1],
            'remoteFamily': family_name(remote)}
