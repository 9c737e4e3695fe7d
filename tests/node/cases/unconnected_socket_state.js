// Node: test/parallel/test-net-end-without-connect.js
// A Socket() that never connected: readyState, pending, connecting; end() calls back and leaves it not writable.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const sock = new net.Socket();
out('readyState', sock.readyState, 'pending', sock.pending, 'connecting', sock.connecting,
    'readable', sock.readable, 'writable', sock.writable, 'destroyed', sock.destroyed);
sock.on('finish', () => out('finish'));
sock.on('close', () => out('close'));
sock.end(() => out('end callback', 'writable', sock.writable, 'readyState', sock.readyState));
