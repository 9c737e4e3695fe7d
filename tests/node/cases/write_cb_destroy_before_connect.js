// Node: test/parallel/test-net-write-cb-on-destroy-before-connect.js
// A write made while connecting, then destroy(): its callback gets ERR_SOCKET_CLOSED_BEFORE_CONNECTION; no 'connect'.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer();
server.listen(0, '127.0.0.1', () => {
  const socket = new net.Socket();
  socket.on('connect', () => out('connect (unexpected)'));
  socket.connect({ port: server.address().port, host: '127.0.0.1' });
  out('connecting', socket.connecting);
  socket.write('foo', (err) => out('write callback', err && err.code));
  socket.on('error', (err) => out('error', err.code));
  socket.on('close', (hadError) => out('close', hadError));
  socket.destroy();
  server.close(() => out('server closed'));
});
