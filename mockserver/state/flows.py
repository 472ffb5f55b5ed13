"""Flows: the named functions deployments and flow runs belong to.

Creating a flow whose name is taken answers the existing flow unchanged with
200 instead of 201; Prefect treats the name as the flow's identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mockserver.errors import OperationRefused
from mockserver.state.store import Store

__all__ = [
    "Flow",
    "create_flow",
    "delete_flow",
    "flow_by_name",
    "read_flow",
    "read_flow_by_name",
]

FLOW_NOT_FOUND = "Flow not found"


@dataclass(slots=True)
class Flow:
    """One flow."""

    id: str
    created: datetime
    updated: datetime
    name: str
    tags: list[str] = field(default_factory=list)
    labels: dict[str, Any] = field(default_factory=dict)


def create_flow(store: Store, body: Mapping[str, Any]) -> tuple[Flow, bool]:
    """Create the flow ``body`` describes, or find the one of that name.

    :returns: the flow and whether it was created just now.
    """
    existing = flow_by_name(store, body["name"])
    if existing is not None:
        return existing, False

    now = store.now()
    flow = Flow(
        id=store.ids.uuid4(),
        created=now,
        updated=now,
        name=body["name"],
        tags=list(body.get("tags") or []),
        labels=dict(body.get("labels") or {}),
    )
    store.flows[flow.id] = flow
    return flow, True


def read_flow(store: Store, flow_id: str) -> Flow:
    """Return the flow with ``flow_id``.

    :raises OperationRefused: 404 when there is none.
    """
    flow = store.flows.get(flow_id)
    if flow is None:
        raise OperationRefused(404, FLOW_NOT_FOUND)
    return flow


def read_flow_by_name(store: Store, name: str) -> Flow:
    """Return the flow called ``name``.

    :raises OperationRefused: 404 when there is none.
    """
    flow = flow_by_name(store, name)
    if flow is None:
        raise OperationRefused(404, FLOW_NOT_FOUND)
    return flow


def flow_by_name(store: Store, name: str) -> Flow | None:
    """Return the flow called ``name``, or ``None``."""
    return next((f for f in store.flows.values() if f.name == name), None)


def delete_flow(store: Store, flow_id: str) -> None:
    """Delete a flow with its deployments and flow runs, as Prefect cascades.

    :raises OperationRefused: 404 when there is no such flow.
    """
    read_flow(store, flow_id)
    del store.flows[flow_id]
    for deployment_id in [
        d.id for d in store.deployments.values() if d.flow_id == flow_id
    ]:
        del store.deployments[deployment_id]
    for run_id in [r.id for r in store.flow_runs.values() if r.flow_id == flow_id]:
        del store.flow_runs[run_id]
    store.idempotency = {
        key: run_id for key, run_id in store.idempotency.items() if key[0] != flow_id
    }
