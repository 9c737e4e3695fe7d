"""The ``greennet`` command line: ``python -m greennet`` or the installed ``greennet``.

Three commands, for what people do with ``nc`` and ``socat``:

* ``greennet echo``: the README's demo echo server;
* ``greennet connect``: stdin to a socket, the socket to stdout;
* ``greennet serve MODULE:HANDLER``: a server running a user's function for each
  connection, in its own greenlet, in this process or in ``--workers N`` processes
  (:mod:`greennet.prefork`).

Servers stop on SIGTERM or SIGINT (Ctrl-C) the graceful way: stop accepting, let open
connections finish for up to ``--grace`` seconds, cut the rest, exit 0; a second signal
cuts them at once.  Errors are one line on stderr, no traceback: exit status 2 for a
usage error (a bad argument, a handler that cannot be loaded), 1 for a failure at run
time (EADDRINUSE, ECONNREFUSED...).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import shlex
import signal as _signal
import sys
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence

__all__ = ['main', 'build_parser', 'load_handler', 'CLIError']

log = logging.getLogger('greennet.cli')

DEFAULT_PORT = 8124
DEFAULT_HOST = '127.0.0.1'
DEFAULT_GRACE = 10.0
_STOP_SIGNALS = (_signal.SIGTERM, _signal.SIGINT)


class CLIError(Exception):
    """A one-line error for the user; ``status`` is the exit status (1 or 2)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


# ==================================================================== the parser

class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (and a pointer to --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f'{self.prog}: error: {message} (see: {self.prog} --help)\n')


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        if isinstance(action, argparse._SubParsersAction):   # not a 'COMMAND' line first
            text = text.split('\n', 1)[1]
        return text


def _port(text: str) -> int:
    try:
        port = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f'invalid port {text!r} (a number from 0 to 65535)') from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f'port {port} is out of range (0 to 65535)')
    return port


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'invalid number of seconds {text!r}') from None
    if not value >= 0 or value == float('inf'):
        raise argparse.ArgumentTypeError(f'seconds must be a finite number >= 0, not {text!r}')
    return value


def _workers(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f'invalid number of workers {text!r}') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'the number of workers must be at least 1, not {value}')
    return value


def _block_rule(text: str) -> str:
    """A blockList rule: ADDRESS, ADDRESS/PREFIX or FIRST-LAST (IPv4 or IPv6)."""
    try:
        _add_block_rule(_new_block_list(), text)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(
            f'invalid --block rule {text!r}: expected an address, ADDRESS/PREFIX or '
            'FIRST-LAST') from None
    return text


def _new_block_list() -> Any:
    from .addresses import BlockList
    return BlockList()


def _add_block_rule(block_list: Any, rule: str) -> None:
    from .addresses import isIP
    if '/' in rule:
        address, _, prefix = rule.partition('/')
        if not prefix.isdigit():
            raise ValueError(rule)
        kind = 'ipv6' if isIP(address) == 6 else 'ipv4'
        block_list.addSubnet(address, int(prefix), kind)
    elif '-' in rule:
        first, _, last = rule.partition('-')
        kind = 'ipv6' if isIP(first) == 6 else 'ipv4'
        block_list.addRange(first, last, kind)
    else:
        block_list.addAddress(rule, 'ipv6' if isIP(rule) == 6 else 'ipv4')


def _server_options(args: argparse.Namespace) -> Dict[str, Any]:
    """``net.createServer()``'s options from the serve command's server arguments."""
    options: Dict[str, Any] = {}
    if args.proxy_protocol:
        options['proxyProtocol'] = True
    if args.block:
        block_list = _new_block_list()
        for rule in args.block:
            _add_block_rule(block_list, rule)
        options['blockList'] = block_list
    return options


def _server_args(args: argparse.Namespace) -> List[str]:
    """The serve command's server arguments again, for the workers of --workers."""
    out = ['--proxy-protocol'] if args.proxy_protocol else []
    for rule in args.block:
        out += ['--block', rule]
    return out


