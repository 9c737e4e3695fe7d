// Node: test/parallel/test-net-isip.js
// net.isIP() is 4, 6 or 0 over Node's own table of inputs.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const inputs = ['127.0.0.1', 'x127.0.0.1', 'example.com', '0000:0000:0000:0000:0000:0000:0000:0000',
  '0000:0000:0000:0000:0000:0000:0000:0001', '0000:0000:0000:0000:0000:0000:12345:0000', '::2001:0db8:85a3::8a2e:0370:7334',
  '2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:db8:85a3:0:0:8a2e:370:7334', '2001:db8:85a3::8a2e:370:7334',
  '::ffff:192.168.1.1', '::ffff:192.168.1.1%eth0', '::1%lo0', 'fe80::1%1', '0:0:0:0:0:0:0:1', '::',
  '1:2:3:4:5:6:7:8:9', '::8.8.8.8', '0.0.0.0', '255.255.255.255', '256.0.0.0', '01.2.3.4', '1.2.3', '', ' ',
  '1.2.3.4 ', 'fhqwhgads', '[::1]', '::1/64', '127.0.0.1.'];
for (const input of inputs) out(JSON.stringify(input), net.isIP(input));
for (const value of [1, undefined, null, true, {}, []]) out(JSON.stringify(value) ?? 'undefined', net.isIP(value));
