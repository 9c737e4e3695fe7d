// Node: test/parallel/test-net-server-close.js
// server.close() stops listening at once; 'close' waits until the open connections have closed.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const sockets = [];
const server = net.createServer((c) => {
  c.on('close', () => out('server socket close'));
  sockets.push(c);
  if (sockets.length === 2) {
    server.close(() => out('server close callback'));
    out('close() called, listening', server.listening, 'connections open', sockets.length);
    sockets.forEach((s) => s.destroy());
  }
});
server.on('close', () => out('server close event'));
server.listen(0, '127.0.0.1', () => {
  net.createConnection(server.address().port, '127.0.0.1').on('error', () => {});
  net.createConnection(server.address().port, '127.0.0.1').on('error', () => {});
});
