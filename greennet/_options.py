"""How Node's names and options are spelled in Python, and argument validation.

* Options are a dict or keyword arguments, in Node's camelCase or PEP 8's snake_case;
  an unknown option is an error (:func:`options`).
* Every camelCase public name of a class also exists in snake_case (:func:`pep8_aliases`).
* Validators raise Node's error, with Node's code, at the call (:func:`validate_port`...).
"""
from __future__ import annotations

import math
import re
import types
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, TypeVar

from .errors import describe, invalid_arg_type, node_error, out_of_range

#: the options of ``net.Socket()``: Node's, the Duplex options it passes on, and
#: greennet's ``limit``
SOCKET_OPTIONS = ('allowHalfOpen', 'fd', 'onread', 'readable', 'writable', 'signal',
                  'highWaterMark', 'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'blockList',
                  'readableHighWaterMark', 'writableHighWaterMark', 'encoding', 'defaultEncoding',
                  'emitClose', 'autoDestroy', 'limit')

_CAMEL_HUMP = re.compile(r'(?<=[a-z0-9])([A-Z])')


def snake_case(name: str) -> str:
    """``allowHalfOpen`` -> ``allow_half_open``; ``isIPv4`` -> ``is_ipv4``."""
    name = name.replace('IPv', 'Ipv').replace('IP', 'Ip')
    return _CAMEL_HUMP.sub(r'_\1', name).lower()


def options(given: Any, kwargs: Mapping[str, Any], allowed: Iterable[str],
            where: str) -> Dict[str, Any]:
    """Merge an options dict and keyword arguments into one dict keyed by Node's names.

    ``given`` is ``None`` or a mapping; ``kwargs`` the keyword arguments.  Either may use
    Node's spelling or the snake_case one.  Raises ERR_INVALID_ARG_TYPE when ``given`` is
    not a mapping and ERR_UNKNOWN_OPTION (a ``TypeError``, as Python's unexpected keyword
    is) for a name that is not an option of ``where``.
    """
    if given is None and not kwargs:
        return {}
    names = _spellings(tuple(allowed))
    out: Dict[str, Any] = {}
    for source in (given, kwargs):
        if source is None:
            continue
        if not isinstance(source, Mapping):
            raise invalid_arg_type('options', 'of type object', source)
        for key, value in source.items():
            node_name = names.get(key)
            if node_name is None:
                raise node_error('ERR_UNKNOWN_OPTION', key, where)
            out[node_name] = value
    return out


_spelling_cache: Dict[Tuple[str, ...], Dict[str, str]] = {}


def _spellings(allowed: Tuple[str, ...]) -> Dict[str, str]:
    names = _spelling_cache.get(allowed)
    if names is None:
        names = {}
        for name in allowed:
            names[name] = name
            names[snake_case(name)] = name
        _spelling_cache[allowed] = names
    return names


T = TypeVar('T', bound=type)


def _attribute_alias(name: str) -> property:
    return property(lambda self: getattr(self, name),
                    lambda self, value: setattr(self, name, value),
                    doc=f'The same as ``{name}``.')


def pep8_aliases(cls: T) -> T:
    """Give every public camelCase attribute defined on ``cls`` its snake_case twin.

    One implementation, two names: the alias is the same function, property or slot
    object.  Plain instance attributes listed in ``cls._node_attributes`` get a property
    that reads and writes the Node-named one.
    """
    for name in getattr(cls, '_node_attributes', ()):
        alias = snake_case(name)
        if alias != name and alias not in vars(cls):
            setattr(cls, alias, _attribute_alias(name))
    for name, value in list(vars(cls).items()):
        if name.startswith('_') or name.islower():
            continue
        if not (callable(value) or isinstance(value, (property, staticmethod, classmethod,
                                                      types.MemberDescriptorType))):
            continue  # a plain value would be copied, not shared
        alias = snake_case(name)
        if alias != name and alias not in vars(cls):
            setattr(cls, alias, value)
    return cls


def module_aliases(namespace: Dict[str, Any], names: Iterable[str]) -> List[str]:
    """Add snake_case twins of a module's camelCase functions; returns the new names."""
    added = []
    for name in names:
        alias = snake_case(name)
        if alias != name:
            namespace[alias] = namespace[name]
            added.append(alias)
    return added


# ---------------------------------------------------------------- validators

