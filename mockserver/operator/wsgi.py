"""Drop a connection without answering, for the fault rules that ask for it.

WSGI has no way to say "answer nothing": an application that raises gets a
500 from its server. Waitress, the server ``mockserver serve`` runs on, does
close the socket silently when the application raises its
``ClientDisconnected``, the exception it raises itself when a client goes
away mid-answer. :func:`drop_connections` turns
:class:`~mockserver.operator.faults.ConnectionDropped` into that, after
recording the dropped request in the journal with status 0 (a browser's
status for a request that got no answer). Under another WSGI server the
exception reaches the server, which answers 500 or closes the connection.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from waitress.channel import ClientDisconnected

from mockserver.exchange import JSON
from mockserver.journal import Entry, Journal
from mockserver.operator.faults import ConnectionDropped
from mockserver.web import WebRequest

__all__ = ["DROPPED_STATUS", "drop_connections"]

DROPPED_STATUS = 0
"""The status a dropped request is recorded with in the journal."""

_log = logging.getLogger("mockserver")


def drop_connections(application: WSGIApplication, journal: Journal) -> WSGIApplication:
    """Wrap ``application`` so that :class:`ConnectionDropped` closes the socket.

    :param journal: where each dropped request is recorded.
    """

    def dropping(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        arrived = datetime.now(UTC)
        try:
            return application(environ, start_response)
        except ConnectionDropped as dropped:
            elapsed = (time.perf_counter() - started) * 1000
            _record(journal, environ, dropped, arrived, elapsed)
            raise ClientDisconnected(str(dropped)) from None

    return dropping


def _record(
    journal: Journal,
    environ: WSGIEnvironment,
    dropped: ConnectionDropped,
    arrived: datetime,
    elapsed: float,
) -> None:
    request = WebRequest(environ)
    journal.record(
        Entry(
            time=arrived,
            method=request.method,
            path=request.path,
            operation=dropped.call.operation,
            query=request.query,
            request_content=_encoded(dropped.call.body),
            status=DROPPED_STATUS,
            duration_ms=elapsed,
            error=f"connection dropped by fault rule ({dropped.rule.describe()})",
        )
    )
    _log.info(
        "%s %s %s dropped %.1fms",
        request.method,
        request.path,
        dropped.call.operation,
        elapsed,
    )


def _encoded(body: JSON) -> bytes:
    return b"" if body is None else json.dumps(body).encode()
