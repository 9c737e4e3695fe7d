// Node: test/parallel/test-net-sync-cork.js
// cork() holds writes (writableCorked, writableLength grow) until uncork(); every byte then arrives.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const N = 100;
const buf = Buffer.alloc(2, 'a');
const server = net.createServer((s) => {
  let got = 0;
  s.on('data', (d) => { got += d.length; });
  s.on('end', () => { out('server got', got); server.close(); });
});
server.listen(0, '127.0.0.1', () => {
  const conn = net.connect(server.address().port, '127.0.0.1');
  conn.on('connect', () => {
    let res = true;
    let i = 0;
    for (; i < N && res; i++) {
      conn.cork();
      conn.write(buf);
      res = conn.write(buf);
      conn.uncork();
    }
    out('writes before write() returned false or the end', i, 'writableCorked', conn.writableCorked);
    conn.end();
  });
});
