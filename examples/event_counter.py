"""Observability through zope.event: count every event greennet fires, per name.

Every emit of every greennet emitter (servers and sockets alike) is also published as
``zope.event.notify(greennet.events.Emitted(emitter, name, args))``.  A subscriber is any
callable appended to ``zope.event.subscribers``; it sees all of them without touching
handler code, which makes it the place for logging, metrics and tracing::

    import zope.event
    from greennet.events import Emitted

    def count(event):
        if isinstance(event, Emitted):          # other libraries publish too
            counts[event.name] += 1

    zope.event.subscribers.append(count)        # from now on, every emit is seen
    ...
    zope.event.subscribers.remove(count)        # and from now on, none is

This script subscribes such a counter, runs a tiny echo exchange (a server, one
client that sends two messages and ends), unsubscribes, and prints how many times
each event fired, one ``NAME COUNT`` line per event name, sorted by name; with
``--by-emitter`` the lines are ``EMITTER NAME COUNT`` (EMITTER is Server or Socket).

Run it::

    python examples/event_counter.py [--by-emitter]
"""
import collections
import sys

import gevent
import zope.event
from gevent.event import Event

import greennet as net
from greennet.events import Emitted

counts = collections.Counter()
by_emitter = collections.Counter()


def count(event):
    """The subscriber: zope.event calls it with every published object."""
    if isinstance(event, Emitted):
        counts[event.name] += 1
        by_emitter[type(event.emitter).__name__, event.name] += 1


def echo_exchange():
    """A server that echoes, a client that sends two messages and ends; returns once
    both sides and the server are closed."""
    server_closed = Event()
    server = net.createServer(lambda sock: sock.pipe(sock))
    server.on('close', server_closed.set)
    listening = Event()
    server.listen(0, '127.0.0.1', listening.set)
    listening.wait()

    client_closed = Event()
    received = []
    client = net.connect(server.address()['port'], '127.0.0.1')
    client.on('data', received.append)
    client.on('close', lambda had_error: client_closed.set())
    client.write(b'hello ')
    client.end(b'world')
    client_closed.wait(10)
    server.close()            # 'close' once the server side of the connection closed too
    server_closed.wait(10)
    return b''.join(received)


def main(argv):
    zope.event.subscribers.append(count)
    try:
        echoed = echo_exchange()
    finally:
        zope.event.subscribers.remove(count)
    gevent.sleep(0)           # anything still closing now goes unseen: we unsubscribed
    print('echoed', echoed.decode(), file=sys.stderr)
    if '--by-emitter' in argv:
        for (emitter, name), n in sorted(by_emitter.items()):
            print(emitter, name, n)
    else:
        for name, n in sorted(counts.items()):
            print(name, n)


if __name__ == '__main__':
    main(sys.argv[1:])
