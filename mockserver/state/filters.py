"""Filtering, sorting and paging deployments, flows and flow runs.

Prefect's filter bodies nest: an object filter (``deployments``) holds field
filters (``name``), which hold criteria (``any_``, ``like_``...). Field
filters combine with the object filter's ``operator`` (``and_`` unless it
says ``or_``); criteria within a field combine with ``and_`` unless the
field filter carries its own operator. A read may also filter by related
objects: a deployment matches a ``flow_runs`` filter when one of its runs
does, and a ``work_pools`` filter through its work queue. The mock keeps no
task runs, so a ``task_runs`` filter matches nothing.

Criteria follow the real server's SQL: ``like_`` is a case-insensitive
substring, ``before_``/``after_`` include the bound, a ``tags`` field is
null when it is empty. Sorting puts missing values first when ascending and
last when descending, as SQLite does, and keeps insertion order for ties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from mockserver.errors import OperationRefused
from mockserver.state.deployments import Deployment
from mockserver.state.flow_runs import FlowRun
from mockserver.state.flows import Flow
from mockserver.state.store import Store
from mockserver.state.times import parse_instant

__all__ = [
    "DEFAULT_LIMIT",
    "check_limit",
    "select_deployments",
    "select_flow_runs",
    "select_flows",
    "sort_deployments",
    "sort_flow_runs",
    "sort_flows",
]

DEFAULT_LIMIT = 200
"""Prefect's ``PREFECT_SERVER_API_DEFAULT_LIMIT``: the default and the cap."""

T = TypeVar("T")
Getter = Callable[[Any], Any]
Fields = Mapping[str, "Getter | Fields"]


def check_limit(limit: int | None) -> int:
    """Return the effective ``limit`` of a read.

    :raises OperationRefused: 422 with Prefect's message for a negative
        limit or one above :data:`DEFAULT_LIMIT`.
    """
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 0:
        raise OperationRefused(
            422, "Invalid limit: must be greater than or equal to 0."
        )
    if limit > DEFAULT_LIMIT:
        raise OperationRefused(
            422, f"Invalid limit: must be less than or equal to {DEFAULT_LIMIT}."
        )
    return limit


def select_deployments(store: Store, body: Mapping[str, Any]) -> list[Deployment]:
    """Return the deployments a read's filters select, in insertion order."""
    relations = _Relations(store)
    return [
        d
        for d in store.deployments.values()
        if _matches(d, body.get("deployments"), _deployment_fields(relations))
        and _matches(relations.flow_of(d), body.get("flows"), _FLOW_FIELDS)
        and relations.runs_match(
            [r for r in store.flow_runs.values() if r.deployment_id == d.id],
            body.get("flow_runs"),
            body.get("task_runs"),
        )
        and relations.queue_matches(
            d.work_queue_id, body.get("work_pools"), body.get("work_pool_queues")
        )
    ]


def select_flows(store: Store, body: Mapping[str, Any]) -> list[Flow]:
    """Return the flows a read's filters select, in insertion order."""
    relations = _Relations(store)
    selected = []
    for flow in store.flows.values():
        runs = [r for r in store.flow_runs.values() if r.flow_id == flow.id]
        deployments = [d for d in store.deployments.values() if d.flow_id == flow.id]
        if (
            _matches(flow, body.get("flows"), _flow_fields(deployments))
            and relations.runs_match(runs, body.get("flow_runs"), body.get("task_runs"))
            and relations.deployments_match(deployments, body)
        ):
            selected.append(flow)
    return selected


def select_flow_runs(store: Store, body: Mapping[str, Any]) -> list[FlowRun]:
    """Return the flow runs a read's filters select, in insertion order."""
    relations = _Relations(store)
    return [
        run
        for run in store.flow_runs.values()
        if _matches(run, body.get("flow_runs"), _FLOW_RUN_FIELDS)
        and _matches(store.flows.get(run.flow_id), body.get("flows"), _FLOW_FIELDS)
        and relations.deployment_matches(run.deployment_id, body.get("deployments"))
        and body.get("task_runs") is None
        and relations.queue_matches(
            run.work_queue_id, body.get("work_pools"), body.get("work_pool_queues")
        )
    ]