def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# What JavaScript's String.prototype.trim() and Number() skip: WhiteSpace and LineTerminator.
_JS_SPACE = '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007' \
            '\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'
# ECMAScript's StringNumericLiteral, once trimmed (no separators, no sign before 0x/0o/0b)
_JS_DECIMAL = re.compile(r'[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)')
_JS_RADIX = re.compile(r'0(?:[xX](?P<x>[0-9a-fA-F]+)|[oO](?P<o>[0-7]+)|[bB](?P<b>[01]+))')


def js_trim(text: str) -> str:
    """JavaScript's ``String.prototype.trim()``."""
    return text.strip(_JS_SPACE)


def to_number(value: Any) -> float:
    """JavaScript's ``ToNumber(value)`` for a number, a bool or a string (``'0x1f90'`` is
    8080, ``' 80 '`` is 80, ``''`` is 0, ``'1e3'`` is 1000); NaN for anything else."""
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return math.nan
    text = js_trim(value)
    if not text:
        return 0.0
    if _JS_DECIMAL.fullmatch(text):
        return float(text.replace('Infinity', 'inf'))
    radix = _JS_RADIX.fullmatch(text)
    if radix:
        digits, base = next((radix.group(k), b) for k, b in (('x', 16), ('o', 8), ('b', 2))
                            if radix.group(k))
        try:
            return float(int(digits, base))
        except OverflowError:       # past 1.8e308, as JavaScript's Number() rounds it
            return math.inf
    return math.nan


def is_pipe_name(value: Any) -> bool:
    """Node's ``isPipeName``: a string that ``Number()`` does not read as a number >= 0
    (``'/tmp/s'``, ``'-1'``, ``'0x'``); ``''``, ``' '``, ``'80'`` and ``'0x1f90'`` are ports."""
    return isinstance(value, str) and not to_number(value) >= 0


def validate_port(port: Any, name: str = 'Port', allow_zero: bool = True) -> int:
    """Node's ``validatePort``: a number or a string that ``Number()`` reads as an
    integer in 0..65535 (``8080``, ``'8080'``, ``' 8080 '``, ``'0x1f90'``); anything else,
    a blank string and a bool included, is ERR_SOCKET_BAD_PORT.  Returns the port."""
    if not (is_number(port) or isinstance(port, str)) or \
            (isinstance(port, str) and not js_trim(port)):
        raise node_error('ERR_SOCKET_BAD_PORT', name, describe(port))
    value = to_number(port)
    if not (value.is_integer() and 0 <= value <= 0xFFFF) or \
            (is_number(port) and port == 0 and not allow_zero):
        raise node_error('ERR_SOCKET_BAD_PORT', name, describe(port))
    return int(value)


def validate_number(value: Any, name: str, minimum: Optional[float] = None,
                    maximum: Optional[float] = None) -> float:
    """Node's ``validateNumber``: a finite number within [minimum, maximum]."""
    if not is_number(value):
        raise invalid_arg_type(name, 'of type number', value)
    if math.isnan(value) or (minimum is not None and value < minimum) or \
            (maximum is not None and value > maximum):
        low = '-inf' if minimum is None else minimum
        high = 'inf' if maximum is None else maximum
        raise out_of_range(name, f'>= {low} && <= {high}', value)
    return float(value)


def validate_int(value: Any, name: str, minimum: int = 0, maximum: Optional[int] = None) -> int:
    """Node's ``validateInt32``/``validateUint32``: an integer within [minimum, maximum]."""
    if not is_number(value):
        raise invalid_arg_type(name, 'of type number', value)
    if not float(value).is_integer():
        raise out_of_range(name, 'an integer', value)
    if value < minimum or (maximum is not None and value > maximum):
        raise out_of_range(name, f'>= {minimum}' + (f' && <= {maximum}' if maximum is not None else ''),
                           value)
    return int(value)


def validate_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_arg_type(name, 'of type boolean', value)
    return value


def validate_timeout_ms(value: Any, name: str = 'msecs') -> float:
    """Node's ``getTimerDuration``: a non-negative finite number of milliseconds."""
    if not is_number(value):
        raise invalid_arg_type(name, 'of type number', value)
    if math.isnan(value) or value < 0 or math.isinf(value):
        raise out_of_range(name, 'a non-negative finite number', value)
    return float(value) if isinstance(value, float) else int(value)
