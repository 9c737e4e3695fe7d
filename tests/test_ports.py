"""Port arguments as Node's validatePort and isPipeName read them (greennet._options)."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import greennet as net
from greennet._options import is_pipe_name, to_number, validate_port

PORTS = st.integers(0, 0xFFFF)


@given(PORTS, st.sampled_from(['{}', '0x{:x}', '0X{:X}', ' {} ', '\t{}\n', '{}.0', '+{}', '0o{:o}',
                               '0b{:b}']))
def test_every_written_form_of_a_port_is_that_port(port, form):
    assert validate_port(form.format(port)) == port


@given(st.integers(0x10000, 2 ** 40) | st.integers(-2 ** 40, -1))
def test_a_number_outside_0_to_65535_is_err_socket_bad_port(port):
    for value in (port, str(port), hex(port) if port >= 0 else str(port)):
        with pytest.raises(ValueError) as info:
            validate_port(value)
        assert info.value.code == 'ERR_SOCKET_BAD_PORT'


@given(st.text(alphabet=' \t\n\r\u00a0\u2028\ufeff', max_size=5))
def test_an_empty_or_blank_string_is_err_socket_bad_port(text):
    with pytest.raises(ValueError) as info:
        validate_port(text)
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not f.is_integer() or abs(f) > 0xFFFF))
def test_a_float_that_is_not_a_port_number_is_err_socket_bad_port(value):
    with pytest.raises(ValueError):
        validate_port(value)


@pytest.mark.parametrize('value', [True, False, None, [], {}, b'80'])
def test_a_value_that_is_not_a_number_or_string_is_err_socket_bad_port(value):
    with pytest.raises(ValueError) as info:
        validate_port(value)
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_to_number_reads_a_decimal_as_javascript_does(value):
    assert to_number(repr(value)) == value
    assert to_number(f'  {value!r}\n') == value


@pytest.mark.parametrize('text, number', [
    ('', 0.0), ('  ', 0.0), ('1e3', 1000.0), ('.5', 0.5), ('5.', 5.0), ('-0', -0.0), ('Infinity', math.inf),
    ('-Infinity', -math.inf), ('0x1F90', 8080.0), ('0o17', 15.0), ('0b101', 5.0),
])
def test_to_number_of_javascript_numeric_strings(text, number):
    assert to_number(text) == number


@pytest.mark.parametrize('text', ['0x', '-0x1', '1_000', 'inf', 'nan', '1e', '0x1g', '12px', '--1'])
def test_to_number_of_text_that_is_no_javascript_number_is_nan(text):
    assert math.isnan(to_number(text))


@pytest.mark.parametrize('text, pipe', [
    ('/tmp/s.sock', True), ('-1', True), ('0x', True), ('\0abstract', True),
    ('', False), (' ', False), ('80', False), ('0x1f90', False), ('1e3', False),
])
def test_a_string_is_a_pipe_name_unless_it_is_a_number_at_least_0(text, pipe):
    assert is_pipe_name(text) is pipe


def test_connect_with_an_empty_string_is_err_socket_bad_port_not_a_path():
    with pytest.raises(ValueError) as info:
        net.connect('')
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'


@pytest.mark.parametrize('port', [True, [], {}])
def test_connect_with_a_port_of_another_type_is_err_invalid_arg_type(port):
    with pytest.raises(TypeError) as info:
        net.connect({'port': port})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
