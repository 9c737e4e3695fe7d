// Node: test/parallel/test-net-socket-connecting.js
// connecting is true from connect() until 'connect', then false; 'ready' follows 'connect' without a callback too.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((conn) => { conn.end(); server.close(); });
server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1', () => out('connect callback', client.connecting));
  out('after connect()', client.connecting);
  client.on('ready', () => out('ready', client.connecting));
  client.end();
});
