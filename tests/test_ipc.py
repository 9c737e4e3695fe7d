"""IPC paths: Unix domain sockets, Linux abstract sockets, inherited descriptors.

The transport-independent behaviour (every event, the sequential style, the server
features) is covered over Unix sockets by the ``endpoint``-parametrized tests of
test_socket.py and test_server.py; this file holds what only IPC has.
"""
from __future__ import annotations

import os
import socket as pysocket
import stat
import uuid

import pytest
from gevent.event import AsyncResult

import greennet as net
from conftest import DEADLINE, Recorder


def listen(server, *args, **kwargs):
    ready = AsyncResult()
    server.listen(*args, lambda: ready.set(True), **kwargs)
    ready.get(timeout=DEADLINE)
    return server


def test_listen_on_a_path_reports_the_path_as_address(tmp_path):
    path = str(tmp_path / 'a.sock')
    server = listen(net.createServer(), path)
    try:
        assert server.address() == path
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        server.close()


def test_listen_takes_the_path_option(tmp_path):
    path = str(tmp_path / 'b.sock')
    server = listen(net.createServer(), {'path': path})
    server.close()


def test_close_unlinks_the_socket_file_it_created(tmp_path):
    path = str(tmp_path / 'c.sock')
    server = listen(net.createServer(), path)
    closed = AsyncResult()
    server.close(closed.set)
    closed.get(timeout=DEADLINE)
    assert not os.path.exists(path)


def test_an_existing_path_is_eaddrinuse_and_is_left_alone(tmp_path):
    path = str(tmp_path / 'd.sock')
    other = pysocket.socket(pysocket.AF_UNIX)
    other.bind(path)
    server = net.createServer()
    rec = Recorder(server, 'error', 'listening')
    server.listen(path)
    (err,) = rec.wait('error')
    assert (err.code, err.syscall, err.address) == ('EADDRINUSE', 'listen', path)
    server.close()
    assert os.path.exists(path)
    other.close()


def test_a_path_longer_than_sun_path_fails_instead_of_truncating(tmp_path):
    path = str(tmp_path / ('x' * 120 + '.sock'))
    server = net.createServer()
    rec = Recorder(server, 'error')
    server.listen(path)
    (err,) = rec.wait('error')
    assert err.code == 'ENAMETOOLONG'
    assert not os.path.exists(path[:107])
    client = net.connect(path)
    with pytest.raises(OSError) as info:
        client.wait_connected(DEADLINE)
    assert info.value.code == 'ENAMETOOLONG'


def test_an_abstract_socket_leaves_nothing_on_disk_and_connects(tmp_path):
    name = '\0greennet-test-' + uuid.uuid4().hex
    before = set(os.listdir(tmp_path))
    server = listen(net.createServer(lambda s: s.end(b'abstract')), name)
    try:
        assert server.address() == name
        client = net.connect(name)
        assert client.read() == b'abstract'
        assert set(os.listdir(tmp_path)) == before
    finally:
        server.close()


def test_readable_all_and_writable_all_open_the_file_to_every_user(tmp_path):
    path = str(tmp_path / 'e.sock')
    server = listen(net.createServer(), {'path': path, 'readableAll': True, 'writableAll': True})
    try:
        mode = os.stat(path).st_mode
        assert mode & 0o444 == 0o444 and mode & 0o222 == 0o222
    finally:
        server.close()


def test_connect_to_a_missing_path_is_enoent(tmp_path):
    path = str(tmp_path / 'missing.sock')
    client = net.connect({'path': path})
    rec = Recorder(client, 'error', 'close')
    (err,) = rec.wait('error')
    assert (err.code, err.syscall, err.address) == ('ENOENT', 'connect', path)
    rec.wait('close')


def test_socket_connect_takes_a_path(tmp_path):
    path = str(tmp_path / 'f.sock')
    server = listen(net.createServer(lambda s: s.end(b'via connect(path)')), path)
    try:
        client = net.Socket()
        assert client.connect(path) is client
        assert client.read() == b'via connect(path)'
    finally:
        server.close()


def test_listen_on_an_inherited_unix_listener_descriptor(tmp_path):
    path = str(tmp_path / 'g.sock')
    raw = pysocket.socket(pysocket.AF_UNIX)
    raw.bind(path)
    raw.listen(5)
    server = listen(net.createServer(lambda s: s.end(b'from fd')), {'fd': raw.fileno()})
    try:
        assert server.address() == path
        assert net.connect(path).read() == b'from fd'
    finally:
        server.close()
        raw.close()
    assert os.path.exists(path)    # greennet did not create it, so it does not remove it


def test_listen_on_another_server_s_handle():
    first = listen(net.createServer(), 0, '127.0.0.1')
    port = first.address()['port']
    second = listen(net.createServer(lambda s: s.end(b'second')), first)
    try:
        first.close()         # each holds its own descriptor of the one listening socket
        assert net.connect(port, '127.0.0.1').read() == b'second'
    finally:
        second.close()


def test_a_socket_wraps_one_end_of_a_socketpair():
    left, right = pysocket.socketpair()
    sock = net.Socket({'fd': left.fileno(), 'readable': True, 'writable': True})
    left.close()          # greennet holds its own descriptor
    rec = Recorder(sock, 'data', 'end', 'close')
    right.sendall(b'pair')
    right.shutdown(pysocket.SHUT_WR)
    rec.wait('end')
    assert rec.data() == b'pair'
    assert right.recv(10) == b''     # allowHalfOpen false: greennet ended its side too
    rec.wait('close')
    right.close()


def test_a_bad_fd_raises():
    with pytest.raises(TypeError) as info:
        net.Socket({'fd': 'three'})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    r, w = os.pipe()
    try:
        with pytest.raises(net.NodeError) as info:
            net.Socket({'fd': r})
        assert info.value.code in ('ERR_INVALID_FD_TYPE', 'ENOTSOCK')
    finally:
        os.close(r)
        os.close(w)
