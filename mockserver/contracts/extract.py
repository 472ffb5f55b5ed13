"""Extract contracts from Prefect's published OpenAPI document.

Extraction is a pure function of the upstream document: it selects the
operations the mock serves, names each by Prefect's own function name, splits
its parameters into path and query schemas, and gathers every component
schema they reach. Nothing is corrected here; :mod:`.corrections` does that
next, so that what Prefect publishes and what we changed stay apart.

The result is a *draft*, a plain dictionary::

    {"components": {"DeploymentCreate": {...}, ...},
     "operations": {"create_deployment": {
         "method": "POST", "path": "/deployments/", "summary": "...",
         "description": "...", "tags": ["Deployments"],
         "parameters": {"path": {...}, "query": {...}},
         "request": {"required": true, "schema": {...}} | null,
         "responses": {"200": {"description": "...", "schema": {...} | null}}}}}

Schema references inside a draft point at ``#/components/NAME``, whatever the
upstream spelling was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mockserver.errors import SyncError

JSONObject = dict[str, Any]

DEPLOYMENT_PREFIX = "/deployments"

SUPPORTING_OPERATIONS = (
    "health_check",
    "server_version",
    "orion_info",
    "read_version",
    "create_csrf_token",
    "create_flow",
    "read_flow",
    "read_flow_by_name",
    "read_flows",
    "count_flows",
    "read_flow_run",
    "read_flow_runs",
    "count_flow_runs",
    "set_flow_run_state",
    "delete_flow_run",
    "create_work_pool",
    "read_work_pool",
    "read_workers",
    "read_automations_related_to_resource",
    "delete_automations_owned_by_resource",
    "count_deployments_by_flow",
)
"""Operations outside ``/deployments`` that real clients call around them.

``run_deployment`` polls flow runs, ``Flow.deploy`` creates flows and reads
work pools, and the CLI reads automations and counts; a version that lacks
one of these (2.14.16 has no automations) simply does not serve it.
``orion_info`` is what Prefect 2 calls ``GET /version``.
"""

_METHODS = ("get", "put", "post", "patch", "delete")
_UPSTREAM_REF = re.compile(r"^#/components/schemas/(?P<name>[^/]+)$")


def extract(document: Mapping[str, Any]) -> JSONObject:
    """Build a draft contract set from an upstream OpenAPI document.

    :param document: Prefect's OpenAPI document, as served at ``/api/openapi.json``.
    :raises SyncError: when the document lacks paths or references a schema
        it does not define.
    """
    schemas = document.get("components", {}).get("schemas", {})
    operations = dict(_select(document))
    if not operations:
        raise SyncError("the upstream document has no deployment operations")

    reached = _reachable(operations.values(), schemas)
    components = {name: _rewrite_refs(schemas[name]) for name in sorted(reached)}
    return {"components": components, "operations": operations}


def operation_name(operation_id: str, path: str, method: str) -> str:
    """Recover Prefect's function name from a FastAPI operation id.

    FastAPI builds ids as ``<function><path with non-word characters as _>_<method>``;
    removing that suffix leaves the function name, which is stable across
    releases and is what Prefect's own code and tracebacks call the operation.
    """
    suffix = re.sub(r"\W", "_", path) + "_" + method
    if not operation_id.endswith(suffix):
        raise SyncError(
            f"operation id {operation_id!r} does not end with {suffix!r}; "
            "the upstream naming scheme changed"
        )
    return operation_id[: -len(suffix)]


def _select(document: Mapping[str, Any]) -> Iterator[tuple[str, JSONObject]]:
    for raw_path, item in document.get("paths", {}).items():
        path = raw_path.removeprefix("/api")
        for method in _METHODS:
            if method not in item:
                continue
            upstream = item[method]
            name = operation_name(upstream["operationId"], path, method)
            if path.startswith(DEPLOYMENT_PREFIX) or name in SUPPORTING_OPERATIONS:
                yield name, _operation(upstream, path, method)


def _operation(upstream: Mapping[str, Any], path: str, method: str) -> JSONObject:
    parameters = upstream.get("parameters", [])
    return {
        "method": method.upper(),
        "path": path,
        "summary": upstream.get("summary", ""),
        "description": upstream.get("description", ""),
        "tags": list(upstream.get("tags", [])),
        "parameters": {
            "path": _parameter_schema(parameters, "path"),
            "query": _parameter_schema(parameters, "query"),
        },
        "request": _request(upstream.get("requestBody")),
        "responses": {
            status: _response(response)
            for status, response in sorted(upstream.get("responses", {}).items())
        },
    }


def _parameter_schema(
    parameters: Iterable[Mapping[str, Any]], where: str
) -> JSONObject:
    properties: JSONObject = {}
    required: list[str] = []
    for parameter in parameters:
        if parameter["in"] != where:
            continue
        parameter_schema = dict(_rewrite_refs(parameter.get("schema", {})))
        if "description" in parameter:
            parameter_schema.setdefault("description", parameter["description"])
        properties[parameter["name"]] = parameter_schema
        if parameter.get("required", False):
            required.append(parameter["name"])

    schema: JSONObject = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _request(body: Mapping[str, Any] | None) -> JSONObject | None:
    if body is None:
        return None
    content = body.get("content", {}).get("application/json")
    if content is None:
        raise SyncError(f"request body without application/json content: {body!r}")
    return {
        "required": bool(body.get("required", False)),
        "schema": _rewrite_refs(content.get("schema", {})),
    }


def _response(response: Mapping[str, Any]) -> JSONObject:
    content = response.get("content", {}).get("application/json")
    schema = None if content is None else _rewrite_refs(content.get("schema", {}))
    return {"description": response.get("description", ""), "schema": schema}


def _rewrite_refs(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_rewrite_refs(item) for item in schema]
    if not isinstance(schema, dict):
        return schema

    rewritten = {key: _rewrite_refs(value) for key, value in schema.items()}
    reference = schema.get("$ref")
    if isinstance(reference, str):
        match = _UPSTREAM_REF.match(reference)
        if match is None:
            raise SyncError(f"unsupported reference {reference!r}")
        rewritten["$ref"] = f"#/components/{match['name']}"
    return rewritten


def references(schema: Any) -> Iterator[str]:
    """Yield the component names a draft schema refers to, directly."""
    if isinstance(schema, list):
        for item in schema:
            yield from references(item)
    elif isinstance(schema, dict):
        reference = schema.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/components/"):
            yield reference.removeprefix("#/components/")
        for key, value in schema.items():
            if key != "$ref":
                yield from references(value)


def _reachable(
    operations: Iterable[JSONObject], schemas: Mapping[str, Any]
) -> set[str]:
    pending = [name for operation in operations for name in references(operation)]
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        if name not in schemas:
            raise SyncError(f"the upstream document references {name!r} but lacks it")
        reached.add(name)
        pending.extend(references(_rewrite_refs(schemas[name])))
    return reached


__all__ = ["SUPPORTING_OPERATIONS", "extract", "operation_name", "references"]
