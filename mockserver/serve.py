"""Run a mock server application on an HTTP server.

The server identifies itself as ``uvicorn``, the ``Server`` header a real
Prefect server sends, so that nothing in an answer tells the two apart.
:func:`serve` blocks until interrupted; :class:`ServerThread` serves from a
background thread of the current process on waitress, for tests and the
pytest plugin.

:func:`serve` (``mockserver serve --server NAME``) runs on one of
:data:`SERVERS`:

- ``httptools``, the default: one asyncio event loop (uvloop where
  installed) answering requests on its own thread, and those that may wait
  (the control API, latency faults) on a pool of threads; see
  :mod:`mockserver.loop_server`. It answered 1.3 to 3 times as many requests
  per second as waitress in the benchmarks.
- ``waitress``: a production WSGI server answering each request on a thread
  of its pool.
- ``granian``, when installed: its HTTP handling is Rust and runs beside
  the Python thread answering. It keeps one worker process, so that every
  request meets the same in-memory state, and differs where the others are
  relied on: a fault rule that drops the connection answers 500 instead, a
  body is read into memory whatever its size before the application
  refuses it with 413, and the worker is a child of the process started.
"""

from __future__ import annotations

import ctypes
import importlib.util
import ipaddress
import logging
import socket
import threading
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from waitress import wasyncore
from waitress.server import create_server

from mockserver.app import API_PREFIX, MockService

_log = logging.getLogger("mockserver")

SERVER_HEADER = "uvicorn"

SERVERS = ("httptools", "waitress", "granian")
"""The servers :func:`serve` runs an application on."""

BACKSTOP_FACTOR = 8
"""Bodies over this many times the application's limit are cut off unread."""

_WAITRESS_DEFAULT_LIMIT = 1024**3

_M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter for the most malloc arenas a process makes."""

_M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter for the size from which a block is mapped alone."""

