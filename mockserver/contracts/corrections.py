"""Apply a version's corrections to an extracted draft.

Prefect's published document is wrong about what its server does (it lists
only 200 and 422, and describes neither the real 422 body nor the nulls that
2.14.16 returns). Each contract set keeps a hand-written ``corrections.json``
that says, one entry at a time and with a reason each, where the real server
differs. An entry may carry any of these keys, applied in this order:

``components``
    Component schemas to add or replace, by name.
``rule``
    The name of a transformation too broad to spell out field by field
    (see :data:`RULES`).
``responses``
    For each operation name or shell-style pattern (``"*"``, ``"*_deployment"``),
    the statuses to set; a status mapped to ``null`` is removed. A response is
    ``{"description": ..., "schema": ...}`` with ``"schema": null`` for no body.
``patch``
    RFC 6902 operations (``add``, ``replace``, ``remove``) on the draft, for
    anything else.

Every entry must change the draft: a correction that no longer applies, for
instance because Prefect fixed its document, is reported rather than ignored.
"""

from __future__ import annotations

import copy
import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from mockserver.contracts.extract import references
from mockserver.errors import ContractError

JSONObject = dict[str, Any]


def load_corrections(path: Path) -> list[JSONObject]:
    """Read a corrections file; a missing file means no corrections."""
    if not path.is_file():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    entries: list[JSONObject] = document.get("corrections", [])
    for entry in entries:
        if not entry.get("id") or not entry.get("reason"):
            raise ContractError(f"{path}: every correction needs an id and a reason")
    return entries


def apply_corrections(draft: JSONObject, entries: list[JSONObject]) -> JSONObject:
    """Return a corrected copy of ``draft``.

    :raises ContractError: when an entry names an unknown rule or operation,
        a patch does not apply, or an entry changes nothing.
    """
    corrected = copy.deepcopy(draft)
    for entry in entries:
        before = json.dumps(corrected, sort_keys=True)
        _apply(corrected, entry)
        if json.dumps(corrected, sort_keys=True) == before:
            raise ContractError(f"correction {entry['id']!r} changes nothing")
    return corrected


def _apply(draft: JSONObject, entry: Mapping[str, Any]) -> None:
    where = f"correction {entry['id']!r}"
    draft["components"].update(copy.deepcopy(entry.get("components", {})))

    if "rule" in entry:
        rule = RULES.get(entry["rule"])
        if rule is None:
            raise ContractError(f"{where}: unknown rule {entry['rule']!r}")
        rule(draft, entry)

    for pattern, responses in entry.get("responses", {}).items():
        names = fnmatch.filter(draft["operations"], pattern)
        if not names:
            raise ContractError(f"{where}: no operation matches {pattern!r}")
        for name in names:
            _set_responses(draft["operations"][name], responses)

    for operation in entry.get("patch", []):
        _patch(draft, operation, where)


def _set_responses(operation: JSONObject, responses: Mapping[str, Any]) -> None:
    table = operation["responses"]
    for status, response in responses.items():
        if response is None:
            table.pop(status, None)
        else:
            table[status] = copy.deepcopy(response)
    operation["responses"] = dict(sorted(table.items()))


def _patch(draft: JSONObject, operation: Mapping[str, Any], where: str) -> None:
    *parents, last = _pointer(operation["path"])
    target: Any = draft
    try:
        for token in parents:
            target = target[int(token)] if isinstance(target, list) else target[token]
        _patch_one(target, operation["op"], last, operation.get("value"))
    except (KeyError, IndexError, ValueError, TypeError) as error:
        raise ContractError(
            f"{where}: patch {operation['op']} {operation['path']!r} does not apply"
        ) from error


