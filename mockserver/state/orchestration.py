"""Orchestration: whether a proposed flow run state is accepted.

``set_flow_run_state`` does not simply store what it is given. Prefect runs
the proposal through rules that can accept it, reject it (keeping the
current state or writing another), abort it, or ask the client to wait. This
module applies the rules a server without workers reaches, in Prefect's
order:

* a repeated ``transition_id`` is rejected (Prefect 3);
* a final run cannot become CANCELLING, PAUSED or CRASHED, and a run with
  no deployment cannot be rescheduled;
* a CANCELLING run may only become CANCELLED;
* cancelling a SCHEDULED run with no infrastructure cancels it outright;
* PENDING is refused to runs already PENDING, RUNNING, CANCELLING or
  CANCELLED (unless it renames a PENDING state, on Prefect 3);
* a run of a deployment with a concurrency limit takes a slot on PENDING,
  or waits ``AwaitingConcurrencySlot`` when none is free (Prefect 3);
* only a SCHEDULED run can be marked ``Late`` (Prefect 3);
* only a RUNNING run can pause;
* a SCHEDULED run's scheduled time is copied onto its PENDING state, and a
  run scheduled in the future must wait before RUNNING;
* a RUNNING run that fails with retries left is rescheduled ``AwaitingRetry``.

``force`` skips every rule but the cancelling bypass, as Prefect's minimal
policy does. Whatever the rules decide, a slot is released when a run leaves
PENDING, RUNNING or CANCELLING for good.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mockserver.state.flow_runs import FlowRun, enter_state, new_state_id
from mockserver.state.states import State
from mockserver.state.store import Store

__all__ = ["Outcome", "orchestrate"]

_SLOT_HOLDING = frozenset({"PENDING", "RUNNING", "CANCELLING"})
_SLOT_WAIT = timedelta(seconds=30)
"""Prefect's ``PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS``."""
_LEASE = "deployment_concurrency_lease_id"


@dataclass(frozen=True)
class Outcome:
    """The result of one proposal, as ``set_flow_run_state`` answers it.

    :param status: ``ACCEPT``, ``REJECT``, ``ABORT`` or ``WAIT``.
    :param state: the run's state afterwards.
    :param details: the ``details`` object of the answer.
    :param written: whether a new state was written (the server answers 201).
    """

    status: str
    state: State
    details: dict[str, Any]
    written: bool


@dataclass
class _Transition:
    store: Store
    run: FlowRun
    proposed: State
    now: datetime

    @property
    def current(self) -> State:
        return self.run.state


Rule = Callable[[_Transition], "Outcome | None"]


def orchestrate(
    store: Store,
    run: FlowRun,
    proposed: State,
    *,
    force: bool = False,
    at: datetime | None = None,
) -> Outcome:
    """Apply ``proposed`` to ``run`` through Prefect's flow run rules.

    :param force: skip the rules a client may bypass with ``force=true``.
    :param at: the instant the proposal is made; the store's clock if None.
    """
    transition = _Transition(store, run, proposed, at or store.now())
    rules = _MINIMAL_RULES if force else _core_rules(store)
    for rule in rules:
        outcome = rule(transition)
        if outcome is not None:
            return outcome

    _leave_final_state(transition)
    _write(transition, proposed)
    return Outcome("ACCEPT", proposed, {"type": "accept_details"}, written=True)


def _core_rules(store: Store) -> list[Rule]:
    if not store.modern:
        return _CLASSIC_RULES
    return [
        _prevent_duplicate_transition,
        *_CLASSIC_RULES[:4],
        _secure_slot,
        _only_scheduled_marked_late,
        *_CLASSIC_RULES[4:],
    ]


def _write(transition: _Transition, state: State, *, rejected: bool = False) -> None:
    # Prefect carries a run's concurrency lease from state to state.
    lease = transition.current.details.get(_LEASE)
    if lease is not None and state.details.get(_LEASE) is None:
        state.details[_LEASE] = lease
    previous = transition.current
    enter_state(
        transition.run, state, now=transition.now, modern=transition.store.modern
    )
    _release_slot(transition, previous, state, rejected=rejected)


def _abort(transition: _Transition, reason: str) -> Outcome:
    details = {"type": "abort_details", "reason": reason}
    return Outcome("ABORT", transition.current, details, written=False)


