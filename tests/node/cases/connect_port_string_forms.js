// Node: test/parallel/test-net-connect-options-port.js
// A port given as a decimal or hex string connects, in every connect() form.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const server = net.createServer((s) => s.end('ok'));
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const ports = { number: port, decimal: String(port), hex: `0x${port.toString(16)}`, padded: ` ${port} ` };
  const forms = {
    'connect(port, host, cb)': (p, cb) => net.connect(p, '127.0.0.1', cb),
    'connect({port, host}, cb)': (p, cb) => net.connect({ port: p, host: '127.0.0.1' }, cb),
    'Socket().connect(port, host, cb)': (p, cb) => new net.Socket().connect(p, '127.0.0.1', cb),
  };
  const jobs = [];
  for (const [kind, p] of Object.entries(ports))
    for (const [form, fn] of Object.entries(forms)) jobs.push([kind, form, fn, p]);
  const next = () => {
    const job = jobs.shift();
    if (!job) return server.close(() => out('server closed'));
    const [kind, form, fn, p] = job;
    const sock = fn(p, () => {
      out(kind, form, 'connect', sock.remotePort === port);
      sock.resume();
      sock.on('close', next);
    });
  };
  next();
});
