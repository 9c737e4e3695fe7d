// Node: test/parallel/test-net-connect-reset-before-connected.js
// resetAndDestroy() while connecting: the socket connects ('connect', 'ready'), then resets; the peer sees ECONNRESET.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((c) => {
  c.on('error', (e) => out('server socket error', e.code));
  c.on('close', () => { out('server socket close'); server.close(); });
});
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1');
  c.on('connect', () => out('client connect'));
  c.on('ready', () => out('client ready'));
  c.on('error', (e) => out('client error', e.code));
  c.on('close', (hadError) => out('client close', hadError));
  c.resetAndDestroy();
  out('after resetAndDestroy', 'destroyed', c.destroyed, 'connecting', c.connecting, 'readyState', c.readyState);
});
