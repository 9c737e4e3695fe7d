// Node: test/parallel/test-blocklist.js
// BlockList methods given something that is not an address throw ERR_INVALID_ARG_TYPE (bad values ERR_INVALID_ARG_VALUE...).
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const bl = new net.BlockList();
const calls = {
  'addAddress(1)': () => bl.addAddress(1),
  'addAddress()': () => bl.addAddress(),
  'addAddress("1.1.1.1", 1)': () => bl.addAddress('1.1.1.1', 1),
  'addAddress("1.1.1.1", "ipv5")': () => bl.addAddress('1.1.1.1', 'ipv5'),
  'addAddress("1.1.1")': () => bl.addAddress('1.1.1'),
  'addRange("1.1.1.1")': () => bl.addRange('1.1.1.1'),
  'addRange(1, "1.1.1.2")': () => bl.addRange(1, '1.1.1.2'),
  'addRange("1.1.1.2", "1.1.1.1")': () => bl.addRange('1.1.1.2', '1.1.1.1'),
  'addSubnet(1)': () => bl.addSubnet(1),
  'addSubnet("1.1.1.0")': () => bl.addSubnet('1.1.1.0'),
  'addSubnet("1.1.1.0", 33)': () => bl.addSubnet('1.1.1.0', 33),
  'addSubnet("::", 129, "ipv6")': () => bl.addSubnet('::', 129, 'ipv6'),
  'addSubnet("1.1.1.0", "24")': () => bl.addSubnet('1.1.1.0', '24'),
  'check(1)': () => bl.check(1),
  'check("1.1.1.1", 1)': () => bl.check('1.1.1.1', 1),
  'check("not an address")': () => { if (bl.check('not an address') !== false) throw new Error('blocked'); },
};
for (const [label, fn] of Object.entries(calls)) out(label, code(fn));
out('rules', bl.rules);
