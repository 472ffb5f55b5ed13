"""Rendering state objects as the JSON each Prefect version answers with.

The two versions differ in more than fields: Prefect 3 writes instants with
``Z`` (``2024-01-22T03:51:26.507659Z``), Prefect 2 with ``+00:00``; Prefect
3 adds labels, job variables and deployment schedules; Prefect 2 has a single
``schedule`` and ``infra_overrides``. Clients do not care about key order but
recordings and byte-level comparisons do, so every object is written with
its keys in the order the real server writes them (the field order of
Prefect's response models, measured against running 3.9.1 and 2.14.16
servers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from mockserver.exchange import JSON
from mockserver.state.deployments import Deployment, sorted_schedules
from mockserver.state.flow_runs import FlowRun
from mockserver.state.flows import Flow
from mockserver.state.schedules import DeploymentSchedule
from mockserver.state.states import FINAL_TYPES, State
from mockserver.state.store import Store
from mockserver.state.work_pools import WorkPool, WorkQueue

__all__ = [
    "KEY_ORDERS",
    "deployment_json",
    "flow_json",
    "flow_run_json",
    "flow_runs_json",
    "instant",
    "orchestration_json",
    "schedule_json",
    "state_json",
    "work_pool_json",
    "work_queue_json",
]

_V3 = "3"
_V2 = "2"


def _keys(text: str) -> tuple[str, ...]:
    return tuple(text.split())


KEY_ORDERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    _V3: {
        "Flow": _keys("id created updated name tags labels"),
        "FlowRun": _keys(
            """id created updated name flow_id state_id deployment_id
            deployment_version work_queue_id work_queue_name flow_version
            parameters idempotency_key context empirical_policy tags labels
            parent_task_run_id state_type state_name run_count expected_start_time
            next_scheduled_start_time start_time end_time total_run_time
            estimated_run_time estimated_start_time_delta auto_scheduled
            infrastructure_document_id infrastructure_pid created_by work_pool_id
            work_pool_name state job_variables"""
        ),
        "FlowRunPolicy": _keys(
            """max_retries retry_delay_seconds retries retry_delay pause_keys
            resuming retry_type"""
        ),
        "State": _keys("id type name timestamp message data state_details"),
        "StateDetails": _keys(
            """flow_run_id task_run_id child_flow_run_id scheduled_time cache_key
            cache_expiration deferred untrackable_result pause_timeout
            pause_reschedule pause_key run_input_keyset refresh_cache retriable
            transition_id task_parameters_id traceparent
            deployment_concurrency_lease_id"""
        ),
        "Deployment": _keys(
            """id created updated name version description flow_id paused
            schedules concurrency_limit global_concurrency_limit
            concurrency_options job_variables parameters tags labels
            work_queue_name work_queue_id last_polled parameter_openapi_schema
            path pull_steps entrypoint storage_document_id
            infrastructure_document_id created_by updated_by work_pool_name status
            enforce_parameter_schema"""
        ),
        "DeploymentSchedule": _keys(
            """id created updated deployment_id schedule active max_scheduled_runs
            parameters slug"""
        ),
        "WorkPool": _keys(
            """id created updated name description type base_job_template
            is_paused concurrency_limit status default_queue_id
            storage_configuration active_slots"""
        ),
        "WorkQueue": _keys(
            """id created updated name description is_paused concurrency_limit
            priority work_pool_id filter last_polled"""
        ),
    },
    _V2: {
        "Flow": _keys("id created updated name tags"),
        "FlowRun": _keys(
            """id created updated name flow_id state_id deployment_id
            work_queue_id work_queue_name flow_version parameters idempotency_key
            context empirical_policy tags parent_task_run_id state_type
            state_name run_count expected_start_time next_scheduled_start_time
            start_time end_time total_run_time estimated_run_time
            estimated_start_time_delta auto_scheduled infrastructure_document_id
            infrastructure_pid created_by work_pool_id work_pool_name state"""
        ),
        "FlowRunPolicy": _keys(
            "max_retries retry_delay_seconds retries retry_delay pause_keys resuming"
        ),
        "State": _keys("id type name timestamp message data state_details"),
        "StateDetails": _keys(
            """flow_run_id task_run_id child_flow_run_id scheduled_time cache_key
            cache_expiration untrackable_result pause_timeout pause_reschedule
            pause_key run_input_keyset refresh_cache retriable"""
        ),
        "Deployment": _keys(
            """id created updated name version description flow_id schedule
            is_schedule_active infra_overrides parameters tags work_queue_name
            last_polled parameter_openapi_schema path pull_steps entrypoint
            manifest_path storage_document_id infrastructure_document_id
            created_by updated_by work_pool_name status enforce_parameter_schema"""
        ),
        "WorkPool": _keys(
            """id created updated name description type base_job_template
            is_paused concurrency_limit default_queue_id status"""
        ),
        "WorkQueue": _keys(
            """id created updated name description is_paused concurrency_limit
            priority work_pool_id filter last_polled"""
        ),
    },
}
"""Response keys in the real server's order, by major version and model."""

_DETAIL_DEFAULTS = {
    "deferred": False,
    "untrackable_result": False,
    "pause_reschedule": False,
}


def instant(moment: datetime | None, version: str) -> str | None:
    """Format an instant the way ``version`` writes it.

    >>> from datetime import UTC, datetime
    >>> instant(datetime(2024, 1, 22, 3, 51, 26, 507659, UTC), "3.9.1")
    '2024-01-22T03:51:26.507659Z'
    >>> instant(datetime(2024, 1, 22, 3, 51, 26, 507659, UTC), "2.14.16")
    '2024-01-22T03:51:26.507659+00:00'
    """
    if moment is None:
        return None
    text = moment.isoformat()
    if _major(version) == _V3 and text.endswith("+00:00"):
        return text.removesuffix("+00:00") + "Z"
    return text


