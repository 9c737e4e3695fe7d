"""greennet.errors: Node's error codes on Python exceptions.

Messages were checked against node v20 (``node --expose-internals`` for the error
classes, real sockets for the system errors).
"""
import errno
import math
import pickle
import socket

import pytest

import greennet
from greennet.errors import (
    CODES,
    AbortError,
    AggregateError,
    IncompleteReadError,
    NodeError,
    NodeSystemError,
    describe,
    from_oserror,
    invalid_arg_type,
    invalid_arg_value,
    lookup_error,
    node_error,
    out_of_range,
    system_error,
)

# ================================================================ Node's own codes

@pytest.mark.parametrize('code, kind', [
    ('ERR_INVALID_ARG_TYPE', TypeError),
    ('ERR_OUT_OF_RANGE', ValueError),
    ('ERR_SOCKET_BAD_PORT', ValueError),
    ('ERR_INVALID_ARG_VALUE', ValueError),
    ('ERR_INVALID_IP_ADDRESS', ValueError),
    ('ERR_SERVER_ALREADY_LISTEN', RuntimeError),
    ('ERR_SERVER_NOT_RUNNING', RuntimeError),
    ('ERR_SOCKET_CLOSED', RuntimeError),
    ('ERR_STREAM_WRITE_AFTER_END', RuntimeError),
    ('ERR_SOCKET_CONNECTION_TIMEOUT', TimeoutError),
])
def test_node_error_code_maps_to_the_python_class_that_fits(code, kind):
    err = node_error(code, 'x', 'y', 'z')
    assert isinstance(err, kind)
    assert isinstance(err, greennet.NodeError)
    assert err.code == code


@pytest.mark.parametrize('code', sorted(CODES))
def test_every_known_code_makes_a_node_error_carrying_that_code(code):
    err = node_error(code, 'a', 'b', 'c')
    assert isinstance(err, NodeError)
    assert isinstance(err, (TypeError, ValueError, RuntimeError, TimeoutError))
    assert err.code == code
    assert str(err)


