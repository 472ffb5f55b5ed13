"""Serve a WSGI application on one asyncio event loop, parsing HTTP with httptools.

A thread-per-request server spends more of each answer handing requests
between threads than the mock spends answering them: about 300 us against
120 us for a GET on waitress. Here the loop's thread reads each request,
calls the application itself and writes the answer, so a request costs the
application's time and little more. uvloop runs the loop when installed.

Answering on the loop's thread is only right for requests answered without
waiting. A request the server's ``waits`` callable says may wait is
answered by a pool of threads instead, and the connection it came on waits
for it, so answers keep the order of the requests.
:meth:`mockserver.app.MockService.waits` sends its control API (served by
Flask) there, and every request while a fault rule adds latency; any other
application is answered entirely in the pool.

Bodies are read as waitress reads them for the application: one announced
over the application's limit is read and thrown away, then answered (413)
by the application; one announced over a larger backstop is answered at
once and its connection closed, unread; one sent in chunks is kept up to
one byte over the limit, for the application to refuse. An application
raising waitress's ``ClientDisconnected`` (a fault rule dropping the
connection) closes the connection without an answer. A client that stops
sending (a half-close) still gets the answers to what it sent, as waitress
gives them.
"""

from __future__ import annotations

import asyncio
import collections
import io
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes
from wsgiref.types import WSGIApplication, WSGIEnvironment

import httptools
from waitress.channel import ClientDisconnected

__all__ = ["HEAD_LIMIT", "LoopServer"]

_log = logging.getLogger("mockserver")

HEAD_LIMIT = 256 * 1024
"""The most bytes a request line and headers take; more answers 431."""

_QUEUED_MOST = 16


@dataclass
class _Request:
    environ: WSGIEnvironment
    keep_alive: bool
    body: bytearray = field(default_factory=bytearray)


@dataclass
class _Answer:
    head: bytes
    body: list[bytes]
    close: bool = False


