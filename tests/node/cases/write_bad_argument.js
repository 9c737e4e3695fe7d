// Node: test/parallel/test-net-socket-write-error.js
// write() of something that is not a string or a buffer throws ERR_INVALID_ARG_TYPE at the call.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const server = net.createServer().listen(0, '127.0.0.1', () => {
  const client = net.createConnection(server.address().port, '127.0.0.1', () => {
    out('write(1)', code(() => client.write(1)));
    out('write({})', code(() => client.write({})));
    out('write(null)', code(() => client.write(null)));
    client.destroy();
    server.close(() => out('closed'));
  });
});
