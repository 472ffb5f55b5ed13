"""Deployments: creating, upserting, updating, pausing and deleting them.

Creating a deployment whose flow already has one of that name updates it in
place (200, same id) with the fields the request names; anything else is
kept, except the schedules, which the request replaces. A deployment names
its work pool and queue by name; both resolve to the queue whose id the
deployment keeps. Deployment schedules live on the deployment, so reading
the deployment and reading its schedules always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mockserver.errors import OperationRefused
from mockserver.state.flow_runs import FlowRun, delete_flow_run, schedule_runs
from mockserver.state.parameters import parameter_failure
from mockserver.state.schedules import (
    INTEGRITY_CONFLICT,
    DeploymentSchedule,
    new_schedules,
    normalize_schedule,
    upcoming,
)
from mockserver.state.store import Store, kept
from mockserver.state.times import parse_instant
from mockserver.state.work_pools import (
    DEFAULT_AGENT_POOL,
    WorkQueue,
    ensure_default_agent_pool,
    legacy_queue,
    pool_queue,
    read_work_pool,
)
from mockserver.validation.envelopes import validation_error
from mockserver.validation.violations import Violation

__all__ = [
    "DEPLOYMENT_NOT_FOUND",
    "Deployment",
    "create_deployment",
    "create_schedules",
    "delete_deployment",
    "delete_schedule",
    "deployment_by_name",
    "mark_polled",
    "pause_deployment",
    "read_deployment",
    "resume_deployment",
    "schedule_deployment",
    "sorted_schedules",
    "update_deployment",
    "update_schedule",
]

DEPLOYMENT_NOT_FOUND = "Deployment not found"
"""Prefect's 404 detail; PATCH and the schedule routes add a full stop."""

_MISSING_BLOCK = (
    "Error creating deployment. Could not find {kind} block with id: {id}. This"
    " usually occurs when applying a deployment specification that was built"
    " against a different Prefect database / workspace."
)
_NO_SCHEMA = (
    "Error updating deployment: Cannot update parameters because parameter"
    " schema enforcement is enabled and the deployment does not have a valid"
    " parameter schema."
)
_SLUGS_REQUIRED = (
    "Please provide a slug for each schedule in your request to ensure"
    " schedules are updated correctly."
)
_COPIED_FIELDS = (
    "version",
    "description",
    "paused",
    "concurrency_options",
    "parameters",
    "tags",
    "parameter_openapi_schema",
    "path",
    "pull_steps",
    "entrypoint",
    "manifest_path",
    "storage_document_id",
    "infrastructure_document_id",
    "enforce_parameter_schema",
    "work_queue_name",
    "job_variables",
)

_NOT_NULL_ON_UPDATE = ("parameters", "enforce_parameter_schema")
"""Update fields both versions accept as null but store in NOT NULL columns."""

# Prefect's scheduler defaults (PREFECT_API_SERVICES_SCHEDULER_*).
_MIN_RUNS = 3
_MAX_RUNS = 100
_MIN_TIME = timedelta(hours=1).total_seconds()
_MAX_TIME = timedelta(days=100).total_seconds()


@dataclass(slots=True)
class Deployment:
    """One deployment; fields of both Prefect versions, rendered per version.

    :param concurrency_limit: the global concurrency limit object Prefect 3
        creates for a deployment's ``concurrency_limit``, or ``None``.
    """

    id: str
    created: datetime
    updated: datetime
    name: str
    flow_id: str
    version: str | None = None
    description: str | None = None
    paused: bool = False
    schedules: list[DeploymentSchedule] = field(default_factory=list)
    concurrency_limit: dict[str, Any] | None = None
    concurrency_options: dict[str, Any] | None = None
    job_variables: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    labels: dict[str, Any] = field(default_factory=dict)
    work_queue_name: str | None = None
    work_queue_id: str | None = None
    work_pool_name: str | None = None
    last_polled: datetime | None = None
    parameter_openapi_schema: Any = None
    path: str | None = None
    pull_steps: list[Any] | None = None
    entrypoint: str | None = None
    manifest_path: str | None = None
    storage_document_id: str | None = None
    infrastructure_document_id: str | None = None
    created_by: dict[str, Any] | None = None
    updated_by: dict[str, Any] | None = None
    status: str = "NOT_READY"
    enforce_parameter_schema: bool = False