def _handler_spec(text: str) -> str:
    module, sep, attr = text.partition(':')
    if not sep or not module or not attr:
        raise argparse.ArgumentTypeError(
            f'invalid handler {text!r}: expected MODULE:FUNCTION, e.g. myapp:handle')
    return text


_MAIN_DESCRIPTION = """\
Node.js's net module on gevent, from the command line: a small nc/socat for TCP and
Unix sockets.  Run the demo echo server, connect a terminal or a pipe to a socket, or
serve connections with your own Python function -- one greenlet per connection, in
one process or in N worker processes that share the port.
"""

_MAIN_EPILOG = """\
examples:
  greennet echo                                  # then: greennet connect localhost 8124
  echo hello | greennet connect localhost 8124   # prints: hello
  greennet serve myapp:handle --port 9000 --workers 4

signals:
  A server stops on SIGTERM or SIGINT (Ctrl-C): it stops accepting, lets open
  connections finish for up to --grace seconds, cuts the rest and exits 0.
  A second signal cuts them at once.  'greennet serve --workers N' reloads on
  SIGHUP: new workers start, then the old ones stop accepting and finish.

exit status:
  0   success, or a server stopped by a signal
  1   a failure at run time: address in use (EADDRINUSE), connection refused, ...
  2   a usage error: a bad argument, a handler that cannot be loaded

Run 'greennet COMMAND --help' for the options of a command.
"""

_ECHO_DESCRIPTION = """\
Run an echo server: every byte a client sends comes back to it, until the client
ends the connection.  It prints one line once listening, e.g.

  greennet echo server listening on 127.0.0.1:8124 (try: python -m greennet connect localhost 8124)

and serves until SIGTERM or Ctrl-C.  It listens on 127.0.0.1 unless --host says
otherwise (--host 0.0.0.0 or --host :: to accept connections from other machines).
"""

_ECHO_EPILOG = """\
examples:
  greennet echo                          # 127.0.0.1:8124
  greennet echo --port 0                 # any free port; the line printed says which
  greennet echo --host :: --port 7       # every interface, IPv6 and IPv4
  greennet echo --path /tmp/echo.sock    # a Unix socket: greennet connect --path /tmp/echo.sock
"""

_CONNECT_DESCRIPTION = """\
Connect to a TCP server (HOST PORT) or a Unix socket (--path SOCK), copy standard
input to the socket and the socket to standard output, as nc does.  At the end of
standard input it half-closes the connection (sends FIN) and goes on printing what
the server sends; it exits once the server has closed the connection.  HOST defaults
to localhost when only PORT is given.
"""

_CONNECT_EPILOG = """\
examples:
  greennet connect localhost 8124                  # type lines, Ctrl-D to finish
  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | greennet connect example.com 80
  greennet connect --path /tmp/echo.sock < request.bin > reply.bin

exit status: 0 when the server closed the connection; 1 if the connection failed
(ECONNREFUSED, ENOTFOUND, ETIMEDOUT...) or broke (ECONNRESET); 130 on Ctrl-C.
"""

