"""A tiny line-based chat server, in greennet's sequential style.

Each connection runs in its own greenlet, which reads its client's lines with
``sock.readline()`` (or by iterating over the socket) and sends them to everyone
else with ``write()``, a plain call that never blocks.  A handler may block, in a
read or anywhere else: it holds up its own connection only.  The ``/nap`` command
shows it: that client's greenlet sleeps 5 seconds, and meanwhile the others chat
on and the sleeper still receives their messages (they are written to its socket
by the other greenlets).

Commands: ``/who`` lists who is here, ``/nap`` sleeps 5 s, ``/quit`` leaves.
A client too slow to read what it is sent (over 1 MiB waiting) is disconnected.

Run it::

    python examples/line_chat.py [PORT]      # PORT defaults to 8124

then, in two or more terminals, ``python -m greennet connect localhost 8124``: type a nickname, then lines.
"""
import signal
import sys

import gevent

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124
MAX_BACKLOG = 1 << 20            # bytes waiting for a client before we give up on it

clients = {}                     # socket -> nickname, for everyone in the room


def broadcast(message, sender=None):
    """Send ``message`` (bytes) to everyone in the room but ``sender``."""
    for sock in list(clients):
        if sock is sender:
            continue
        if sock.writableLength > MAX_BACKLOG:    # it does not read: let it go
            sock.destroy()
            continue
        sock.write(message)


def handle(sock):
    """One client's whole session, top to bottom."""
    sock.write(b'Welcome! Your nickname? ')
    nick = sock.readline().strip().decode('utf8', 'replace')
    if not nick:                                 # gone before saying a word
        return
    others = ', '.join(clients.values()) or 'nobody yet'
    clients[sock] = nick
    print(f'{nick} joined from {sock.remoteAddress}', flush=True)
    sock.write(f'Hi {nick}! Here: {others}. /who, /nap, /quit\n'.encode())
    broadcast(f'* {nick} joined\n'.encode(), sock)
    try:
        for line in sock:                        # one line at a time, until the end
            text = line.rstrip(b'\r\n')
            if text == b'/quit':
                break
            elif text == b'/who':
                sock.write(('Here: ' + ', '.join(clients.values()) + '\n').encode())
            elif text == b'/nap':
                sock.write(b'(napping 5 s)\n')
                gevent.sleep(5)                  # blocks this connection only
                sock.write(b'(awake)\n')
            elif text:
                broadcast(b'<' + nick.encode() + b'> ' + text + b'\n', sock)
    except OSError as err:                       # ECONNRESET and the like
        print(f'{nick}: {err.code}', flush=True)
    finally:
        del clients[sock]
        broadcast(f'* {nick} left\n'.encode())
        print(f'{nick} left', flush=True)
    sock.end(b'Bye!\n')


server = net.createServer(handle)
server.listen(PORT, lambda: print('chat server listening on port', PORT, flush=True))

# Ctrl-C ends the process at once, quietly, as it ends Node's.
signal.signal(signal.SIGINT, signal.SIG_DFL)
net.run()
