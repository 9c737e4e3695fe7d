// Node: test/parallel/test-net-server-listen-options.js
// listen(), listen(cb), listen(0), listen('0'), listen(undefined/null) and {port: undefined/null} listen on a random port.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const forms = [
  ['listen()', (s, cb) => s.listen().on('listening', cb)],
  ['listen(cb)', (s, cb) => s.listen(cb)],
  ['listen(0, cb)', (s, cb) => s.listen(0, cb)],
  ['listen("0", cb)', (s, cb) => s.listen('0', cb)],
  ['listen(null, cb)', (s, cb) => s.listen(null, cb)],
  ['listen({port: 0}, cb)', (s, cb) => s.listen({ port: 0 }, cb)],
  ['listen({port: "0"}, cb)', (s, cb) => s.listen({ port: '0' }, cb)],
  ['listen({port: null}, cb)', (s, cb) => s.listen({ port: null }, cb)],
  ['listen({port: 0x0}, cb)', (s, cb) => s.listen({ port: '0x0' }, cb)],
];
const next = () => {
  const form = forms.shift();
  if (!form) return;
  const server = net.createServer();
  form[1](server, () => {
    const port = server.address().port;
    out(form[0], 'listening', typeof port, port > 0);
    server.close(next);
  });
};
next();
