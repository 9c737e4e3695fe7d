// Node: test/parallel/test-net-connect-buffer.js
// Writes made while connecting are queued, pending until 'connect', and arrive in order; end() before connect too.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((s) => {
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (d) => { got += d; });
  s.on('end', () => { out('server got', got); server.close(); });
});
server.listen(0, '127.0.0.1', () => {
  const c = net.createConnection(server.address().port, '127.0.0.1');
  out('connecting', c.connecting, 'pending', c.pending);
  out('write returned', c.write('L'), c.write('O'), c.write(Buffer.from('NG')));
  c.end('!');
  out('after end: connecting', c.connecting, 'writableEnded', c.writableEnded);
  c.on('connect', () => out('connect'));
  c.on('finish', () => out('finish'));
  c.on('close', () => out('close'));
});
