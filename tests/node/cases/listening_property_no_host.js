// Node: test/parallel/test-net-listening.js
// server.listening is false before listen(), true once listening, false after close().
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer();
out('before', server.listening);
server.listen(0, () => {
  out('listening', server.listening);
  server.close();
  out('after close()', server.listening);
});
out('right after listen()', server.listening);
