// Node: test/parallel/test-net-stream.js
// net.Stream is net.Socket: a Stream connects, and destroying it gives 'close'.
'use strict';
const net = require('net');
const { out } = require('./_trace');

out('same class', net.Stream === net.Socket);
const server = net.createServer((s) => s.end('hello'));
server.listen(0, '127.0.0.1', () => {
  const s = new net.Stream();
  out('instanceof Socket', s instanceof net.Socket);
  s.connect(server.address().port, '127.0.0.1', () => out('connect'));
  s.on('data', (d) => out('data', d));
  s.on('close', () => { out('close'); server.close(); });
});
