"""Node's Buffer encodings: names, encoding strings for write(), decoding for setEncoding().

Decoders are incremental, as Node's StringDecoder: a multi-byte character split across
two reads comes out whole in the second chunk, never as two broken halves.
"""
from __future__ import annotations

import base64
import binascii
import codecs
from typing import Any, Optional

from .errors import invalid_arg_type, node_error

# Node's name (lower-cased) -> canonical Node name
_ALIASES = {
    'utf8': 'utf8', 'utf-8': 'utf8',
    'latin1': 'latin1', 'binary': 'latin1',
    'ascii': 'ascii',
    'hex': 'hex',
    'base64': 'base64', 'base64url': 'base64url',
    'ucs2': 'utf16le', 'ucs-2': 'utf16le', 'utf16le': 'utf16le', 'utf-16le': 'utf16le',
}


def normalize(encoding: Any) -> str:
    """Node's canonical name for ``encoding``; raises ERR_UNKNOWN_ENCODING for others."""
    if not isinstance(encoding, str):
        raise invalid_arg_type('encoding', 'of type string', encoding)
    name = _ALIASES.get(encoding.lower())
    if name is None:
        raise node_error('ERR_UNKNOWN_ENCODING', encoding)
    return name


def encode(data: str, encoding: Optional[str]) -> bytes:
    """``Buffer.from(data, encoding)``."""
    name = 'utf8' if encoding is None else normalize(encoding)
    if name == 'utf8':
        return data.encode('utf-8', 'surrogatepass')
    if name == 'latin1':
        return bytes(ord(c) & 0xFF for c in data)
    if name == 'ascii':
        return bytes(ord(c) & 0xFF for c in data)
    if name == 'utf16le':
        return data.encode('utf-16-le', 'surrogatepass')
    if name == 'hex':
        even = len(data) - len(data) % 2
        out = bytearray()
        for i in range(0, even, 2):
            try:
                out.append(int(data[i:i + 2], 16))
            except ValueError:
                break  # Node stops at the first pair that is not hex
        return bytes(out)
    text = data.replace('-', '+').replace('_', '/')
    text = ''.join(c for c in text if c.isalnum() or c in '+/')
    try:
        return base64.b64decode(text + '=' * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b''


class _Base64Decoder:
    """Incremental base64: emits whole 3-byte groups, keeps the remainder."""

    def __init__(self, url: bool) -> None:
        self.url = url
        self.pending = b''

    def decode(self, data: bytes, final: bool = False) -> str:
        data = self.pending + data
        cut = len(data) if final else len(data) - len(data) % 3
        self.pending = data[cut:]
        out = base64.b64encode(data[:cut]).decode('ascii')
        if self.url:
            out = out.replace('+', '-').replace('/', '_').rstrip('=')
        return out


class _HexDecoder:
    def decode(self, data: bytes, final: bool = False) -> str:
        return data.hex()


class _AsciiDecoder:
    def decode(self, data: bytes, final: bool = False) -> str:
        return bytes(b & 0x7F for b in data).decode('ascii')


def decoder(encoding: str) -> Any:
    """An incremental decoder with ``decode(data, final=False) -> str`` for ``encoding``."""
    name = normalize(encoding)
    if name == 'utf8':
        return codecs.getincrementaldecoder('utf-8')('replace')
    if name == 'latin1':
        return codecs.getincrementaldecoder('latin-1')()
    if name == 'utf16le':
        return codecs.getincrementaldecoder('utf-16-le')('replace')
    if name == 'hex':
        return _HexDecoder()
    if name == 'ascii':
        return _AsciiDecoder()
    return _Base64Decoder(url=(name == 'base64url'))