def sort_deployments(items: Iterable[Deployment], sort: str) -> list[Deployment]:
    """Order deployments by a ``DeploymentSort`` value such as ``NAME_ASC``."""
    return _sorted(items, sort, _NAMED_SORTS)


def sort_flows(items: Iterable[Flow], sort: str) -> list[Flow]:
    """Order flows by a ``FlowSort`` value such as ``CREATED_DESC``."""
    return _sorted(items, sort, _NAMED_SORTS)


def sort_flow_runs(items: Iterable[FlowRun], sort: str) -> list[FlowRun]:
    """Order flow runs by a ``FlowRunSort`` value such as ``ID_DESC``."""
    return _sorted(items, sort, _FLOW_RUN_SORTS)


class _Relations:
    """Resolves the related objects a filter may reach through."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def flow_of(self, deployment: Deployment) -> Flow | None:
        return self.store.flows.get(deployment.flow_id)

    def runs_match(
        self,
        runs: Sequence[FlowRun],
        run_filter: Mapping[str, Any] | None,
        task_filter: Mapping[str, Any] | None,
    ) -> bool:
        # Prefect turns a present run filter into "some run exists and matches".
        if run_filter is None and task_filter is None:
            return True
        if task_filter is not None:
            return False
        return any(_matches(r, run_filter, _FLOW_RUN_FIELDS) for r in runs)

    def deployment_matches(
        self, deployment_id: str | None, deployment_filter: Mapping[str, Any] | None
    ) -> bool:
        if deployment_filter is None:
            return True
        deployment = self.store.deployments.get(deployment_id or "")
        return deployment is not None and _matches(
            deployment, deployment_filter, _deployment_fields(self)
        )

    def deployments_match(
        self, deployments: Sequence[Deployment], body: Mapping[str, Any]
    ) -> bool:
        wanted = (
            body.get("deployments"),
            body.get("work_pools"),
            body.get("work_pool_queues"),
        )
        if all(f is None for f in wanted):
            return True
        return any(
            _matches(d, wanted[0], _deployment_fields(self))
            and self.queue_matches(d.work_queue_id, wanted[1], wanted[2])
            for d in deployments
        )

    def queue_matches(
        self,
        queue_id: str | None,
        pool_filter: Mapping[str, Any] | None,
        queue_filter: Mapping[str, Any] | None,
    ) -> bool:
        if pool_filter is None and queue_filter is None:
            return True
        queue = self.store.work_queues.get(queue_id or "")
        if queue is None:
            return False
        pool = self.store.work_pools.get(queue.work_pool_id)
        return _matches(queue, queue_filter, _WORK_QUEUE_FIELDS) and _matches(
            pool, pool_filter, _WORK_POOL_FIELDS
        )

    def flow_name(self, deployment: Deployment) -> str | None:
        flow = self.flow_of(deployment)
        return flow.name if flow else None


def _matches(item: Any, body: Mapping[str, Any] | None, fields: Fields) -> bool:
    if body is None:
        return True
    if item is None:
        return False
    results = []
    for name, criteria in body.items():
        spec = fields.get(name)
        if name == "operator" or criteria is None or spec is None:
            continue
        if isinstance(spec, Mapping):
            results.append(_matches(item, criteria, spec))
        else:
            results.append(_leaf(spec(item), criteria))
    return _combine(body, results)


def _combine(body: Mapping[str, Any], results: list[bool]) -> bool:
    if body.get("operator") == "or_":
        return any(results) if results else True
    return all(results)


def _leaf(value: Any, criteria: Mapping[str, Any] | list[Any]) -> bool:
    if isinstance(criteria, list):
        # A few filters take a bare list meaning "any of": created_by's id_
        # and type_, for example.
        return _any(value, criteria)
    results = [
        _criterion(value, key, argument)
        for key, argument in criteria.items()
        if key != "operator" and argument is not None
    ]
    return _combine(criteria, results)


def _criterion(value: Any, key: str, argument: Any) -> bool:
    test = _CRITERIA.get(key)
    return True if test is None else test(value, argument)


def _any(value: Any, argument: Sequence[Any]) -> bool:
    if isinstance(value, list):
        return bool(set(value) & set(argument))
    return value in argument


def _like(value: Any, argument: str) -> bool:
    values = value if isinstance(value, list) else [value]
    needle = argument.lower()
    return any(v is not None and needle in str(v).lower() for v in values)


def _is_null(value: Any, argument: bool) -> bool:
    empty = value is None or value == []
    return empty if argument else not empty


def _before(value: Any, argument: str) -> bool:
    return value is not None and value <= parse_instant(argument)


def _after(value: Any, argument: str) -> bool:
    return value is not None and value >= parse_instant(argument)


def _created_by(key: str) -> Getter:
    return lambda run: (run.created_by or {}).get(key)


_CRITERIA: dict[str, Callable[[Any, Any], bool]] = {
    "any_": _any,
    "not_any_": lambda value, argument: not _any(value, argument),
    "all_": lambda value, argument: set(argument) <= set(value or []),
    "like_": _like,
    "eq_": lambda value, argument: bool(value == argument),
    "is_null_": _is_null,
    "before_": _before,
    "after_": _after,
    "ge_": lambda value, argument: value is not None and value >= argument,
    "le_": lambda value, argument: value is not None and value <= argument,
    "startswith_": lambda value, argument: any(
        str(value).startswith(prefix) for prefix in argument
    ),
}


def _deployment_fields(relations: _Relations) -> Fields:
    return {
        "id": lambda d: d.id,
        "name": lambda d: d.name,
        "flow_or_deployment_name": lambda d: [d.name, relations.flow_name(d)],
        "paused": lambda d: d.paused,
        "is_schedule_active": lambda d: not d.paused,
        "tags": lambda d: d.tags,
        "work_queue_name": lambda d: d.work_queue_name,
        "work_queue_id": lambda d: d.work_queue_id,
        "concurrency_limit": lambda d: (d.concurrency_limit or {}).get("limit"),
    }


def _flow_fields(deployments: Sequence[Deployment]) -> Fields:
    return {
        **_FLOW_FIELDS,
        "deployment": lambda f: deployments[0].id if deployments else None,
    }


_FLOW_FIELDS: Fields = {
    "id": lambda f: f.id,
    "name": lambda f: f.name,
    "tags": lambda f: f.tags,
}

_FLOW_RUN_FIELDS: Fields = {
    "id": lambda r: r.id,
    "name": lambda r: r.name,
    "tags": lambda r: r.tags,
    "deployment_id": lambda r: r.deployment_id,
    "work_queue_name": lambda r: r.work_queue_name,
    "state": {"type": lambda r: r.state.type, "name": lambda r: r.state.name},
    "flow_version": lambda r: r.flow_version,
    "start_time": lambda r: r.start_time,
    "end_time": lambda r: r.end_time,
    "expected_start_time": lambda r: r.expected_start_time,
    "next_scheduled_start_time": lambda r: r.next_scheduled_start_time,
    "parent_flow_run_id": lambda r: None,
    "parent_task_run_id": lambda r: r.parent_task_run_id,
    "idempotency_key": lambda r: r.idempotency_key,
    "created_by": {
        "id_": _created_by("id"),
        "type_": _created_by("type"),
        "is_null_": lambda r: r.created_by,
    },
}

_WORK_POOL_FIELDS: Fields = {
    "id": lambda p: p.id,
    "name": lambda p: p.name,
    "type": lambda p: p.type,
}

_WORK_QUEUE_FIELDS: Fields = {
    "id": lambda q: q.id,
    "name": lambda q: q.name,
}


def _sorted(items: Iterable[T], sort: str, table: Mapping[str, Getter]) -> list[T]:
    descending = sort.endswith("_DESC")
    key = table[sort.removesuffix("_DESC").removesuffix("_ASC")]
    return sorted(items, key=lambda item: _nulls_low(key(item)), reverse=descending)


def _nulls_low(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if value is not None else 0)


_NAMED_SORTS: Mapping[str, Getter] = {
    "CREATED": lambda item: item.created,
    "UPDATED": lambda item: item.updated,
    "NAME": lambda item: item.name,
}

_FLOW_RUN_SORTS: Mapping[str, Getter] = {
    "ID": lambda run: run.id,
    "START_TIME": lambda run: run.start_time or run.expected_start_time,
    "EXPECTED_START_TIME": lambda run: run.expected_start_time,
    "NAME": lambda run: run.name,
    "NEXT_SCHEDULED_START_TIME": lambda run: run.next_scheduled_start_time,
    "END_TIME": lambda run: run.end_time,
}