def read_deployment(store: Store, deployment_id: str, *, stop: str = "") -> Deployment:
    """Return the deployment with ``deployment_id``.

    :param stop: appended to the 404 detail; PATCH routes answer with ``"."``.
    :raises OperationRefused: 404 when there is none.
    """
    deployment = store.deployments.get(deployment_id)
    if deployment is None:
        raise OperationRefused(404, DEPLOYMENT_NOT_FOUND + stop)
    return deployment


def deployment_by_name(store: Store, flow_name: str, name: str) -> Deployment:
    """Return the deployment ``name`` of the flow ``flow_name``.

    :raises OperationRefused: 404 when there is none.
    """
    for deployment in store.deployments.values():
        flow = store.flows.get(deployment.flow_id)
        if deployment.name == name and flow is not None and flow.name == flow_name:
            return deployment
    raise OperationRefused(404, DEPLOYMENT_NOT_FOUND)


def create_deployment(store: Store, body: Mapping[str, Any]) -> tuple[Deployment, bool]:
    """Create the deployment ``body`` describes, or update the one it names.

    :returns: the deployment and whether it was created just now.
    :raises OperationRefused: 404 for an unknown work pool or concurrency
        limit, 409 for an unknown flow or block (the real server's answers).
    """
    _check_created_parameters(store, body)
    queue = _requested_queue(store, body)
    if body.get("global_concurrency_limit_id"):
        raise OperationRefused(404, "Concurrency limit not found")
    _check_blocks(body)
    flow = store.flows.get(body["flow_id"])
    if flow is None:
        raise OperationRefused(409, INTEGRITY_CONFLICT)

    existing = _by_flow_and_name(store, body["flow_id"], body["name"])
    deployment = existing or _new_deployment(store, body)
    _copy_fields(store, deployment, body)
    deployment.labels = {
        **flow.labels,
        "prefect.flow.id": flow.id,
        **(body.get("labels") or {}),
    }
    if queue is not None:
        _assign_queue(store, deployment, queue)
    _replace_schedules_on_create(store, deployment, body)
    if store.modern and "concurrency_limit" in body:
        _set_concurrency_limit(store, deployment, body["concurrency_limit"])

    deployment.updated = store.now()
    if existing is not None:
        _delete_scheduled_runs(store, deployment.id, auto_only=True, future_only=True)
    store.deployments[deployment.id] = deployment
    return deployment, existing is None


def update_deployment(
    store: Store, deployment_id: str, body: Mapping[str, Any]
) -> None:
    """Apply a ``DeploymentUpdate`` body to a deployment.

    :raises OperationRefused: 404 for an unknown deployment or work pool,
        409 when enforced parameters break the schema or a field that must
        not be empty is set to null, 422 for schedules without the slugs the
        existing ones have.
    """
    deployment = read_deployment(store, deployment_id, stop=".")
    schedule_plan = _plan_schedule_update(store, deployment, body)
    queue = _requested_queue(store, body) if body.get("work_pool_name") else None
    _check_updated_parameters(store, deployment, body)
    if body.get("global_concurrency_limit_id"):
        raise OperationRefused(404, "Concurrency limit not found")
    if any(body.get(name, ...) is None for name in _NOT_NULL_ON_UPDATE):
        # The update model lets null through; the table's NOT NULL rule
        # then fails the write, and nothing of it is kept.
        raise OperationRefused(409, INTEGRITY_CONFLICT)

    _copy_fields(store, deployment, body)
    if queue is not None:
        _assign_queue(store, deployment, queue)
    elif "work_pool_name" in body and body["work_pool_name"] is None:
        deployment.work_queue_id = None
        deployment.work_pool_name = None
    elif body.get("work_queue_name"):
        _assign_queue(store, deployment, legacy_queue(store, body["work_queue_name"]))
    if schedule_plan is not None:
        deployment.schedules = schedule_plan
        _delete_scheduled_runs(store, deployment.id, auto_only=True, future_only=True)
    if store.modern and "concurrency_limit" in body:
        _set_concurrency_limit(store, deployment, body["concurrency_limit"])
    deployment.updated = store.now()


def delete_deployment(store: Store, deployment_id: str) -> None:
    """Delete a deployment and its runs still waiting to be scheduled.

    :raises OperationRefused: 404 when there is none.
    """
    read_deployment(store, deployment_id)
    _delete_scheduled_runs(store, deployment_id)
    del store.deployments[deployment_id]


def pause_deployment(store: Store, deployment_id: str, *, paused: bool) -> None:
    """Pause or resume a deployment; pausing drops its auto-scheduled runs.

    :raises OperationRefused: 404 when there is none.
    """
    deployment = read_deployment(store, deployment_id)
    deployment.paused = paused
    deployment.updated = store.now()
    if paused:
        _delete_scheduled_runs(store, deployment_id, auto_only=True)


