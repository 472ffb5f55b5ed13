"""The HTTP request and response of one API exchange, on WSGI.

Serving the API needs little of a web framework: the method, the decoded
path, the query, the headers, the body read under a size limit, and an
answer made of a status, headers and bytes. :class:`WebRequest` and
:class:`WebResponse` are exactly that. The API is served without Werkzeug,
whose package brings its development server, its test client and the
``ssl`` module with it: about 8 MB of resident memory and 0.03 s of every
start, for nothing the API uses. Flask and Werkzeug serve the control API
alone (:mod:`mockserver.operator`).

Requests are read as the real server's Starlette reads them: the path is
percent-decoded UTF-8, the query string is split by
:func:`urllib.parse.parse_qsl` keeping blank values, and a name given twice
keeps its first value. Header names are lower case, in requests and in
responses, as the real server's uvicorn sends them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from urllib.parse import parse_qsl
from wsgiref.types import StartResponse, WSGIEnvironment

__all__ = ["BodyTooLarge", "BodyUnreadable", "WebRequest", "WebResponse"]

_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": "80", "https": "443"}


class BodyTooLarge(Exception):
    """A request body is larger than the limit it was read under.

    :param size: the size its ``Content-Length`` announced, or ``None`` when
        the body came without one (chunked) and was cut off at the limit.
    """

    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.size = size
        self.limit = limit


class BodyUnreadable(Exception):
    """A request body could not be read whole: the reason is the message."""


class WebRequest:
    """One HTTP request as WSGI hands it over, read on demand."""

    def __init__(self, environ: WSGIEnvironment) -> None:
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        raw_path: str = environ.get("PATH_INFO") or ""
        decoded = raw_path.encode("latin-1").decode("utf-8", "replace")
        self.path = "/" + decoded.lstrip("/")
        self.query_string: str = environ.get("QUERY_STRING", "")

    @functools.cached_property
    def query(self) -> dict[str, str]:
        """The query's parameters, each with the first value it was given."""
        values: dict[str, str] = {}
        for name, value in parse_qsl(self.query_string, keep_blank_values=True):
            values.setdefault(name, value)
        return values

    @functools.cached_property
    def headers(self) -> dict[str, str]:
        """The request's headers, by lower-case name."""
        found = {}
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                found[key[5:].replace("_", "-").lower()] = value
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if self.environ.get(key):
                found[key.replace("_", "-").lower()] = self.environ[key]
        return found

    @property
    def url_root(self) -> str:
        """The scheme and host the client addressed: ``http://127.0.0.1:4200``."""
        scheme: str = self.environ.get("wsgi.url_scheme", "http")
        host = self.environ.get("HTTP_HOST")
        if host is None:
            host = f"{self.environ['SERVER_NAME']}:{self.environ['SERVER_PORT']}"
        default_port = _DEFAULT_PORTS.get(scheme)
        if default_port is not None and host.endswith(":" + default_port):
            host = host.removesuffix(":" + default_port)
        return f"{scheme}://{host}"

    @property
    def content_length(self) -> int | None:
        """The size the request announced, ``None`` for a chunked body or none.

        A value that is not a whole number counts as 0.
        """
        encoding = self.environ.get("HTTP_TRANSFER_ENCODING", "")
        if "chunked" in (part.strip().lower() for part in encoding.split(",")):
            return None
        announced = self.environ.get("CONTENT_LENGTH")
        if announced is None or announced == "":
            return None
        announced = announced.strip()
        return int(announced) if announced.isascii() and announced.isdigit() else 0

    def read_body(self, limit: int) -> bytes:
        """Read the whole body, refusing one larger than ``limit`` bytes.

        A body whose announced size is over the limit is refused unread, and
        one under it is read to exactly that size. A body announced without
        a size is read up to the limit when the server ends the input itself
        (``wsgi.input_terminated``), and not at all otherwise.

        :raises BodyTooLarge: when the body is over ``limit``.
        :raises BodyUnreadable: when it ends before its announced size or
            reading it fails.
        """
        size = self.content_length
        if size is not None and size > limit:
            raise BodyTooLarge(size, limit)

        stream = self.environ["wsgi.input"]
        if size is None and "wsgi.input_terminated" in self.environ:
            body = _read(stream, limit + 1)
            if len(body) > limit:
                raise BodyTooLarge(None, limit)
            return body
        if size is None:
            return b""
        body = _read(stream, size)
        if len(body) < size:
            raise BodyUnreadable(
                f"it ended after {len(body)} of the {size} bytes announced"
            )
        return body


def _read(stream: object, most: int) -> bytes:
    # One buffer grows from chunks freed as soon as they are copied. Reading
    # the body in one piece, or keeping the chunks, left the resident memory
    # of a server reading many large bodies at once growing from one wave of
    # them to the next.
    read = stream.read  # type: ignore[attr-defined]
    body = bytearray()
    while len(body) < most:
        try:
            chunk: bytes = read(min(most - len(body), _CHUNK))
        except OSError as error:
            raise BodyUnreadable(str(error) or type(error).__name__) from error
        if not chunk:
            break
        body += chunk
    return bytes(body)


class WebResponse:
    """One HTTP answer: a status, headers by lower-case name, and a body.

    ``content-length`` is added, except to a 204, which has no body. A HEAD
    request gets the headers alone. As a WSGI application it sends itself.
    """

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        content_type: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.headers: dict[str, str] = {}
        if content_type is not None:
            self.headers["content-type"] = content_type
        if status != HTTPStatus.NO_CONTENT:
            self.headers["content-length"] = str(len(body))
        if headers:
            self.update(headers)

    def update(self, headers: Mapping[str, str]) -> None:
        """Set ``headers``, replacing any of the same name in any case."""
        for name, value in headers.items():
            self.headers[name.lower()] = value

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        start_response(_status_line(self.status), list(self.headers.items()))
        if environ.get("REQUEST_METHOD") == "HEAD":
            return []
        return [self.body]


@functools.cache
def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
