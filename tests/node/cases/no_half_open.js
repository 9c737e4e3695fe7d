// Node: test/parallel/test-net-socket-no-halfopen-enforcer.js
// Without allowHalfOpen a socket that gets 'end' ends its side too: 'end', 'finish', then 'close'.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((s) => { s.resume(); s.on('end', () => server.close()); });
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => c.end());
  c.resume();
  server.on('connection', (s) => s.end());
  c.on('end', () => out('client end'));
  c.on('finish', () => out('client finish'));
  c.on('close', () => out('client close', c.destroyed));
});
