// Node: test/parallel/test-net-listen-fd0.js
// listen({fd}) on a descriptor that is not a socket emits 'error' EINVAL (syscall listen), it does not throw.
'use strict';
const net = require('net');
const fs = require('fs');
const { out } = require('./_trace');

const fd = fs.openSync(__filename, 'r');
const server = net.createServer();
server.on('error', (err) => { out('error', err.code, err.syscall); fs.closeSync(fd); });
server.on('listening', () => out('listening (unexpected)'));
server.listen({ fd });
out('listen returned', server.listening);
