// Node: test/parallel/test-net-socket-end-callback.js
// end(cb), end(data, cb) and end(data, encoding, cb) each call cb once the socket has finished.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((socket) => socket.resume());
server.listen(0, '127.0.0.1', () => {
  const forms = [['end(cb)', []], ['end(data, cb)', ['foo']], ['end(data, encoding, cb)', ['foo', 'utf8']]];
  const next = () => {
    const form = forms.shift();
    if (!form) return server.close(() => out('server closed'));
    const socket = net.createConnection(server.address().port, '127.0.0.1', () => {
      socket.end(...form[1], () => { out(form[0], 'callback', socket.writableFinished); socket.destroy(); next(); });
    });
  };
  next();
});
