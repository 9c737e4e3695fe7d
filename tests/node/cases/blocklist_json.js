// Node: test/parallel/test-blocklist.js
// BlockList.toJSON() is the rules; fromJSON() takes them (or their JSON text) back and blocks the same addresses.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const bl = new net.BlockList();
bl.addAddress('1.1.1.1');
bl.addRange('10.0.0.1', '10.0.0.9');
bl.addSubnet('192.168.0.0', 16);
bl.addAddress('::1', 'ipv6');
bl.addRange('::2', '::9', 'ipv6');
bl.addSubnet('fe80::', 10, 'ipv6');
out('toJSON', bl.toJSON());
out('JSON.stringify', JSON.stringify(bl.toJSON()));
for (const data of [bl.toJSON(), JSON.stringify(bl.toJSON())]) {
  const copy = new net.BlockList();
  copy.fromJSON(data);
  out('fromJSON', typeof data, copy.rules);
  out('checks', ['1.1.1.1', '10.0.0.5', '192.168.7.7', '8.8.8.8'].map((a) => copy.check(a)),
      ['::1', '::5', 'fe80::42', '2001:db8::1'].map((a) => copy.check(a, 'ipv6')));
}
const skip = new net.BlockList();
skip.fromJSON(['not a rule', 'Address: IPv4 1.2.3.4']);
out('skips what is not a rule', skip.rules);
for (const [label, data] of [['5', 5], ['[1]', [1]], ['"{}"', '{}'], ['bad address', ['Address: IPv4 999.1.1.1']]])
  out('fromJSON', label, code(() => new net.BlockList().fromJSON(data)));
