"""Drift: where the real server's traffic and the contract set disagree.

While recording, every request is held against its request contract and
every answer against the response contract for its status. A disagreement
is *drift*: the contract set no longer describes the server (or never did).
Drift is reported, never enforced; the traffic passes unchanged.

Three kinds exist:

- ``request``: the contract rejects a request the server accepted, or
  accepts one the server rejected as invalid (400 unparseable body, 422
  with violations), or rejects it with another status than the server;
- ``response``: the answer breaks the response contract of its status, or
  its status is not documented at all;
- neither applies to a request outside the contract set, which is counted
  but is not drift.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mockserver.contracts import ContractSet, Operation
from mockserver.exchange import JSON, Reply
from mockserver.validation import (
    UNPARSEABLE_BODY,
    Rejected,
    Violation,
    reply_violations,
)


@dataclass(frozen=True)
class Drift:
    """One disagreement between a recorded exchange and its contract.

    :param recording: the recording's file name.
    :param operation: the operation's name.
    :param side: ``"request"`` or ``"response"``.
    :param message: what disagrees, in one line.
    """

    recording: str
    operation: str
    side: str
    message: str

    def __str__(self) -> str:
        return f"{self.recording}: {self.side}: {self.message}"


def request_drift(
    recording: str,
    operation: Operation,
    rejected: Rejected | None,
    status: int,
    body: JSON = None,
) -> list[Drift]:
    """Compare the contract's verdict on a request with the server's.

    :param rejected: what validating the request raised, ``None`` if it passed.
    :param status: the status the real server answered.
    :param body: the body it answered with. A 422 whose body is a plain
        ``{"detail": "..."}`` is the server refusing a valid request for a
        reason of its own (Prefect 3.9.1 answers ``create_csrf_token`` so when
        CSRF protection is off), not a disagreement with the contract.
    """
    name = operation.name
    if rejected is None:
        if _rejects_as_invalid(status, body):
            message = (
                f"the server rejected with {status} a request the contract accepts"
            )
            return [Drift(recording, name, "request", message)]
        return []

    expected = rejected.reply.status
    if status == expected:
        return []
    verdict = f"the contract rejects it with {expected}, the server answered {status}"
    if not rejected.violations:
        return [Drift(recording, name, "request", verdict)]
    return [
        Drift(recording, name, "request", f"{violation} ({verdict})")
        for violation in rejected.violations
    ]


def _rejects_as_invalid(status: int, body: JSON) -> bool:
    if status == 400:
        return isinstance(body, dict) and body.get("detail") == UNPARSEABLE_BODY
    if status != 422:
        return False
    return not (isinstance(body, dict) and isinstance(body.get("detail"), str))


def response_drift(
    recording: str, contracts: ContractSet, operation: Operation, reply: Reply
) -> list[Drift]:
    """Return how a real answer breaks the operation's response contract."""
    found: Sequence[Violation] = reply_violations(contracts, operation, reply)
    return [
        Drift(recording, operation.name, "response", f"{reply.status} {violation}")
        for violation in found
    ]


class DriftReport:
    """Collects what a recording session wrote and the drift it found.

    Safe to share between the threads of a WSGI server.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recordings: list[str] = []
        self._outside: list[str] = []
        self._drift: list[Drift] = []

    def add(self, recording: str, drift: Iterable[Drift], *, outside: bool) -> None:
        """Count one written recording, with its drift."""
        with self._lock:
            self._recordings.append(recording)
            if outside:
                self._outside.append(recording)
            self._drift.extend(drift)

    @property
    def recordings(self) -> list[str]:
        """The names of the recordings written, in order."""
        with self._lock:
            return list(self._recordings)

    @property
    def drift(self) -> list[Drift]:
        """Every drift found, in the order it was found."""
        with self._lock:
            return list(self._drift)

    def summary(self) -> str:
        """Describe the session in a few lines, every drift on its own line."""
        with self._lock:
            recorded = len(self._recordings)
            outside = len(self._outside)
            drift = list(self._drift)

        lines = [f"recorded {recorded} exchange{'' if recorded == 1 else 's'}"]
        if outside:
            lines[0] += f" ({outside} outside the contract set)"
        if not drift:
            lines.append("no drift from the contract set")
            return "\n".join(lines)

        drifting = len({item.recording for item in drift})
        lines.append(f"drift in {drifting} of {recorded}:")
        lines.extend(f"  {item}" for item in drift)
        return "\n".join(lines)


__all__ = ["Drift", "DriftReport", "request_drift", "response_drift"]
