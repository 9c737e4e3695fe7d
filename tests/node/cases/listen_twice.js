// Node: test/parallel/test-net-server-call-listen-multiple-times.js
// listen() while listening throws ERR_SERVER_ALREADY_LISTEN; after close() the server can listen again.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const server = net.createServer();
server.listen(0, '127.0.0.1', () => {
  out('listening 1', server.listening);
  out('listen again', code(() => server.listen(0)));
  server.close(() => {
    out('closed', server.listening);
    server.listen(0, '127.0.0.1', () => {
      out('listening 2', server.listening);
      server.close(() => out('closed again'));
    });
  });
});
