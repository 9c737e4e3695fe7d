"""The host and port of ``http://<input>`` as the WHATWG URL Standard parses them.

Node's ``SocketAddress.parse(input)`` hands ``http://<input>`` to its URL parser (Ada)
and keeps the host and the port, so an address is read the way a browser reads a URL:
IPv4 shorthands (``'256'`` is ``0.0.1.0``, ``'192.168.257'`` is ``192.168.1.1``), hex and
octal parts (``'0x7f.1'``), a ``user:pass@`` prefix, percent-escapes, full-width digits,
leading slashes and a trailing path, query or fragment.  This module is the part of the
URL Standard that decides those: the authority of a special URL, the host parser (its
IPv6 and IPv4 parsers follow the Standard step by step) and the port.

One part is approximated: the Standard maps a non-ASCII host through UTS #46 before
looking at it; here it goes through NFKC with case folding, after dropping the code points
UTS #46 ignores.  A host only matters here if it ends up an IP address, and the tests
check this approximation against Ada itself (``ada-url``, the parser Node uses).
"""
from __future__ import annotations

import re
import unicodedata
from typing import List, Optional, Tuple
from urllib.parse import unquote_to_bytes

__all__ = ['host_and_port']

# stripped from the end of the URL, and removed everywhere, before parsing
_C0_OR_SPACE = ''.join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = str.maketrans('', '', '\t\n\r')
_AUTHORITY_END = re.compile(r'[/?#\\]')
# code points a domain may not contain once mapped to ASCII
_FORBIDDEN_DOMAIN = re.compile(r'[\x00-\x20#/:<>?@\[\\\]^|%\x7f]')
# code points UTS #46 maps to nothing (soft hyphen, zero-width space, joiners, BOM,
# variation selectors...)
_IGNORED = dict.fromkeys(
    [0xAD, 0x34F, 0x180B, 0x180C, 0x180D, 0x180F, 0x200B, 0x2060, 0x2064, 0xFEFF]
    + list(range(0xFE00, 0xFE10)) + list(range(0x1BCA0, 0x1BCA4)) + list(range(0xE0100, 0xE01F0)))
# full stops UTS #46 maps to '.'
_FULL_STOPS = str.maketrans({'\u3002': '.', '\uff0e': '.', '\uff61': '.'})
_DIGITS = {16: re.compile(r'[0-9a-fA-F]*'), 10: re.compile(r'[0-9]*'), 8: re.compile(r'[0-7]*')}
_HEX = frozenset('0123456789abcdefABCDEF')


def host_and_port(text: str) -> Optional[Tuple[str, Optional[int]]]:
    """The host of ``'http://' + text`` as the URL Standard serializes it (``'1.2.3.4'``,
    ``'[::1]'`` or a lower-case domain) and its port (None when absent or empty); None
    where the URL parser fails.  An explicit port 80 is returned as 80."""
    text = text.rstrip(_C0_OR_SPACE).translate(_TAB_OR_NEWLINE)
    text = text.lstrip('/\\')             # "special authority ignore slashes state"
    end = _AUTHORITY_END.search(text)
    authority = text[:end.start()] if end else text
    at = authority.rfind('@')
    if at >= 0:
        authority = authority[at + 1:]    # what precedes the last '@' is the credentials
    host, port = _split_port(authority)
    if not host or port == -1:
        return None
    parsed = _parse_host(host)
    if parsed is None:
        return None
    return parsed, port


def _split_port(authority: str) -> Tuple[str, Optional[int]]:
    """The "host state" and "port state": a ':' outside brackets starts the port, which is
    ASCII digits up to 65535.  The port is -1 when invalid."""
    inside_brackets = False
    for i, char in enumerate(authority):
        if char == '[':
            inside_brackets = True
        elif char == ']':
            inside_brackets = False
        elif char == ':' and not inside_brackets:
            digits = authority[i + 1:]
            if not digits:
                return authority[:i], None
            if not (digits.isascii() and digits.isdigit()) or int(digits) > 0xFFFF:
                return authority[:i], -1
            return authority[:i], int(digits)
    return authority, None


def _parse_host(host: str) -> Optional[str]:
    """The "host parser" for a special URL: the serialized host, or None on failure."""
    if host.startswith('['):
        if not host.endswith(']'):
            return None
        pieces = parse_ipv6(host[1:-1])
        return None if pieces is None else '[' + _serialize_ipv6(pieces) + ']'
    domain = unquote_to_bytes(host).decode('utf-8', 'replace')
    ascii_domain = _to_ascii(domain)
    if ascii_domain is None or _FORBIDDEN_DOMAIN.search(ascii_domain):
        return None
    if _ends_in_a_number(ascii_domain):
        address = parse_ipv4(ascii_domain)
        if address is None:
            return None
        return '.'.join(str(address >> shift & 0xFF) for shift in (24, 16, 8, 0))
    return ascii_domain