def _patch_one(target: Any, op: str, key: str, value: Any) -> None:
    if isinstance(target, list):
        index = len(target) if key == "-" else int(key)
        if op == "add":
            target.insert(index, copy.deepcopy(value))
        elif op == "replace":
            target[index] = copy.deepcopy(value)
        elif op == "remove":
            del target[index]
        return

    if op in ("replace", "remove") and key not in target:
        raise KeyError(key)
    if op == "remove":
        del target[key]
    elif op in ("add", "replace"):
        target[key] = copy.deepcopy(value)
    else:
        raise ValueError(op)


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ContractError(f"JSON pointer {path!r} must start with '/'")
    return [
        token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")
    ]


def _optional_properties_nullable(draft: JSONObject, entry: Mapping[str, Any]) -> None:
    """Let optional properties of the schemas the server answers with be ``null``.

    Pydantic 1 documents ``Optional[X] = None`` as plain ``X`` and omits which
    fields are required. The entry's ``nullable`` (schema to field list) names
    the fields that may be null, and its ``required`` the fields that must be
    present; a schema it does not list makes every optional field nullable.
    Schemas only ever sent by clients are left to other corrections.
    """
    listed: Mapping[str, list[str]] = entry.get("nullable", {})
    demanded: Mapping[str, list[str]] = entry.get("required", {})
    for name in sorted(_answered(draft)):
        schema = draft["components"][name]
        properties = schema.get("properties", {})
        required = set(schema.get("required", [])) | set(demanded.get(name, []))
        if required & properties.keys():
            schema["required"] = [field for field in properties if field in required]
        allowed = listed.get(name)
        for field, prop in properties.items():
            if field not in required and (allowed is None or field in allowed):
                properties[field] = _nullable(prop)


def _optional_scalars_nullable(draft: JSONObject, entry: Mapping[str, Any]) -> None:
    """Let optional properties of request-only schemas be ``null``, lists aside.

    Prefect 2's request models declare most fields ``Optional[X] = None``,
    but lists and a few others (``parameters``) have non-null defaults and
    reject ``null``. Lists keep their type, and so do the fields listed in the
    entry's ``except`` (``"DeploymentCreate.name"``).
    """
    excepted = set(entry.get("except", []))
    answered = _answered(draft)
    for name, schema in sorted(draft["components"].items()):
        if name in answered:
            continue
        required = set(schema.get("required", []))
        for field, prop in schema.get("properties", {}).items():
            skip = field in required or f"{name}.{field}" in excepted
            if not skip and not _is_collection(prop):
                schema["properties"][field] = _nullable(prop)


