// Node: test/parallel/test-net-dns-custom-lookup.js
// connect() calls the lookup at once: an answer given synchronously emits 'lookup' before connect() returns.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((s) => s.end());
server.listen(0, '127.0.0.1', () => {
  const sock = new net.Socket();
  sock.on('lookup', (err, address) => out('lookup', address));
  sock.connect({ port: server.address().port, host: 'greennet.example', family: 4,
                 lookup: (host, options, cb) => cb(null, '127.0.0.1', 4) });
  out('connect() returned');
  sock.on('connect', () => out('connect'));
  sock.on('close', () => server.close());
  sock.resume();
});
