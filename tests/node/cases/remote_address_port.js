// Node: test/parallel/test-net-remote-address-port.js
// remoteAddress, remoteFamily and remotePort on both ends name the other end.
'use strict';
const net = require('net');
const { out } = require('./_trace');

let serverSide;
const server = net.createServer((s) => {
  serverSide = [s.remoteAddress, s.remoteFamily, s.remotePort];
  s.end();
});
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const c = net.createConnection(port, '127.0.0.1');
  c.on('connect', () => out('client', c.remoteAddress, c.remoteFamily, c.remotePort === port));
  c.resume();
  c.on('end', () => {
    out('server', serverSide[0], serverSide[1], serverSide[2] === c.localPort);
    server.close();
  });
});