@pytest.mark.parametrize('code, message', [
    ('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.'),
    ('ERR_SERVER_NOT_RUNNING', 'Server is not running.'),
    ('ERR_SOCKET_CLOSED', 'Socket is closed'),
    ('ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'Socket closed before the connection was established'),
    ('ERR_STREAM_WRITE_AFTER_END', 'write after end'),
    ('ERR_SOCKET_CONNECTION_TIMEOUT', 'Socket connection timeout'),
    ('ERR_INVALID_HANDLE_TYPE', 'This handle type cannot be sent'),
])
def test_node_error_without_arguments_has_nodes_message(code, message):
    assert str(node_error(code)) == message


def test_node_error_fills_its_message_from_the_arguments():
    assert str(node_error('ERR_STREAM_DESTROYED', 'write')) == \
        'Cannot call write after a stream was destroyed'
    assert str(node_error('ERR_INVALID_IP_ADDRESS', '1.2.3')) == 'Invalid IP address: 1.2.3'
    assert str(node_error('ERR_MISSING_ARGS', 'options')) == \
        'The "options" argument must be specified'


def test_message_property_is_the_message():
    err = node_error('ERR_SOCKET_CLOSED')
    assert err.message == str(err) == 'Socket is closed'


def test_node_error_is_catchable_as_greennet_node_error():
    with pytest.raises(greennet.NodeError):
        raise node_error('ERR_SERVER_NOT_RUNNING')


def test_invalid_arg_type_names_the_argument_and_the_value_received():
    err = invalid_arg_type('listener', 'of type function', 42)
    assert err.code == 'ERR_INVALID_ARG_TYPE'
    assert str(err) == ('The "listener" argument must be of type function. '
                        'Received type number (42)')


def test_invalid_arg_type_calls_a_dotted_name_a_property():
    assert str(invalid_arg_type('options.host', 'of type string', 42)) == \
        'The "options.host" property must be of type string. Received type number (42)'


def test_invalid_arg_value_shows_the_value_and_calls_a_dotted_name_a_property():
    assert str(invalid_arg_value('family', 5)) == "The argument 'family' is invalid. Received 5"
    assert str(invalid_arg_value('options.host', 'foo')) == \
        "The property 'options.host' is invalid. Received 'foo'"
    assert str(invalid_arg_value('options.host', 'foo', 'must be valid')) == \
        "The property 'options.host' must be valid. Received 'foo'"


def test_out_of_range_shows_numbers_as_node_does():
    assert str(out_of_range('n', '>= 0', -1)) == \
        'The value of "n" is out of range. It must be >= 0. Received -1'
    assert str(out_of_range('n', 'an integer', 1.5)).endswith('Received 1.5')
    assert str(out_of_range('n', '>= 0', math.nan)).endswith('Received NaN')
    assert str(out_of_range('n', '>= 0', -math.inf)).endswith('Received -Infinity')
    assert str(out_of_range('n', 'an integer', 2 ** 40)).endswith('Received 1_099_511_627_776')


def function_named_foo():
    pass


class Foo:
    pass


@pytest.mark.parametrize('value, shown', [
    (None, 'undefined'),
    (True, 'type boolean (true)'),
    (42, 'type number (42)'),
    (1.5, 'type number (1.5)'),
    (5.0, 'type number (5)'),
    (math.nan, 'type number (NaN)'),
    (math.inf, 'type number (Infinity)'),
    ('abc', "type string ('abc')"),
    ("it's", 'type string ("it\'s")'),
    ('a' * 30, "type string ('aaaaaaaaaaaaaaaaaaaaaaaaa...')"),
    (function_named_foo, 'function function_named_foo'),
    (Foo(), 'an instance of Foo'),
])
def test_describe_shows_a_received_value_as_nodes_messages_do(value, shown):
    assert describe(value) == shown


def test_node_errors_survive_pickling():
    err = pickle.loads(pickle.dumps(node_error('ERR_SOCKET_CLOSED')))
    assert isinstance(err, RuntimeError)
    assert (err.code, str(err)) == ('ERR_SOCKET_CLOSED', 'Socket is closed')


# ================================================================ system errors

def test_econnrefused_is_a_connection_refused_error_with_nodes_fields():
    err = system_error(errno.ECONNREFUSED, 'connect', '127.0.0.1', 80)
    assert isinstance(err, ConnectionRefusedError)
    assert isinstance(err, OSError)
    assert isinstance(err, NodeSystemError)
    assert isinstance(err, greennet.NodeError)
    assert err.code == 'ECONNREFUSED'
    assert err.errno == errno.ECONNREFUSED     # Python's positive number, not Node's -111
    assert err.syscall == 'connect'
    assert err.address == '127.0.0.1'
    assert err.port == 80
    assert str(err) == 'connect ECONNREFUSED 127.0.0.1:80'


def test_a_system_error_is_caught_by_except_connection_refused_error():
    with pytest.raises(ConnectionRefusedError):
        raise system_error(errno.ECONNREFUSED, 'connect', '::1', 8124)


def test_econnreset_is_a_connection_reset_error():
    err = system_error(errno.ECONNRESET, 'read')
    assert isinstance(err, ConnectionResetError)
    assert (err.code, err.errno, err.syscall) == ('ECONNRESET', errno.ECONNRESET, 'read')
    assert str(err) == 'read ECONNRESET'


def test_epipe_is_a_broken_pipe_error():
    err = system_error(errno.EPIPE, 'write')
    assert isinstance(err, BrokenPipeError)
    assert (err.code, err.syscall, err.address, err.port) == ('EPIPE', 'write', None, None)
    assert str(err) == 'write EPIPE'


def test_eaddrinuse_is_an_os_error_with_code_eaddrinuse_and_libuvs_words():
    err = system_error(errno.EADDRINUSE, 'listen', '127.0.0.1', 8124)
    assert isinstance(err, OSError)
    assert (err.code, err.errno, err.syscall) == ('EADDRINUSE', errno.EADDRINUSE, 'listen')
    assert (err.address, err.port) == ('127.0.0.1', 8124)
    assert str(err) == 'listen EADDRINUSE: address already in use 127.0.0.1:8124'


def test_a_failed_listen_on_a_path_shows_the_path():
    err = system_error(errno.EACCES, 'listen', '/nonexistent/dir/x.sock')
    assert isinstance(err, PermissionError)
    assert str(err) == 'listen EACCES: permission denied /nonexistent/dir/x.sock'


def test_etimedout_is_a_timeout_error():
    err = system_error(errno.ETIMEDOUT, 'connect', '10.0.0.1', 80)
    assert isinstance(err, TimeoutError)
    assert err.code == 'ETIMEDOUT'
    assert str(err) == 'connect ETIMEDOUT 10.0.0.1:80'


def test_an_errno_python_has_no_subclass_for_is_a_plain_node_system_error():
    err = system_error(errno.ENOBUFS, 'write')
    assert type(err) is NodeSystemError
    assert err.code == 'ENOBUFS'


def test_system_errors_of_one_errno_share_one_class():
    assert type(system_error(errno.EPIPE, 'write')) is type(system_error(errno.EPIPE, 'writev'))


@pytest.mark.parametrize('err', [
    system_error(errno.ECONNREFUSED, 'connect', '127.0.0.1', 80),
    system_error(errno.EADDRINUSE, 'listen', '::', 8124),
    system_error(errno.EPIPE, 'write'),
    system_error(errno.ECONNRESET, 'read'),
], ids=['ECONNREFUSED', 'EADDRINUSE', 'EPIPE', 'ECONNRESET'])
def test_system_errors_survive_pickling(err):
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert (back.code, back.errno, back.syscall, back.address, back.port, str(back)) == \
        (err.code, err.errno, err.syscall, err.address, err.port, str(err))


def test_from_oserror_turns_a_socket_error_into_nodes_error_with_the_original_as_cause():
    original = ConnectionRefusedError(errno.ECONNREFUSED, 'Connection refused')
    err = from_oserror(original, 'connect', '127.0.0.1', 80)
    assert isinstance(err, ConnectionRefusedError)
    assert str(err) == 'connect ECONNREFUSED 127.0.0.1:80'
    assert err.__cause__ is original


def test_from_oserror_leaves_a_node_error_as_it_is():
    err = system_error(errno.EPIPE, 'write')
    assert from_oserror(err, 'read') is err


# ================================================================ lookup errors

def test_lookup_error_is_enotfound_with_the_hostname():
    err = lookup_error('example.invalid')
    assert err.code == 'ENOTFOUND'
    assert err.hostname == 'example.invalid'
    assert err.syscall == 'getaddrinfo'
    assert str(err) == 'getaddrinfo ENOTFOUND example.invalid'


def test_lookup_error_is_a_socket_gaierror():
    err = lookup_error('example.invalid')
    assert isinstance(err, socket.gaierror)
    assert isinstance(err, greennet.NodeSystemError)
    assert err.errno == socket.EAI_NONAME


def test_lookup_error_keeps_the_resolvers_errno():
    err = lookup_error('example.invalid', socket.EAI_AGAIN)
    assert err.errno == socket.EAI_AGAIN
    assert err.code == 'ENOTFOUND'


def test_lookup_errors_survive_pickling():
    back = pickle.loads(pickle.dumps(lookup_error('example.invalid')))
    assert isinstance(back, socket.gaierror)
    assert (back.code, back.hostname, str(back)) == \
        ('ENOTFOUND', 'example.invalid', 'getaddrinfo ENOTFOUND example.invalid')


# ================================================================ AggregateError

def two_refusals():
    return [system_error(errno.ECONNREFUSED, 'connect', '::1', 80),
            system_error(errno.ECONNREFUSED, 'connect', '127.0.0.1', 80)]


def test_aggregate_error_is_an_exception_group_with_errors():
    errors = two_refusals()
    err = AggregateError(errors)
    assert isinstance(err, ExceptionGroup)
    assert isinstance(err, greennet.NodeError)
    assert greennet.AggregateError is AggregateError
    assert err.errors == errors
    assert list(err.exceptions) == errors


def test_aggregate_error_takes_the_code_of_its_first_error_as_node_does():
    assert AggregateError(two_refusals()).code == 'ECONNREFUSED'
    assert AggregateError([ValueError('no code')]).code == 'ERR_AGGREGATE'


def test_aggregate_error_keeps_a_given_message():
    err = AggregateError(two_refusals(), 'both failed')
    assert err.message == str(err) == 'both failed'


def test_except_star_picks_errors_out_of_an_aggregate_error():
    caught = []
    try:
        raise AggregateError(two_refusals())
    except* ConnectionRefusedError as group:
        caught.extend(group.exceptions)
    assert [e.address for e in caught] == ['::1', '127.0.0.1']


def test_splitting_an_aggregate_error_gives_aggregate_errors():
    match, rest = AggregateError(two_refusals() + [ValueError('x')]).split(ValueError)
    assert isinstance(match, AggregateError) and isinstance(rest, AggregateError)
    assert len(match.errors) == 1 and len(rest.errors) == 2


def test_aggregate_errors_survive_pickling():
    back = pickle.loads(pickle.dumps(AggregateError(two_refusals(), 'both failed')))
    assert isinstance(back, AggregateError)
    assert back.code == 'ECONNREFUSED'
    assert str(back) == 'both failed'
    assert [str(e) for e in back.errors] == ['connect ECONNREFUSED ::1:80',
                                             'connect ECONNREFUSED 127.0.0.1:80']


# ================================================================ IncompleteReadError

def test_incomplete_read_error_has_partial_and_expected_and_is_an_eof_error():
    err = IncompleteReadError(b'ab', 5)
    assert isinstance(err, EOFError)
    assert isinstance(err, greennet.NodeError)
    assert greennet.IncompleteReadError is IncompleteReadError
    assert (err.partial, err.expected) == (b'ab', 5)
    assert str(err) == '2 bytes read on a total of 5 expected bytes'


def test_incomplete_read_error_from_readuntil_expects_none():
    err = IncompleteReadError(b'no newline', None)
    assert err.expected is None
    assert str(err) == '10 bytes read on a total of undefined expected bytes'


def test_incomplete_read_errors_survive_pickling():
    back = pickle.loads(pickle.dumps(IncompleteReadError(b'ab', 5)))
    assert (type(back), back.partial, back.expected) == (IncompleteReadError, b'ab', 5)


# ================================================================ AbortError

def test_abort_error_has_code_abort_err_and_nodes_message():
    err = AbortError()
    assert isinstance(err, greennet.NodeError)
    assert greennet.AbortError is AbortError
    assert err.code == 'ABORT_ERR'
    assert str(err) == 'The operation was aborted'


def test_abort_error_keeps_its_cause():
    reason = ValueError('why')
    assert AbortError(cause=reason).cause is reason