class LoopServer:
    """Answer ``app`` on an event loop; :meth:`run` serves until interrupted.

    :param app: the application to serve.
    :param listening: a bound socket, not yet listening.
    :param body_limit: the largest body ``app`` answers, if it says.
    :param backstop: the largest body announced that is read at all; a larger
        one is answered at once, unread, and its connection closed.
    :param waits: which requests go to the pool of threads; all by default.
    :param threads: the size of that pool.
    :param server_name: the ``server`` header added to answers without one.
    """

    def __init__(
        self,
        app: WSGIApplication,
        listening: socket.socket,
        *,
        body_limit: int | None,
        backstop: int | None = None,
        waits: Callable[[WSGIEnvironment], bool] | None = None,
        threads: int = 8,
        server_name: str = "uvicorn",
    ) -> None:
        self.app = app
        self.listening = listening
        self.body_limit = body_limit
        self.backstop = backstop
        self.waits = waits or (lambda environ: True)
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="mockserver")
        self.server_name = server_name.encode("latin-1")
        host, port = listening.getsockname()[:2]
        self.server_address = (str(host), str(port))
        self._date = (0, b"")
        self.connections: set[_Connection] = set()
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    def run(self) -> None:
        """Serve until interrupted, terminated or :meth:`stop`; close every socket.

        In the main thread, SIGINT and SIGTERM end it as :meth:`stop` does:
        every connection is closed, :meth:`run` returns, and the caller's
        ``finally`` blocks run.
        """
        try:
            with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                runner.run(self._serve())
        except KeyboardInterrupt:
            pass
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.listening.close()

    def stop(self) -> None:
        """Make :meth:`run` return; callable from any thread once :attr:`ready`."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop, self._stopping = loop, asyncio.Event()
        if threading.current_thread() is threading.main_thread():
            # Both take the path stop() takes, rather than SIGINT cancelling
            # the serving task and SIGTERM killing the process on the spot.
            for stopping_signal in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(stopping_signal, self._stopping.set)
        self.listening.listen(1024)
        self.listening.setblocking(False)
        server = await loop.create_server(
            lambda: _Connection(self, loop), sock=self.listening
        )
        self.ready.set()
        async with server:
            await self._stopping.wait()
            for connection in list(self.connections):
                connection.close()

    def date(self) -> bytes:
        """The ``date`` header line of this second."""
        now = int(time.time())
        if self._date[0] != now:
            line = b"date: " + formatdate(now, usegmt=True).encode() + b"\r\n"
            self._date = (now, line)
        return self._date[1]


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


class _Connection(asyncio.Protocol):
    """One client connection: parse requests, answer them in order."""

    def __init__(self, server: LoopServer, loop: asyncio.AbstractEventLoop) -> None:
        self.server = server
        self.loop = loop
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.peer: tuple[str, str] = ("", "")
        self.queue: collections.deque[_Request] = collections.deque()
        self.reading: _Request | None = None
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.discarding = False
        self.busy = False
        self.closing = False
        self.ended = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.connections.add(self)
        peer = transport.get_extra_info("peername")
        if peer:
            self.peer = (str(peer[0]), str(peer[1]))
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.queue.clear()
        self.server.connections.discard(self)

    def close(self) -> None:
        """Close the connection, answered or not."""
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(HTTPStatus.BAD_REQUEST, "Unsupported upgrade request.")
        except httptools.HttpParserError:
            self._refuse(HTTPStatus.BAD_REQUEST, "Invalid HTTP request received.")

    def eof_received(self) -> bool:
        # A client that has stopped sending still gets the answers it asked
        # for; the connection closes once the last one is written.
        self.ended = True
        return self.busy or bool(self.queue)

    def pause_writing(self) -> None:
        assert self.transport is not None
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        assert self.transport is not None
        if not self.closing:
            self.transport.resume_reading()

    # httptools calls these as it parses.

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.head_size = 0
        self.discarding = False

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        self._count_head(len(name) + len(value))

    def _count_head(self, size: int) -> None:
        self.head_size += size
        if self.head_size > HEAD_LIMIT and not self.closing:
            self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too large.")

    def on_headers_complete(self) -> None:
        if self.closing:
            return
        environ = self._environ()
        if environ is None:
            return
        request = _Request(environ, self.parser.should_keep_alive())
        self.reading = request

        announced = _announced(environ)
        backstop = self.server.backstop
        if backstop is not None and announced is not None and announced > backstop:
            self.reading = None
            request.keep_alive = False
            self._enqueue(request)
            self._stop_reading()
            return
        limit = self.server.body_limit
        if limit is not None and announced is not None and announced > limit:
            self.discarding = True
        if environ.get("HTTP_EXPECT", "").lower() == "100-continue":
            assert self.transport is not None
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        request = self.reading
        if request is None or self.discarding:
            return
        request.body += body
        limit = self.server.body_limit
        if limit is not None and len(request.body) > limit:
            # Announced by no length (chunked): the application sees one byte
            # more than it answers, and refuses the body; the rest is dropped.
            del request.body[limit + 1 :]
            self.discarding = True

    def on_message_complete(self) -> None:
        request, self.reading = self.reading, None
        if request is not None:
            self._enqueue(request)

    # Answering, in the order the requests came.

    def _enqueue(self, request: _Request) -> None:
        self.queue.append(request)
        if len(self.queue) > _QUEUED_MOST and self.transport is not None:
            self.transport.pause_reading()
        if not self.busy:
            self._answer_queued()

    def _answer_queued(self) -> None:
        while self.queue and not self.closing:
            request = self.queue.popleft()
            request.environ["wsgi.input"] = io.BytesIO(request.body)
            if self.server.waits(request.environ):
                self.busy = True
                future = self.loop.run_in_executor(
                    self.server.pool, self._call, request
                )
                future.add_done_callback(self._offloaded)
                return
            self._send(self._call(request))
        if self.ended:
            self.close()
        elif not self.closing and self.transport is not None:
            self.transport.resume_reading()

    def _offloaded(self, future: asyncio.Future[_Answer | None]) -> None:
        self.busy = False
        if future.cancelled():
            return
        self._send(future.result())
        self._answer_queued()

    def _call(self, request: _Request) -> _Answer | None:
        """Run the application on one request; ``None`` drops the connection."""
        started: list[Any] = []
        body: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return body.append

        try:
            chunks = self.server.app(request.environ, start_response)
            try:
                body.extend(chunk for chunk in chunks if chunk)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except ClientDisconnected:
            return None
        except Exception:
            _log.exception("the application failed on %s", request.environ["PATH_INFO"])
            return self._failed()
        if not started:
            return self._failed()

        status, headers = started
        if request.environ["REQUEST_METHOD"] == "HEAD":
            body = []
        return self._answer(status, headers, body, keep_alive=request.keep_alive)

    def _answer(
        self,
        status: str,
        headers: list[tuple[str, str]],
        body: list[bytes],
        *,
        keep_alive: bool,
    ) -> _Answer:
        lines = [b"HTTP/1.1 ", status.encode("latin-1"), b"\r\n", self.server.date()]
        named = set()
        for name, value in headers:
            lower = name.lower()
            named.add(lower)
            lines += (lower.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n")
        if "server" not in named:
            lines += (b"server: ", self.server.server_name, b"\r\n")
        if "content-length" not in named and _has_body(status):
            length = str(sum(len(chunk) for chunk in body)).encode()
            lines += (b"content-length: ", length, b"\r\n")
        if not keep_alive:
            lines.append(b"connection: close\r\n")
        lines.append(b"\r\n")
        return _Answer(b"".join(lines), body, close=not keep_alive)

    def _failed(self) -> _Answer:
        return self._plain(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")

    def _plain(self, status: HTTPStatus, text: str) -> _Answer:
        headers = [("content-type", "text/plain; charset=utf-8")]
        line = f"{status.value} {status.phrase}"
        return self._answer(line, headers, [text.encode()], keep_alive=False)

    def _send(self, answer: _Answer | None) -> None:
        transport = self.transport
        if transport is None or self.closing:
            return
        if answer is None:
            self.closing = True
            transport.abort()
            return
        transport.writelines([answer.head, *answer.body])
        if answer.close:
            self._stop_reading()
            self.closing = True
            transport.close()

    def _refuse(self, status: HTTPStatus, text: str) -> None:
        self.reading = None
        self._send(self._plain(status, text))
        self.closing = True

    def _stop_reading(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def _environ(self) -> WSGIEnvironment | None:
        try:
            url = httptools.parse_url(self.url)
        except httptools.HttpParserInvalidURLError:
            self._refuse(HTTPStatus.BAD_REQUEST, "Invalid request target.")
            return None
        path = unquote_to_bytes(url.path or b"/").decode("latin-1")
        host, port = self.server.server_address
        environ: WSGIEnvironment = {
            "REQUEST_METHOD": self.parser.get_method().decode("latin-1"),
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": (url.query or b"").decode("latin-1"),
            "RAW_URI": self.url.decode("latin-1"),
            "SERVER_NAME": host,
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": "HTTP/" + self.parser.get_http_version(),
            "REMOTE_ADDR": self.peer[0],
            "REMOTE_PORT": self.peer[1],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
        }
        for raw_name, raw_value in self.headers:
            # A name with "_" would pass for the one with "-" in its place.
            if b"_" in raw_name:
                continue
            name = raw_name.decode("latin-1").upper().replace("-", "_")
            value = raw_value.decode("latin-1")
            if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name = "HTTP_" + name
            if name in environ:
                value = environ[name] + "," + value
            environ[name] = value
        return environ


def _announced(environ: WSGIEnvironment) -> int | None:
    value = environ.get("CONTENT_LENGTH", "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _has_body(status: str) -> bool:
    code = status[:3]
    return not (code.startswith("1") or code in ("204", "304"))
