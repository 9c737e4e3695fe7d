// Node: test/parallel/test-net-connect-immediate-destroy.js
// connect() followed at once by destroy() leaves nothing behind: no connect, no error, and the process exits.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer(() => out('connection (unexpected)'));
server.listen(0);
const port = server.address().port;
const socket = net.connect(port, '127.0.0.1', () => out('connect (unexpected)'));
socket.on('error', (err) => out('error (unexpected)', err.code));
socket.on('close', (hadError) => out('close', hadError));
server.close(() => out('server close'));
socket.destroy();
out('destroyed', socket.destroyed, socket.connecting);
process.on('exit', () => out('exit'));
