// Node: test/parallel/test-net-server-listen-options.js
// listen(true/false), {port: true/false}, {fd: -1}, {path: -1} and options without port or path are ERR_INVALID_ARG_VALUE.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const cases = [['false', false], ['{port: false}', { port: false }], ['true', true], ['{port: true}', { port: true }],
  ['{fd: -1}', { fd: -1 }], ['{path: -1}', { path: -1 }], ['{path: "8080"}', { path: '8080' }], ['{}', {}],
  ['{host: localhost}', { host: 'localhost' }], ['{host: {port: 3000}}', { host: { port: 3000 } }],
  ['{exclusive: true}', { exclusive: true }]];
for (const [label, options] of cases) {
  try {
    net.createServer().listen(options, () => out('listening (unexpected)'));
    out(label, 'no throw');
  } catch (err) {
    out(label, err.code, /must have the property "port" or "path"/.test(err.message) ? 'must-have-port-or-path' : 'invalid');
  }
}
