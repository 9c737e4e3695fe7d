// Node: test/parallel/test-net-connect-reset-until-connected.js
// resetAndDestroy() on a connected socket: the peer reads ECONNRESET; the socket closes.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const seen = [];
const note = (what) => { seen.push(what); if (seen.length === 3) { out(...seen.sort()); server.close(); } };
const server = net.createServer();
server.listen(0, '127.0.0.1', () => {
  const conn = net.createConnection(server.address().port, '127.0.0.1');
  let waiting = 2;
  const both = () => { if (--waiting === 0) conn.resetAndDestroy(); };
  conn.on('close', (hadError) => note(`client close ${hadError}`));
  server.on('connection', (socket) => {
    both();
    socket.on('error', (err) => note(`server socket error ${err.code} ${err.syscall}`));
    socket.on('close', () => note('server socket close'));
  });
  conn.on('connect', both);
});
