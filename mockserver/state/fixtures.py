"""Loading fixtures: response-shaped objects put straight into a store.

A fixture is what the real server would answer for an object (a recording's
response body or a generated instance), so loading one keeps its id, times
and state. Both versions' shapes are read: a Prefect 2 deployment's single
``schedule`` and ``infra_overrides`` as well as Prefect 3's ``schedules``
and ``job_variables``. A deployment whose flow is not loaded gets a stand-in
flow named after the flow id, so that reads by name keep working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from mockserver.errors import OperationRefused
from mockserver.state.deployments import Deployment
from mockserver.state.flow_runs import FlowRun, default_policy
from mockserver.state.flows import Flow
from mockserver.state.schedules import DeploymentSchedule, normalize_schedule
from mockserver.state.states import State, default_name
from mockserver.state.store import Store
from mockserver.state.times import parse_instant
from mockserver.state.work_pools import WorkPool, WorkQueue

__all__ = ["FIXTURE_KINDS", "load_fixtures"]

FIXTURE_KINDS = ("flows", "work_pools", "deployments", "flow_runs")
"""The kinds of object a fixture set may hold, in loading order."""

_DEPLOYMENT_FIELDS = (
    "version",
    "description",
    "concurrency_options",
    "parameters",
    "tags",
    "labels",
    "work_queue_name",
    "work_queue_id",
    "work_pool_name",
    "parameter_openapi_schema",
    "path",
    "pull_steps",
    "entrypoint",
    "manifest_path",
    "storage_document_id",
    "infrastructure_document_id",
    "created_by",
    "updated_by",
    "status",
    "enforce_parameter_schema",
)
_FLOW_RUN_FIELDS = (
    "deployment_id",
    "deployment_version",
    "work_queue_id",
    "work_queue_name",
    "work_pool_id",
    "work_pool_name",
    "flow_version",
    "parameters",
    "idempotency_key",
    "context",
    "tags",
    "labels",
    "parent_task_run_id",
    "run_count",
    "auto_scheduled",
    "infrastructure_document_id",
    "infrastructure_pid",
    "created_by",
    "job_variables",
)
_FLOW_RUN_INSTANTS = (
    "expected_start_time",
    "next_scheduled_start_time",
    "start_time",
    "end_time",
)


def load_fixtures(
    store: Store, objects: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[FlowRun]:
    """Put fixture objects into ``store``.

    :returns: the flow runs loaded.
    :raises ValueError: for a kind not in :data:`FIXTURE_KINDS`.
    :raises OperationRefused: 409 for an id the store already holds.
    """
    unknown = sorted(set(objects) - set(FIXTURE_KINDS))
    if unknown:
        raise ValueError(
            f"unknown fixture kinds {unknown!r}; expected some of {FIXTURE_KINDS}"
        )

    for body in objects.get("flows", []):
        _put(store.flows, _flow(store, body))
    for body in objects.get("work_pools", []):
        _load_pool(store, body)
    for body in objects.get("deployments", []):
        _put(store.deployments, _deployment(store, body))
    runs = [_flow_run(store, body) for body in objects.get("flow_runs", [])]
    for run in runs:
        _put(store.flow_runs, run)
        if run.idempotency_key is not None:
            store.idempotency[(run.flow_id, run.idempotency_key)] = run.id
    return runs


def _put(table: dict[str, Any], item: Any) -> None:
    if item.id in table:
        raise OperationRefused(409, f"an object with id {item.id!r} already exists")
    table[item.id] = item


def _times(store: Store, body: Mapping[str, Any]) -> tuple[str, datetime, datetime]:
    now = store.now()
    created = _instant(body.get("created")) or now
    updated = _instant(body.get("updated")) or created
    return body.get("id") or store.ids.uuid4(), created, updated


def _instant(value: Any) -> datetime | None:
    return None if value is None else parse_instant(value)


def _flow(store: Store, body: Mapping[str, Any]) -> Flow:
    flow_id, created, updated = _times(store, body)
    return Flow(
        id=flow_id,
        created=created,
        updated=updated,
        name=body["name"],
        tags=list(body.get("tags") or []),
        labels=dict(body.get("labels") or {}),
    )


def _load_pool(store: Store, body: Mapping[str, Any]) -> None:
    pool_id, created, updated = _times(store, body)
    pool = WorkPool(
        id=pool_id,
        created=created,
        updated=updated,
        name=body["name"],
        type=body.get("type") or "prefect-agent",
        description=body.get("description"),
        base_job_template=dict(body.get("base_job_template") or {}),
        is_paused=bool(body.get("is_paused", False)),
        concurrency_limit=body.get("concurrency_limit"),
        status=body.get("status"),
        storage_configuration=dict(body.get("storage_configuration") or {}),
    )
    _put(store.work_pools, pool)
    queue = WorkQueue(
        id=body.get("default_queue_id") or store.ids.uuid4(),
        created=created,
        updated=updated,
        name="default",
        work_pool_id=pool.id,
        priority=1,
        description="The work pool's default queue.",
    )
    _put(store.work_queues, queue)
    pool.default_queue_id = queue.id


def _deployment(store: Store, body: Mapping[str, Any]) -> Deployment:
    deployment_id, created, updated = _times(store, body)
    deployment = Deployment(
        id=deployment_id,
        created=created,
        updated=updated,
        name=body["name"],
        flow_id=body["flow_id"],
    )
    for name in _DEPLOYMENT_FIELDS:
        if name in body:
            setattr(deployment, name, body[name])
    deployment.paused = _paused(body)
    deployment.job_variables = dict(
        body.get("job_variables") or body.get("infra_overrides") or {}
    )
    deployment.concurrency_limit = body.get("global_concurrency_limit")
    deployment.last_polled = _instant(body.get("last_polled"))
    deployment.schedules = _schedules(store, deployment, body)
    deployment.tags = list(deployment.tags or [])
    deployment.parameters = dict(deployment.parameters or {})
    _ensure_flow(store, deployment.flow_id)
    return deployment


def _paused(body: Mapping[str, Any]) -> bool:
    if "paused" in body:
        return bool(body["paused"])
    return body.get("is_schedule_active") is False


def _schedules(
    store: Store, deployment: Deployment, body: Mapping[str, Any]
) -> list[DeploymentSchedule]:
    listed = body.get("schedules")
    if listed is None and body.get("schedule") is not None:
        listed = [{"schedule": body["schedule"]}]
    schedules = []
    for item in listed or []:
        schedule_id, created, updated = _times(store, item)
        schedules.append(
            DeploymentSchedule(
                id=schedule_id,
                created=created,
                updated=updated,
                deployment_id=deployment.id,
                # Fixtures show the schedule as stored: no defaults rewritten.
                schedule=normalize_schedule(item["schedule"], created, modern=False),
                active=item.get("active", True) is not False,
                max_scheduled_runs=item.get("max_scheduled_runs"),
                parameters=dict(item.get("parameters") or {}),
                slug=item.get("slug"),
            )
        )
    return schedules


def _ensure_flow(store: Store, flow_id: str) -> None:
    if flow_id in store.flows:
        return
    now = store.now()
    name = f"flow-{flow_id[:8]}"
    store.flows[flow_id] = Flow(id=flow_id, created=now, updated=now, name=name)


def _flow_run(store: Store, body: Mapping[str, Any]) -> FlowRun:
    run_id, created, updated = _times(store, body)
    run = FlowRun(
        id=run_id,
        created=created,
        updated=updated,
        name=body.get("name") or store.names.next(),
        flow_id=body["flow_id"],
        state=_state(store, body.get("state"), created),
    )
    for name in _FLOW_RUN_FIELDS:
        if body.get(name) is not None:
            setattr(run, name, body[name])
    for name in _FLOW_RUN_INSTANTS:
        setattr(run, name, _instant(body.get(name)))
    run.empirical_policy = {**default_policy(), **(body.get("empirical_policy") or {})}
    run.total_run_time = timedelta(seconds=body.get("total_run_time") or 0.0)
    run.state.details.setdefault("flow_run_id", run.id)
    return run


def _state(store: Store, body: Mapping[str, Any] | None, created: datetime) -> State:
    if body is None:
        return State(
            id=store.ids.uuid4(),
            type="SCHEDULED",
            name=default_name("SCHEDULED"),
            timestamp=created,
            details={"scheduled_time": created},
        )
    details = dict(body.get("state_details") or {})
    for key in ("scheduled_time", "cache_expiration", "pause_timeout"):
        value = details.get(key)
        details[key] = None if value is None else parse_instant(value, keep_offset=True)
    return State(
        id=body.get("id") or store.ids.uuid4(),
        type=body["type"],
        name=body.get("name") or default_name(body["type"]),
        timestamp=_instant(body.get("timestamp")) or created,
        message=body.get("message"),
        data=body.get("data"),
        details=details,
    )
