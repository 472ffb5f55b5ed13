"""The state layer: deployments, flows and flow runs as plain Python.

:class:`StatefulResponder` is the public face; the modules behind it hold
one concept each (flows, deployments, flow runs, orchestration, lifecycle,
filters, schedules, work pools, serialisation) and know nothing of HTTP.
"""

from __future__ import annotations

from mockserver.state.lifecycle import LIFECYCLES, Lifecycle
from mockserver.state.responder import (
    API_VERSION,
    SUPPORTED_VERSIONS,
    StatefulResponder,
)

__all__ = [
    "API_VERSION",
    "LIFECYCLES",
    "SUPPORTED_VERSIONS",
    "Lifecycle",
    "StatefulResponder",
]
