// Node: test/parallel/test-net-connect-no-arg.js
// connect() without a port or a path is ERR_MISSING_ARGS, in every form.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

out('connect()', code(() => net.connect()));
out('createConnection({})', code(() => net.createConnection({})));
out('Socket().connect()', code(() => new net.Socket().connect()));
out('Socket().connect({})', code(() => new net.Socket().connect({})));
out('Socket().connect(cb)', code(() => new net.Socket().connect(() => {})));
