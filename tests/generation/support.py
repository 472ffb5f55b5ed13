"""Helpers shared by the generation layer's specification."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema

from mockserver.contracts import ContractSet

VERSIONS = ("3.9.1", "2.14.16")
DEPLOYMENT_API_TAGS = frozenset({"Deployments", "Flows", "Flow Runs", "Work Pools"})
"""The operation tags of the API around deployments, which mockserver mocks."""


def deployment_api_operations(contract_set: ContractSet) -> list[str]:
    """Names of the operations around deployments, flows, runs and pools."""
    return sorted(
        operation.name
        for operation in contract_set
        if DEPLOYMENT_API_TAGS & set(operation.tags)
    )


def _references(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        reference = schema.get("$ref")
        if isinstance(reference, str) and "#/$defs/" in reference:
            yield reference.rpartition("#/$defs/")[2]
        for value in schema.values():
            yield from _references(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _references(value)


def reachable_components(contract_set: ContractSet) -> list[str]:
    """Components reachable from the deployment API's operations."""
    definitions = contract_set.components["$defs"]
    pending: list[Any] = []
    for name in deployment_api_operations(contract_set):
        operation = contract_set.operation(name)
        pending += [operation.request_schema, *operation.responses.values()]
    found: set[str] = set()
    while pending:
        for name in _references(pending.pop()):
            if name in definitions and name not in found:
                found.add(name)
                pending.append(definitions[name])
    return sorted(found)


def body_schemas(contract_set: ContractSet) -> list[str]:
    """Schema names of the deployment API's request and response bodies."""
    names = []
    for name in deployment_api_operations(contract_set):
        operation = contract_set.operation(name)
        if operation.request_schema is not None:
            names.append(f"{name}.request")
        names += [
            f"{name}.response.{status}"
            for status, body in operation.responses.items()
            if body
        ]
    return names


def strict_validator(contract_set: ContractSet, schema: Any) -> Any:
    """A draft 2020-12 validator with jsonschema's own, strict, format checks."""
    return jsonschema.Draft202012Validator(
        schema,
        registry=contract_set.registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
