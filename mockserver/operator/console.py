"""What an operator can do to a running mock, as plain Python.

A :class:`Console` holds the parts of one application that an operator
steers: the journal, the fault injector and the responders behind it (the
stateful one, and a playback one when there are recordings). The control API
(:mod:`mockserver.operator.control`) and the dashboard call it and send its
JSON-ready results as they are.

The *mode* names which responder answers: ``stateful`` (the in-memory
server), ``playback`` (recordings) or ``custom`` (a responder handed to
:func:`~mockserver.app.create_app` that is neither). Switching mode keeps
the state: switching back finds the same flows, deployments and runs.

Refusals raise: :class:`ValueError` for a malformed request,
:class:`~mockserver.errors.FaultError` for bad fault rules,
:class:`~mockserver.errors.OperationRefused` with the real server's status
and body for what the state refuses (an unknown run), and
:class:`~mockserver.errors.UnknownOperation` for a contract that does not
exist.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mockserver.contracts import ContractSet, Operation
from mockserver.errors import FaultError, OperationRefused
from mockserver.exchange import JSON, Call, Responder
from mockserver.journal import Entry, Journal
from mockserver.operator.faults import FaultInjector, FaultPlan
from mockserver.state import LIFECYCLES, Lifecycle, StatefulResponder
from mockserver.validation import Violation

if TYPE_CHECKING:
    from mockserver.recording import PlaybackResponder

__all__ = ["MODES", "Console", "entry_json", "violation_json"]

MODES = ("stateful", "playback", "custom")
"""The modes a console reports; ``custom`` cannot be switched to."""

_SETTINGS = ("mode", "fixtures", "placeholders", "lifecycle", "step_delay")
_PAGE = 200
"""The largest page Prefect's read operations answer."""
_MOST_PAGES = 50
"""A bound on the pages one state snapshot reads, 10,000 objects a kind."""
_FLOW_RUN_STATES = ("advance", "complete", "fail")


