// Node: test/parallel/test-net-dns-lookup-skip.js
// Connecting to a literal IPv4 or IPv6 address does not look it up: no 'lookup' event.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const hosts = ['127.0.0.1', '::1'];
const next = () => {
  const host = hosts.shift();
  if (!host) return;
  const server = net.createServer((s) => s.end());
  server.listen(0, host, () => {
    const c = net.connect(server.address().port, host);
    c.on('lookup', () => out(host, 'lookup (unexpected)'));
    c.on('connect', () => out(host, 'connect', c.remoteFamily));
    c.resume();
    c.on('close', () => server.close(next));
  });
};
next();