_MAPPED_FROM = 128 * 1024


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` names this machine only (``127.0.0.1``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(
    app: WSGIApplication, host: str = "127.0.0.1", port: int = 4200, threads: int = 8
) -> Any:
    """Bind a waitress server for ``app`` and log where it answers.

    Logs the API's URL (so ``port=0`` logs the port chosen), and a warning
    when the server can be reached from other machines: a mock server has no
    authentication. Call ``run()`` on the result to serve, ``close()`` to stop.

    :param host: the address to bind; anything but loopback is a warning.
    :param port: the TCP port; 0 picks a free one.
    :param threads: how many requests are answered at once.
    :raises OSError: when the address cannot be bound.
    """
    _warn_if_exposed(host)
    listening = _listen(host, port)
    server = create_server(
        app,
        sockets=[listening],
        threads=threads,
        ident=SERVER_HEADER,
        max_request_body_size=_backstop(app),
    )
    _log_address(host, listening.getsockname()[1])
    return server


def _warn_if_exposed(host: str) -> None:
    if not is_loopback(host):
        _log.warning(
            "serving on %r: anyone who can reach this address can use the mock "
            "server; bind 127.0.0.1 to keep it local",
            host,
        )


def _log_address(host: str, port: int) -> None:
    shown_host = f"[{host.strip('[]')}]" if ":" in host else host
    _log.info("serving the Prefect API at http://%s:%d%s", shown_host, port, API_PREFIX)


def _backstop(app: WSGIApplication) -> int:
    # The application answers a body over its limit with the real server's
    # 413 format, once waitress has spooled it to disk. Far larger bodies are
    # refused by waitress as they arrive (in its own format), so that
    # no client can fill the disk.
    limit = _body_limit(app)
    return BACKSTOP_FACTOR * limit if limit else _WAITRESS_DEFAULT_LIMIT


def _body_limit(app: WSGIApplication) -> int | None:
    """Return the largest body ``app`` answers, if it says: Flask or MockService."""
    config = getattr(app, "config", None)
    if config is not None:
        limit = config.get("MAX_CONTENT_LENGTH")
    else:
        limit = getattr(app, "max_body_size", None)
    return limit if isinstance(limit, int) else None


def _listen(host: str, port: int) -> socket.socket:
    # Bound here rather than by waitress, which leaks the socket when binding
    # fails and serves every address "localhost" resolves to.
    address = host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((address, port))
    except OSError:
        listening.close()
        raise
    return listening


def serve(
    app: WSGIApplication,
    host: str = "127.0.0.1",
    port: int = 4200,
    threads: int = 8,
    *,
    server: str = "httptools",
) -> None:
    """Serve ``app`` until the process is interrupted; see :func:`bind`.

    :param server: one of :data:`SERVERS`; see the module's description.
    :param threads: how many requests are answered at once on waitress and
        granian, and how many that may wait on httptools.
    :raises ValueError: for another server.
    :raises ImportError: for granian when it is not installed.
    :raises OSError: when the address cannot be bound.
    """
    require_server(server)
    if server == "granian":
        _serve_on_granian(app, host, port, threads)
        return
    _tune_malloc()
    if server == "httptools":
        _serve_on_loop(app, host, port, threads)
        return
    running = bind(app, host, port, threads)
    try:
        running.run()
    finally:
        running.close()


def require_server(server: str) -> None:
    """Refuse a server :func:`serve` cannot run here, saying what to do.

    :raises ValueError: for a server not in :data:`SERVERS`.
    :raises ImportError: for granian when it is not installed.
    """
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}; expected one of {SERVERS}")
    if server == "granian" and importlib.util.find_spec("granian") is None:
        raise ImportError(
            "serving on granian needs it installed: pip install 'mockserver[fast]'"
        )


def _tune_malloc() -> None:
    """Make glibc's malloc give back what a load of large bodies took.

    Every request thread allocates in one arena: glibc gives each thread an
    arena of its own and keeps what a thread frees there, so eight request
    threads held 7 to 14 MB more resident memory after a load. Requests are
    answered under the GIL, one at a time, and sharing one arena measured
    no slower.

    Blocks of 128 KiB and more (large request bodies and what parsing them
    builds) are always mapped on their own and unmapped when freed. By
    default glibc raises that threshold to the size of the largest block
    freed, after which such blocks come from the heap, where freed space
    lingers: waves of 3 MiB bodies left 0 to 58 MiB more resident memory,
    from one run to the next, and leave 0.1 to 0.3 MiB with the threshold
    fixed. Without glibc's ``mallopt`` (macOS, Windows) nothing changes.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):
        return
    mallopt(_M_ARENA_MAX, 1)
    mallopt(_M_MMAP_THRESHOLD, _MAPPED_FROM)


def _serve_on_loop(app: WSGIApplication, host: str, port: int, threads: int) -> None:
    from mockserver.loop_server import LoopServer

    _warn_if_exposed(host)
    listening = _listen(host, port)
    service = _service_of(app)
    server = LoopServer(
        app,
        listening,
        body_limit=_body_limit(app),
        backstop=_backstop(app),
        waits=service.waits if service is not None else None,
        threads=threads,
        server_name=SERVER_HEADER,
    )
    _log_address(host, listening.getsockname()[1])
    server.run()


def _service_of(app: WSGIApplication) -> MockService | None:
    """Return the service ``app`` is, or the one a Flask ``app`` serves."""
    if isinstance(app, MockService):
        return app
    extensions = getattr(app, "extensions", None)
    service = extensions.get("mockserver") if isinstance(extensions, dict) else None
    return service if isinstance(service, MockService) else None


def _serve_on_granian(app: WSGIApplication, host: str, port: int, threads: int) -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.server import MPServer

    _warn_if_exposed(host)
    # Granian binds the address itself, and panics when it cannot: the
    # address is tried here first, which also picks the port for port 0.
    with _listen(host, port) as probe:
        port = probe.getsockname()[1]
    application = _identified(app)
    runner = MPServer(
        "mockserver.app:create_app",
        address=host.strip("[]"),
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=threads,
        http=HTTPModes.http1,
        websockets=False,
        log_enabled=False,
    )
    _log_address(host, port)
    runner.serve(target_loader=lambda *_: application, wrap_loader=False)


def _identified(app: WSGIApplication) -> WSGIApplication:
    """Wrap ``app`` so that every answer names uvicorn as its server."""

    def application(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        def starting(status: str, headers: list[tuple[str, str]], *info: Any) -> Any:
            if not any(name.lower() == "server" for name, _ in headers):
                headers = [*headers, ("server", SERVER_HEADER)]
            return start_response(status, headers, *info)

        return app(environ, starting)

    return application


class ServerThread:
    """Serve an application from a background thread of this process.

    ::

        server = ServerThread(create_app(), port=0)
        server.start()
        httpx.get(server.api_url + "/health")
        server.stop()

    Also a context manager that starts and stops the server.

    :param app: the application to serve.
    :param host: the address to bind; see :func:`bind`.
    :param port: the TCP port; 0 (the default) picks a free one.
    :param threads: how many requests are answered at once.
    """

    def __init__(
        self,
        app: WSGIApplication,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 4,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.threads = threads
        self._server: Any = None
        self._url: str | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's root URL, ``http://127.0.0.1:PORT``; kept after :meth:`stop`.

        :raises RuntimeError: before :meth:`start`.
        """
        if self._url is None:
            raise RuntimeError("the server has not been started")
        return self._url

    @property
    def api_url(self) -> str:
        """The URL a Prefect client is pointed at: :attr:`url` plus ``/api``."""
        return self.url + API_PREFIX

    def start(self) -> None:
        """Bind the address and start answering on a daemon thread.

        :raises RuntimeError: when the server was started already.
        :raises OSError: when the address cannot be bound.
        """
        if self._server is not None:
            raise RuntimeError("the server was started already")
        self._server = bind(self.app, self.host, self.port, self.threads)
        host = self.host.strip("[]")
        shown = f"[{host}]" if ":" in host else host
        self._url = f"http://{shown}:{self._server.effective_port}"
        self._thread = threading.Thread(
            target=self._loop, name=f"mockserver {self.url}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop answering, close every connection and join the thread.

        Stopping a server that is not running does nothing.
        """
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.pull_trigger()
        thread.join(timeout)

        # Closed from here only once the loop has left: closing sockets under a
        # running loop makes its select() fail in the server thread.
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)
        self._server = self._thread = None
        self._stopping.clear()

    def _loop(self) -> None:
        server = self._server
        while not self._stopping.is_set():
            # One poll at a time, so that stop() is noticed at the next wake-up.
            wasyncore.loop(
                timeout=server.adj.asyncore_loop_timeout,
                map=server._map,
                use_poll=server.adj.asyncore_use_poll,
                count=1,
            )


__all__ = [
    "SERVERS",
    "SERVER_HEADER",
    "ServerThread",
    "bind",
    "is_loopback",
    "require_server",
    "serve",
]
