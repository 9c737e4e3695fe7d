// Node: test/parallel/test-net-localerror.js
// A localAddress that is not an IP is ERR_INVALID_IP_ADDRESS; a localPort that is not a number ERR_INVALID_ARG_TYPE.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

out('localAddress foobar', code(() => net.connect({ host: 'localhost', port: 0, localAddress: 'foobar' })));
out('localPort foobar', code(() => net.connect({ host: 'localhost', port: 0, localPort: 'foobar' })));
out('host with NUL', code(() => net.connect({ host: 'local\0host', port: 80 })));