_SERVE_DESCRIPTION = """\
Serve connections with a Python function.  MODULE:FUNCTION names it: MODULE is
imported (from the current directory or PYTHONPATH) and FUNCTION(sock) is called for
every connection, in that connection's own greenlet, with its greennet Socket -- it
may read sequentially and block (sock.readline(), sock.read(n), for line in sock,
sock.write(b), sock.drain(), sock.end()), which delays that connection only.  As a
Node 'connection' listener, returning does not close the connection: end it with
sock.end() when done.  An exception in FUNCTION closes that connection only and is
logged with its traceback.

Code written for blocking sockets runs unchanged: a gevent-style FUNCTION(socket,
address) (gevent's StreamServer) gets a stdlib-shaped socket (recv, sendall,
makefile...) and the client's address, and the connection is closed when it returns;
MODULE:CLASS may name a socketserver request handler (a StreamRequestHandler or
BaseRequestHandler subclass, such as http.server's), run as socketserver runs it.

With --workers N, a supervisor starts N worker processes (each a 'python -m greennet
serve' with its own hub) that listen on the same port with SO_REUSEPORT, so the
kernel spreads connections among them.  A worker that dies is replaced, after a
back-off if it keeps dying.  SIGTERM or Ctrl-C to the supervisor stops them all
gracefully.  With --path, the workers share one listening Unix socket.

SIGHUP to the supervisor reloads without refusing a connection: N new workers start
(importing MODULE afresh) and listen beside the old ones; once they all listen, the
old workers stop accepting and finish their open connections within --grace seconds.
If a new worker cannot start, the old ones go on serving.  On Linux, set
net.ipv4.tcp_migrate_req=1 so that the kernel hands the connections it has queued for
an old worker to a new one instead of resetting them.

Behind a load balancer, --proxy-protocol reads the PROXY header (v1 or v2) that it
puts in front of every connection, so the handler's sock.remoteAddress and the --block
rules see the real client.
"""

_SERVE_EPILOG = """\
a handler, in myapp.py:
  def handle(sock):
      for line in sock:                 # one line at a time, until the client ends
          sock.write(line.upper())
      sock.end()

or, written for blocking sockets (gevent's StreamServer, socketserver):
  def legacy(sock, address):            # sock: recv, sendall, makefile...
      for line in sock.makefile('rb'):
          sock.sendall(line.upper())

  class Upper(socketserver.StreamRequestHandler):
      def handle(self):
          for line in self.rfile:
              self.wfile.write(line.upper())

examples:
  greennet serve myapp:handle --port 9000
  greennet serve myapp:handle --port 9000 --workers 4 --grace 30
  kill -HUP "$SUPERVISOR_PID"          # reload: new workers, then the old ones finish
  greennet serve myapp:handle --host 0.0.0.0 --port 9000 --workers 4 \
      --proxy-protocol --block 203.0.113.0/24
  greennet serve myapp:handle --path /run/myapp.sock
  greennet serve myapp:Upper --port 9000    # a socketserver handler class
  PYTHONPATH=src greennet serve myapp.server:handle --port 0 --monkey-patch
"""


def _add_listen_options(parser: argparse.ArgumentParser, port_default: Optional[int],
                        port_help: str) -> None:
    where = parser.add_argument_group('where to listen')
    where.add_argument('--port', '-p', type=_port, default=None, metavar='PORT',
                       help=port_help)
    where.add_argument('--host', default=None, metavar='HOST',
                       help=f'the address or name to listen on (default: {DEFAULT_HOST}); '
                            "'::' or '0.0.0.0' for every interface")
    where.add_argument('--path', default=None, metavar='SOCK',
                       help='listen on this Unix socket instead of a TCP port')
    where.add_argument('--reuse-port', action='store_true',
                       help='set SO_REUSEPORT, so that several processes can listen on the '
                            'same port (the kernel spreads connections among them)')
    stopping = parser.add_argument_group('stopping')
    stopping.add_argument('--grace', type=_seconds, default=DEFAULT_GRACE, metavar='SECONDS',
                          help='on SIGTERM or Ctrl-C, how long open connections may take to '
                               f'finish before they are cut (default: {DEFAULT_GRACE:g})')
    parser.add_argument('--quiet', '-q', action='store_true',
                        help='print errors only, not what the server is doing')
    parser.set_defaults(port_default=port_default)


