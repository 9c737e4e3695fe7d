"""A greennet server for the hostile-peer tests, run inside a host:
``python servers.py 'JSON options'``.

A sequential line server: each connection's handler reads lines with ``readline()`` and
echoes each whole line.  Options: ``host``, ``port``; ``timeout_ms`` (``setTimeout``; on
'timeout' the socket is destroyed, Node's idiom); ``server`` (``net.createServer()``
options, e.g. ``{'limit': 65536}``, ``{'keepAlive': True, 'keepAliveInitialDelay': 1000}``,
``{'proxyProtocol': True, 'proxyProtocolTimeout': 500}``).

Everything that happens is a JSON line on stdout: 'listening', then per connection
(``id``, ``peer``) 'open', 'timeout', 'partial' (a line cut short by the end of the
stream, with its length), 'read-error' (what ``readline()`` raised), 'limit'
(``LimitOverrunError``), the socket's 'error' (code) and 'close' (hadError); the
server's 'proxyError' (code, the balancer-side peer).
"""
from __future__ import annotations

import itertools
import json
import resource
import sys
import time
from typing import Any, Dict

import greennet as net

LIMIT_ERRORS = getattr(net, 'LimitOverrunError', ())   # the read limit, once it exists
_ids = itertools.count(1)


def report(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({'event': event, 't': time.monotonic(), **fields}) + '\n')
    sys.stdout.flush()


def main(options: Dict[str, Any]) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    timeout_ms = options.get('timeout_ms')

    def handle(sock: Any) -> None:
        cid = next(_ids)
        peer = f'{sock.remoteAddress}:{sock.remotePort}'
        report('open', id=cid, peer=peer)
        if timeout_ms:
            def on_timeout() -> None:
                report('timeout', id=cid, bytes=sock.bytesRead)
                sock.destroy()
            sock.setTimeout(timeout_ms, on_timeout)
        sock.on('error', lambda err: report('error', id=cid, code=getattr(err, 'code', None)))
        sock.on('close', lambda had_error: report('close', id=cid, hadError=had_error))
        while True:
            try:
                line = sock.readline()
            except LIMIT_ERRORS as err:
                report('limit', id=cid, consumed=getattr(err, 'consumed', None))
                sock.destroy()
                return
            except Exception as err:
                report('read-error', id=cid, code=getattr(err, 'code', type(err).__name__))
                return
            if not line:
                break
            if not line.endswith(b'\n'):
                report('partial', id=cid, bytes=len(line))
                continue          # the next read tells why the stream ended
            sock.write(line)
        sock.end()

    server = net.createServer(options.get('server') or None, handle)
    server.on('proxyError', lambda err, where: report(
        'proxyError', code=getattr(err, 'code', None), message=str(err), **where))
    server.on('listening', lambda: report('listening', **server.address()))
    server.listen(options['port'], options['host'])
    net.run()


if __name__ == '__main__':
    main(json.loads(sys.argv[1]))
