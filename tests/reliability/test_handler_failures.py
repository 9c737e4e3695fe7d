"""Handler failures: a connection handler or a listener that raises destroys its own
socket only; the error is logged with its traceback (logger 'greennet'), and the other
connections, in the middle of their own exchanges, carry on untouched.
"""
from __future__ import annotations

import logging

import gevent
import pytest
from gevent.event import Event
from reliability_support import bounded, listen_tcp, watch_escapes

import greennet as net
from conftest import DEADLINE, Recorder, wait_for

escaped_fixture = pytest.fixture(name='escaped')(watch_escapes)

GOOD = 20


class Boom(Exception):
    """What the failing code raises (a plain Exception: nothing greennet knows)."""


def fail_in_handler(sock):
    raise Boom('in the connection handler')


def fail_after_a_read(sock):
    sock.readline()
    raise Boom('after a sequential read')


def fail_in_data_listener(sock):
    def explode_data_listener(chunk):
        raise Boom('in a data listener')
    sock.on('data', explode_data_listener)


def fail_in_end_listener(sock):
    def explode_end_listener():
        raise Boom('in an end listener')
    sock.on('end', explode_end_listener)
    sock.resume()


def fail_in_write_callback(sock):
    def explode_write_callback(err):
        raise Boom('in a write callback')
    sock.write(b'x', explode_write_callback)
    sock.resume()


def fail_in_timeout_listener(sock):
    def explode_timeout_listener():
        raise Boom('in a timeout listener')
    sock.setTimeout(30, explode_timeout_listener)
    sock.resume()


def fail_in_drain_listener(sock):
    def explode_drain_listener():
        raise Boom('in a drain listener')
    sock.on('drain', explode_drain_listener)
    while sock.write(b'd' * 65536):
        pass


def fail_in_close_listener(sock):
    def explode_close_listener(had_error):
        raise Boom('in a close listener')
    sock.on('close', explode_close_listener)
    sock.resume()


FAILURES = [fail_in_handler, fail_after_a_read, fail_in_data_listener, fail_in_end_listener,
            fail_in_write_callback, fail_in_timeout_listener, fail_in_drain_listener,
            fail_in_close_listener]


def boom_message(failure):
    return {
        fail_in_handler: 'in the connection handler',
        fail_after_a_read: 'after a sequential read',
        fail_in_data_listener: 'in a data listener',
        fail_in_end_listener: 'in an end listener',
        fail_in_write_callback: 'in a write callback',
        fail_in_timeout_listener: 'in a timeout listener',
        fail_in_drain_listener: 'in a drain listener',
        fail_in_close_listener: 'in a close listener',
    }[failure]


def logged(caplog, message):
    """The 'greennet' ERROR records that carry the Boom with ``message``, traceback and all."""
    found = []
    for record in caplog.records:
        if record.name == 'greennet' and record.levelno >= logging.ERROR and record.exc_info:
            exc = record.exc_info[1]
            if isinstance(exc, Boom) and str(exc) == message:
                found.append(logging.Formatter().formatException(record.exc_info))
    return found