def _to_ascii(domain: str) -> Optional[str]:
    """"domain to ASCII" where it matters here: ASCII is lower-cased; anything else is
    mapped (NFKC, case folding, ignored code points dropped, full stops to '.'), and if
    that is not ASCII it cannot be an IP address, so a placeholder domain stands for it."""
    if domain.isascii():
        return domain.lower()
    mapped = domain.translate(_IGNORED).translate(_FULL_STOPS)
    for char in set(mapped):
        # UTS #46 disallows what would map to a text holding a full stop ('\u2488' is "1.")
        if not char.isascii() and '.' in _nfkc_casefold(char):
            return None
    mapped = _nfkc_casefold(mapped)
    if '\ufffd' in mapped:
        return None
    return mapped if mapped.isascii() else 'xn--not-an-address'


def _nfkc_casefold(text: str) -> str:
    return unicodedata.normalize('NFKC', unicodedata.normalize('NFKC', text).casefold())


def _ends_in_a_number(domain: str) -> bool:
    parts = domain.split('.')
    if parts[-1] == '':
        if len(parts) == 1:
            return False
        parts.pop()
    last = parts[-1]
    return (last != '' and last.isdigit()) or _ipv4_number(last) is not None


def _ipv4_number(part: str) -> Optional[int]:
    """The "IPv4 number parser": decimal, ``0x`` hex or ``0`` octal; '0x' alone is 0."""
    if part == '':
        return None
    radix = 10
    if part[:2] in ('0x', '0X'):
        radix, part = 16, part[2:]
    elif len(part) > 1 and part[0] == '0':
        radix, part = 8, part[1:]
    if part == '':
        return 0
    if not _DIGITS[radix].fullmatch(part):
        return None
    return int(part, radix)


def parse_ipv4(text: str) -> Optional[int]:
    """The URL Standard's "IPv4 parser": one to four parts, the last one filling the
    remaining bytes (``'1.2.3'`` is 1.2.0.3, ``'256'`` is 0.0.1.0); None on failure."""
    parts = text.split('.')
    if parts[-1] == '' and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        return None
    numbers: List[int] = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    address = numbers[-1]
    for i, number in enumerate(numbers[:-1]):
        address += number * 256 ** (3 - i)
    return address


def parse_ipv6(text: str) -> Optional[List[int]]:
    """The URL Standard's "IPv6 parser": eight 16-bit pieces, or None on failure."""
    address = [0] * 8
    piece_index = 0
    compress: Optional[int] = None
    i, n = 0, len(text)
    if text.startswith(':'):
        if not text.startswith('::'):
            return None
        i += 2
        piece_index += 1
        compress = piece_index
    while i < n:
        if piece_index == 8:
            return None
        if text[i] == ':':
            if compress is not None:
                return None
            i += 1
            piece_index += 1
            compress = piece_index
            continue
        value = length = 0
        while length < 4 and i < n and text[i] in _HEX:
            value = value * 0x10 + int(text[i], 16)
            i += 1
            length += 1
        if i < n and text[i] == '.':
            if length == 0:
                return None
            i -= length
            if piece_index > 6:
                return None
            if not _parse_embedded_ipv4(text, i, address, piece_index):
                return None
            piece_index += 2
            i = n
            break
        if i < n and text[i] == ':':
            i += 1
            if i >= n:
                return None
        elif i < n:
            return None
        address[piece_index] = value
        piece_index += 1
    if compress is not None:
        swaps = piece_index - compress
        piece_index = 7
        while piece_index != 0 and swaps > 0:
            j = compress + swaps - 1
            address[piece_index], address[j] = address[j], address[piece_index]
            piece_index -= 1
            swaps -= 1
    elif piece_index != 8:
        return None
    return address


def _parse_embedded_ipv4(text: str, i: int, address: List[int], piece_index: int) -> bool:
    numbers_seen = 0
    n = len(text)
    while i < n:
        ipv4_piece: Optional[int] = None
        if numbers_seen > 0:
            if text[i] == '.' and numbers_seen < 4:
                i += 1
            else:
                return False
        if i >= n or not ('0' <= text[i] <= '9'):
            return False
        while i < n and '0' <= text[i] <= '9':
            number = int(text[i])
            if ipv4_piece is None:
                ipv4_piece = number
            elif ipv4_piece == 0:
                return False
            else:
                ipv4_piece = ipv4_piece * 10 + number
            if ipv4_piece > 255:
                return False
            i += 1
        address[piece_index] = address[piece_index] * 0x100 + (ipv4_piece or 0)
        numbers_seen += 1
        if numbers_seen in (2, 4):
            piece_index += 1
    return numbers_seen == 4


def _serialize_ipv6(pieces: List[int]) -> str:
    """The URL Standard's IPv6 serializer: lower-case hex, the first longest run of two
    or more zero pieces compressed to '::'."""
    best_start, best_length, start = -1, 1, None
    for i, piece in enumerate(pieces + [1]):
        if piece == 0 and start is None:
            start = i
        elif piece != 0 and start is not None:
            if i - start > best_length:
                best_start, best_length = start, i - start
            start = None
    out = ''
    i = 0
    while i < 8:
        if i == best_start:
            out += '::' if i == 0 else ':'
            i += best_length
            continue
        out += format(pieces[i], 'x') + (':' if i < 7 else '')
        i += 1
    return out
