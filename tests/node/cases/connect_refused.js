// Node: test/parallel/test-net-connect-handle-econnrefused.js
// Connecting to a closed port: 'error' ECONNREFUSED (syscall connect, address, port), then one 'close'(true); destroy() twice is harmless.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer();
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  server.close(() => {
    const c = net.createConnection(port, '127.0.0.1');
    c.on('connect', () => out('connect (unexpected)'));
    c.on('error', (err) => {
      out('error', err.code, err.syscall, err.address, err.port === port);
      c.destroy();
      c.destroy();
    });
    c.on('close', (hadError) => out('close', hadError, c.destroyed));
  });
});
