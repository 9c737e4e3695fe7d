// Node: test/parallel/test-net-reconnect.js
// A client socket that closed can connect() again with the same object; events run again in order.
'use strict';
const net = require('net');
const { out } = require('./_trace');

let served = 0;
const server = net.createServer((s) => { served++; s.end(`hello ${served}`); });
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const client = new net.Socket();
  let round = 0;
  client.setEncoding('utf8');
  client.on('connect', () => out('connect', round));
  client.on('data', (d) => out('data', d));
  client.on('end', () => out('end'));
  client.on('close', (hadError) => {
    out('close', hadError);
    if (++round < 3) client.connect(port, '127.0.0.1');
    else server.close(() => out('served', served));
  });
  client.connect(port, '127.0.0.1');
});
