// Node: test/parallel/test-pipe-abstract-socket.js
// readableAll or writableAll on an abstract Unix socket is ERR_INVALID_ARG_VALUE.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const path = '\0greennet-abstract-' + process.pid;
out('readableAll', code(() => net.createServer().listen({ path, readableAll: true })));
out('writableAll', code(() => net.createServer().listen({ path, writableAll: true })));
out('both', code(() => net.createServer().listen({ path, readableAll: true, writableAll: true })));
