"""The recording proxy: a WSGI application in front of a real Prefect server.

:func:`create_record_app` returns a Flask application that hands every
request under ``/api`` to a :class:`~mockserver.recording.Recorder`, which
forwards it to the real server, records the exchange and reports drift,
and sends the real answer back unchanged. Clients point
``PREFECT_API_URL`` at the proxy as they would at the server. A redirect
to the real server is pointed back at the proxy, so that following it does
not bypass the recording; the recording keeps the real ``Location``. A path
outside ``/api`` answers 404 ``{"detail": "Not Found"}`` without being
forwarded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

import flask
from werkzeug.routing import Rule

from mockserver.recording import Recorder
from mockserver.recording.recorder import API_PREFIX, Answer

# Connection-level headers of the real answer; the proxy's server sets its own.
_NOT_PASSED_BACK = frozenset(
    {"connection", "content-length", "keep-alive", "transfer-encoding"}
)


def create_record_app(recorder: Recorder) -> flask.Flask:
    """Return a WSGI application that forwards ``/api`` traffic through ``recorder``."""
    app = flask.Flask("mockserver.record")
    app.extensions["mockserver.recorder"] = recorder
    for rule in ("/", "/<path:anything>"):
        app.url_map.add(
            Rule(rule, endpoint="forward", strict_slashes=False, merge_slashes=False)
        )
    app.view_functions["forward"] = lambda **_: _forward(recorder)
    return app


def _forward(recorder: Recorder) -> flask.Response:
    request = flask.request
    path, query_string = _raw_target()
    if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
        not_found = Answer(404, [("content-type", "application/json")], _not_found())
        return _response(not_found, not_found.headers)

    answer = recorder.forward(
        request.method,
        path,
        query_string,
        dict(request.headers),
        request.get_data(cache=False),
    )
    headers = [
        (name, _through_proxy(value, recorder.target) if name == "location" else value)
        for name, value in answer.headers
    ]
    return _response(answer, headers)


def _through_proxy(location: str, target: str) -> str:
    """Point a redirect at the real server back at the proxy, as proxies do."""
    parts = urlsplit(target)
    origin = f"{parts.scheme}://{parts.netloc}"
    if location == origin or location.startswith(origin + "/"):
        return flask.request.host_url.rstrip("/") + location[len(origin) :]
    return location


def _raw_target() -> tuple[str, bytes]:
    """Return the path and query string exactly as the client sent them."""
    request = flask.request
    # waitress keeps the undecoded request target; other servers may not.
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if raw:
        path, _, query = str(raw).partition("?")
        return path, query.encode("latin-1")
    return quote(request.path, safe="/:@!$&'()*+,;=~"), request.query_string


def _response(answer: Answer, headers: Sequence[tuple[str, str]]) -> flask.Response:
    response = flask.Response(answer.body, answer.status)
    if answer.reason:
        # The real status line, not werkzeug's upper-cased one.
        response.status = f"{answer.status} {answer.reason}"
    response.headers.clear()
    for name, value in headers:
        if name.lower() not in _NOT_PASSED_BACK:
            response.headers.add(name, value)
    return response


def _not_found() -> bytes:
    return json.dumps({"detail": "Not Found"}, separators=(",", ":")).encode()


__all__ = ["create_record_app"]
