// Node: test/parallel/test-net-server-address.js
// server.address() is {address, family, port}: 127.0.0.1 is IPv4, ::1 IPv6, no host '::'; null before listening and after close.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const show = (a) => (a === null ? 'null' : `${a.address} ${a.family} ${typeof a.port} ${a.port > 0}`);
const hosts = ['127.0.0.1', '::1', undefined];
const next = () => {
  if (!hosts.length) return;
  const host = hosts.shift();
  const server = net.createServer();
  out('before listen', show(server.address()));
  server.listen(0, host, () => {
    out(String(host), show(server.address()));
    server.close(() => { out('after close', show(server.address())); next(); });
  });
};
next();
