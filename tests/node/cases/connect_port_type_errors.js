// Node: test/parallel/test-net-connect-options-port.js
// Ports that are not numbers or strings are ERR_INVALID_ARG_TYPE in every connect() form.
'use strict';
const net = require('net');
const { out, code } = require('./_trace');

const forms = {
  'createConnection(port)': (p) => net.createConnection(p),
  'createConnection(port, host)': (p) => net.createConnection(p, 'localhost'),
  'connect({port})': (p) => net.connect({ port: p }),
  'connect({port, host})': (p) => net.connect({ port: p, host: 'localhost' }),
  'Socket().connect({port}, cb)': (p) => new net.Socket().connect({ port: p }, () => {}),
};
for (const [label, port] of [['true', true], ['false', false], ['[]', []], ['{}', {}]]) {
  for (const [form, fn] of Object.entries(forms)) {
    if (typeof port === 'object' && !form.includes('{port')) continue;  // an object is the options there
    out(label, form, code(() => fn(port)));
  }
}
