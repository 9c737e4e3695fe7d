// Node: test/parallel/test-net-server-listen-options.js
// listen() with a port outside 0..65535 or not an integer is ERR_SOCKET_BAD_PORT; port wins over path.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const bad = [['-1', -1], ['NaN', NaN], ['123.456', 123.456], ['65536', 65536], ['Infinity', Infinity],
  ['-Infinity', -Infinity], ['" "', ' '], ['"0x10000"', '0x10000']];
for (const [label, port] of bad) {
  out('listen({port})', label, code(() => net.createServer().listen({ port }, () => {})));
  if (typeof port === 'number') out('listen(port)', label, code(() => net.createServer().listen(port, () => {})));
}
out('listen({port: -1, path})', code(() => net.createServer().listen({ port: -1, path: '/tmp/greennet-none.sock' })));
