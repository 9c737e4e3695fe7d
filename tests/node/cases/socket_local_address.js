// Node: test/parallel/test-net-socket-local-address.js
// A client's localAddress/localPort are what the server sees as remoteAddress/remotePort.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const seen = [];
const server = net.createServer((s) => { seen.push(`${s.remoteAddress}:${s.remotePort}`); s.end(); });
server.listen(0, '127.0.0.1', () => {
  let left = 3;
  const one = () => {
    const c = net.connect(server.address().port, '127.0.0.1', () => {
      const local = `${c.localAddress}:${c.localPort}`;
      const family = c.localFamily;
      c.resume();
      c.on('close', () => {
        out('client local address is what the server saw', seen.includes(local), family);
        if (--left) one(); else server.close();
      });
    });
  };
  one();
});