def flow_json(flow: Flow, version: str) -> JSON:
    """Render a flow as ``Flow``."""
    return _ordered(version, "Flow", _attributes(flow))


def state_json(state: State, version: str) -> JSON:
    """Render a state with its complete ``state_details``."""
    details_order = _order(version, "StateDetails")
    details = {k: state.details.get(k, _DETAIL_DEFAULTS.get(k)) for k in details_order}
    values = {
        "id": state.id,
        "type": state.type,
        "name": state.name,
        "timestamp": state.timestamp,
        "message": state.message,
        "data": state.data,
        "state_details": details,
    }
    return _ordered(version, "State", values)


def flow_run_json(
    run: FlowRun, version: str, now: datetime, *, fresh: bool = False
) -> JSON:
    """Render a flow run as ``FlowRunResponse``, estimates taken at ``now``.

    :param fresh: render the answer to the run's creation. That answer comes
        from the objects the server just built rather than from a database
        read, so its start times keep the offset the request's scheduled
        time was written with; every later read answers them in UTC.
    """
    policy = {
        **run.empirical_policy,
        "retry_delay_seconds": float(run.empirical_policy["retry_delay_seconds"]),
    }
    values = {
        **_attributes(run),
        "state_id": run.state.id,
        "state_type": run.state.type,
        "state_name": run.state.name,
        "empirical_policy": None,
        "total_run_time": run.total_run_time.total_seconds(),
        "estimated_run_time": _estimated_run_time(run, now),
        "estimated_start_time_delta": _start_delta(run, now),
        "state": None,
    }
    scheduled = run.state.scheduled_time
    if fresh and scheduled is not None:
        for key in ("expected_start_time", "next_scheduled_start_time"):
            if values[key] == scheduled:
                values[key] = scheduled
    rendered = _ordered(version, "FlowRun", values)

    # Rendered on their own, in the places their keys already hold.
    rendered["empirical_policy"] = _ordered(version, "FlowRunPolicy", policy)
    rendered["state"] = state_json(run.state, version)
    return rendered


def deployment_json(deployment: Deployment, version: str) -> JSON:
    """Render a deployment as ``DeploymentResponse``."""
    schedules = sorted_schedules(deployment)
    modern = _major(version) == _V3
    values = {
        **_attributes(deployment),
        "schedules": [schedule_json(s, version) for s in schedules] if modern else [],
        # Prefect 3 reports the limit through the global concurrency limit
        # object and leaves the legacy field empty.
        "concurrency_limit": None,
        "global_concurrency_limit": deployment.concurrency_limit,
        "schedule": schedules[0].schedule if schedules else None,
        "is_schedule_active": not deployment.paused,
        "infra_overrides": deployment.job_variables,
    }
    return _ordered(version, "Deployment", values)


def schedule_json(schedule: DeploymentSchedule, version: str) -> JSON:
    """Render a deployment schedule as ``DeploymentSchedule``."""
    return _ordered(version, "DeploymentSchedule", _attributes(schedule))


def work_pool_json(pool: WorkPool, version: str) -> JSON:
    """Render a work pool as ``WorkPool``."""
    return _ordered(version, "WorkPool", {**_attributes(pool), "active_slots": None})


def work_queue_json(queue: WorkQueue, version: str) -> JSON:
    """Render a work queue as ``WorkQueue``."""
    return _ordered(version, "WorkQueue", _attributes(queue))


def orchestration_json(
    state: State, status: str, details: Mapping[str, Any], version: str
) -> JSON:
    """Render an ``OrchestrationResult``: state, status, details, in that order."""
    return {
        "state": state_json(state, version),
        "status": status,
        "details": dict(details),
    }


def flow_runs_json(runs: Sequence[FlowRun], store: Store) -> JSON:
    """Render flow runs for ``store``'s version at its current instant."""
    now = store.now()
    return [flow_run_json(run, store.version, now) for run in runs]


def _estimated_run_time(run: FlowRun, now: datetime) -> float:
    elapsed = run.total_run_time
    if run.state.type == "RUNNING":
        elapsed += now - run.state.timestamp
    return elapsed.total_seconds()


def _start_delta(run: FlowRun, now: datetime) -> float:
    expected = run.expected_start_time
    if expected is None:
        return 0.0
    if run.start_time is not None and run.start_time > expected:
        return (run.start_time - expected).total_seconds()
    if run.start_time is None and expected < now and run.state.type not in FINAL_TYPES:
        return (now - expected).total_seconds()
    return 0.0


def _attributes(stored: Any) -> dict[str, Any]:
    # The stored objects are dataclasses with slots: no __dict__ to read.
    return {name: getattr(stored, name) for name in stored.__slots__}


def _major(version: str) -> str:
    return _V2 if version.startswith("2.") else _V3


def _order(version: str, model: str) -> tuple[str, ...]:
    return KEY_ORDERS[_major(version)][model]


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _ordered(version: str, model: str, values: Mapping[str, Any]) -> JSON:
    ordered = {}
    for key in _order(version, model):
        value = values.get(key)
        ordered[key] = value if type(value) in _PLAIN else _jsonable(value, version)
    return ordered


def _jsonable(value: Any, version: str) -> JSON:
    # Exact types first: most values are plain JSON, and checking a Mapping
    # through its abstract class costs more than the rest of the walk. Plain
    # items are taken as they are, without a call each.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {
            k: v if type(v) in _PLAIN else _jsonable(v, version)
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else _jsonable(v, version) for v in value]
    if isinstance(value, datetime):
        return instant(value, version)
    if isinstance(value, Mapping):
        return {k: _jsonable(v, version) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, version) for v in value]
    return value
