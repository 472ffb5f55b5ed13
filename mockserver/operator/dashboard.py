"""The dashboard: one page that shows what a running mock is doing.

Served at ``/__mock/`` by the same process as the API. The page is rendered
on the server with what changes rarely (the version, the contract of every
operation, how faults work) and a small script keeps the rest live: it polls
the control API every second for the journal (violations highlighted, each
request and answer expandable), the flows, deployments and runs in state,
and the fault rules in force. Everything it loads comes from the mock
itself; a Content-Security-Policy header forbids anything else.
"""

from __future__ import annotations

import json

import flask

from mockserver.operator.console import Console
from mockserver.operator.faults import RETRIED_STATUSES

__all__ = ["CONTENT_SECURITY_POLICY", "page"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)
"""Only the mock's own script, style and API; no inline code, nothing remote."""

_EXAMPLE_PLAN = {
    "seed": 7,
    "rules": [
        {"operation": "create_flow_run_from_deployment", "status": 503, "times": 2},
        {"operation": None, "latency_ms": [20, 80], "probability": 0.5},
    ],
}


def page(console: Console) -> flask.Response:
    """Render the dashboard of ``console``'s application."""
    operations = [
        {
            **operation,
            "document": json.dumps(console.contract(operation["name"]), indent=2),
        }
        for operation in console.operations()
    ]
    html = flask.render_template(
        "mockserver_operator/dashboard.html",
        settings=console.settings(),
        operations=operations,
        retried=", ".join(map(str, RETRIED_STATUSES)),
        example=json.dumps(_EXAMPLE_PLAN, indent=2),
    )
    response = flask.Response(html, 200, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response