def _reject(
    transition: _Transition, reason: str, replacement: State | None = None
) -> Outcome:
    details = {"type": "reject_details", "reason": reason}
    if replacement is None:
        return Outcome("REJECT", transition.current, details, written=False)
    _write(transition, replacement, rejected=True)
    return Outcome("REJECT", replacement, details, written=True)


def _new_state(
    transition: _Transition, state_type: str, name: str, **extra: Any
) -> State:
    now = transition.now
    return State(
        id=new_state_id(transition.store, now),
        type=state_type,
        name=name,
        timestamp=now,
        **extra,
    )


def _prevent_duplicate_transition(transition: _Transition) -> Outcome | None:
    current = transition.current.details.get("transition_id")
    if current is not None and current == transition.proposed.details.get(
        "transition_id"
    ):
        return _reject(transition, "This run has already made this state transition.")
    return None


def _prevent_final_departures(transition: _Transition) -> Outcome | None:
    current, proposed = transition.current, transition.proposed
    if not current.is_final:
        return None
    if proposed.type in {"CANCELLING", "PAUSED", "CRASHED"}:
        return _abort(transition, f"Run is already in terminal state {current.type}.")
    if proposed.type == "SCHEDULED" and transition.run.deployment_id is None:
        return _abort(
            transition, "Cannot reschedule a run without an associated deployment."
        )
    return None


def _cancelling_becomes_cancelled(transition: _Transition) -> Outcome | None:
    if transition.current.type == "CANCELLING" and transition.proposed.type != (
        "CANCELLED"
    ):
        return _reject(
            transition,
            "Cannot transition flows that are cancelling to a state other than"
            " Cancelled.",
        )
    return None


def _cancel_without_infrastructure(transition: _Transition) -> Outcome | None:
    current = transition.current
    if transition.proposed.type != "CANCELLING":
        return None
    if (
        current.type == "SCHEDULED" and not transition.run.infrastructure_pid
    ) or current.name == "Resuming":
        reason = "Scheduled flow run has no infrastructure to terminate."
    elif current.type == "PAUSED" and current.details.get("pause_reschedule"):
        reason = "Suspended flow run has no infrastructure to terminate."
    else:
        return None
    return _reject(transition, reason, _new_state(transition, "CANCELLED", "Cancelled"))


def _prevent_pending(transition: _Transition) -> Outcome | None:
    current, proposed = transition.current, transition.proposed
    if proposed.type != "PENDING" or current.type not in {
        "PENDING",
        "CANCELLING",
        "RUNNING",
        "CANCELLED",
    }:
        return None
    renaming = (
        current.type == "PENDING"
        and current.name != proposed.name
        and proposed.name != "Pending"
    )
    if transition.store.modern and renaming:
        proposed.details["scheduled_time"] = current.scheduled_time
        return None
    return _abort(
        transition,
        f"This run is in a {current.type} state and cannot transition to a"
        " PENDING state.",
    )


def _secure_slot(transition: _Transition) -> Outcome | None:
    if transition.proposed.type != "PENDING" or transition.current.type in (
        _SLOT_HOLDING
    ):
        return None
    limit = _concurrency_limit(transition)
    if limit is None:
        return None
    if limit["limit"] == 0:
        return _abort(
            transition,
            "The deployment concurrency limit is 0. The flow will deadlock if"
            " submitted again.",
        )

    if limit["active_slots"] < limit["limit"]:
        limit["active_slots"] += 1
        transition.proposed.details[_LEASE] = transition.store.ids.uuid4()
        return None

    reason = "Deployment concurrency limit reached."
    deployment = transition.store.deployments[transition.run.deployment_id or ""]
    strategy = (deployment.concurrency_options or {}).get("collision_strategy")
    if strategy == "CANCEL_NEW":
        cancelled = _new_state(transition, "CANCELLED", "Cancelled", message=reason)
        return _reject(transition, reason, cancelled)
    waiting = _new_state(
        transition,
        "SCHEDULED",
        "AwaitingConcurrencySlot",
        details={"scheduled_time": transition.now + _SLOT_WAIT},
    )
    return _reject(transition, reason, waiting)


def _only_scheduled_marked_late(transition: _Transition) -> Outcome | None:
    current, proposed = transition.current, transition.proposed
    if proposed.type != "SCHEDULED" or proposed.name != "Late":
        return None
    if current.type != "SCHEDULED":
        return _reject(transition, "Only scheduled flows can be marked late.")
    if current.name == "Late":
        return _reject(transition, "This flow run is already marked late.")
    return None