def _is_collection(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "array"


def _body_parse_errors(draft: JSONObject, entry: Mapping[str, Any]) -> None:
    """Give every operation that takes a body the 400 of an unreadable one."""
    response = {
        "description": "The body is not valid UTF-8",
        "schema": {"$ref": "#/components/ErrorDetail"},
    }
    for operation in draft["operations"].values():
        if operation["request"] is not None:
            _set_responses(operation, {"400": response})


def _bundled_bodies_nullable(draft: JSONObject, entry: Mapping[str, Any]) -> None:
    """Let bundled bodies, and each of their fields, be ``null``.

    FastAPI reads a body made of several ``Body()`` parameters field by field
    and takes ``null``, for the whole body or for one optional field, as not
    sent. A bundle with a required field still needs a body.
    """
    for operation in draft["operations"].values():
        bundle = _bundle(draft, operation)
        if bundle is None:
            continue
        required = set(bundle.get("required", []))
        for name, prop in bundle["properties"].items():
            if name not in required:
                bundle["properties"][name] = _nullable(prop)
        if not required:
            operation["request"]["schema"] = _nullable(operation["request"]["schema"])
            operation["request"]["required"] = False


def _filter_limits(draft: JSONObject, entry: Mapping[str, Any]) -> None:
    """Bound ``limit`` and ``offset`` of bundled bodies as the handlers do.

    The handlers refuse a limit outside ``0..maximum`` with 422 and a plain
    ``{"detail": "Invalid limit: ..."}``, so that 422 is either body. The
    bounds carry ``x-checked-by-handler``: request validation leaves them to
    the responder, which answers with the handler's own body.
    """
    maximum = entry.get("maximum", 200)
    plain = {
        "anyOf": [
            {"$ref": "#/components/ValidationErrorEnvelope"},
            {"$ref": "#/components/ErrorDetail"},
        ]
    }
    for operation in draft["operations"].values():
        bundle = _bundle(draft, operation)
        if bundle is None or "limit" not in bundle["properties"]:
            continue
        limit = _core(bundle["properties"]["limit"])
        if "maximum" in limit:
            continue
        limit.update({"minimum": 0, "maximum": maximum, "x-checked-by-handler": True})
        response = operation["responses"].get(
            "422", {"description": "Validation Error"}
        )
        operation["responses"]["422"] = {**response, "schema": plain}


def _uuid_paths_not_found(draft: JSONObject, entry: Mapping[str, Any]) -> None:
    """Let operations with UUID path parameters answer Starlette's 404.

    Prefect 3 routes such paths with a UUID converter: a malformed id matches
    no route and gets ``{"detail": "Not Found"}`` whatever the operation.
    """
    detail = {"$ref": "#/components/ErrorDetail"}
    for operation in draft["operations"].values():
        parameters = operation["parameters"]["path"]["properties"].values()
        if not any(p.get("format") == "uuid" for p in parameters):
            continue
        current = operation["responses"].get("404")
        if current is None:
            operation["responses"]["404"] = {
                "description": "No route matches a malformed id",
                "schema": detail,
            }
        elif current["schema"] != detail:
            current["schema"] = {"anyOf": [current["schema"], detail]}
        operation["responses"] = dict(sorted(operation["responses"].items()))


def _bundle(draft: JSONObject, operation: JSONObject) -> JSONObject | None:
    request = operation["request"]
    if request is None:
        return None
    name = _core(request["schema"]).get("$ref", "").removeprefix("#/components/")
    bundle: JSONObject | None = draft["components"].get(name)
    if bundle is None or not str(bundle.get("title", "")).startswith("Body_"):
        return None
    return bundle


def _core(schema: JSONObject) -> JSONObject:
    options = [o for o in schema.get("anyOf", []) if o != {"type": "null"}]
    return options[0] if len(options) == 1 else schema


def _answered(draft: JSONObject) -> set[str]:
    return _reachable(
        (
            response["schema"]
            for operation in draft["operations"].values()
            for response in operation["responses"].values()
        ),
        draft["components"],
    )


def _reachable(schemas: Iterable[Any], components: Mapping[str, Any]) -> set[str]:
    pending = [name for schema in schemas for name in references(schema)]
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in reached and name in components:
            reached.add(name)
            pending.extend(references(components[name]))
    return reached


def _nullable(schema: JSONObject) -> JSONObject:
    if _accepts_null(schema):
        return schema
    annotations: JSONObject = {
        key: schema[key] for key in ("title", "description", "default") if key in schema
    }
    core = {key: value for key, value in schema.items() if key not in annotations}
    return {**annotations, "anyOf": [core, {"type": "null"}]}


def _accepts_null(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if not schema.keys() - {"title", "description", "default", "example", "examples"}:
        return True
    return any(_accepts_null(option) for option in schema.get("anyOf", []))


RULES: dict[str, Callable[[JSONObject, Mapping[str, Any]], None]] = {
    "optional-properties-nullable": _optional_properties_nullable,
    "optional-scalars-nullable": _optional_scalars_nullable,
    "body-parse-errors": _body_parse_errors,
    "bundled-bodies-nullable": _bundled_bodies_nullable,
    "filter-limits": _filter_limits,
    "uuid-paths-not-found": _uuid_paths_not_found,
}
"""Named transformations a correction may apply with ``"rule": NAME``."""


__all__ = ["RULES", "apply_corrections", "load_corrections"]