def resume_deployment(store: Store, deployment_id: str) -> None:
    """Resume a paused deployment (Prefect 2 calls it activating its schedule)."""
    pause_deployment(store, deployment_id, paused=False)


def mark_polled(store: Store, deployment_ids: Iterable[str]) -> None:
    """Record that a runner polled these deployments: they become READY."""
    now = store.now()
    for deployment_id in deployment_ids:
        deployment = store.deployments.get(deployment_id)
        if deployment is None:
            continue
        deployment.last_polled = now
        deployment.status = "READY"
        # Prefect 2 bumps ``updated`` on a poll; Prefect 3 does not.
        if not store.modern:
            deployment.updated = now


def schedule_deployment(
    store: Store, deployment_id: str, body: Mapping[str, Any]
) -> list[FlowRun]:
    """Create the auto-scheduled runs of a deployment's active schedules.

    Follows Prefect's rule: per schedule, dates from ``start_time`` on, at
    most ``max_runs`` and none after ``end_time``, stopping as soon as both
    ``min_runs`` dates and ``start_time + min_time`` are reached. An unknown
    deployment schedules nothing, as on the real server.
    """
    deployment = store.deployments.get(deployment_id)
    if deployment is None:
        return []

    start = _instant(body.get("start_time")) or store.now()
    end = _instant(body.get("end_time")) or _shifted(start, _MAX_TIME)
    min_time = body.get("min_time")
    reached = _shifted(start, _MIN_TIME if min_time is None else min_time)
    min_runs = body.get("min_runs") or _MIN_RUNS
    max_runs = _MAX_RUNS if body.get("max_runs") is None else body["max_runs"]

    created: list[FlowRun] = []
    for schedule in sorted_schedules(deployment):
        if not schedule.active:
            continue
        dates = []
        for moment in upcoming(schedule.schedule, start, end, max_runs):
            dates.append(moment)
            if len(dates) >= min_runs and moment >= reached:
                break
        created += schedule_runs(store, deployment, schedule, dates)
    return created


def sorted_schedules(deployment: Deployment) -> list[DeploymentSchedule]:
    """Return a deployment's schedules most recently updated first, as Prefect.

    Schedules written in one request share an instant here; the real server's
    differ by microseconds, so ties go to the one written last.
    """
    newest_first = list(reversed(deployment.schedules))
    return sorted(newest_first, key=lambda s: s.updated, reverse=True)


def create_schedules(
    store: Store, deployment_id: str, bodies: list[Mapping[str, Any]]
) -> list[DeploymentSchedule]:
    """Add schedules to a deployment.

    :raises OperationRefused: 404 for an unknown deployment, 409 for a slug
        the deployment already uses.
    """
    deployment = read_deployment(store, deployment_id, stop=".")
    taken = [s.slug for s in deployment.schedules if s.slug is not None]
    created = new_schedules(store, deployment_id, bodies)
    if any(s.slug in taken for s in created if s.slug is not None):
        raise OperationRefused(409, INTEGRITY_CONFLICT)
    deployment.schedules += created
    return created


def update_schedule(
    store: Store, deployment_id: str, schedule_id: str, body: Mapping[str, Any]
) -> None:
    """Change one schedule; future auto-scheduled runs are dropped.

    :raises OperationRefused: 404 for an unknown deployment or schedule.
    """
    deployment = read_deployment(store, deployment_id, stop=".")
    schedule = _schedule(deployment, schedule_id)
    _patch_schedule(store, schedule, body)
    _delete_scheduled_runs(store, deployment_id, auto_only=True, future_only=True)


def delete_schedule(store: Store, deployment_id: str, schedule_id: str) -> None:
    """Remove one schedule; the deployment's auto-scheduled runs are dropped.

    :raises OperationRefused: 404 for an unknown deployment or schedule.
    """
    deployment = read_deployment(store, deployment_id, stop=".")
    schedule = _schedule(deployment, schedule_id)
    deployment.schedules.remove(schedule)
    _delete_scheduled_runs(store, deployment_id, auto_only=True)


def _schedule(deployment: Deployment, schedule_id: str) -> DeploymentSchedule:
    for schedule in deployment.schedules:
        if schedule.id == schedule_id:
            return schedule
    raise OperationRefused(404, "Schedule not found.")


