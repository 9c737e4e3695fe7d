// Node: test/parallel/test-socketaddress.js
// SocketAddress.parse() reads the host and port of http://<input> as the WHATWG URL parser does.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const inputs = ['123.123.123.123', '123.123.123.123:1234', '[1::1]', '[1::1]:1234', '[::ffff:7b7b:7b7b]:9',
  '256', '192.168.257', '0x7f.1', '0177.0.0.1', '01.2.3.4', '127.1', '0x', '1.2.3.4.', 'user:pass@1.2.3.4:99',
  '@1.2.3.4', 'a@b@1.2.3.4:7', '//1.2.3.4', '1.2.3.4/path?q#f', '%31.2.3.4', '\uff11.2.3.4', '1.2.3.4:',
  '1.2.3.4:0099', '1.2.3.4\t:5', '1.2.3.4 ',
  '', 'localhost', 'localhost:80', '1.2.3.4:65536', '1.2.3.4:x', '1.2.3.4:-1', '256.0.0.1', '4294967296',
  '1.2.3.4.5', '[1::1', '[fe80::1%eth0]', ' 1.2.3.4', ':80', '[]:80', '1.2.3.4@', '[1.2.3.4]'];
for (const input of inputs) {
  const sa = net.SocketAddress.parse(input);
  out(JSON.stringify(input), sa === undefined ? 'undefined' : `${sa.address} ${sa.port} ${sa.family}`);
}
out('parse(1)', code(() => net.SocketAddress.parse(1)));