@pytest.mark.parametrize('failure', FAILURES, ids=lambda f: f.__name__)
def test_a_raising_handler_or_listener_destroys_only_its_socket_and_is_logged(failure, caplog, escaped):
    """Good clients are mid-exchange when one connection's code raises; they finish."""
    bad_socks = []
    closes = []
    failed = Event()

    def handler(sock):
        role = sock.readline()
        if role == b'good\n':
            sock.write(role)
            for line in sock:                 # echo lines until the client ends
                sock.write(line)
            sock.end()
            return
        bad_socks.append(sock)
        sock.on('close', lambda had_error: (closes.append(had_error), failed.set()))
        if failure is fail_after_a_read:
            sock.write(b'reading\n')
        failure(sock)

    server = net.createServer(handler)
    target = listen_tcp(server)
    caplog.set_level(logging.ERROR, logger='greennet')
    mid_exchange = [Event() for _ in range(GOOD)]
    results = []

    def good_client(i):
        client = net.connect(target)
        client.write(b'good\n')
        assert client.readline() == b'good\n'
        mid_exchange[i].set()
        wait_for(failed, what='the failing connection closing')
        client.write(b'more %d\n' % i)
        assert client.readline() == b'more %d\n' % i
        client.end()
        assert client.read() == b''
        client.wait_closed(DEADLINE)
        results.append(i)

    try:
        goods = [gevent.spawn(good_client, i) for i in range(GOOD)]
        for event in mid_exchange:
            wait_for(event, what='a good client mid-exchange')
        bad = net.connect(target)
        bad_rec = Recorder(bad, 'close')
        bad.on('error', lambda err: None)
        bad.write(b'bad\n')
        if failure is fail_after_a_read:
            assert bad.readline() == b'reading\n'
            bad.write(b'go on\n')
        if failure is fail_in_data_listener:
            bad.write(b'some data')
        if failure in (fail_in_end_listener, fail_in_close_listener):
            bad.end()
        bad.resume()                 # read what comes (unread, a stream never ends, in Node too)
        wait_for(failed, what='the failing connection closing')
        bad_rec.wait('close')
        gevent.joinall(goods, timeout=DEADLINE, raise_error=True)
        assert sorted(results) == list(range(GOOD))          # every other one untouched
        (sock,) = bad_socks
        assert sock.destroyed and sock.closed
        if failure is not fail_in_close_listener:             # it was destroyed with the error
            assert isinstance(sock.errored, Boom) and closes == [True]
        with bounded('a newcomer'):
            newcomer = net.connect(target)
            newcomer.write(b'good\n')
            assert newcomer.readline() == b'good\n'
            newcomer.destroy()
        assert server.listening
    finally:
        server.shutdown(0)
    (traceback,) = logged(caplog, boom_message(failure))
    raiser = failure.__name__ if failure in (fail_in_handler, fail_after_a_read) else \
        failure.__name__.replace('fail_in_', 'explode_')
    assert raiser in traceback and 'Boom' in traceback
    assert not escaped


def test_a_raising_connect_listener_destroys_only_that_client_and_is_logged(caplog, escaped):
    def echo(sock):
        sock.pipe(sock)

    server = net.createServer(echo)
    target = listen_tcp(server)
    caplog.set_level(logging.ERROR, logger='greennet')

    def explode_on_connect():
        raise Boom('in a connect listener')

    try:
        others = [net.connect(target) for _ in range(10)]
        bad = net.connect(target, explode_on_connect)
        rec = Recorder(bad, 'close')
        assert rec.wait('close') == (True,)
        assert bad.destroyed and isinstance(bad.errored, Boom)
        for i, other in enumerate(others):
            with bounded('another client'):
                other.end(b'fine %d' % i)
                assert other.read() == b'fine %d' % i
    finally:
        server.shutdown(0)
    (traceback,) = logged(caplog, 'in a connect listener')
    assert 'explode_on_connect' in traceback
    assert not escaped


def test_a_raising_server_listener_is_logged_and_the_server_goes_on(caplog, escaped):
    def answer(sock):
        sock.end(b'answer')

    def explode_on_drop(payload):
        raise Boom('in a drop listener')

    server = net.createServer(answer)
    server.on('drop', explode_on_drop)
    target = listen_tcp(server)
    caplog.set_level(logging.ERROR, logger='greennet')
    try:
        server.maxConnections = 0
        dropped = net.connect(target)
        Recorder(dropped, 'close').wait('close')
        for _ in range(100):
            if logged(caplog, 'in a drop listener'):
                break
            gevent.sleep(0.01)
        server.maxConnections = None
        with bounded('a client after the failure'):
            client = net.connect(target)
            assert client.read() == b'answer'
            client.destroy()
    finally:
        server.shutdown(0)
    (traceback,) = logged(caplog, 'in a drop listener')
    assert 'explode_on_drop' in traceback
    assert not escaped
