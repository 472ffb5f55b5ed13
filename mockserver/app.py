"""Serve a contract set over HTTP the way a real Prefect server answers.

:func:`create_service` returns a :class:`MockService`, a WSGI application
that serves every operation of a contract set under ``/api`` (the operation
``/deployments/{id}`` at ``/api/deployments/{id}``) and the contract set's
OpenAPI document at ``/api/openapi.json``; :func:`create_app` returns its
Flask application, which serves the same. Each request goes through the
same steps: find the operation, validate the request into a
:class:`~mockserver.exchange.Call`, let the responder answer it, check the
reply against its response contract, and record the exchange in the
:class:`~mockserver.journal.Journal`. Those steps are one method, run
without Flask for every request outside the control API; Flask serves the
control API, and its catch-all view runs the same method.

Routing copies the real server's (Starlette's), as measured:

- a path no operation has answers 404 ``{"detail": "Not Found"}``;
- a path some operation has, with another method, answers 405
  ``{"detail": "Method Not Allowed"}``; HEAD and OPTIONS are methods like
  any other, so they answer 405 too (the real server does the same);
- a path that matches once its trailing slash is added or removed answers
  307 with the corrected absolute URL, query string kept, whatever the method;
- Prefect 3 declares id parameters with a UUID path converter, so an id that
  is not a UUID answers 404; upper-case and dash-less UUIDs are accepted and
  reach the responder in the canonical lower-case dashed form. Prefect 2
  declares them as plain strings, so a malformed id is a 422 violation;
- a CORS preflight answers 200 ``OK``, and any request with an ``Origin``
  gets ``access-control-allow-origin: *``, as with Prefect's default settings.

One deliberate difference: the real server's ``Allow`` header names the
method of the first route it tried for that path (``PATCH`` for
``/deployments/{id}``); here it names every method the path has, as RFC 9110
asks for.

Nothing answers 5xx. When answering raises (a defect in a responder or in
mockserver), the traceback is logged and kept in the journal entry, and the
client gets 400 ``{"detail": "mockserver failed to answer OPERATION: ..."}``.
A 422 would claim "Invalid request received." and send the user looking for
a fault in a request that was fine; 404 and 409 are turned into domain errors
by the Prefect client; 400 with a ``detail`` is the shape the real server uses
for errors outside validation, and the Prefect client puts it in its message.

A request body larger than ``max_body_size`` (:data:`MAX_BODY_SIZE`, 10 MiB,
by default) answers 413 ``{"detail": ...}`` without being read; the real
server sets no limit. The journal keeps bodies up to
:data:`mockserver.journal.BODY_LIMIT` and only the size of larger ones, so
that a full journal stays small.

The operator's control API, fault injection and a live dashboard are served
under ``/__mock`` (see :mod:`mockserver.operator`); the served OpenAPI
document lists the control operations under their own tag.

Every request is logged as one INFO line on the ``mockserver`` logger::

    POST /api/deployments/ create_deployment 201 2.1ms
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from mockserver.contracts import ContractSet, Operation, load_contract_set
from mockserver.contracts.openapi import assemble
from mockserver.exchange import JSON, Reply, Responder
from mockserver.journal import BODY_LIMIT, Entry, Journal, not_kept
from mockserver.operator import (
    CONTROL_PREFIX,
    Console,
    FaultInjector,
    FaultPlan,
    InjectedReply,
    document_with_control,
    drop_connections,
    install,
)
from mockserver.state import Lifecycle, StatefulResponder
from mockserver.state.ids import canonical_uuid
from mockserver.validation import (
    Rejected,
    Violation,
    detail,
    parse_call,
    reply_violations,
)
from mockserver.web import BodyTooLarge, BodyUnreadable, WebRequest, WebResponse

if TYPE_CHECKING:
    import flask

API_PREFIX = "/api"
"""Where the API is served, as on a real Prefect server."""

OPENAPI_PATH = API_PREFIX + "/openapi.json"

MAX_BODY_SIZE = 10 * 1024 * 1024
"""The largest request body served by default, in bytes; larger answers 413."""

_log = logging.getLogger("mockserver")

_UUID = re.compile(
    "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
"""Starlette's UUID path converter: either case, dashes optional."""

