"""Forward requests to a real server, record each exchange, report drift.

A :class:`Recorder` stands between a client and a real Prefect server. For
each request it forwards the request unchanged, returns the real answer
unchanged, writes the exchange as one recording file (see
:mod:`.recordings`), and holds request and answer against the contract set.
Every disagreement is drift (see :mod:`.drift`): logged as a warning on the
``mockserver`` logger and kept for the session's summary. Drift never
changes or blocks the traffic.

It knows nothing of WSGI: the proxy application in
:mod:`mockserver.record_proxy` hands it the parts of each request::

    recorder = Recorder("http://127.0.0.1:4200/api", Path("recordings"), contracts)
    answer = recorder.forward("GET", "/api/deployments/0b5d...", b"", {}, b"")
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from mockserver.contracts import ContractSet
from mockserver.exchange import JSON, Reply
from mockserver.recording.drift import (
    Drift,
    DriftReport,
    request_drift,
    response_drift,
)
from mockserver.recording.recordings import (
    RecordedRequest,
    RecordedResponse,
    Recording,
    next_sequence,
    recording_name,
    redact_body,
    redact_headers,
    write_recording,
)
from mockserver.recording.routes import RouteMatch, RouteTable
from mockserver.validation import Rejected, parse_call

_log = logging.getLogger("mockserver")

API_PREFIX = "/api"

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "content-length",
        "host",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers that belong to one connection and are not forwarded (RFC 9110 7.6.1)."""


