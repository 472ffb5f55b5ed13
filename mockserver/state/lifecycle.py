"""What happens to flow runs nobody moves: the responder's lifecycle.

A real server with no worker leaves every run SCHEDULED; that is the
``hold`` lifecycle. With ``complete`` or ``fail`` the responder plays the
worker: each run gets an :class:`Autopilot` that moves it SCHEDULED, PENDING,
RUNNING and then COMPLETED (or FAILED), one ``step`` after the other, and no
earlier than the run's scheduled time.

Nothing runs in the background. The moves are computed from the clock when
the store is read (:func:`settle`), and each state carries the instant it
was due rather than the instant it was noticed, so a run read late shows the
same history as one watched closely. A run whose state a client sets itself
loses its autopilot: the client has taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from mockserver.state.flow_runs import FlowRun, new_state_id
from mockserver.state.orchestration import orchestrate
from mockserver.state.states import State, default_name
from mockserver.state.store import Store

__all__ = [
    "LIFECYCLES",
    "Autopilot",
    "Lifecycle",
    "autopilot_for",
    "next_type",
    "settle",
]

Lifecycle = Literal["hold", "complete", "fail"]
"""How runs move on their own: not at all, to COMPLETED, or to FAILED."""

LIFECYCLES: tuple[str, ...] = get_args(Lifecycle)

_MOST_MOVES = 1000
"""A bound on the moves one read applies to one run (retries included)."""


@dataclass(frozen=True)
class Autopilot:
    """The moves planned for one run.

    :param outcome: the final state type, ``COMPLETED`` or ``FAILED``.
    :param step: the time between one move and the next.
    """

    outcome: str
    step: timedelta


def autopilot_for(lifecycle: Lifecycle, step: timedelta) -> Autopilot | None:
    """Return the autopilot a new run gets under ``lifecycle``."""
    if lifecycle == "complete":
        return Autopilot("COMPLETED", step)
    if lifecycle == "fail":
        return Autopilot("FAILED", step)
    return None


def next_type(current: str, outcome: str = "COMPLETED") -> str | None:
    """Return the state a worker would move a run in ``current`` to next."""
    return {"SCHEDULED": "PENDING", "PENDING": "RUNNING", "RUNNING": outcome}.get(
        current
    )


def settle(store: Store, now: datetime) -> None:
    """Apply every autopilot move that is due by ``now``, across the store.

    Only the runs in ``store.piloted`` are visited; a run that has lost its
    autopilot, or has been deleted, leaves that table here.
    """
    for run_id, run in list(store.piloted.items()):
        if run.autopilot is not None and store.flow_runs.get(run_id) is run:
            _settle_run(store, run, run.autopilot, now)
        if run.autopilot is None or store.flow_runs.get(run_id) is not run:
            del store.piloted[run_id]


def _settle_run(store: Store, run: FlowRun, pilot: Autopilot, now: datetime) -> None:
    for _ in range(_MOST_MOVES):
        target = next_type(run.state.type, pilot.outcome)
        if target is None:
            run.autopilot = None
            return
        due = _due(run.state, pilot.step)
        if due > now:
            return
        proposal = _planned_state(store, target, due)
        # Moves go through the rules a worker's proposals meet, so a full
        # concurrency limit or a retry policy shapes the run's history too.
        if not orchestrate(store, run, proposal, at=due).written:
            return


def _due(state: State, step: timedelta) -> datetime:
    start = state.timestamp
    if state.type == "SCHEDULED" and state.scheduled_time is not None:
        start = max(start, state.scheduled_time)
    return start + step


def _planned_state(store: Store, state_type: str, at: datetime) -> State:
    return State(
        id=new_state_id(store, at),
        type=state_type,
        name=default_name(state_type),
        timestamp=at,
    )
