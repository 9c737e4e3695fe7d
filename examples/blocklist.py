"""``net.BlockList`` from the Node ``net`` docs, and a server that uses one.

Node's original::

    const blockList = new net.BlockList();
    blockList.addAddress('123.123.123.123');
    blockList.addRange('10.0.0.1', '10.0.0.10');
    blockList.addSubnet('8592:757c:efae:4e45::', 64, 'ipv6');
    console.log(blockList.check('123.123.123.123'));  // Prints: true
    console.log(blockList.check('10.0.0.3'));  // Prints: true
    console.log(blockList.check('222.111.111.222'));  // Prints: false
    // IPv6 notation for IPv4 addresses works:
    console.log(blockList.check('::ffff:7b7b:7b7b', 'ipv6')); // Prints: true
    console.log(blockList.check('::ffff:123.123.123.123', 'ipv6')); // Prints: true

Then, beyond the snippet: a server on 127.0.0.1 created with the option
``blockList`` (a list holding 127.0.0.2) closes every connection coming from
127.0.0.2 at once, before any 'connection' event.  Two clients show it, one
connecting from 127.0.0.1 and one from ``localAddress='127.0.0.2'`` (on Linux the
whole of 127.0.0.0/8 is local, so both work without any setup).

Run it::

    python examples/blocklist.py [PORT]      # PORT defaults to 8124

While it runs you can try ``nc -s 127.0.0.2 127.0.0.1 8124`` yourself; it exits
after the demonstration.
"""
import sys

import gevent

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124

# ------------------------------------------------------------- the docs' example
blockList = net.BlockList()
blockList.addAddress('123.123.123.123')
blockList.addRange('10.0.0.1', '10.0.0.10')
blockList.addSubnet('8592:757c:efae:4e45::', 64, 'ipv6')
print(blockList.check('123.123.123.123'))  # Prints: True
print(blockList.check('10.0.0.3'))  # Prints: True
print(blockList.check('222.111.111.222'))  # Prints: False
# IPv6 notation for IPv4 addresses works:
print(blockList.check('::ffff:7b7b:7b7b', 'ipv6'))  # Prints: True
print(blockList.check('::ffff:123.123.123.123', 'ipv6'))  # Prints: True
print('rules:', blockList.rules)

# ------------------------------------------------------- a server with a BlockList
blocked = net.BlockList()
blocked.addAddress('127.0.0.2')


def on_connection(sock):
    print(f'server: connection from {sock.remoteAddress}', flush=True)
    sock.end(f'hello {sock.remoteAddress}\n'.encode())


server = net.createServer({'blockList': blocked}, on_connection)


def try_from(local_address):
    """Connect to the server from ``local_address``; report what came back."""
    sock = net.createConnection(port=PORT, host='127.0.0.1', localAddress=local_address)
    try:
        sock.wait_connected(timeout=5)
        reply = sock.read()                 # everything until the server's end
    except OSError as err:                  # ECONNRESET and friends
        print(f'client from {local_address}: error {err.code}', flush=True)
        return
    finally:
        sock.destroy()
    if reply:
        print(f'client from {local_address}: got {reply!r}', flush=True)
    else:
        print(f'client from {local_address}: closed by the server without a word',
              flush=True)


def demonstrate():
    try_from('127.0.0.1')
    try_from('127.0.0.2')
    server.close()


def on_listening():
    print('server listening on', server.address(), 'blocking 127.0.0.2', flush=True)
    gevent.spawn(demonstrate)


server.on('listening', on_listening)
server.listen(PORT, '127.0.0.1')
net.run()
