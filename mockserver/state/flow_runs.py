"""Flow runs: creating them from deployments and moving them between states.

A run created from a deployment inherits the deployment's parameters (the
request's overlaid), the union of both tag lists, the deployment's work queue
and, on Prefect 3, its labels plus ``prefect.deployment.id``. Every state a
run enters goes through :func:`enter_state`, which keeps the run's derived
fields (run count, start and end time, run time, next scheduled start) the
way Prefect's global orchestration transforms do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from mockserver.errors import OperationRefused
from mockserver.state.parameters import parameter_failure
from mockserver.state.schedules import DeploymentSchedule, schedule_kind
from mockserver.state.states import State, default_name, proposed_state
from mockserver.state.store import Store, kept
from mockserver.state.work_pools import WorkQueue, pool_queue

if TYPE_CHECKING:
    from mockserver.state.deployments import Deployment
    from mockserver.state.lifecycle import Autopilot

__all__ = [
    "FlowRun",
    "create_flow_run_from_deployment",
    "default_policy",
    "delete_flow_run",
    "enter_state",
    "new_state_id",
    "read_flow_run",
    "schedule_runs",
]

FLOW_RUN_NOT_FOUND = "Flow run not found"

_BULK_NO_SCHEMA = (
    "Parameter schema enforcement is enabled but deployment has no valid schema."
)
_NO_SCHEMA = (
    "Error updating deployment: Cannot update parameters because parameter"
    " schema enforcement is enabled and the deployment does not have a valid"
    " parameter schema."
)


def default_policy() -> dict[str, Any]:
    """Return the ``empirical_policy`` of a run that asked for none."""
    return {
        "max_retries": 0,
        "retry_delay_seconds": 0.0,
        "retries": None,
        "retry_delay": None,
        "pause_keys": [],
        "resuming": False,
        "retry_type": None,
    }


@dataclass(slots=True)
class FlowRun:
    """One flow run.

    :param autopilot: the planned moves of a run the responder drives itself
        (see :mod:`mockserver.state.lifecycle`), ``None`` when held.
    """

    id: str
    created: datetime
    updated: datetime
    name: str
    flow_id: str
    state: State
    deployment_id: str | None = None
    deployment_version: str | None = None
    work_queue_id: str | None = None
    work_queue_name: str | None = None
    work_pool_id: str | None = None
    work_pool_name: str | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    empirical_policy: dict[str, Any] = field(default_factory=default_policy)
    tags: list[str] = field(default_factory=list)
    labels: dict[str, Any] = field(default_factory=dict)
    parent_task_run_id: str | None = None
    run_count: int = 0
    expected_start_time: datetime | None = None
    next_scheduled_start_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    total_run_time: timedelta = timedelta(0)
    auto_scheduled: bool = False
    infrastructure_document_id: str | None = None
    infrastructure_pid: str | None = None
    created_by: dict[str, Any] | None = None
    job_variables: dict[str, Any] | None = field(default_factory=dict)
    autopilot: Autopilot | None = None


def read_flow_run(store: Store, run_id: str) -> FlowRun:
    """Return the flow run with ``run_id``.

    :raises OperationRefused: 404 when there is none.
    """
    run = store.flow_runs.get(run_id)
    if run is None:
        raise OperationRefused(404, FLOW_RUN_NOT_FOUND)
    return run


def delete_flow_run(store: Store, run_id: str) -> None:
    """Delete a flow run.

    :raises OperationRefused: 404 when there is none.
    """
    run = read_flow_run(store, run_id)
    del store.flow_runs[run_id]
    if run.idempotency_key is not None:
        store.idempotency.pop((run.flow_id, run.idempotency_key), None)


def enter_state(
    run: FlowRun,
    state: State,
    *,
    now: datetime,
    modern: bool = True,
    first: bool = False,
) -> None:
    """Make ``state`` the run's state and update what follows from it.

    Mirrors Prefect's universal transforms: leaving RUNNING adds the time
    spent to ``total_run_time``; entering RUNNING counts a run and sets the
    first start time; entering a final state sets the end time; entering
    SCHEDULED sets the next scheduled start.

    :param modern: follow Prefect 3 where the versions differ.
    :param first: the run is new and has no state to leave yet.
    """
    previous = None if first else run.state
    if previous is not None:
        if previous.type == "SCHEDULED":
            run.next_scheduled_start_time = None
        if previous.is_final and not state.is_final:
            run.end_time = None
        if previous.type == "RUNNING":
            run.total_run_time += state.timestamp - previous.timestamp

    if run.expected_start_time is None:
        run.expected_start_time = _utc(
            state.scheduled_time if state.type == "SCHEDULED" else state.timestamp
        )
    if state.type == "RUNNING":
        _count_run(run, state)
    if state.is_final and run.end_time is None:
        # Prefect 3 gives a run that ends before it starts a start time;
        # Prefect 2 leaves both empty.
        if modern:
            run.start_time = run.start_time or state.timestamp
        if run.start_time is not None:
            run.end_time = state.timestamp
    if state.is_final:
        run.empirical_policy["resuming"] = False
    if state.type == "SCHEDULED":
        run.next_scheduled_start_time = _utc(state.scheduled_time)

    state.details["flow_run_id"] = run.id
    run.state = state
    run.updated = now


def _count_run(run: FlowRun, state: State) -> None:
    if run.start_time is None:
        run.start_time = state.timestamp
    # A paused run that resumes keeps its count, as Prefect 3 does.
    if run.empirical_policy.get("resuming"):
        run.empirical_policy["resuming"] = False
        return
    run.run_count += 1


def create_flow_run_from_deployment(
    store: Store, deployment: Deployment, body: Mapping[str, Any], *, bulk: bool = False
) -> tuple[FlowRun, bool]:
    """Create a run of ``deployment`` from a ``DeploymentFlowRunCreate`` body.

    :returns: the run and whether it is new; an idempotency key already used
        for the deployment's flow returns that earlier run instead.
    :param bulk: word refusals as the bulk route reports them per run.
    :raises OperationRefused: 409 when enforced parameters break the
        deployment's schema, 400 when a work queue is named for a deployment
        that has no work pool.
    """
    parameters = {**deployment.parameters, **kept(body.get("parameters") or {})}
    _check_parameters(store, deployment, body, parameters, bulk=bulk)
    queue = _run_queue(store, deployment, body.get("work_queue_name"), bulk=bulk)

    key = body.get("idempotency_key")
    if key is not None and (deployment.flow_id, key) in store.idempotency:
        return store.flow_runs[store.idempotency[(deployment.flow_id, key)]], False

    now = store.now()
    run = _new_run(store, deployment, queue, now)
    run.name = kept(body.get("name")) or store.names.next()
    run.parameters = parameters
    run.idempotency_key = key
    run.context = kept(body.get("context") or {})
    run.empirical_policy.update(kept(body.get("empirical_policy") or {}))
    keys = run.empirical_policy.get("pause_keys")
    if isinstance(keys, list):
        # A set in Prefect's model: duplicates collapse, first one kept.
        unique: dict[str, Any] = {}
        for key in keys:
            unique.setdefault(json.dumps(key, sort_keys=True), key)
        run.empirical_policy["pause_keys"] = list(unique.values())
    run.tags = _union(deployment.tags, kept(body.get("tags") or []))
    run.labels = {**run.labels, **kept(body.get("labels") or {})}
    run.parent_task_run_id = body.get("parent_task_run_id")
    run.infrastructure_document_id = (
        body.get("infrastructure_document_id") or deployment.infrastructure_document_id
    )
    run.job_variables = _job_variables(body, key)

    state_body = body.get("state") or {"type": "SCHEDULED"}
    state = proposed_state(state_body, state_id=new_state_id(store, now), now=now)
    enter_state(run, state, now=now, modern=store.modern, first=True)
    _insert(store, run)
    return run, True


def _job_variables(
    body: Mapping[str, Any], idempotency_key: str | None
) -> dict[str, Any] | None:
    # Prefect 3.9.1 stores a null (what its client sends by default) as its
    # column default, {}, except on the insert it makes for an idempotency
    # key, which keeps an explicit null; a field left out is always {}.
    given = body.get("job_variables")
    if given is None:
        explicit_null = "job_variables" in body
        return None if idempotency_key and explicit_null else {}
    return cast(dict[str, Any], kept(given))


def schedule_runs(
    store: Store,
    deployment: Deployment,
    schedule: DeploymentSchedule,
    dates: list[datetime],
) -> list[FlowRun]:
    """Insert the auto-scheduled runs ``schedule`` produces at ``dates``.

    A date already scheduled for the deployment is skipped, as Prefect's
    idempotency key on scheduled runs makes it.
    """
    created = []
    for moment in dates:
        key = _schedule_key(store, deployment, schedule, moment)
        if (deployment.flow_id, key) in store.idempotency:
            continue

        now = store.now()
        queue = (
            store.work_queues.get(deployment.work_queue_id)
            if deployment.work_queue_id
            else None
        )
        run = _new_run(store, deployment, queue, now, auto=True)
        run.name = store.names.next()
        run.parameters = {**deployment.parameters, **schedule.parameters}
        run.idempotency_key = key
        run.tags = _union(["auto-scheduled"], deployment.tags)
        run.auto_scheduled = True
        run.infrastructure_document_id = deployment.infrastructure_document_id
        if store.modern:
            run.created_by = {
                "id": schedule.id,
                "type": "SCHEDULE",
                "display_value": schedule.slug or schedule_kind(schedule.schedule),
            }
        run.state = _scheduled_state(store, moment, now)
        run.expected_start_time = run.next_scheduled_start_time = _utc(moment)
        _insert(store, run)
        created.append(run)
    return created


def _check_parameters(
    store: Store,
    deployment: Deployment,
    body: Mapping[str, Any],
    parameters: dict[str, Any],
    *,
    bulk: bool,
) -> None:
    enforce = deployment.enforce_parameter_schema
    # Prefect 3 lets a single run override the deployment's enforcement.
    if store.modern and body.get("enforce_parameter_schema") is not None:
        enforce = body["enforce_parameter_schema"]
    if not enforce:
        return

    schema = deployment.parameter_openapi_schema
    if not isinstance(schema, dict):
        raise OperationRefused(409, _BULK_NO_SCHEMA if bulk else _NO_SCHEMA)
    failure = parameter_failure(parameters, schema, relax=store.modern)
    if failure is not None:
        prefix = "Parameter validation failed" if bulk else "Error creating flow run"
        raise OperationRefused(409, f"{prefix}: {failure}")


def _run_queue(
    store: Store, deployment: Deployment, queue_name: str | None, *, bulk: bool
) -> WorkQueue | None:
    current = (
        store.work_queues.get(deployment.work_queue_id)
        if deployment.work_queue_id
        else None
    )
    if not queue_name:
        return current
    if current is None:
        reason = (
            f"Cannot create flow run in work queue {queue_name} because deployment"
            + (
                " is not associated with a work pool."
                if bulk
                else f" {deployment.id} is not associated with a work pool. Please"
                " remove work_pool_name and try again."
            )
        )
        raise OperationRefused(400, reason)
    return pool_queue(store, store.work_pools[current.work_pool_id], queue_name)


def _new_run(
    store: Store,
    deployment: Deployment,
    queue: WorkQueue | None,
    now: datetime,
    *,
    auto: bool = False,
) -> FlowRun:
    # Prefect 3 gives auto-scheduled runs time-ordered ids.
    run_id = store.ids.uuid7(now) if auto and store.modern else store.ids.uuid4()
    pool = store.work_pools.get(queue.work_pool_id) if queue else None
    return FlowRun(
        id=run_id,
        created=now,
        updated=now,
        name="",
        flow_id=deployment.flow_id,
        # A stand-in until the run's first state is entered.
        state=State(id="", type="SCHEDULED", name="Scheduled", timestamp=now),
        deployment_id=deployment.id,
        deployment_version=deployment.version,
        work_queue_id=queue.id if queue else deployment.work_queue_id,
        work_queue_name=queue.name if queue else deployment.work_queue_name,
        work_pool_id=pool.id if pool else None,
        work_pool_name=pool.name if pool else None,
        labels={
            **deployment.labels,
            "prefect.flow.id": deployment.flow_id,
            "prefect.deployment.id": deployment.id,
        },
    )


def _insert(store: Store, run: FlowRun) -> None:
    store.flow_runs[run.id] = run
    if run.idempotency_key is not None:
        store.idempotency[(run.flow_id, run.idempotency_key)] = run.id


def new_state_id(store: Store, now: datetime) -> str:
    """Return an id for a state written at ``now``.

    Prefect 3 gives states time-ordered (version 7) ids, Prefect 2 random ones.
    """
    return store.ids.uuid7(now) if store.modern else store.ids.uuid4()


def _scheduled_state(store: Store, moment: datetime, now: datetime) -> State:
    # Inserted directly rather than orchestrated, so Prefect leaves the
    # state's flow_run_id unset on these runs.
    return State(
        id=new_state_id(store, now),
        type="SCHEDULED",
        name=default_name("SCHEDULED"),
        timestamp=now,
        message="Flow run scheduled",
        details={"scheduled_time": moment},
    )


def _schedule_key(
    store: Store, deployment: Deployment, schedule: DeploymentSchedule, at: datetime
) -> str:
    if store.modern:
        return f"scheduled {deployment.id} {schedule.id} {at}"
    return f"scheduled {deployment.id} {at.isoformat()}"


def _utc(moment: datetime | None) -> datetime | None:
    # Run columns are stored in UTC; only state details keep their offset.
    return None if moment is None else moment.astimezone(UTC)


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))