_OPENAPI_ROUTE = "openapi document"


@dataclass(frozen=True)
class _Dialect:
    """Where the HTTP layers of Prefect's major versions differ."""

    uuid_converter: bool
    cors_methods: str


_DIALECTS = {
    # Prefect 3 routes ids as "/{id:uuid}"; Prefect 2 as "/{id}".
    "2": _Dialect(False, "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"),
    "3": _Dialect(True, "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"),
}


@dataclass(frozen=True)
class _Route:
    name: str
    method: str
    pattern: re.Pattern[str]
    uuid_parameters: frozenset[str]
    depth: int
    """How many ``/`` the paths it matches hold: a parameter is one segment."""
    converted: frozenset[str] = frozenset()
    """The parameters only a UUID matches (Starlette's ``uuid`` converter)."""

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        parameters = found.groupdict()
        for name in self.converted:
            if _UUID.fullmatch(parameters[name]) is None:
                return None
        return {
            name: _canonical_uuid(value) if name in self.uuid_parameters else value
            for name, value in parameters.items()
        }


def _canonical_uuid(value: str) -> str:
    if _UUID.fullmatch(value) is None:
        return value
    return canonical_uuid(value)


def _route(operation: Operation, dialect: _Dialect) -> _Route:
    formats = {
        name: schema.get("format")
        for name, schema in operation.path_schema.get("properties", {}).items()
    }
    uuids = frozenset(name for name, kind in formats.items() if kind == "uuid")

    # Every parameter matches one segment; the UUID check runs on the match,
    # which keeps the forty patterns small and quick to compile at start.
    pattern = ""
    for literal, name in re.findall(r"([^{]*)(?:{([^}]+)})?", operation.path):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P<{name}>[^/]+)"
    converted = uuids if dialect.uuid_converter else frozenset()
    return _Route(
        operation.name,
        operation.method,
        re.compile(API_PREFIX + pattern),
        uuids,
        (API_PREFIX + operation.path).count("/"),
        converted,
    )