def _patch_schedule(
    store: Store, schedule: DeploymentSchedule, body: Mapping[str, Any]
) -> None:
    now = store.now()
    if body.get("schedule") is not None:
        schedule.schedule = normalize_schedule(
            body["schedule"], now, modern=store.modern
        )
    if body.get("active") is not None:
        schedule.active = body["active"]
    for name in ("max_scheduled_runs", "parameters", "slug"):
        if name in body and body[name] is not None:
            setattr(schedule, name, body[name])
    schedule.updated = now


def _by_flow_and_name(store: Store, flow_id: str, name: str) -> Deployment | None:
    return next(
        (
            d
            for d in store.deployments.values()
            if d.flow_id == flow_id and d.name == name
        ),
        None,
    )


def _new_deployment(store: Store, body: Mapping[str, Any]) -> Deployment:
    now = store.now()
    deployment = Deployment(
        id=store.ids.uuid4(),
        created=now,
        updated=now,
        name=body["name"],
        flow_id=body["flow_id"],
    )
    # Prefect 3 changed these defaults; Prefect 2 left them empty and off.
    if store.modern:
        deployment.parameter_openapi_schema = {}
        deployment.pull_steps = []
        deployment.enforce_parameter_schema = True
    return deployment


def _copy_fields(store: Store, deployment: Deployment, body: Mapping[str, Any]) -> None:
    for name in _COPIED_FIELDS:
        if name in body:
            setattr(deployment, name, kept(body[name]))
    if body.get("job_variables") is None and "job_variables" in body:
        deployment.job_variables = {}
    if not store.modern:
        if "infra_overrides" in body:
            deployment.job_variables = dict(body["infra_overrides"] or {})
        if "is_schedule_active" in body:
            deployment.paused = not body["is_schedule_active"]
    if deployment.tags is None:
        deployment.tags = []
    if deployment.parameters is None:
        deployment.parameters = {}


def _requested_queue(store: Store, body: Mapping[str, Any]) -> WorkQueue | None:
    pool_name = body.get("work_pool_name")
    queue_name = body.get("work_queue_name")
    if pool_name:
        pool = (
            ensure_default_agent_pool(store)
            if pool_name == DEFAULT_AGENT_POOL
            else read_work_pool(store, pool_name)
        )
        return pool_queue(store, pool, queue_name)
    if queue_name:
        return legacy_queue(store, queue_name)
    return None


def _assign_queue(store: Store, deployment: Deployment, queue: WorkQueue) -> None:
    deployment.work_queue_id = queue.id
    deployment.work_queue_name = queue.name
    deployment.work_pool_name = store.work_pools[queue.work_pool_id].name


def _check_blocks(body: Mapping[str, Any]) -> None:
    # The mock keeps no blocks, so any block a deployment names is unknown.
    if body.get("infrastructure_document_id") is not None:
        detail = _MISSING_BLOCK.format(
            kind="infrastructure", id=body["infrastructure_document_id"]
        )
        raise OperationRefused(409, detail)
    if body.get("storage_document_id") is not None:
        detail = _MISSING_BLOCK.format(kind="storage", id=body["storage_document_id"])
        raise OperationRefused(409, detail)


def _replace_schedules_on_create(
    store: Store, deployment: Deployment, body: Mapping[str, Any]
) -> None:
    if store.modern:
        deployment.schedules = new_schedules(
            store, deployment.id, body.get("schedules") or []
        )
    elif "schedule" in body:
        deployment.schedules = _legacy_schedule(store, deployment, body["schedule"])


def _legacy_schedule(
    store: Store, deployment: Deployment, spec: Mapping[str, Any] | None
) -> list[DeploymentSchedule]:
    if spec is None:
        return []
    return new_schedules(store, deployment.id, [{"schedule": spec}])


def _plan_schedule_update(
    store: Store, deployment: Deployment, body: Mapping[str, Any]
) -> list[DeploymentSchedule] | None:
    if not store.modern:
        if "schedule" in body:
            return _legacy_schedule(store, deployment, body["schedule"])
        return None
    requested = body.get("schedules")
    if requested is None:
        return None

    existing = deployment.schedules
    all_given = all(s.get("slug") is not None for s in requested)
    all_kept = bool(existing) and all(s.slug is not None for s in existing)
    if all_kept and not all_given:
        raise OperationRefused(422, _SLUGS_REQUIRED)
    if not all_kept:
        # Prefect replaces every schedule with the requested ones, leaving
        # out those without a schedule configuration, and it does not carry
        # max_scheduled_runs over.
        complete = [
            {**s, "max_scheduled_runs": None}
            for s in requested
            if s.get("schedule") is not None
        ]
        return new_schedules(store, deployment.id, complete)
    return _patch_by_slug(store, deployment, requested)


