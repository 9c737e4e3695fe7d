// Node: test/parallel/test-net-server-listen-options-signal.js
// A signal that is not an AbortSignal is ERR_INVALID_ARG_TYPE; aborting closes the server; an aborted one gives 'close' only.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

out('bad signal', code(() => net.createServer().listen({ port: 0, signal: 'INVALID_SIGNAL' })));

const later = new AbortController();
const first = net.createServer();
first.on('listening', () => { out('first listening'); later.abort(); });
first.on('close', () => {
  out('first close', first.listening);
  const second = net.createServer();
  second.on('listening', () => out('second listening (unexpected)'));
  second.on('close', () => out('second close', second.listening));
  second.listen({ port: 0, signal: AbortSignal.abort() });
  out('second listen returned');
});
first.listen({ port: 0, host: '127.0.0.1', signal: later.signal });
