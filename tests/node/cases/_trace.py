"""Printing helpers shared by the Python twins: one line per event, values printed the
way _trace.js prints their JavaScript counterparts (None is 'undefined')."""
import json


class Null:
    """Stands where the JS twin has ``null`` (Python has one None for both)."""

    def __str__(self):
        return 'null'


NULL = Null()


def fmt(value):
    if value is None:
        return 'undefined'
    if value is True or value is False:
        return 'true' if value else 'false'
    if isinstance(value, float):
        if value != value:
            return 'NaN'
        if value in (float('inf'), float('-inf')):
            return 'Infinity' if value > 0 else '-Infinity'
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, separators=(',', ':'), ensure_ascii=False)
    return str(value)


def out(*values):
    print(' '.join(fmt(v) for v in values), flush=True)


def code(fn):
    """The ``.code`` of what ``fn()`` raises ('ok' when it does not raise)."""
    try:
        fn()
    except Exception as err:   # noqa: BLE001 - the twin prints whatever Node's code is
        return getattr(err, 'code', None) or type(err).__name__
    return 'ok'
