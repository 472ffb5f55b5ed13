"""The control API: a Flask blueprint under ``/__mock``.

Every route is one of :data:`~mockserver.operator.openapi.CONTROL_OPERATIONS`
and calls one :class:`~mockserver.operator.console.Console` method; answers
are JSON, refusals ``{"detail": MESSAGE}`` with a 4xx status (or the real
server's body, for a flow run the state does not know). Requests to the
control API never enter the journal, so the dashboard's polling leaves no
trace in it.

With a control token, every request must carry it, as
``Authorization: Bearer TOKEN`` or ``X-Mock-Token: TOKEN``; the dashboard
page also takes ``?token=TOKEN`` (a browser cannot set headers on the page
it opens) and hands it to its script. Without a token the control API is
open: the server binds to loopback unless told otherwise.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

import flask
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from mockserver.errors import (
    FaultError,
    OperationRefused,
    RecordingError,
    UnknownOperation,
    UnknownVersion,
)
from mockserver.exchange import JSON
from mockserver.operator import dashboard
from mockserver.operator.console import Console
from mockserver.operator.openapi import (
    CONTROL_OPERATIONS,
    CONTROL_PREFIX,
    TOKEN_HEADER,
)

__all__ = ["control_blueprint"]

_BLUEPRINT = "mockserver_operator"
_ANY = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

_log = logging.getLogger("mockserver")

View = Callable[..., flask.Response]


def control_blueprint(console: Console, *, token: str | None = None) -> flask.Blueprint:
    """Return the blueprint of the control API and the dashboard.

    :param console: what the routes act on.
    :param token: the control token every request must carry; ``None``
        leaves the control API open.
    """
    blueprint = flask.Blueprint(
        _BLUEPRINT,
        __name__,
        url_prefix=CONTROL_PREFIX,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    dispatch = _dispatcher(_views(console), token)
    for rule, defaults in (("/", {"rest": ""}), ("/<path:rest>", {})):
        blueprint.add_url_rule(
            rule,
            "control",
            dispatch,
            defaults=defaults,
            methods=_ANY,
            strict_slashes=False,
        )
    blueprint.after_request(_log_change)
    blueprint.register_error_handler(Exception, _refusal)
    return blueprint


def _dispatcher(views: dict[str, View], token: str | None) -> View:
    """Return the one view that routes every control request to its operation.

    The operations are routed by a map of their own, compiled on the first
    control request: most servers never see one, and compiling a rule per
    operation into the application's map would cost every start.
    """
    routes = functools.cache(
        lambda: Map(
            [
                Rule(
                    CONTROL_PREFIX + operation.path.replace("{", "<").replace("}", ">"),
                    endpoint=operation.name,
                    methods=[operation.method],
                )
                for operation in CONTROL_OPERATIONS
            ],
            strict_slashes=False,
        )
    )

    def dispatch(rest: str) -> flask.Response:
        request = flask.request
        adapter = routes().bind("localhost")
        try:
            name, arguments = adapter.match(request.path, request.method)
        except (NotFound, MethodNotAllowed):
            name, arguments = None, {}

        refused = _refused_token(token, name)
        if refused is not None:
            return refused
        if name is None:
            return _unrouted(sorted(adapter.allowed_methods(request.path)))
        return views[str(name)](**arguments)

    return dispatch


def _unrouted(allowed: list[str]) -> flask.Response:
    request = flask.request
    if allowed and request.method == "OPTIONS":
        response = flask.Response(b"", 200)
    elif allowed:
        response = _refuse(405, "Method Not Allowed")
    else:
        return _refuse(
            404,
            f"no control operation at {request.path!r}; "
            f"the control API is documented under the tag 'mockserver control' "
            f"in /api/openapi.json",
        )
    response.headers["Allow"] = ", ".join(allowed)
    return response


def _views(console: Console) -> dict[str, View]:
    def read_requests() -> flask.Response:
        arguments = flask.request.args
        entries = console.requests(
            operation=arguments.get("operation"),
            status=_integer(arguments, "status"),
            after=_integer(arguments, "after") or 0,
        )
        response = _answer(200, entries)
        response.headers["X-Mock-Journal-Kept"] = str(len(console.journal))
        return response

    def move(how: str) -> View:
        def view(id: str) -> flask.Response:
            message = _body().get("message") if how == "fail" else None
            if message is not None and not isinstance(message, str):
                raise ValueError(f"message is a string, not {message!r}")
            return _answer(200, console.move_flow_run(id, how, message))

        return view

    return {
        "mock_dashboard": lambda: dashboard.page(console),
        "mock_read_requests": read_requests,
        "mock_clear_requests": lambda: _done(console.clear_requests),
        "mock_reset": lambda: _done(lambda: console.reset(**_flags(_body()))),
        "mock_preload": lambda: _answer(201, console.preload(_body())),
        "mock_read_state": lambda: _answer(200, console.snapshot()),
        "mock_read_settings": lambda: _answer(200, console.settings()),
        "mock_update_settings": lambda: _answer(200, console.update_settings(_body())),
        "mock_advance_flow_run": move("advance"),
        "mock_complete_flow_run": move("complete"),
        "mock_fail_flow_run": move("fail"),
        "mock_read_operations": lambda: _answer(200, console.operations()),
        "mock_read_operation": lambda name: _answer(200, console.contract(name)),
        "mock_read_faults": lambda: _answer(200, console.faults()),
        "mock_replace_faults": lambda: _answer(
            200, console.replace_faults(_json_body())
        ),
        "mock_clear_faults": lambda: _done(console.clear_faults),
    }


def _answer(status: int, body: JSON) -> flask.Response:
    # default=str: a violation's input may hold what JSON cannot (a set).
    text = json.dumps(body, ensure_ascii=False, default=str)
    return flask.Response(text, status, content_type="application/json")


def _done(action: Callable[[], None]) -> flask.Response:
    action()
    return flask.Response(b"", 204)


def _refuse(status: int, message: str) -> flask.Response:
    return _answer(status, {"detail": message})


def _json_body() -> JSON:
    data = flask.request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        return json.loads(data)
    except ValueError as error:
        raise ValueError(f"the request body is not JSON: {error}") from None


def _body() -> dict[str, Any]:
    document = _json_body()
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ValueError(f"the request body is a JSON object, not {document!r}")
    return document


def _flags(document: dict[str, Any]) -> dict[str, bool]:
    unknown = sorted(set(document) - {"journal", "faults"})
    if unknown:
        raise ValueError(f"reset takes journal and faults, not {unknown!r}")
    return {name: bool(value) for name, value in document.items()}


def _integer(arguments: Any, name: str) -> int | None:
    value = arguments.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"query parameter {name} is an integer, not {value!r}"
        ) from None


def _refused_token(token: str | None, operation: str | None) -> flask.Response | None:
    """Return the 401 for a request without the control token, if one is set."""
    if token is None:
        return None
    presented = _presented(flask.request, operation)
    if presented is not None and hmac.compare_digest(
        presented.encode(), token.encode()
    ):
        return None
    response = _refuse(
        401,
        "the control API needs its token: send 'Authorization: Bearer TOKEN' "
        f"or '{TOKEN_HEADER}: TOKEN'",
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="mockserver control"'
    return response


def _presented(request: flask.Request, operation: str | None) -> str | None:
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials.strip()
    if TOKEN_HEADER in request.headers:
        return request.headers[TOKEN_HEADER]
    # Only the page a browser opens may carry the token in its URL.
    if operation == "mock_dashboard":
        return request.args.get("token")
    return None


def _log_change(response: flask.Response) -> flask.Response:
    # The dashboard polls every second: only changes are worth a line.
    if flask.request.method not in ("GET", "HEAD", "OPTIONS"):
        _log.info(
            "%s %s control %d",
            flask.request.method,
            flask.request.path,
            response.status_code,
        )
    return response


def _refusal(error: Exception) -> flask.Response:
    if isinstance(error, OperationRefused):
        return _answer(error.status, error.body)
    if isinstance(error, UnknownOperation):
        return _refuse(404, str(error))
    if isinstance(error, UnknownVersion):
        return _refuse(409, f"this server has no state to control: {error}")
    if isinstance(error, ValueError | FaultError | RecordingError):
        return _refuse(422, str(error))
    if isinstance(error, HTTPException):
        return _refuse(error.code or 400, error.description or error.name)
    _log.exception("the control API failed on %s", flask.request.path)
    return _refuse(500, f"the control API failed: {type(error).__name__}: {error}")