class _Router:
    """Finds the operation for a method and path, in Starlette's manner."""

    def __init__(self, routes: Sequence[_Route]) -> None:
        self.routes = tuple(routes)
        # A path is tried only on the routes of its method and depth, in the
        # order given, so the first match is still the one Starlette finds.
        self._candidates: dict[tuple[str, int], list[_Route]] = {}
        for route in self.routes:
            self._candidates.setdefault((route.method, route.depth), []).append(route)

    def find(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        for route in self._candidates.get((method, path.count("/")), ()):
            parameters = route.match(path)
            if parameters is not None:
                return route, parameters
        return None

    def methods(self, path: str) -> list[str]:
        """Return every method some operation serves at ``path``."""
        found = {route.method for route in self.routes if route.match(path) is not None}
        return sorted(found)


@dataclass(frozen=True)
class _Outcome:
    reply: Reply
    operation: str | None = None
    request_violations: Sequence[Violation] = ()
    reply_violations: Sequence[Violation] = ()
    error: str | None = None


class _Edge:
    """The one view behind every route: route, validate, respond, check, record."""

    def __init__(
        self,
        contracts: ContractSet,
        responder: Responder,
        journal: Journal,
        *,
        check_replies: bool,
        max_body_size: int,
    ) -> None:
        self.contracts = contracts
        self.responder = responder
        self.journal = journal
        self.check_replies = check_replies
        self.max_body_size = max_body_size
        self.dialect = _DIALECTS.get(contracts.version.split(".")[0], _DIALECTS["3"])

        routes = [_route(operation, self.dialect) for operation in contracts]
        openapi = re.compile(re.escape(OPENAPI_PATH))
        routes.append(
            _Route(_OPENAPI_ROUTE, "GET", openapi, frozenset(), OPENAPI_PATH.count("/"))
        )
        self.router = _Router(routes)

    @functools.cached_property
    def openapi(self) -> JSON:
        """The served OpenAPI document, control operations included.

        Assembled on first request rather than at start: few clients ask.
        """
        return document_with_control(assemble(self.contracts))

    def answer(self, request: WebRequest) -> WebResponse:
        """Answer one request to the API: the whole of what the mock does."""
        started = time.perf_counter()
        arrived = datetime.now(UTC)
        body, refusal = _read_body(request, self.max_body_size)

        if refusal is not None:
            outcome = _Outcome(refusal)
            response = _render(refusal)
        elif _is_preflight(request):
            outcome = _Outcome(Reply(200, "OK"))
            response = self._preflight_response(request)
        else:
            outcome = self._outcome(request, body)
            try:
                response = _render(outcome.reply)
            except (RecursionError, TypeError, ValueError) as error:
                outcome = _failed(outcome.operation, error)
                response = _render(outcome.reply)
        _add_cors_headers(request, response)

        elapsed = (time.perf_counter() - started) * 1000
        self._record(request, outcome, arrived, body, response.body, elapsed)
        return response

    def _outcome(self, request: WebRequest, body: bytes) -> _Outcome:
        # Prefect mounts its API at "/api" with a pattern whose "." stops at
        # a newline, so a path holding one (%0A) reaches no route at all.
        if "\n" in request.path:
            return _Outcome(detail(404, "Not Found"))
        found = self.router.find(request.method, request.path)
        if found is None:
            return _Outcome(self._unrouted(request))

        route, parameters = found
        if route.name == _OPENAPI_ROUTE:
            return _Outcome(Reply(200, self.openapi))
        operation = self.contracts.operation(route.name)
        try:
            return self._call(request, operation, parameters, body)
        except Exception as error:
            return _failed(operation.name, error)

    def _call(
        self,
        request: WebRequest,
        operation: Operation,
        parameters: dict[str, str],
        body: bytes,
    ) -> _Outcome:
        try:
            call = parse_call(
                self.contracts,
                operation,
                path=parameters,
                query=request.query,
                headers=request.headers,
                body=body,
            )
        except Rejected as rejected:
            reply = rejected.reply
            request_violations: Sequence[Violation] = rejected.violations
        else:
            reply = self.responder.respond(call)
            request_violations = ()

        violations = self._check(operation, reply)
        return _Outcome(reply, operation.name, request_violations, violations)

    def _check(self, operation: Operation, reply: Reply) -> list[Violation]:
        # An injected fault is what the operator asked for, not a broken contract.
        if not self.check_replies or isinstance(reply, InjectedReply):
            return []
        violations = reply_violations(self.contracts, operation, reply)
        if violations:
            _log.warning(
                "reply %d to %s breaks its contract: %s",
                reply.status,
                operation.name,
                "; ".join(str(violation) for violation in violations),
            )
        return violations

    def _unrouted(self, request: WebRequest) -> Reply:
        path = request.path
        allowed = self.router.methods(path)
        if allowed:
            return Reply(
                405,
                {"detail": "Method Not Allowed"},
                {"allow": ", ".join(allowed)},
            )

        # Starlette retries with the trailing slash toggled, below the mount only.
        if path.startswith(API_PREFIX + "/") and path != API_PREFIX + "/":
            toggled = path.rstrip("/") if path.endswith("/") else path + "/"
            if self.router.methods(toggled):
                return Reply(307, None, {"location": _absolute_url(request, toggled)})
        return detail(404, "Not Found")

    def _preflight_response(self, request: WebRequest) -> WebResponse:
        response = WebResponse(200, b"OK", content_type="text/plain; charset=utf-8")
        response.headers["vary"] = (
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
            "Access-Control-Request-Private-Network"
        )
        response.headers["access-control-allow-origin"] = "*"
        response.headers["access-control-allow-methods"] = self.dialect.cors_methods
        response.headers["access-control-max-age"] = "600"
        # Prefect allows every header, so the requested ones are echoed.
        requested = request.headers.get("access-control-request-headers")
        if requested is not None:
            response.headers["access-control-allow-headers"] = requested
        return response

    def _record(
        self,
        request: WebRequest,
        outcome: _Outcome,
        arrived: datetime,
        body: bytes,
        reply_content: bytes,
        elapsed: float,
    ) -> None:
        reply = outcome.reply
        self.journal.record(
            Entry(
                time=arrived,
                method=request.method,
                path=request.path,
                operation=outcome.operation,
                query=request.query,
                request_content=body,
                status=reply.status,
                reply_content=reply_content,
                duration_ms=elapsed,
                request_violations=_small(outcome.request_violations, len(body)),
                reply_violations=_small(outcome.reply_violations, len(reply_content)),
                error=outcome.error,
            )
        )
        _log.info(
            "%s %s %s %d %.1fms",
            request.method,
            request.path,
            outcome.operation or "-",
            reply.status,
            elapsed,
        )


def _is_control(environ: WSGIEnvironment) -> bool:
    path: str = environ.get("PATH_INFO", "")
    return path.startswith(CONTROL_PREFIX)


def _is_preflight(request: WebRequest) -> bool:
    if request.method != "OPTIONS":
        return False
    headers = request.headers
    return "origin" in headers and "access-control-request-method" in headers


def _add_cors_headers(request: WebRequest, response: WebResponse) -> None:
    if "origin" in request.headers:
        response.headers["access-control-allow-origin"] = "*"
    if "vary" not in response.headers:
        response.headers["vary"] = "Origin"


def _render(reply: Reply) -> WebResponse:
    # The real server sends no body, and no content-type, with 204 and with
    # its redirects.
    if reply.status == 204 or (300 <= reply.status < 400 and reply.body is None):
        return WebResponse(reply.status, headers=reply.headers)
    return WebResponse(
        reply.status,
        _dump(reply.body),
        reply.headers,
        content_type="application/json",
    )


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
"""Starlette's JSONResponse: compact, UTF-8, keys in the order given."""


def _dump(body: JSON) -> bytes:
    return _ENCODER.encode(body).encode("utf-8")


def _failed(operation: str | None, error: Exception) -> _Outcome:
    # Called from an except block: the traceback is the one being handled.
    _log.exception("mockserver failed to answer %s", operation or "a request")
    message = (
        f"mockserver failed to answer {operation or 'the request'}: "
        f"{type(error).__name__}: {error} (see the mockserver log)"
    )
    return _Outcome(detail(400, message), operation, error=traceback.format_exc())


def _absolute_url(request: WebRequest, path: str) -> str:
    # Starlette's RedirectResponse: scheme and Host of the request, query kept.
    url = request.url_root + path
    if request.query_string:
        url += "?" + request.query_string
    return quote(url, safe=":/%#?=@[]!$&'()*+,;")


def _read_body(request: WebRequest, limit: int) -> tuple[bytes, Reply | None]:
    """Return the request's body, or the 413 or 400 that refuses it."""
    try:
        return request.read_body(limit), None
    except BodyTooLarge as refused:
        sent = "" if refused.size is None else f" ({refused.size} bytes)"
        message = (
            f"Request body too large{sent}: this mock server accepts at most "
            f"{limit} bytes (mockserver serve --max-body-size)"
        )
        return b"", detail(413, message)
    except BodyUnreadable as unreadable:
        return b"", detail(400, f"Request body could not be read: {unreadable}")


def _small(violations: Sequence[Violation], size: int) -> tuple[Violation, ...]:
    """Return violations fit for the journal: large inputs noted by their size.

    A violation's input can be the whole body it was found in, so only those
    of a large body are measured.
    """
    if size <= BODY_LIMIT:
        return tuple(violations)
    kept = []
    for violation in violations:
        input_size = len(_dump(violation.input))
        if input_size > BODY_LIMIT:
            violation = replace(violation, input=not_kept(input_size))
        kept.append(violation)
    return tuple(kept)


def create_service(
    prefect_version: str = "3.9.1",
    *,
    responder: Responder | None = None,
    seed: int = 0,
    lifecycle: Lifecycle = "hold",
    check_replies: bool = True,
    journal_size: int = 1000,
    contracts_root: Path | None = None,
    max_body_size: int = MAX_BODY_SIZE,
    faults: FaultPlan | None = None,
    control_token: str | None = None,
) -> MockService:
    """Return the mock server of one Prefect version's contract set, as WSGI.

    :param prefect_version: the contract set to serve, ``"3.9.1"`` or ``"2.14.16"``.
    :param responder: what answers validated calls; by default a
        :class:`~mockserver.state.StatefulResponder` built from ``seed`` and
        ``lifecycle``.
    :param seed: seed of the default responder's ids and run names.
    :param lifecycle: what the default responder's flow runs do after they
        are created: ``"hold"``, ``"complete"`` or ``"fail"``.
    :param check_replies: check every reply against its response contract and
        record the violations in the journal (they never change the reply).
    :param journal_size: how many exchanges the journal keeps (see
        :func:`journal_of`).
    :param contracts_root: the folder holding contract sets, if not the default.
    :param max_body_size: the largest request body answered, in bytes; a
        larger one answers 413 ``{"detail": ...}`` without being read. The
        real server sets no limit; this one keeps a hostile client from
        exhausting memory.
    :param faults: the fault rules in force from the start (see
        :mod:`mockserver.operator.faults`); the control API can change them.
    :param control_token: the token the control API under ``/__mock`` asks
        for; ``None`` leaves it open.
    :raises UnknownVersion: when no contract set exists for ``prefect_version``.
    :raises FaultError: when a fault rule names an operation not served.
    """
    contracts = load_contract_set(prefect_version, root=contracts_root)
    if responder is None:
        responder = StatefulResponder(prefect_version, lifecycle=lifecycle, seed=seed)
    injector = FaultInjector(responder, faults, seed=seed)
    edge = _Edge(
        contracts,
        injector,
        Journal(journal_size),
        check_replies=check_replies,
        max_body_size=max_body_size,
    )
    console = Console(contracts, edge.journal, injector, seed=seed, lifecycle=lifecycle)
    return MockService(edge, console, control_token=control_token)


def create_app(
    prefect_version: str = "3.9.1",
    *,
    responder: Responder | None = None,
    seed: int = 0,
    lifecycle: Lifecycle = "hold",
    check_replies: bool = True,
    journal_size: int = 1000,
    contracts_root: Path | None = None,
    max_body_size: int = MAX_BODY_SIZE,
    faults: FaultPlan | None = None,
    control_token: str | None = None,
) -> flask.Flask:
    """Return a Flask application serving one Prefect version's contract set.

    It is the :attr:`MockService.flask_app` of :func:`create_service`, which
    takes the same arguments and says what each means and what it raises.
    """
    return create_service(
        prefect_version,
        responder=responder,
        seed=seed,
        lifecycle=lifecycle,
        check_replies=check_replies,
        journal_size=journal_size,
        contracts_root=contracts_root,
        max_body_size=max_body_size,
        faults=faults,
        control_token=control_token,
    ).flask_app


class MockService:
    """The mock server as a WSGI application, with Flask only where it is needed.

    API requests are answered by the edge's one method, on the request and
    response of :mod:`mockserver.web`, outside Flask and Werkzeug: Flask's
    dispatching took about a quarter of an API request's time, and the API
    uses none of either. The control API and the dashboard are served by a
    Flask application, :attr:`flask_app`, built (and Flask imported) on the
    first request that needs it or when :func:`create_app` asks for it. So
    a pytest session served by the ``prefect_mock`` fixture, which drives
    the control surface in process, imports Flask only if a test calls the
    control API over HTTP.
    """

    def __init__(
        self, edge: _Edge, console: Console, *, control_token: str | None
    ) -> None:
        self.edge = edge
        self.console = console
        self.control_token = control_token
        self._application = drop_connections(self._answer, edge.journal)
        self._building = threading.Lock()
        self._flask: tuple[flask.Flask, WSGIApplication] | None = None

    @property
    def journal(self) -> Journal:
        """Every exchange answered, up to the journal's size."""
        return self.edge.journal

    @property
    def max_body_size(self) -> int:
        """The largest request body answered, in bytes."""
        return self.edge.max_body_size

    @property
    def flask_app(self) -> flask.Flask:
        """The Flask application serving everything, control API included."""
        return self._flask_parts()[0]

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        return self._application(environ, start_response)

    def waits(self, environ: WSGIEnvironment) -> bool:
        """Tell whether answering ``environ`` may block the thread answering it.

        The control API and the dashboard may (Flask is built on first use,
        and they take locks the API's requests hold); so does every request
        while a fault rule adds latency, which is slept. An event-loop server
        answers the others on its loop (see :mod:`mockserver.loop_server`).
        """
        return _is_control(environ) or self.console.injector.delays

    def _answer(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        if _is_control(environ):
            dispatch = self._flask_parts()[1]
            return dispatch(environ, start_response)
        try:
            response = self.edge.answer(WebRequest(environ))
        except Exception as error:
            response = _last_resort(error)
        return response(environ, start_response)

    def _flask_parts(self) -> tuple[flask.Flask, WSGIApplication]:
        with self._building:
            if self._flask is None:
                self._flask = self._build_flask()
            return self._flask

    def _build_flask(self) -> tuple[flask.Flask, WSGIApplication]:
        import flask
        from werkzeug.exceptions import HTTPException
        from werkzeug.routing import PathConverter, Rule

        class Everything(PathConverter):
            # Werkzeug's path converter stops at a newline (%0A in the URL),
            # which would leave such a request unlogged and out of the journal.
            regex = "[^/][\\s\\S]*?"

        def view(**_: str) -> WebResponse:
            return self.edge.answer(WebRequest(flask.request.environ))

        def failed(error: Exception) -> WebResponse:
            if isinstance(error, HTTPException) and (error.code or 500) < 500:
                return _render(detail(error.code or 400, error.name))
            return _last_resort(error)

        app = flask.Flask("mockserver")
        app.config["MAX_CONTENT_LENGTH"] = self.max_body_size
        app.extensions["mockserver"] = self
        # One rule for every method and path: the edge routes as Starlette does.
        app.url_map.converters["everything"] = Everything
        for rule in ("/", "/<everything:anything>"):
            app.url_map.add(
                Rule(
                    rule,
                    endpoint="mockserver",
                    strict_slashes=False,
                    merge_slashes=False,
                )
            )
        app.view_functions["mockserver"] = view
        app.register_error_handler(Exception, failed)
        install(app, self.console, token=self.control_token)

        # Serving the Flask application is serving this service.
        dispatch = app.wsgi_app
        app.wsgi_app = self  # type: ignore[method-assign]
        return app, dispatch


def _last_resort(error: Exception) -> WebResponse:
    # Reached only when reading the request or recording it fails; the real
    # server's 500 is never the answer.
    return _render(_failed(None, error).reply)


def journal_of(app: flask.Flask) -> Journal:
    """Return the journal of an application made by :func:`create_app`.

    :raises KeyError: when ``app`` was not made by :func:`create_app`.
    """
    service: MockService = app.extensions["mockserver"]
    return service.journal


__all__ = [
    "API_PREFIX",
    "MAX_BODY_SIZE",
    "OPENAPI_PATH",
    "MockService",
    "create_app",
    "create_service",
    "journal_of",
]
