// Node: test/parallel/test-net-after-close.js
// After 'close', setNoDelay, setKeepAlive, bufferSize, pause, resume, address and the remote fields do not throw.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const server = net.createServer((s) => s.end());
server.listen(0, '127.0.0.1', () => {
  const c = net.createConnection(server.address().port, '127.0.0.1');
  c.resume();
  c.on('close', () => {
    out('setNoDelay', code(() => c.setNoDelay()));
    out('setKeepAlive', code(() => c.setKeepAlive()));
    out('bufferSize', code(() => c.bufferSize));
    out('pause', code(() => c.pause()));
    out('resume', code(() => c.resume()));
    out('address', code(() => c.address()));
    out('remoteAddress', code(() => c.remoteAddress));
    out('remotePort', code(() => c.remotePort));
    server.close(() => out('server closed'));
  });
});
