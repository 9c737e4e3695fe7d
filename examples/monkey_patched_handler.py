"""Blocking stdlib code in a greennet handler, made cooperative by gevent's monkey-patching.

``gevent.monkey.patch_all()`` turns the blocking parts of the standard library
(``socket``, ``time.sleep``, ``threading``, ``select``, ``ssl``...) into gevent-cooperative
versions.  Done first thing in the process, before anything else is imported, it lets a
greennet handler call ordinary legacy code (``urllib.request``, ``http.client``, a database
driver written on ``socket``) and block only its own connection's greenlet: every other
connection keeps flowing.  (greennet itself needs no patching; this is for the code you
call from it.)

The server here is a small URL fetcher: a client sends URLs, one a line, and for each
the handler fetches it with plain ``urllib.request`` and answers ``STATUS BYTES SECONDS``::

    python examples/monkey_patched_handler.py [PORT]        # PORT defaults to 8124
    printf 'http://example.com/\\n' | python -m greennet connect localhost 8124

``--demo`` instead proves the concurrency on its own, offline: it starts a slow legacy
``http.server`` (each page takes 0.3 s; stdlib threads, which are greenlets once patched),
asks the fetcher for one page, then for N pages from N clients at once, and prints both
times, then one JSON line with them (N at once take about the time of one)::

    python examples/monkey_patched_handler.py --demo [N]
"""
# ruff: noqa: E402   (the imports below come after patching, on purpose)
from gevent import monkey

monkey.patch_all()      # first: before anything else (greennet included) is imported

import http.server
import json
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

import gevent
from gevent.event import Event

import greennet as net


def fetch(url):
    """Plain, blocking stdlib code: it knows nothing of gevent or greennet."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, b''
    return status, len(body), time.monotonic() - started


def handle(sock):
    """One greenlet per connection: each URL line is fetched while others are served."""
    for line in sock:
        url = line.strip().decode('utf-8', 'replace')
        if not url:
            continue
        try:
            status, size, seconds = fetch(url)
            sock.write(f'{status} {size} {seconds:.3f}\n')
        except Exception as err:          # a bad URL, a refused connection...
            sock.write(f'ERROR {type(err).__name__}: {err}\n')


# ---------------------------------------------------------------- the demo

class SlowPage(http.server.BaseHTTPRequestHandler):
    """A legacy page that takes 0.3 s (time.sleep, patched: it blocks one greenlet)."""

    def do_GET(self):
        time.sleep(0.3)
        body = b'a slow page\n'
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def demo(n):
    http.server.ThreadingHTTPServer.request_queue_size = 128   # the stdlib's 5 is too few
    pages = http.server.ThreadingHTTPServer(('127.0.0.1', 0), SlowPage)
    pages.daemon_threads = True
    threading.Thread(target=pages.serve_forever, kwargs={'poll_interval': 0.05},
                     daemon=True).start()
    url = 'http://127.0.0.1:%d/' % pages.server_address[1]

    server = net.createServer(handle)
    ready = Event()
    server.listen(0, '127.0.0.1', ready.set)
    ready.wait(10)
    port = server.address()['port']

    def ask():
        client = net.connect(port, '127.0.0.1')
        client.write(url + '\n')
        answer = client.readline().decode().strip()
        client.destroy()
        return answer

    started = time.monotonic()
    one = ask()
    single = time.monotonic() - started
    print(f'1 fetch: {single:.2f} s ({one})', flush=True)

    started = time.monotonic()
    jobs = [gevent.spawn(ask) for _ in range(n)]
    gevent.joinall(jobs, timeout=60, raise_error=True)
    together = time.monotonic() - started
    print(f'{n} fetches at once: {together:.2f} s (in series: about {n * single:.2f} s)',
          flush=True)
    answers = [one] + [job.value for job in jobs]
    print(json.dumps({'n': n, 'single': single, 'together': together,
                      'ok': sum(a.startswith('200 ') for a in answers)}), flush=True)
    server.close()
    pages.shutdown()


def main(argv):
    if argv and argv[0] == '--demo':
        demo(int(argv[1]) if len(argv) > 1 else 10)
        return
    port = int(argv[0]) if argv else 8124
    server = net.createServer(handle)
    server.listen(port, lambda: print('URL fetcher listening on port', port, flush=True))
    signal.signal(signal.SIGINT, signal.SIG_DFL)    # Ctrl-C ends the process at once
    net.run()


if __name__ == '__main__':
    main(sys.argv[1:])