def build_parser() -> argparse.ArgumentParser:
    """The ``greennet`` argument parser, with its three commands."""
    from . import __version__
    parser = _Parser(prog='greennet', description=_MAIN_DESCRIPTION, epilog=_MAIN_EPILOG,
                     formatter_class=_Formatter)
    parser.add_argument('--version', action='version', version=f'greennet {__version__}')
    commands = parser.add_subparsers(title='commands', dest='command', metavar='COMMAND',
                                     parser_class=_Parser)
    commands.required = True

    echo = commands.add_parser('echo', help='run an echo server (the demo)',
                               description=_ECHO_DESCRIPTION, epilog=_ECHO_EPILOG,
                               formatter_class=_Formatter)
    _add_listen_options(echo, DEFAULT_PORT,
                        f'the TCP port to listen on (default: {DEFAULT_PORT}; '
                        '0 for any free port)')
    echo.set_defaults(run=_cmd_echo)

    connect = commands.add_parser('connect', help='connect stdin and stdout to a socket',
                                  description=_CONNECT_DESCRIPTION, epilog=_CONNECT_EPILOG,
                                  formatter_class=_Formatter,
                                  usage='%(prog)s [-h] [--timeout SECONDS] '
                                        '([HOST] PORT | --path SOCK)')
    connect.add_argument('target', nargs='*', metavar='HOST PORT',
                         help='the server to connect to (HOST defaults to localhost)')
    connect.add_argument('--path', default=None, metavar='SOCK',
                         help='connect to this Unix socket instead')
    connect.add_argument('--timeout', type=_seconds, default=None, metavar='SECONDS',
                         help='give up if the connection is not made within SECONDS '
                              '(default: the system\'s)')
    connect.set_defaults(run=_cmd_connect)

    serve = commands.add_parser('serve', help='serve connections with a Python function',
                                description=_SERVE_DESCRIPTION, epilog=_SERVE_EPILOG,
                                formatter_class=_Formatter)
    serve.add_argument('handler', type=_handler_spec, metavar='MODULE:FUNCTION',
                       help='the function to call with each connection\'s socket')
    _add_listen_options(serve, None, 'the TCP port to listen on (0 for any free port); '
                                     'give --port or --path')
    serve.add_argument('--workers', '-w', type=_workers, default=None, metavar='N',
                       help='serve with N worker processes sharing the port, supervised '
                            'and restarted (default: serve in this process)')
    serve.add_argument('--monkey-patch', action='store_true',
                       help='apply gevent.monkey.patch_all() before importing MODULE, so that '
                            'blocking libraries it uses (time.sleep, requests...) yield')
    server = serve.add_argument_group('the server')
    server.add_argument('--proxy-protocol', action='store_true',
                        help='every connection starts with a PROXY protocol header (v1 or v2, '
                             'from HAProxy send-proxy-v2, nginx, AWS NLB): the handler and '
                             '--block see the client it names')
    server.add_argument('--block', action='append', type=_block_rule, default=[],
                        metavar='RULE',
                        help='close connections from these clients at once: an address, a '
                             'subnet ADDRESS/PREFIX or a range FIRST-LAST; may be repeated')
    # the worker side of --workers (greennet.prefork): not for people
    serve.add_argument('--worker-fd', type=int, default=None, help=argparse.SUPPRESS)
    serve.add_argument('--listen-fd', type=int, default=None, help=argparse.SUPPRESS)
    serve.set_defaults(run=_cmd_serve)
    return parser


# ==================================================================== running a server

def _format_address(address: Any) -> str:
    if isinstance(address, dict):
        host = address['address']
        if ':' in host:
            host = f'[{host}]'
        return f"{host}:{address['port']}"
    return str(address)


def _self_command() -> str:
    """How to run greennet from a shell here, as a user can paste it: ``python -m
    greennet`` when ``python`` is this interpreter (an activated venv), else this
    interpreter's path (relative when shorter: ``.venv/bin/python -m greennet``)."""
    import shutil
    python = sys.executable
    on_path = shutil.which('python')
    if on_path is not None and os.path.abspath(on_path) == os.path.abspath(python):
        return 'python -m greennet'
    relative = os.path.relpath(python)
    if len(relative) < len(python):
        python = relative if os.sep in relative else os.path.join(os.curdir, relative)
    return f'{shlex.quote(python)} -m greennet'


