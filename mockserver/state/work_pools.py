"""Work pools and their queues, as far as deployments and flow runs use them.

A pool is created with a queue called ``default``. Deployments name a pool,
a queue, or both; queues that do not exist yet are created on the way, and a
queue named without a pool lands in Prefect's ``default-agent-pool``, which
a 2.x server creates at start-up and a 3.x server on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mockserver.errors import OperationRefused
from mockserver.state.store import Store

__all__ = [
    "DEFAULT_AGENT_POOL",
    "WorkPool",
    "WorkQueue",
    "create_work_pool",
    "ensure_default_agent_pool",
    "legacy_queue",
    "pool_by_name",
    "pool_queue",
    "read_work_pool",
]

DEFAULT_AGENT_POOL = "default-agent-pool"
"""The pool Prefect files queues under when a deployment names no pool."""

_DEFAULT_QUEUE_DESCRIPTION = "The work pool's default queue."


@dataclass(slots=True)
class WorkQueue:
    """One queue of a work pool."""

    id: str
    created: datetime
    updated: datetime
    name: str
    work_pool_id: str
    priority: int
    description: str | None = ""
    is_paused: bool = False
    concurrency_limit: int | None = None
    filter: Any = None
    last_polled: datetime | None = None


@dataclass(slots=True)
class WorkPool:
    """One work pool."""

    id: str
    created: datetime
    updated: datetime
    name: str
    type: str
    default_queue_id: str = ""
    description: str | None = None
    base_job_template: dict[str, Any] = field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: int | None = None
    status: str | None = "NOT_READY"
    storage_configuration: dict[str, Any] = field(default_factory=dict)


def create_work_pool(store: Store, body: Mapping[str, Any]) -> WorkPool:
    """Create the pool ``body`` describes, with its ``default`` queue.

    :raises OperationRefused: 403 for names starting with "prefect", 409 for
        a name already taken (the real server's answers).
    """
    name = body["name"]
    if name.lower().startswith("prefect"):
        raise OperationRefused(
            403, "Work pools starting with 'Prefect' are reserved for internal use."
        )
    if pool_by_name(store, name) is not None:
        raise OperationRefused(409, "A work pool with this name already exists.")
    return _insert_pool(store, body)


def read_work_pool(store: Store, name: str) -> WorkPool:
    """Return the pool called ``name``.

    :raises OperationRefused: 404 when there is none.
    """
    pool = pool_by_name(store, name)
    if pool is None:
        raise OperationRefused(404, f'Work pool "{name}" not found.')
    return pool


def pool_by_name(store: Store, name: str) -> WorkPool | None:
    """Return the pool called ``name``, or ``None``."""
    return next((p for p in store.work_pools.values() if p.name == name), None)


def ensure_default_agent_pool(store: Store) -> WorkPool:
    """Return Prefect's ``default-agent-pool``, creating it if needed."""
    pool = pool_by_name(store, DEFAULT_AGENT_POOL)
    if pool is None:
        pool = _insert_pool(store, {"name": DEFAULT_AGENT_POOL})
        # Prefect 2 creates this queue at start-up without a description.
        if not store.modern:
            store.work_queues[pool.default_queue_id].description = ""
    return pool


def pool_queue(store: Store, pool: WorkPool, name: str | None) -> WorkQueue:
    """Return the queue ``name`` of ``pool`` (its default queue for ``None``).

    A missing queue is created after the pool's others, as the real server
    does for a deployment or flow run naming a queue of a known pool.
    """
    if name is None:
        return store.work_queues[pool.default_queue_id]
    existing = _queue_by_name(store, pool, name)
    if existing is not None:
        return existing
    queues = [q for q in store.work_queues.values() if q.work_pool_id == pool.id]
    priority = max((q.priority for q in queues), default=0) + 1
    return _insert_queue(store, pool, name, priority=priority, description="")


def legacy_queue(store: Store, name: str) -> WorkQueue:
    """Return the queue ``name`` of the default agent pool, creating it.

    Prefect files a queue named without a pool first in line: the new queue
    takes priority 1 and every other queue of the pool moves down one.
    """
    pool = ensure_default_agent_pool(store)
    existing = _queue_by_name(store, pool, name)
    if existing is not None:
        return existing
    for queue in store.work_queues.values():
        if queue.work_pool_id == pool.id:
            queue.priority += 1
            queue.updated = store.now()
    return _insert_queue(store, pool, name, priority=1, description="")


def _queue_by_name(store: Store, pool: WorkPool, name: str) -> WorkQueue | None:
    return next(
        (
            q
            for q in store.work_queues.values()
            if q.work_pool_id == pool.id and q.name == name
        ),
        None,
    )


def _insert_pool(store: Store, body: Mapping[str, Any]) -> WorkPool:
    now = store.now()
    pool_type = body.get("type") or "prefect-agent"
    pool = WorkPool(
        id=store.ids.uuid4(),
        created=now,
        updated=now,
        name=body["name"],
        type=pool_type,
        description=body.get("description"),
        base_job_template=dict(body.get("base_job_template") or {}),
        is_paused=bool(body.get("is_paused", False)),
        concurrency_limit=body.get("concurrency_limit"),
        # Prefect leaves the status of agent pools unset.
        status=None if pool_type == "prefect-agent" else "NOT_READY",
        storage_configuration=_storage_configuration(body),
    )
    store.work_pools[pool.id] = pool
    queue = _insert_queue(
        store, pool, "default", priority=1, description=_DEFAULT_QUEUE_DESCRIPTION
    )
    pool.default_queue_id = queue.id
    return pool


def _storage_configuration(body: Mapping[str, Any]) -> dict[str, Any]:
    given = body.get("storage_configuration") or {}
    return {
        "bundle_upload_step": given.get("bundle_upload_step"),
        "bundle_execution_step": given.get("bundle_execution_step"),
        "default_result_storage_block_id": given.get("default_result_storage_block_id"),
    }


def _insert_queue(
    store: Store, pool: WorkPool, name: str, *, priority: int, description: str
) -> WorkQueue:
    now = store.now()
    queue = WorkQueue(
        id=store.ids.uuid4(),
        created=now,
        updated=now,
        name=name,
        work_pool_id=pool.id,
        priority=priority,
        description=description,
    )
    store.work_queues[queue.id] = queue
    return queue
