// Node: test/parallel/test-net-connect-options-port.js
// Blank strings and numbers outside 0..65535 are ERR_SOCKET_BAD_PORT in every form, connect('') too.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const forms = {
  'connect(port)': (p) => net.connect(p),
  'connect(port, host)': (p) => net.connect(p, 'localhost'),
  'connect({port})': (p) => net.connect({ port: p }),
  'Socket().connect(port, host, cb)': (p) => new net.Socket().connect(p, 'localhost', () => {}),
  'Socket().connect({port, host})': (p) => new net.Socket().connect({ port: p, host: 'localhost' }),
};
const ports = [['""', ''], ['" "', ' '], ['"\\t"', '\t'], ['"0x"', '0x'], ['"-0x1"', '-0x1'], ['NaN', NaN],
  ['Infinity', Infinity], ['-1', -1], ['65536', 65536], ['"65536"', '65536'], ['1.5', 1.5], ['"1e9"', '1e9']];
for (const [label, port] of ports) {
  for (const [form, fn] of Object.entries(forms)) {
    // '0x' and '-0x1' are pipe names where a string stands first: not ports there
    if ((port === '0x' || port === '-0x1') && !form.includes('{port')) continue;
    out(label, form, code(() => fn(port)));
  }
}
