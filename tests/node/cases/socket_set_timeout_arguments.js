// Node: test/parallel/test-net-socket-timeout.js
// setTimeout() takes a finite non-negative number of ms and a function; anything else throws; it returns the socket.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const s = new net.Socket();
for (const [label, delay] of [['"100"', '100'], ['true', true], ['undefined', undefined], ['null', null], ['{}', {}], ['[]', []]])
  out('delay', label, code(() => s.setTimeout(delay, () => {})));
for (const [label, delay] of [['-0.001', -0.001], ['-1', -1], ['-Infinity', -Infinity], ['Infinity', Infinity], ['NaN', NaN]])
  out('delay', label, code(() => s.setTimeout(delay, () => {})));
for (const delay of [0, 0.001, 1, 1e6]) out('delay', delay, code(() => s.setTimeout(delay, () => {})));
for (const [label, cb] of [['1', 1], ['"100"', '100'], ['true', true], ['{}', {}], ['[]', []]])
  out('callback', label, code(() => s.setTimeout(1, cb)));
out('returns the socket', s.setTimeout(0) === s);
const server = net.createServer((c) => c.resume());
server.listen(0, '127.0.0.1', () => {
  const socket = net.createConnection(server.address().port, '127.0.0.1');
  out('returns the socket', socket.setTimeout(1, () => {
    out('timeout');
    socket.destroy();
    out('after destroy returns the socket', socket.setTimeout(1, () => out('timeout after destroy (unexpected)')) === socket);
    server.close(() => out('closed'));
  }) === socket);
});
