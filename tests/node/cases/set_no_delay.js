// Node: test/parallel/test-net-socket-setnodelay.js
// setNoDelay() and setKeepAlive() return the socket, before and after connecting, with any argument.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const s = new net.Socket();
out('before connect', s.setNoDelay() === s, s.setNoDelay(false) === s, s.setKeepAlive(true, 1000) === s);
const server = net.createServer((c) => c.end());
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => {
    out('connected', c.setNoDelay(true) === c, c.setNoDelay(false) === c, c.setNoDelay(1) === c,
        c.setKeepAlive(true) === c, c.setKeepAlive(false, 10) === c);
    c.resume();
    c.on('close', () => server.close());
  });
});
