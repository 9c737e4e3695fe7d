// Node: test/parallel/test-net-server-pause-on-connect.js
// With pauseOnConnect the accepted socket reads nothing until resume(); without it data flows at once.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const message = 'Hello World';
let paused = true;
const server = net.createServer({ pauseOnConnect: true }, (socket) => {
  socket.on('data', (d) => { out('data', d, 'while paused', paused); socket.end(); server.close(); });
  setTimeout(() => { out('resume'); paused = false; socket.resume(); }, 50);
});
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => c.write(message));
  c.resume();
});