def _patch_by_slug(
    store: Store, deployment: Deployment, requested: list[Mapping[str, Any]]
) -> list[DeploymentSchedule]:
    by_slug = {s.slug: s for s in deployment.schedules}
    targets = [r.get("replaces") for r in requested if r.get("replaces")]
    if len(targets) != len(set(targets)):
        raise OperationRefused(
            422,
            "Multiple schedules have 'replaces' targeting the same slug:"
            f" {next(t for t in targets if targets.count(t) > 1)}",
        )

    to_create = []
    for body in requested:
        target = body.get("replaces") or body["slug"]
        if target in by_slug:
            _patch_schedule(store, by_slug[target], body)
        elif body.get("schedule"):
            to_create.append(body)
        else:
            raise OperationRefused(
                422,
                "Unable to create new deployment schedules without a schedule"
                " configuration.",
            )
    return [*deployment.schedules, *new_schedules(store, deployment.id, to_create)]


def _check_created_parameters(store: Store, body: Mapping[str, Any]) -> None:
    # Prefect's create model checks parameters while parsing the request,
    # and only when the request itself turns enforcement on, so a failure is
    # a request violation (422) rather than a conflict.
    schema = body.get("parameter_openapi_schema")
    if not body.get("enforce_parameter_schema") or not isinstance(schema, dict):
        return
    failure = parameter_failure(
        body.get("parameters") or {}, schema, relax=False, ignore_required=True
    )
    if failure is None:
        return
    violation = Violation(
        location=("body",) if store.modern else ("body", "parameters"),
        kind="value_error",
        message=f"Value error, {failure}",
        input=dict(body),
        context={"error": {}},
    )
    reply = validation_error(store.version, [violation], dict(body))
    raise OperationRefused(422, failure, body=reply.body)


def _check_updated_parameters(
    store: Store, deployment: Deployment, body: Mapping[str, Any]
) -> None:
    enforce = body.get("enforce_parameter_schema")
    if enforce is None:
        enforce = deployment.enforce_parameter_schema
    if not enforce:
        return

    schema = deployment.parameter_openapi_schema
    # Prefect 3 checks against the schema the update brings, if any.
    if store.modern and body.get("parameter_openapi_schema"):
        schema = body["parameter_openapi_schema"]
    if not isinstance(schema, dict):
        raise OperationRefused(409, _NO_SCHEMA)
    parameters = body.get("parameters")
    if parameters is None:
        parameters = deployment.parameters
    failure = parameter_failure(
        parameters, schema, relax=store.modern, ignore_required=True
    )
    if failure is not None:
        raise OperationRefused(409, f"Error updating deployment: {failure}")


def _set_concurrency_limit(
    store: Store, deployment: Deployment, limit: int | None
) -> None:
    if limit is None:
        deployment.concurrency_limit = None
        return
    now = store.now()
    current = deployment.concurrency_limit
    if current is not None:
        current.update(limit=limit, updated=now)
        return
    deployment.concurrency_limit = {
        "id": store.ids.uuid4(),
        "created": now,
        "updated": now,
        "active": True,
        "name": f"deployment:{deployment.id}",
        "limit": limit,
        "active_slots": 0,
        "slot_decay_per_second": 0.0,
    }


def _delete_scheduled_runs(
    store: Store,
    deployment_id: str,
    *,
    auto_only: bool = False,
    future_only: bool = False,
) -> None:
    now = store.now()
    doomed = [
        run.id
        for run in store.flow_runs.values()
        if run.deployment_id == deployment_id
        and run.state.type == "SCHEDULED"
        and run.state.name != "AwaitingConcurrencySlot"
        and run.run_count == 0
        and (run.auto_scheduled or not auto_only)
        and (
            not future_only
            or (
                run.next_scheduled_start_time is not None
                and run.next_scheduled_start_time > now
            )
        )
    ]
    for run_id in doomed:
        delete_flow_run(store, run_id)


def _shifted(start: datetime, seconds: float) -> datetime:
    """Return ``start`` moved by ``seconds``, clamped to the calendar.

    Prefect 3.9.1 answers 500 when min_time reaches past the dates Python
    can hold; the mock takes the calendar's end instead.
    """
    try:
        return start + timedelta(seconds=seconds)
    except OverflowError:
        limit = datetime.max if seconds > 0 else datetime.min
        return limit.replace(tzinfo=start.tzinfo)


def _instant(value: str | None) -> datetime | None:
    return None if value is None else parse_instant(value)
