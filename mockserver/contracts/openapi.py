"""Assemble a contract set into one OpenAPI 3.1 document.

The document is what the mock serves at ``/api/openapi.json`` and what
Schemathesis reads: every operation with its parameters, body and real
responses, and every shared schema under ``components/schemas``. Because the
contracts carry the corrections, this document describes the real server,
unlike the one Prefect publishes.
"""

from __future__ import annotations

from typing import Any

from mockserver.contracts.contract_set import ContractSet, Operation

JSONObject = dict[str, Any]

_COMPONENT_PREFIXES = ("../components.json#/$defs/", "#/$defs/")


def assemble(contracts: ContractSet) -> JSONObject:
    """Return the OpenAPI 3.1 document of a contract set.

    Paths are relative to the server URL ``/api``, as in Prefect's own
    document, so that tools join them to a base URL ending in ``/api``.
    """
    paths: JSONObject = {}
    for operation in sorted(contracts, key=lambda op: (op.path, op.method)):
        item = paths.setdefault(operation.path, {})
        item[operation.method.lower()] = _operation(operation)

    schemas = _relink(contracts.components["$defs"])
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Prefect REST API, as the real server behaves",
            "version": contracts.version,
            "description": (
                f"Contracts of Prefect {contracts.version}'s deployment API, "
                "extracted from its published document and corrected where the "
                "real server differs."
            ),
        },
        "servers": [{"url": "/api"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _operation(operation: Operation) -> JSONObject:
    document: JSONObject = {
        "operationId": operation.name,
        "summary": operation.description.split("\n", 1)[0],
        "description": operation.description,
        "tags": list(operation.tags),
        "parameters": _parameters(operation.path_schema, "path")
        + _parameters(operation.query_schema, "query"),
        "responses": {
            str(status): _response(operation, status, schema)
            for status, schema in operation.responses.items()
        },
    }
    if operation.request_schema is not None:
        document["requestBody"] = {
            "required": operation.request_required,
            "content": {
                "application/json": {"schema": _relink(operation.request_schema)}
            },
        }
    return document


def _parameters(schema: JSONObject, where: str) -> list[JSONObject]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": _relink(parameter),
        }
        for name, parameter in schema.get("properties", {}).items()
    ]


def _response(
    operation: Operation, status: int, schema: JSONObject | None
) -> JSONObject:
    response: JSONObject = {
        "description": operation.response_descriptions.get(status) or str(status)
    }
    if schema is not None:
        response["content"] = {"application/json": {"schema": _relink(schema)}}
    return response


def _relink(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_relink(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    relinked = {key: _relink(value) for key, value in schema.items()}
    reference = schema.get("$ref")
    if isinstance(reference, str):
        for prefix in _COMPONENT_PREFIXES:
            if reference.startswith(prefix):
                relinked["$ref"] = "#/components/schemas/" + reference.removeprefix(
                    prefix
                )
    return relinked


__all__ = ["assemble"]
