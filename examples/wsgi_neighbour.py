"""A greennet server and a WSGI app, neighbours on one gevent hub.

One process runs

* a greennet echo server (port 8124 by default), and
* a ``gevent.pywsgi.WSGIServer`` (port 8080 by default) whose app reports, as JSON,
  what the echo server is doing::

      {"connections": 3, "bytesRead": 1200, "bytesWritten": 1200}

  ``connections`` is ``server.getConnections()``; ``bytesRead``/``bytesWritten`` are the
  bytes the echo server's connections have received and sent so far, counted by a
  zope.event subscriber that watches the 'connection' and 'data' events of greennet
  (so the echo handler itself knows nothing about the statistics).

Both servers are ordinary gevent citizens: neither needs a thread, and neither blocks
the other.  Run it::

    python examples/wsgi_neighbour.py [ECHO_PORT [HTTP_PORT]]

then connect a few clients (``python -m greennet connect localhost 8124``), type something, and ask::

    curl http://localhost:8080/

From Python, ``start(echo_port=0, http_port=0)`` starts both and returns
``(echo_server, http_server, stats)`` without blocking (port 0 picks free ports:
``echo_server.address()['port']``, ``http_server.server_port``).
"""
import json
import signal
import sys

import zope.event
from gevent.event import Event
from gevent.pywsgi import WSGIServer

import greennet as net
from greennet.events import Emitted


class TrafficStats:
    """A zope.event subscriber: the bytes read and written by one server's connections.

    On the server's 'connection' event it remembers the socket; every 'data' event of
    such a socket counts as bytes read, and, the server being an echo server, every
    byte it reads it writes back (counted from the socket's own ``bytesWritten`` when
    the socket closes, and live in between)."""

    def __init__(self, server):
        self.server = server
        self.sockets = set()          # the server's open connections
        self.bytes_read = 0
        self.closed_written = 0       # bytesWritten of connections already closed

    def __call__(self, event):
        if not isinstance(event, Emitted):
            return
        if event.emitter is self.server and event.name == 'connection':
            self.sockets.add(event.args[0])
        elif event.emitter in self.sockets:
            if event.name == 'data':
                self.bytes_read += len(event.args[0])
            elif event.name == 'close':
                self.sockets.discard(event.emitter)
                self.closed_written += event.emitter.bytesWritten

    @property
    def bytes_written(self):
        return self.closed_written + sum(s.bytesWritten for s in self.sockets)

    def report(self):
        return {'connections': self.server.getConnections(),
                'bytesRead': self.bytes_read,
                'bytesWritten': self.bytes_written}


def echo(sock):
    """The echo handler: what comes in goes out."""
    sock.pipe(sock)


def make_app(stats):
    def app(environ, start_response):
        body = json.dumps(stats.report()).encode()
        start_response('200 OK', [('Content-Type', 'application/json'),
                                  ('Content-Length', str(len(body)))])
        return [body]
    return app


def start(echo_port=0, http_port=0, host='127.0.0.1'):
    """Start both servers on ``host`` (None: every address); returns ``(echo_server, http_server, stats)``
    once both are listening.  Stop them with ``stop(echo_server, http_server, stats)``."""
    echo_server = net.createServer(echo)
    stats = TrafficStats(echo_server)
    zope.event.subscribers.append(stats)
    listening = Event()
    echo_server.listen(echo_port, host, listening.set)
    if not listening.wait(10):
        zope.event.subscribers.remove(stats)
        raise RuntimeError('the echo server did not start listening')
    http_server = WSGIServer((host or '', http_port), make_app(stats), log=None)
    http_server.start()
    return echo_server, http_server, stats


def stop(echo_server, http_server, stats):
    http_server.stop()
    echo_server.shutdown(0)
    if stats in zope.event.subscribers:
        zope.event.subscribers.remove(stats)


def main(argv):
    echo_port = int(argv[0]) if argv else 8124
    http_port = int(argv[1]) if len(argv) > 1 else 8080
    echo_server, http_server, _ = start(echo_port, http_port, host=None)
    print('echo server on port', echo_server.address()['port'], flush=True)
    print('statistics on http://localhost:%d/' % http_server.server_port, flush=True)
    signal.signal(signal.SIGINT, signal.SIG_DFL)    # Ctrl-C ends the process at once
    net.run()


if __name__ == '__main__':
    main(sys.argv[1:])