def _try_hint(address: Any) -> str:
    """The command that talks to the server at ``address`` (always there, unlike nc)."""
    if isinstance(address, dict):
        host = address['address']
        if host in ('127.0.0.1', '::1', '0.0.0.0', '::'):
            host = 'localhost'
        return f"{_self_command()} connect {shlex.quote(host)} {address['port']}"
    return f'{_self_command()} connect --path {shlex.quote(str(address))}'


def _listen_options(args: argparse.Namespace) -> Dict[str, Any]:
    if args.path is not None:
        if args.port is not None or args.host is not None:
            raise CLIError('--path is a Unix socket: give it without --port and --host', 2)
        return {'path': args.path}
    port = args.port if args.port is not None else args.port_default
    if port is None:
        raise CLIError('give --port PORT (or --path SOCK) to say where to listen', 2)
    return {'port': port, 'host': args.host or DEFAULT_HOST}


def _handle_stop_signals(callback: Callable[[], Any]) -> List[Any]:
    import gevent
    return [gevent.signal_handler(signum, callback) for signum in _STOP_SIGNALS]


def _shutdown(server: Any, grace: float, force: Any) -> int:
    """``server.shutdown(grace)``, cut short by ``force`` (a second signal), saying what
    it does; the same stop as ``net.run(grace=...)``'s."""
    from ._run import stop_servers
    return stop_servers([server], grace, force, log.info)


def run_server(handler: Callable[[Any], Any], listen: Dict[str, Any], grace: float,
               on_listening: Callable[[Any], Any], link: Any = None,
               options: Optional[Dict[str, Any]] = None) -> int:
    """Listen with ``listen`` (``server.listen()``'s options), call
    ``on_listening(server)`` once listening, serve ``handler`` until SIGTERM/SIGINT (or
    until ``link``, a :class:`greennet.prefork.WorkerLink`, says the supervisor is
    gone), then shut down gracefully.  ``options`` are ``net.createServer()``'s.
    Returns the exit status; raises :class:`CLIError` if it cannot listen."""
    from gevent.event import Event

    import greennet as net

    from .errors import NodeError

    server = net.createServer(options or None, handler)
    stop, force = Event(), Event()
    failure: List[BaseException] = []

    def on_error(err: BaseException) -> None:
        failure.append(err)
        stop.set()

    def on_signal() -> None:
        (force if stop.is_set() else stop).set()

    server.on('error', on_error)
    server.on('listening', lambda: on_listening(server))
    handlers = _handle_stop_signals(on_signal)
    try:
        if link is not None:
            link.watch(stop.set)
        try:
            server.listen(listen)
        except (NodeError, OSError, ValueError, TypeError) as exc:
            raise CLIError(str(exc), 2 if isinstance(exc, (ValueError, TypeError)) else 1) from None
        stop.wait()
        if failure and not server.listening:
            raise CLIError(str(failure[0]), 1)
        if failure:
            log.error('server error: %s', failure[0])
        _shutdown(server, grace, force)
        return 1 if failure else 0
    finally:
        for h in handlers:
            h.cancel()


def _configure_logging(quiet: bool) -> None:
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format='greennet[%(process)d]: %(message)s', stream=sys.stderr)


# ==================================================================== echo

def _echo(sock: Any) -> None:
    """The echo handler: everything back, until the client ends."""
    sock.on('error', lambda err: log.debug('echo connection: %s', err))
    try:
        while True:
            data = sock.read(65536)
            if not data:
                break
            sock.write(data)
            sock.drain()
    except OSError:
        sock.destroy()
        return
    sock.end()


