"""The operator's surface: request journal, control API, faults and dashboard.

Everything here is served by the application itself, under ``/__mock``:

- :mod:`.console`: what an operator can do (read the journal, reset and
  preload the state, switch mode and lifecycle, move flow runs, read
  contracts, set faults), as plain Python;
- :mod:`.control`: the control API, a Flask blueprint over the console,
  imported with Flask only when an application installs it;
- :mod:`.faults`: fault rules (latency, a status, a dropped connection) and
  the responder that applies them;
- :mod:`.wsgi`: the WSGI wrapper that drops connections under waitress;
- :mod:`.dashboard`: the live page at ``/__mock/``;
- :mod:`.openapi`: the control operations, and their place in the served
  OpenAPI document.

:func:`install` adds the control API and the dashboard to the Flask
application of :class:`~mockserver.app.MockService`, which applies
:func:`drop_connections` around everything it serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockserver.operator.console import Console
from mockserver.operator.faults import (
    RETRIED_STATUSES,
    ConnectionDropped,
    FaultInjector,
    FaultPlan,
    FaultRule,
    InjectedReply,
)
from mockserver.operator.openapi import (
    CONTROL_PREFIX,
    TOKEN_HEADER,
    document_with_control,
)
from mockserver.operator.wsgi import drop_connections

if TYPE_CHECKING:
    import flask

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
    "drop_connections",
    "install",
]


def install(app: flask.Flask, console: Console, *, token: str | None = None) -> None:
    """Serve the control API and dashboard of ``console`` from ``app``.

    Registers the blueprint under :data:`CONTROL_PREFIX`. Dropping
    connections for fault rules is the WSGI wrapper
    :func:`~mockserver.operator.wsgi.drop_connections`, which the
    application's server applies around everything it answers.

    :param token: the control token requests must carry; ``None`` for none.
    """
    from mockserver.operator.control import control_blueprint

    app.register_blueprint(control_blueprint(console, token=token))
