"""The operator's surface: request journal, control API, faults and dashboard.

Everything here is served by the application itself, under ``/__mock``:

- :mod:`.console`: what an operator can do (read the journal, reset and
  preload the state, switch mode and lifecycle, move flow runs, read
  contracts, set faults), as plain Python;
- :mod:`.control`: the control API, a Flask blueprint over the console;
- :mod:`.faults`: fault rules (latency, a status, a dropped connection) and
  the responder that applies them;
- :mod:`.wsgi`: the WSGI wrapper that drops connections under waitress;
- :mod:`.dashboard`: the live page at ``/__mock/``;
- :mod:`.openapi`: the control operations, and their place in the served
  OpenAPI document.

:func:`install` wires all of it into an application made by
:func:`~mockserver.app.create_app`.
"""

from __future__ import annotations

import flask

from mockserver.operator.console import Console
from mockserver.operator.control import TOKEN_HEADER, control_blueprint
from mockserver.operator.faults import (
    RETRIED_STATUSES,
    ConnectionDropped,
    FaultInjector,
    FaultPlan,
    FaultRule,
    InjectedReply,
)
from mockserver.operator.openapi import CONTROL_PREFIX, document_with_control
from mockserver.operator.wsgi import drop_connections

__all__ = [
    "CONTROL_PREFIX",
    "RETRIED_STATUSES",
    "TOKEN_HEADER",
    "ConnectionDropped",
    "Console",
    "FaultInjector",
    "FaultPlan",
    "FaultRule",
    "InjectedReply",
    "document_with_control",
    "install",
]


def install(app: flask.Flask, console: Console, *, token: str | None = None) -> None:
    """Serve the control API and dashboard of ``console`` from ``app``.

    Registers the blueprint under :data:`CONTROL_PREFIX` and wraps the WSGI
    application so that fault rules can drop connections.

    :param token: the control token requests must carry; ``None`` for none.
    """
    app.register_blueprint(control_blueprint(console, token=token))
    app.wsgi_app = drop_connections(  # type: ignore[method-assign,assignment]
        app.wsgi_app, console.journal
    )
