// Node: test/parallel/test-net-connect-options-port.js
// hints that are not a combination of ADDRCONFIG, V4MAPPED and ALL are ERR_INVALID_ARG_VALUE.
'use strict';
const net = require('net');
const dns = require('dns');
const { out, code } = require('./_trace');

const hints = (dns.ADDRCONFIG | dns.V4MAPPED | dns.ALL) + 42;
out('connect({port, hints})', code(() => net.connect({ port: 42, hints })));
out('Socket().connect({port, hints}, cb)', code(() => new net.Socket().connect({ port: 42, hints }, () => {})));
