"""List the changes between two contract sets, breaking ones first.

A change is *breaking* when a client written against the old set can fail
against the new one: an operation or a field it sends or reads disappears,
a field it omits becomes required, a type narrows, a value it sends may no
longer be null or a value it reads may now be. Whether a schema is sent or
read depends on where the operations use it, so each shared schema is judged
by its role: request, response, or both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.contracts.contract_set import ContractSet, Operation

JSONObject = dict[str, Any]

REQUEST = "request"
RESPONSE = "response"


@dataclass(frozen=True, order=True)
class Change:
    """One difference between two contract sets.

    :param where: what changed: ``StateCreate.id``, ``operation pause_deployment``.
    :param kind: the kind of change, e.g. ``field-removed`` or ``null-removed``.
    :param breaking: whether a client of the old set can fail against the new one.
    :param detail: one sentence for people.
    """

    where: str
    kind: str
    breaking: bool
    detail: str

    def __str__(self) -> str:
        label = "BREAKING" if self.breaking else "compatible"
        return f"{label:10} {self.kind:22} {self.where}: {self.detail}"


def diff(old: ContractSet, new: ContractSet) -> list[Change]:
    """Return every change from ``old`` to ``new``, breaking changes first."""
    changes = list(_operations(old, new))
    roles = _roles(old) | _roles(new)
    old_defs = old.components["$defs"]
    new_defs = new.components["$defs"]
    for name in sorted(old_defs.keys() & new_defs.keys()):
        role = roles.get(name, frozenset({REQUEST, RESPONSE}))
        changes += _schema(old_defs[name], new_defs[name], name, role)
    return sorted(changes, key=lambda change: (not change.breaking, change.where))


def _operations(old: ContractSet, new: ContractSet) -> Iterator[Change]:
    for name in sorted(old.operations.keys() - new.operations.keys()):
        operation = old.operations[name]
        yield Change(
            f"operation {name}",
            "operation-removed",
            True,
            _route(operation) + " is gone",
        )
    for name in sorted(new.operations.keys() - old.operations.keys()):
        operation = new.operations[name]
        yield Change(
            f"operation {name}", "operation-added", False, _route(operation) + " is new"
        )
    for name in sorted(old.operations.keys() & new.operations.keys()):
        yield from _statuses(old.operations[name], new.operations[name])


def _statuses(old: Operation, new: Operation) -> Iterator[Change]:
    where = f"operation {old.name}"
    if _route(old) != _route(new):
        yield Change(where, "route-changed", True, f"{_route(old)} -> {_route(new)}")
    for status in sorted(old.responses.keys() - new.responses.keys()):
        yield Change(where, "status-removed", False, f"no longer answers {status}")
    for status in sorted(new.responses.keys() - old.responses.keys()):
        yield Change(where, "status-added", True, f"may now answer {status}")


def _route(operation: Operation) -> str:
    return f"{operation.method} {operation.path}"


def _roles(contracts: ContractSet) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    definitions = contracts.components["$defs"]
    for operation in contracts:
        for name in _reached([operation.request_schema], definitions):
            found.setdefault(name, set()).add(REQUEST)
        for name in _reached(operation.responses.values(), definitions):
            found.setdefault(name, set()).add(RESPONSE)
    return {name: frozenset(roles) for name, roles in found.items()}


def _reached(schemas: Iterable[Any], definitions: Mapping[str, Any]) -> set[str]:
    pending = [name for schema in schemas for name in _refs(schema)]
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in reached and name in definitions:
            reached.add(name)
            pending.extend(_refs(definitions[name]))
    return reached


def _refs(schema: Any) -> Iterator[str]:
    if isinstance(schema, list):
        for item in schema:
            yield from _refs(item)
    elif isinstance(schema, dict):
        reference = schema.get("$ref")
        if isinstance(reference, str):
            yield reference.rsplit("/", 1)[-1]
        for value in schema.values():
            yield from _refs(value)


def _schema(
    old: JSONObject, new: JSONObject, where: str, role: frozenset[str]
) -> list[Change]:
    changes = list(_nullability(old, new, where, role))
    old_core, new_core = _core(old), _core(new)

    old_ref, new_ref = old_core.get("$ref"), new_core.get("$ref")
    if old_ref or new_ref:
        if _ref_name(old_ref) != _ref_name(new_ref):
            detail = f"{_describe(old_core)} -> {_describe(new_core)}"
            changes.append(Change(where, "type-changed", True, detail))
        return changes

    old_types, new_types = _types(old_core), _types(new_core)
    if old_types != new_types and old_types is not None:
        detail = f"{_describe(old_core)} -> {_describe(new_core)}"
        narrowed = new_types is not None and not old_types <= new_types
        changes.append(Change(where, "type-changed", narrowed, detail))

    changes += _properties(old_core, new_core, where, role)
    changes += _enum(old_core, new_core, where, role)
    if "items" in old_core or "items" in new_core:
        changes += _schema(
            old_core.get("items", {}), new_core.get("items", {}), where + "[]", role
        )
    return changes


def _nullability(
    old: JSONObject, new: JSONObject, where: str, role: frozenset[str]
) -> Iterator[Change]:
    was, now = _accepts_null(old), _accepts_null(new)
    if was and not now:
        yield Change(where, "null-removed", REQUEST in role, "no longer accepts null")
    elif now and not was:
        yield Change(where, "null-added", RESPONSE in role, "may now be null")


def _properties(
    old: JSONObject, new: JSONObject, where: str, role: frozenset[str]
) -> Iterator[Change]:
    old_props = old.get("properties", {})
    new_props = new.get("properties", {})
    old_required = set(old.get("required", []))
    new_required = set(new.get("required", []))
    closed = new.get("additionalProperties") is False

    for name in sorted(old_props.keys() - new_props.keys()):
        breaking = RESPONSE in role or (REQUEST in role and closed)
        yield Change(f"{where}.{name}", "field-removed", breaking, "field removed")
    for name in sorted(new_props.keys() - old_props.keys()):
        breaking = REQUEST in role and name in new_required
        yield Change(f"{where}.{name}", "field-added", breaking, "field added")
    for name in sorted(new_required - old_required):
        if name in old_props:
            yield Change(
                f"{where}.{name}", "required-added", REQUEST in role, "now required"
            )
    for name in sorted(old_required - new_required):
        if name in new_props:
            yield Change(
                f"{where}.{name}", "required-removed", RESPONSE in role, "now optional"
            )

    if old.get("additionalProperties") is not False and closed and old_props:
        yield Change(
            where, "additional-properties", REQUEST in role, "extra fields now rejected"
        )
    for name in sorted(old_props.keys() & new_props.keys()):
        yield from _schema(old_props[name], new_props[name], f"{where}.{name}", role)


def _enum(
    old: JSONObject, new: JSONObject, where: str, role: frozenset[str]
) -> Iterator[Change]:
    if "enum" not in old or "enum" not in new:
        return
    removed = [value for value in old["enum"] if value not in new["enum"]]
    added = [value for value in new["enum"] if value not in old["enum"]]
    if removed:
        yield Change(
            where, "enum-removed", REQUEST in role, f"values removed: {removed}"
        )
    if added:
        yield Change(where, "enum-added", RESPONSE in role, f"values added: {added}")


def _core(schema: JSONObject) -> JSONObject:
    options = [
        option for option in schema.get("anyOf", []) if option != {"type": "null"}
    ]
    if "anyOf" in schema and len(options) == 1:
        return {**options[0]}
    if len(schema.get("allOf", [])) == 1:
        return {**schema["allOf"][0]}
    return schema


def _accepts_null(schema: JSONObject) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if "anyOf" in schema:
        return any(_accepts_null(option) for option in schema["anyOf"])
    constraining = {"type", "$ref", "allOf", "enum", "const", "properties", "items"}
    return not constraining & schema.keys()


def _types(schema: JSONObject) -> frozenset[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    kinds = kind if isinstance(kind, list) else [kind]
    return frozenset(kinds) - {"null"}


def _ref_name(reference: Any) -> str | None:
    return reference.rsplit("/", 1)[-1] if isinstance(reference, str) else None


def _describe(schema: JSONObject) -> str:
    if "$ref" in schema:
        return str(_ref_name(schema["$ref"]))
    types = _types(schema)
    return "any" if types is None else "|".join(sorted(types))


__all__ = ["Change", "diff"]