@dataclass(frozen=True)
class Answer:
    """What the real server answered, passed back to the client unchanged.

    :param status: the HTTP status code.
    :param headers: the response headers, in order, repeated names kept.
    :param body: the response body, exactly as received.
    :param reason: the reason phrase of the status line (``Not Found``).
    """

    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes
    reason: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is an answer to record and pass on, not to follow.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Recorder:
    """Forwards requests to ``target`` and records every exchange in ``directory``.

    :param target: the real server's API root, ``http://HOST:PORT/api``.
    :param directory: where recordings are written; created if missing.
        Numbering continues after the recordings already there.
    :param contracts: the contract set requests and answers are held against.
    :param timeout: seconds to wait for the real server's answer.
    """

    def __init__(
        self,
        target: str,
        directory: Path,
        contracts: ContractSet,
        *,
        timeout: float = 60.0,
    ) -> None:
        self.target = target.rstrip("/")
        self.directory = directory
        self.contracts = contracts
        self.timeout = timeout
        self.report = DriftReport()

        directory.mkdir(parents=True, exist_ok=True)
        self._sequence = next_sequence(directory)
        self._lock = threading.Lock()
        # Prefect 3 routes ids with a UUID converter; Prefect 2 as plain strings.
        self._routes = RouteTable(
            contracts, API_PREFIX, uuid_segments=not contracts.version.startswith("2.")
        )
        # No proxies from the environment: the target is always reached directly.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _NoRedirects()
        )

    def forward(
        self,
        method: str,
        path: str,
        query_string: bytes,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Answer:
        """Send one request to the real server, record it, and return the answer.

        :param path: the URL path as the client sent it, starting with ``/api``.
        :param query_string: the raw query string, without ``?``.
        :param headers: the client's request headers.
        :param body: the raw request body.
        :returns: the real answer, or 502 with a ``detail`` when the real
            server cannot be reached (nothing is recorded then).
        """
        arrived = datetime.now(UTC)
        started = time.perf_counter()
        try:
            answer = self._send(method, path, query_string, headers, body)
        except OSError as error:
            _log.error(
                "cannot reach %s for %s %s: %s", self.target, method, path, error
            )
            message = f"mockserver could not reach {self.target}: {error}"
            return Answer(
                502,
                [("content-type", "application/json")],
                _json(message),
                "Bad Gateway",
            )
        elapsed = (time.perf_counter() - started) * 1000

        query = dict(parse_qsl(query_string.decode("latin-1")))
        request = _Request(method.upper(), path, query, headers, body)
        try:
            name = self._record(request, answer, arrived, elapsed)
        except Exception:
            # Recording serves the traffic, never the other way round.
            _log.exception("could not record %s %s", method, path)
            name = "(not recorded)"
        _log.info("%s %s %d %.1fms %s", method, path, answer.status, elapsed, name)
        return answer

    def _send(
        self,
        method: str,
        path: str,
        query_string: bytes,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Answer:
        url = self.target + path.removeprefix(API_PREFIX)
        if query_string:
            url += "?" + query_string.decode("latin-1")
        forwarded = {
            name: value
            for name, value in headers.items()
            # Without Accept-Encoding the answer comes back as plain JSON.
            if name.lower() not in _HOP_BY_HOP and name.lower() != "accept-encoding"
        }
        outgoing = urllib.request.Request(
            url, data=body or None, headers=forwarded, method=method.upper()
        )
        try:
            with self._opener.open(outgoing, timeout=self.timeout) as response:
                return Answer(
                    response.status,
                    _pairs(response.headers),
                    response.read(),
                    response.reason,
                )
        except urllib.error.HTTPError as error:
            with error:
                return Answer(
                    error.code, _pairs(error.headers), error.read(), error.reason
                )

    def _record(
        self, request: _Request, answer: Answer, arrived: datetime, elapsed: float
    ) -> str:
        found = self._routes.match(request.method, request.path)
        operation = found.operation.name if found else None
        with self._lock:
            name = recording_name(self._sequence, operation, answer.status)
            self._sequence += 1

        drift = self._drift(name, found, request, answer) if found else []
        for item in drift:
            _log.warning("drift in %s", item)
        if found is None:
            _log.info("%s %s is outside the contract set", request.method, request.path)

        recording = Recording(
            operation=operation,
            prefect_version=self.contracts.version,
            request=_recorded_request(request, found),
            response=_recorded_response(answer),
            recorded_at=arrived.isoformat(),
            duration_ms=elapsed,
            drift=[f"{item.side}: {item.message}" for item in drift],
        )
        write_recording(self.directory, name, recording)
        self.report.add(name, drift, outside=found is None)
        return name

    def _drift(
        self, name: str, found: RouteMatch, request: _Request, answer: Answer
    ) -> list[Drift]:
        operation = found.operation
        rejected: Rejected | None = None
        try:
            parse_call(
                self.contracts,
                operation,
                path=found.parameters,
                query=request.query,
                headers=request.headers,
                body=request.body,
            )
        except Rejected as error:
            rejected = error
        parsed, text = _parse(answer.body)
        drift = request_drift(name, operation, rejected, answer.status, parsed)

        if text is not None:
            message = f"{answer.status} the body is not JSON: {text[:80]!r}"
            return [*drift, Drift(name, operation.name, "response", message)]
        reply = Reply(answer.status, parsed)
        return drift + response_drift(name, self.contracts, operation, reply)


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


def _recorded_request(request: _Request, found: RouteMatch | None) -> RecordedRequest:
    body, text = _parse(request.body)
    return RecordedRequest(
        method=request.method,
        path=request.path,
        path_parameters=dict(found.parameters) if found else {},
        query=dict(request.query),
        headers=redact_headers(request.headers),
        body=redact_body(body),
        text=text,
    )


def _recorded_response(answer: Answer) -> RecordedResponse:
    body, text = _parse(answer.body)
    return RecordedResponse(
        status=answer.status,
        headers=redact_headers(dict(answer.headers)),
        body=redact_body(body),
        text=text,
    )


def _parse(raw: bytes) -> tuple[JSON, str | None]:
    """Return ``(json, None)``, or ``(None, text)`` for a body that is not JSON."""
    if not raw:
        return None, None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text), None
    except ValueError:
        return None, text


def _pairs(headers: Message) -> list[tuple[str, str]]:
    return [(name.lower(), value) for name, value in headers.items()]


def _json(message: str) -> bytes:
    return json.dumps({"detail": message}).encode("utf-8")


__all__ = ["API_PREFIX", "Answer", "Recorder"]