def _pause_only_running(transition: _Transition) -> Outcome | None:
    proposed, run = transition.proposed, transition.run
    if proposed.type != "PAUSED":
        return None
    verb = "suspend" if proposed.name == "Suspended" else "pause"
    if transition.current.type != "RUNNING":
        return _reject(
            transition, f"Cannot {verb} flows that are not currently running."
        )
    key = proposed.details.get("pause_key") or transition.store.ids.uuid4()
    keys = run.empirical_policy.get("pause_keys") or []
    if key in keys:
        return _reject(transition, f"This {verb} has already fired.")
    if proposed.details.get("pause_reschedule"):
        if run.parent_task_run_id:
            return _abort(transition, f"Cannot {verb} subflows.")
        if run.deployment_id is None:
            return _abort(transition, f"Cannot {verb} flows without a deployment.")
    run.empirical_policy["pause_keys"] = [*keys, key]
    return None


def _copy_scheduled_time(transition: _Transition) -> Outcome | None:
    proposed = transition.proposed
    if (
        transition.current.type == "SCHEDULED"
        and proposed.type == "PENDING"
        and proposed.details.get("scheduled_time") is None
    ):
        proposed.details["scheduled_time"] = transition.current.scheduled_time
    return None


def _wait_for_scheduled_time(transition: _Transition) -> Outcome | None:
    current = transition.current
    if current.type not in {"SCHEDULED", "PENDING"}:
        return None
    due = current.scheduled_time
    if transition.proposed.type != "RUNNING" or due is None:
        return None
    delay = _whole_seconds(due - transition.now)
    if delay <= 0:
        return None
    details = {
        "type": "wait_details",
        "delay_seconds": delay,
        "reason": "Scheduled time is in the future",
    }
    return Outcome("WAIT", current, details, written=False)


def _retry_failed(transition: _Transition) -> Outcome | None:
    if transition.current.type != "RUNNING" or transition.proposed.type != "FAILED":
        return None
    policy = transition.run.empirical_policy
    retries = policy.get("retries")
    if retries is None or transition.run.run_count > retries:
        policy["retry_type"] = None
        return None

    delay = timedelta(seconds=policy.get("retry_delay") or 0)
    policy.update(resuming=False, pause_keys=[], retry_type="in_process")
    retry = _new_state(
        transition,
        "SCHEDULED",
        "AwaitingRetry",
        message=transition.proposed.message,
        data=transition.proposed.data,
        details={"scheduled_time": transition.now + delay},
    )
    return _reject(transition, "Retrying", retry)


def _leave_final_state(transition: _Transition) -> None:
    # Prefect 3 resets pause bookkeeping when a run is re-run from a final
    # state, and marks a rescheduled re-run as such.
    current, proposed = transition.current, transition.proposed
    if not (transition.store.modern and current.is_final and not proposed.is_final):
        return
    transition.run.empirical_policy.update(
        resuming=False,
        pause_keys=[],
        retry_type="reschedule" if proposed.type == "SCHEDULED" else None,
    )


def _release_slot(
    transition: _Transition, previous: State, new: State, *, rejected: bool
) -> None:
    if previous.type not in _SLOT_HOLDING or new.type in _SLOT_HOLDING:
        return
    # A run retrying in its own process keeps its slot through the delay.
    if rejected and new.name == "AwaitingRetry":
        return
    limit = _concurrency_limit(transition)
    if limit is not None and limit["active_slots"] > 0:
        limit["active_slots"] -= 1


def _concurrency_limit(transition: _Transition) -> dict[str, Any] | None:
    deployment = transition.store.deployments.get(transition.run.deployment_id or "")
    if deployment is None or not transition.store.modern:
        return None
    return deployment.concurrency_limit


def _whole_seconds(delta: timedelta) -> int:
    # Prefect floors the whole seconds and rounds the fraction separately.
    return math.floor(delta.total_seconds()) + round(delta.microseconds / 1e6)


_CLASSIC_RULES: list[Rule] = [
    _prevent_final_departures,
    _cancelling_becomes_cancelled,
    _cancel_without_infrastructure,
    _prevent_pending,
    _pause_only_running,
    _copy_scheduled_time,
    _wait_for_scheduled_time,
    _retry_failed,
]
_MINIMAL_RULES: list[Rule] = [_cancel_without_infrastructure]