def _cmd_echo(args: argparse.Namespace) -> int:
    _configure_logging(args.quiet)
    listen = _listen_options(args)
    if args.reuse_port and 'port' in listen:
        listen['reusePort'] = True

    def announce(server: Any) -> None:
        address = server.address()
        print(f'greennet echo server listening on {_format_address(address)} '
              f'(try: {_try_hint(address)})', flush=True)

    return run_server(_echo, listen, args.grace, announce)


# ==================================================================== serve

def load_handler(spec: str) -> Callable[..., Any]:
    """The 'connection' listener for ``'package.module:name'`` (``name`` may be dotted):
    the function it names, or for code written for blocking sockets (a gevent-style
    ``handle(socket, address)``, a ``socketserver`` request handler class) the
    :func:`greennet.stdlib.serve_handler` adapter that runs it unchanged.

    The current directory is searched first, as ``python -m`` does.  Raises
    :class:`CLIError` (status 2) with a one-line reason when it cannot be loaded.
    """
    module_name, _, attr = spec.partition(':')
    if os.getcwd() not in sys.path and '' not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        if getattr(exc, 'name', None) == module_name:
            raise CLIError(f'cannot import {module_name!r}: no such module '
                           '(is it in the current directory or on PYTHONPATH?)', 2) from None
        raise CLIError(f'cannot import {module_name!r}: {type(exc).__name__}: {exc}', 2) from None
    except SyntaxError as exc:
        raise CLIError(f'cannot import {module_name!r}: SyntaxError: {exc}', 2) from None
    except Exception as exc:
        raise CLIError(f'cannot import {module_name!r}: {type(exc).__name__}: {exc}', 2) from None
    for part in attr.split('.'):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CLIError(f'{module_name!r} has no attribute {attr!r}', 2) from None
    if not callable(obj):
        raise CLIError(f'{spec} is not callable (it is a {type(obj).__name__})', 2)
    from .stdlib import connection_listener
    return connection_listener(obj)


def _cmd_serve(args: argparse.Namespace) -> int:
    if args.worker_fd is not None:
        return _serve_worker(args)
    _configure_logging(args.quiet)
    listen = _listen_options(args)
    if args.workers is not None:
        return _serve_prefork(args, listen)
    if args.monkey_patch:
        from gevent import monkey
        monkey.patch_all()
    handler = load_handler(args.handler)
    if args.reuse_port and 'port' in listen:
        listen['reusePort'] = True

    def announce(server: Any) -> None:
        print(f'greennet serve listening on {_format_address(server.address())} '
              f'({args.handler})', flush=True)

    return run_server(handler, listen, args.grace, announce, options=_server_options(args))


def _serve_prefork(args: argparse.Namespace, listen: Dict[str, Any]) -> int:
    from .prefork import Prefork, PreforkError

    prefork = Prefork(args.handler, args.workers, port=listen.get('port'),
                      host=listen.get('host'), path=listen.get('path'), grace=args.grace,
                      monkey_patch=args.monkey_patch, worker_args=_server_args(args),
                      quiet=args.quiet)

    def announce(p: Prefork) -> None:
        n = p.workers
        print(f'greennet serve listening on {_format_address(p.address)} ({args.handler}) '
              f'with {n} worker{"" if n == 1 else "s"} (pids {", ".join(map(str, p.pids))})',
              flush=True)

    try:
        return prefork.run(on_ready=announce)
    except PreforkError as exc:
        raise CLIError(str(exc), exc.status) from None


def _serve_worker(args: argparse.Namespace) -> int:
    """A worker of ``--workers``: report readiness to the supervisor; log what it does
    (stopping, cutting connections) as the single-process server does."""
    from .prefork import WorkerLink
    _configure_logging(args.quiet)
    link = WorkerLink(args.worker_fd)
    try:
        if args.monkey_patch:
            from gevent import monkey
            monkey.patch_all()
        handler = load_handler(args.handler)
        if args.listen_fd is not None:
            listen: Dict[str, Any] = {'fd': args.listen_fd}
        else:
            listen = {'port': args.port, 'host': args.host or DEFAULT_HOST, 'reusePort': True}
        return run_server(handler, listen, args.grace, lambda server: link.ready(), link,
                          options=_server_options(args))
    except CLIError as exc:
        link.failed(str(exc), exc.status)
        return exc.status
    finally:
        link.close()


