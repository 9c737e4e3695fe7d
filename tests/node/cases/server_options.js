// Node: test/parallel/test-net-server-options.js
// createServer() with options that are not an object (a string, a number) throws ERR_INVALID_ARG_TYPE.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

out('createServer("path")', code(() => net.createServer('path')));
out('createServer(0)', code(() => net.createServer(0)));
out('createServer({})', code(() => net.createServer({})));
out('createServer(fn)', code(() => net.createServer(() => {})));
