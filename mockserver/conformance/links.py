"""OpenAPI links between operations, for the stateful phase of a run.

The stateful phase chains calls: it creates a flow, creates a deployment of
that flow, runs it, reads the run, pauses and deletes the deployment. It
follows the ``links`` of each response to know which value of one answer
feeds which parameter of the next call. Prefect's document has none, so
:func:`add_links` adds them to a copy of an assembled document.

Links only start at operations that create something, so that every id the
stateful phase passes on belongs to an object the run made itself.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LINKS", "Link", "add_links"]

_ID = "$response.body#/id"


@dataclass(frozen=True)
class Link:
    """One way an answer of ``source`` feeds a call of ``target``.

    :param source: the operation whose 2xx answer provides the values.
    :param target: the operation they are passed to.
    :param parameters: target parameter (``"path.id"``) to runtime expression.
    :param body: fields merged into the target's generated body, each value a
        runtime expression.
    """

    source: str
    target: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, str] = field(default_factory=dict)

    def as_openapi(self) -> dict[str, Any]:
        link: dict[str, Any] = {"operationId": self.target}
        if self.parameters:
            link["parameters"] = dict(self.parameters)
        if self.body:
            link["requestBody"] = dict(self.body)
        return link


def _by_id(source: str, *targets: str, expression: str = _ID) -> Iterator[Link]:
    for target in targets:
        yield Link(source, target, {"path.id": expression})


_DEPLOYMENT_TARGETS = (
    "read_deployment",
    "update_deployment",
    "create_flow_run_from_deployment",
    "bulk_create_flow_runs_from_deployment",
    "schedule_deployment",
    "pause_deployment",
    "resume_deployment",
    "set_schedule_active",
    "set_schedule_inactive",
    "read_deployment_schedules",
    "create_deployment_schedules",
    "work_queue_check_for_deployment",
    "delete_deployment",
)
_RESOURCE = {"path.resource_id": "prefect.deployment.{$response.body#/id}"}
_NEW_SCHEDULE = {
    "path.id": "$request.path.id",
    "path.schedule_id": "$response.body#/0/id",
}

LINKS: tuple[Link, ...] = (
    Link("create_flow", "create_deployment", body={"flow_id": _ID}),
    *_by_id("create_flow", "read_flow"),
    Link("create_flow", "read_flow_by_name", {"path.name": "$response.body#/name"}),
    *_by_id("create_deployment", *_DEPLOYMENT_TARGETS),
    *_by_id("create_deployment", "read_flow", expression="$response.body#/flow_id"),
    Link(
        "create_deployment",
        "read_automations_related_to_resource",
        _RESOURCE,
    ),
    Link(
        "create_deployment",
        "delete_automations_owned_by_resource",
        _RESOURCE,
    ),
    *_by_id(
        "create_flow_run_from_deployment",
        "read_flow_run",
        "set_flow_run_state",
        "delete_flow_run",
    ),
    *_by_id(
        "create_flow_run_from_deployment",
        "read_deployment",
        expression="$response.body#/deployment_id",
    ),
    Link("create_deployment_schedules", "update_deployment_schedule", _NEW_SCHEDULE),
    Link("create_deployment_schedules", "delete_deployment_schedule", _NEW_SCHEDULE),
    Link("create_work_pool", "read_work_pool", {"path.name": "$response.body#/name"}),
    Link(
        "create_work_pool",
        "read_workers",
        {"path.work_pool_name": "$response.body#/name"},
    ),
)
"""Every link :func:`add_links` knows; those naming a missing operation are skipped."""


def add_links(
    document: Mapping[str, Any], links: tuple[Link, ...] = LINKS
) -> dict[str, Any]:
    """Return a copy of an OpenAPI document with ``links`` added.

    Each link is added to every 2xx response of its source operation that
    has a body. Links whose source or target the document lacks are left
    out, so one table serves every contract set. The input is not changed.
    """
    linked = copy.deepcopy(dict(document))
    operations = _operations_by_id(linked)

    for link in links:
        source = operations.get(link.source)
        if source is None or link.target not in operations:
            continue
        for status, response in source.get("responses", {}).items():
            if not str(status).startswith("2") or "content" not in response:
                continue
            response.setdefault("links", {})[link.target] = link.as_openapi()
    return linked


def _operations_by_id(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = operation
    return found
