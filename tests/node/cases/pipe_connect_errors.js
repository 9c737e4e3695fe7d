// Node: test/parallel/test-net-pipe-connect-errors.js
// Connecting to a path where nothing is: ENOENT; to a file that is not a socket: ECONNREFUSED; both with syscall connect.
'use strict';
const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { out } = require('./_trace');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greennet-'));
const file = path.join(dir, 'not-a-socket');
fs.writeFileSync(file, '');
const targets = [['no such path', path.join(dir, 'missing.sock')], ['a regular file', file]];
const next = () => {
  const target = targets.shift();
  if (!target) { fs.rmSync(dir, { recursive: true }); return; }
  const c = net.connect(target[1], () => out('connect (unexpected)'));
  c.on('error', (err) => out(target[0], 'error', err.code, err.syscall, err.address === target[1]));
  c.on('close', (hadError) => { out(target[0], 'close', hadError); next(); });
};
next();
