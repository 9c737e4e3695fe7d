// Node: test/parallel/test-net-bytes-stats.js
// bytesRead and bytesWritten count what crossed the connection, on both ends, and stay readable after close.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((s) => {
  s.on('data', () => {});
  s.on('end', () => { out('server bytesRead at end', s.bytesRead); s.end('bye!'); });
  s.on('close', () => out('server bytesWritten at close', s.bytesWritten));
});
server.listen(0, '127.0.0.1', () => {
  const c = net.createConnection(server.address().port, '127.0.0.1');
  c.on('connect', () => { c.write('foo'); c.end('barbaz'); });
  c.on('data', () => {});
  c.on('close', () => {
    out('client bytesWritten', c.bytesWritten, 'bytesRead', c.bytesRead);
    server.close(() => out('server closed'));
  });
});
