// Node: test/parallel/test-net-connect-custom-lookup-non-string-address.mjs
// A custom lookup answering something that is not an IP string: 'lookup' with its arguments, then ERR_INVALID_IP_ADDRESS.
'use strict';
const net = require('net');
const { out } = require('./_trace');

const e = (err) => (err == null ? '-' : err.code);
const answers = [
  ['family 4, an array', { family: 4 }, [null, ['127.0.0.1'], 4]],
  ['family 6, an array', { family: 6 }, [null, ['::1'], 6]],
  ['family 4, a name', { family: 4 }, [null, 'not-an-ip', 4]],
  ['family 4, a number', { family: 4 }, [null, 12345, 4]],
  ['family 4, no family', { family: 4 }, [null, '127.0.0.1']],
  ['all, a name', {}, [null, [{ address: 'not-an-ip', family: 4 }]]],
  ['all, family 5', {}, [null, [{ address: '127.0.0.1', family: 5 }]]],
];
const next = () => {
  const answer = answers.shift();
  if (!answer) return;
  const [label, options, args] = answer;
  const sock = net.connect({ host: 'example.invalid', port: 80, ...options,
                             lookup: (host, dnsopts, cb) => setImmediate(() => cb(...args)) });
  sock.on('lookup', (err, address, family, host) => out(label, 'lookup', e(err), address, family, host));
  sock.on('connect', () => out(label, 'connect (unexpected)'));
  sock.on('error', (err) => out(label, 'error', err.code));
  sock.on('close', (hadError) => { out(label, 'close', hadError); next(); });
};
next();
