// Node: test/parallel/test-net-socket-close-after-end.js
// With a 'readable' listener, read() takes the buffered bytes; 'end' then 'close' follow once the peer ended.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer();
server.on('connection', (socket) => {
  socket.once('readable', () => {
    setTimeout(() => out('read', socket.read()), 50);
  });
  socket.on('end', () => out('end'));
  socket.on('close', () => { out('close'); server.close(); });
  socket.end('foo');
});
server.listen(0, '127.0.0.1', () => {
  const socket = net.createConnection(server.address().port, '127.0.0.1', () => socket.end('foo'));
  socket.resume();
});
