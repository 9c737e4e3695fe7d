// Node: test/parallel/test-net-connect-options-allowhalfopen.js
// With allowHalfOpen the client gets 'end', still writes, and ends when it chooses; the server reads all of it.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((s) => {
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (d) => { got += d; });
  s.on('end', () => { out('server got', got); server.close(); });
  s.end('bye');
});
server.listen(0, '127.0.0.1', () => {
  const c = net.connect({ port: server.address().port, host: '127.0.0.1', allowHalfOpen: true });
  out('allowHalfOpen', c.allowHalfOpen);
  c.setEncoding('utf8');
  c.on('data', (d) => out('client data', d));
  c.on('end', () => {
    out('client end', 'writable', c.writable, 'readyState', c.readyState);
    c.write('after end');
    c.end('!', () => out('client finished'));
  });
  c.on('close', () => out('client close'));
});
