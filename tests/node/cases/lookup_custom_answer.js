// Node: test/parallel/test-net-dns-custom-lookup.js
// A custom lookup gets (host, options, cb); its answer reaches 'lookup' as (err, address, family, host) and is dialled.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const e = (err) => (err == null ? '-' : err.code);
const server = net.createServer((s) => s.end());
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const sock = net.connect({ port, host: 'greennet.example', family: 4, lookup(host, options, cb) {
    out('lookup called', host, options.family, options.all === true);
    setImmediate(() => cb(null, '127.0.0.1', 4));
  } });
  sock.on('lookup', (err, address, family, host) => out('lookup event', e(err), address, family, host));
  sock.on('connect', () => out('connect', sock.remoteAddress));
  sock.on('close', () => { out('close'); server.close(); });
  sock.resume();
});