class Console:
    """The operator's handle on one application.

    :param contracts: the contract set served.
    :param journal: the application's journal.
    :param injector: the fault injector in front of the responder; its
        :attr:`~FaultInjector.responder` is the responder in use.
    :param seed: the seed of a stateful responder made on demand.
    :param lifecycle: the lifecycle of a stateful responder made on demand.
    """

    def __init__(
        self,
        contracts: ContractSet,
        journal: Journal,
        injector: FaultInjector,
        *,
        seed: int = 0,
        lifecycle: Lifecycle = "hold",
    ) -> None:
        self.contracts = contracts
        self.journal = journal
        self.injector = injector
        self.seed = seed
        self._lifecycle = lifecycle
        self._custom: Responder | None = None
        self._state: StatefulResponder | None = None
        self._playback: PlaybackResponder | None = None
        self._remember(injector.responder)
        self.check_plan(injector.plan)

    def _remember(self, responder: Responder) -> None:
        if isinstance(responder, StatefulResponder):
            self._state = responder
        elif _is_playback(responder):
            self._playback = cast("PlaybackResponder", responder)
        else:
            self._custom = responder

    # the journal

    def requests(
        self,
        operation: str | None = None,
        status: int | None = None,
        after: int = 0,
    ) -> list[JSON]:
        """Return the journal's entries as JSON, oldest first.

        :param after: keep only entries whose sequence number is above it.
        """
        entries = self.journal.entries(operation=operation, status=status)
        return [entry_json(entry) for entry in entries if entry.sequence > after]

    def clear_requests(self) -> None:
        """Forget every entry of the journal."""
        self.journal.clear()

    # the state

    def state(self) -> StatefulResponder:
        """Return the stateful responder, made on first use if there is none.

        :raises UnknownVersion: when the contract set's version has no
            stateful semantics.
        """
        if self._state is None:
            self._state = StatefulResponder(
                self.contracts.version,
                lifecycle=self._lifecycle,
                seed=self.seed,
            )
        return self._state

    def reset(self, *, journal: bool = False, faults: bool = False) -> None:
        """Forget every flow, deployment and run; optionally the journal and faults."""
        self.state().reset()
        if journal:
            self.journal.clear()
        if faults:
            self.injector.clear()

    def preload(self, document: JSON) -> dict[str, int]:
        """Add fixture objects to the state; return how many of each kind.

        :param document: lists of response-shaped objects under ``flows``,
            ``work_pools``, ``deployments`` and ``flow_runs``.
        :raises ValueError: for a document of another shape.
        :raises OperationRefused: 409 for an id already in the state.
        """
        if not isinstance(document, Mapping) or not all(
            isinstance(objects, list) for objects in document.values()
        ):
            raise ValueError(
                "fixtures are a JSON object of lists under flows, work_pools, "
                "deployments and flow_runs"
            )
        self.state().preload(document)
        return {kind: len(objects) for kind, objects in document.items()}

    def snapshot(self) -> dict[str, JSON]:
        """Return every flow, deployment and flow run, as the API reads them."""
        state = self.state()
        return {
            "flows": _read_all(state, "read_flows", "NAME_ASC"),
            "deployments": _read_all(state, "read_deployments", "NAME_ASC"),
            "flow_runs": _read_all(state, "read_flow_runs", "EXPECTED_START_TIME_DESC"),
        }

    def move_flow_run(self, run_id: str, how: str, message: str | None = None) -> JSON:
        """Move a flow run on: ``advance`` one state, ``complete`` or ``fail``.

        The run stops following the lifecycle; see
        :meth:`StatefulResponder.advance`.

        :raises ValueError: for another ``how``.
        :raises OperationRefused: 404 for an unknown run.
        """
        state = self.state()
        if how == "advance":
            return state.advance(run_id)
        if how == "complete":
            return state.complete(run_id)
        if how == "fail":
            return state.fail(run_id, message)
        raise ValueError(f"unknown move {how!r}; expected one of {_FLOW_RUN_STATES}")

    # settings

    def mode(self) -> str:
        """Return which responder answers: one of :data:`MODES`."""
        responder = self.injector.responder
        if responder is self._state:
            return "stateful"
        if responder is self._playback:
            return "playback"
        return "custom"

    def settings(self) -> dict[str, JSON]:
        """Return what can be switched at run time, and what cannot."""
        state = self._state
        lifecycle = state.lifecycle if state is not None else self._lifecycle
        return {
            "prefect_version": self.contracts.version,
            "mode": self.mode(),
            "lifecycle": lifecycle,
            "step_delay": state.step_delay if state is not None else 1.0,
            "fixtures": str(self._playback.directory) if self._playback else None,
            "seed": self.seed,
            "journal_size": self.journal.size,
        }

    def update_settings(self, changes: JSON) -> dict[str, JSON]:
        """Switch mode, lifecycle or step delay; return the settings now.

        :param changes: any of ``mode`` (with ``fixtures``, a folder of
            recordings, and ``placeholders`` for playback), ``lifecycle``
            (for runs created from now on) and ``step_delay`` (seconds).
        :raises ValueError: for an unknown key or value.
        :raises RecordingError: when ``fixtures`` is not a folder.
        """
        if not isinstance(changes, Mapping):
            raise ValueError("settings are a JSON object")
        unknown = sorted(set(changes) - set(_SETTINGS))
        if unknown:
            raise ValueError(
                f"unknown settings {', '.join(map(repr, unknown))}; "
                f"expected some of {', '.join(_SETTINGS)}"
            )

        if "lifecycle" in changes:
            self.state().lifecycle = _lifecycle(changes["lifecycle"])
        if "step_delay" in changes:
            self.state().step_delay = _delay(changes["step_delay"])
        if "mode" in changes or "fixtures" in changes:
            self._switch(changes)
        return self.settings()

    def _switch(self, changes: Mapping[str, Any]) -> None:
        mode = changes.get("mode", "playback")
        if mode == "stateful":
            self.injector.responder = self.state()
        elif mode == "playback":
            self.injector.responder = self._recordings(changes)
        else:
            raise ValueError(
                f"cannot switch to mode {mode!r}; expected stateful or playback"
            )

    def _recordings(self, changes: Mapping[str, Any]) -> PlaybackResponder:
        fixtures = changes.get("fixtures")
        if fixtures is None:
            if self._playback is None:
                raise ValueError(
                    'playback needs a folder of recordings: {"fixtures": "DIR"}'
                )
            return self._playback
        if not isinstance(fixtures, str):
            raise ValueError(f"fixtures is a folder's path, not {fixtures!r}")
        from mockserver.recording import PlaybackResponder

        self._playback = PlaybackResponder(
            Path(fixtures),
            self.contracts.version,
            placeholders=bool(changes.get("placeholders", False)),
        )
        return self._playback

    # contracts

    def operations(self) -> list[dict[str, JSON]]:
        """List every operation served, by path, with where its contract is."""
        ordered = sorted(self.contracts, key=lambda op: (op.path, op.method))
        return [_operation_json(operation) for operation in ordered]

    def contract(self, name: str) -> JSON:
        """Return the contract document of operation ``name``.

        :raises UnknownOperation: listing close names when there is none.
        """
        operation = self.contracts.operation(name)
        return self.contracts.documents[operation.uri]

    # faults

    def faults(self) -> dict[str, JSON]:
        """Return the rules in force, each with how often it has fired."""
        plan = self.injector.plan
        rules = [
            {**rule.to_json(), "description": rule.describe(), "hits": hits}
            for rule, hits in zip(plan.rules, self.injector.hits(), strict=True)
        ]
        return {"seed": self.injector.seed, "rules": rules}

    def replace_faults(self, document: JSON) -> dict[str, JSON]:
        """Put the plan in ``document`` in force; see :class:`FaultPlan`.

        :raises FaultError: for a malformed plan or an unknown operation.
        """
        plan = FaultPlan.from_json(document)
        self.check_plan(plan)
        self.injector.configure(plan)
        return self.faults()

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self.injector.clear()

    def check_plan(self, plan: FaultPlan) -> None:
        """Check that every rule of ``plan`` names an operation served.

        :raises FaultError: naming the rule and the closest operations.
        """
        for index, rule in enumerate(plan.rules):
            name = rule.operation
            if name is None or name in self.contracts.operations:
                continue
            close = difflib.get_close_matches(name, self.contracts.operations, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise FaultError(
                f"fault rule {index}: no operation {name!r} in contract set "
                f"{self.contracts.version}{hint}"
            )


def entry_json(entry: Entry) -> dict[str, JSON]:
    """Return a journal entry as the control API sends it."""
    return {
        "sequence": entry.sequence,
        "time": entry.time.isoformat().replace("+00:00", "Z"),
        "method": entry.method,
        "path": entry.path,
        "operation": entry.operation,
        "query": dict(entry.query),
        "status": entry.status,
        "duration_ms": round(entry.duration_ms, 3),
        "request_body": entry.request_body,
        "reply_body": entry.reply_body,
        "request_violations": _violations(entry.request_violations),
        "reply_violations": _violations(entry.reply_violations),
        "error": entry.error,
    }


def violation_json(violation: Violation) -> dict[str, JSON]:
    """Return a violation with its structure: location, kind, message, input."""
    return {
        "location": list(violation.location),
        "kind": violation.kind,
        "message": violation.message,
        "input": violation.input,
        "text": str(violation),
    }


def _operation_json(operation: Operation) -> dict[str, JSON]:
    return {
        "name": operation.name,
        "method": operation.method,
        "path": operation.path,
        "summary": operation.description.split("\n", 1)[0],
        "tags": list(operation.tags),
        "statuses": sorted(operation.responses),
        "contract": f"/__mock/operations/{operation.name}",
    }


def _read_all(state: StatefulResponder, operation: str, sort: str) -> list[JSON]:
    found: list[JSON] = []
    for page in range(_MOST_PAGES):
        body = {"limit": _PAGE, "offset": page * _PAGE, "sort": sort}
        reply = state.respond(Call(operation, body=body))
        if reply.status != 200:
            raise OperationRefused(reply.status, str(reply.body), body=reply.body)
        found += reply.body
        if len(reply.body) < _PAGE:
            break
    return found


def _is_playback(responder: Responder) -> bool:
    # Recordings are imported only when played back: no playback responder
    # can exist before its module is.
    playback = sys.modules.get("mockserver.recording.playback")
    return playback is not None and isinstance(responder, playback.PlaybackResponder)


def _lifecycle(value: object) -> Lifecycle:
    if value not in LIFECYCLES:
        raise ValueError(f"unknown lifecycle {value!r}; expected one of {LIFECYCLES}")
    return cast(Lifecycle, value)


def _delay(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"step_delay is a number of seconds from 0, not {value!r}")
    return float(value)


def _violations(found: Sequence[Violation]) -> list[dict[str, JSON]]:
    return [violation_json(v) for v in found]
