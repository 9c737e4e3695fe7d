// Node: test/parallel/test-net-write-after-end-nt.js
// write() after end() is ERR_STREAM_WRITE_AFTER_END: to the write callback and as 'error', not thrown.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((s) => s.resume());
server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1', () => {
    client.end();
    let returned;
    try {
      returned = client.write('hello', (err) => out('write callback', err && err.code));
      out('write returned', returned);
    } catch (err) {
      out('write threw', err.code);
    }
  });
  client.on('error', (err) => { out('error', err.code); server.close(); });
  client.on('close', () => out('close'));
});
