"""The sequential style: a connection handler that reads like a blocking program.

greennet runs every connection in its own greenlet, so a 'connection' handler may
simply read, line after line, where Node code would chain 'data' events; a read
blocks that connection's greenlet only.  Two servers show it:

* the line echo server (port 8124, or PORT): iterating over a socket yields its
  lines, and each is sent back prefixed with '> '::

      def handle(sock):
          for line in sock:
              sock.write(b'> ' + line)

* the greeter (port 8125, or PORT + 1): asks for a name with ``sock.readline()``
  and greets; ``sock.setTimeout(30000, sock.end)`` ends the conversation of a
  client that stays silent for 30 seconds, as Node's ``socket.setTimeout()`` docs
  example does with its 'timeout' listener.

Run it::

    python examples/sequential_echo.py [PORT]

and try ``python -m greennet connect localhost 8124`` (type lines, Ctrl-D to finish)
and ``python -m greennet connect localhost 8125``.
"""
import signal
import sys

import greennet as net

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8124


def handle(sock):
    """Echo every line, prefixed; the loop ends when the client ends its side."""
    for line in sock:
        sock.write(b'> ' + line)
    # Returning is enough: the client ended, so (allowHalfOpen being false) greennet
    # ends our side too, as Node does.


def greet(sock):
    """Ask a name, greet, hang up."""
    sock.setTimeout(30000, sock.end)      # 30 s of silence: say goodbye
    sock.write(b'What is your name?\n')
    name = sock.readline()                 # blocks this connection's greenlet only
    if not name.strip():                   # the client ended (or timed out) first
        return
    sock.write(b'Hello, ' + name.strip() + b'!\n')
    sock.end()


echo_server = net.createServer(handle)
echo_server.listen(PORT, lambda: print('echo server listening on port', PORT, flush=True))

greeter = net.createServer(greet)
greeter.listen(PORT + 1, lambda: print('greeter listening on port', PORT + 1, flush=True))

# Ctrl-C ends the process at once, quietly, as it ends Node's.
signal.signal(signal.SIGINT, signal.SIG_DFL)
net.run()