# ==================================================================== connect

def _connect_options(args: argparse.Namespace) -> Dict[str, Any]:
    target = args.target
    if args.path is not None:
        if target:
            raise CLIError('give either HOST PORT or --path SOCK, not both', 2)
        return {'path': args.path}
    if not target:
        raise CLIError('give HOST PORT (or --path SOCK) to say where to connect', 2)
    if len(target) > 2:
        raise CLIError(f'too many arguments: {" ".join(target)} (expected HOST PORT)', 2)
    host = target[0] if len(target) == 2 else 'localhost'
    try:
        port = _port(target[-1])
    except argparse.ArgumentTypeError as exc:
        raise CLIError(str(exc), 2) from None
    if port == 0:
        raise CLIError('cannot connect to port 0', 2)
    return {'host': host, 'port': port}


def _error_line(exc: BaseException) -> str:
    errors = getattr(exc, 'errors', None)
    if errors:   # every attempt of autoSelectFamily failed
        return '; '.join(dict.fromkeys(str(e) for e in errors))
    return str(exc)


def _stdin_to_socket(sock: Any, fd: int = 0) -> None:
    """Copy standard input to ``sock`` (reads run in gevent's thread pool, so they block
    no greenlet, whatever stdin is), then end the socket."""
    from gevent import get_hub
    pool = get_hub().threadpool
    try:
        while True:
            try:
                data = pool.apply(os.read, (fd, 65536))
            except OSError:
                data = b''
            if not data or sock.destroyed:
                break
            sock.write(data)
            sock.drain()
        if not sock.destroyed:
            sock.end()
    except OSError:
        pass   # the socket failed; the reader reports it


def _cmd_connect(args: argparse.Namespace) -> int:
    import gevent

    import greennet as net

    options = _connect_options(args)
    sock = net.createConnection(options)
    sock.on('error', lambda err: None)   # reported below, through the blocking calls
    interrupted: List[int] = []

    def on_signal() -> None:
        interrupted.append(1)
        sock.destroy()

    handlers = _handle_stop_signals(on_signal)
    pump = None
    try:
        try:
            sock.wait_connected(args.timeout)
        except TimeoutError:
            sock.destroy()
            where = options.get('path') or f"{options['host']}:{options['port']}"
            raise CLIError(f'connect ETIMEDOUT {where} (no connection within '
                           f'{args.timeout:g} s)', 1) from None
        except (OSError, net.NodeError) as exc:
            if interrupted:
                return 130
            raise CLIError(_error_line(exc), 1) from None
        pump = gevent.spawn(_stdin_to_socket, sock)
        out = sys.stdout.buffer
        try:
            while True:
                data = sock.read(65536)
                if not data:
                    break
                out.write(data)
                out.flush()
        except BrokenPipeError:   # stdout was closed (| head): done, quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return 0
        except OSError as exc:
            if interrupted:
                return 130
            raise CLIError(_error_line(exc), 1) from None
        return 130 if interrupted else 0
    finally:
        if pump is not None:
            pump.kill(block=False)
        sock.destroy()
        for h in handlers:
            h.cancel()


# ==================================================================== main

def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` by default); returns the
    exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:   # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    prog = f'greennet {args.command}'
    try:
        return int(args.run(args))
    except CLIError as exc:
        sys.stderr.write(f'{prog}: error: {exc}\n')
        sys.stderr.flush()
        return exc.status
    except KeyboardInterrupt:
        return 130
