"""Checking flow run parameters against a deployment's parameter schema.

When a deployment enforces its ``parameter_openapi_schema``, Prefect refuses
parameters that break it with 409 and a one-line reason built from the most
relevant JSON Schema error, for example::

    Validation failed for field 'x'. Failure reason: 'nope' is not of type 'integer'

Prefect 3 first relaxes the schema the way its client generated it: an
optional property without a default may also be ``null``. Prefect 2 checks
the schema as given.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError, UnknownType, best_match
from jsonschema.protocols import Validator
from referencing.exceptions import Unresolvable

__all__ = ["parameter_failure"]


def parameter_failure(
    values: Mapping[str, Any],
    schema: Mapping[str, Any],
    *,
    relax: bool,
    ignore_required: bool = False,
) -> str | None:
    """Return why ``values`` break ``schema``, or ``None`` when they conform.

    :param relax: let optional properties without a default be ``null``, as
        Prefect 3 does before validating.
    :param ignore_required: drop every ``required`` list first, as Prefect
        does when a deployment update carries only some parameters.
    """
    validator = _validator(schema, relax=relax, ignore_required=ignore_required)
    try:
        error = best_match(validator.iter_errors(dict(values)))
    except Unresolvable as exc:
        return f"Validation failed. Failure reason: {exc}"
    except (SchemaError, UnknownType):
        # The real server fails with 500 on a schema that is not one; the
        # mock lets the run through rather than imitate the crash.
        return None
    if error is None:
        return None

    if error.json_path == "$":
        where = "Validation failed."
    else:
        where = f"Validation failed for field {error.json_path.removeprefix('$.')!r}."
    return f"{where} Failure reason: {error.message}"


_COMPILED: dict[tuple[str, bool, bool], Validator] = {}
"""Validators by schema text and options: a deployment's runs share one."""

_MOST_COMPILED = 256


def _validator(
    schema: Mapping[str, Any], *, relax: bool, ignore_required: bool
) -> Validator:
    try:
        key = (json.dumps(schema), relax, ignore_required)
    except (TypeError, ValueError):
        return _compile(schema, relax=relax, ignore_required=ignore_required)
    validator = _COMPILED.get(key)
    if validator is None:
        validator = _compile(schema, relax=relax, ignore_required=ignore_required)
        if len(_COMPILED) >= _MOST_COMPILED:
            _COMPILED.clear()
        _COMPILED[key] = validator
    return validator


def _compile(
    schema: Mapping[str, Any], *, relax: bool, ignore_required: bool
) -> Validator:
    checked: dict[str, Any] = copy.deepcopy(dict(schema))
    if relax:
        _allow_null_optionals(checked)
    if ignore_required:
        checked = _without_required(checked)
    validator_class = jsonschema.validators.validator_for(
        checked, default=jsonschema.Draft202012Validator
    )
    return validator_class(checked)


def _allow_null_optionals(schema: dict[str, Any]) -> None:
    required = schema.get("required", [])
    for name, prop in schema.get("properties", {}).items():
        if not isinstance(prop, dict):
            continue
        if (
            name not in required
            and "type" in prop
            and prop["type"] != "null"
            and "default" not in prop
        ):
            prop["anyOf"] = [{"type": prop.pop("type")}, {"type": "null"}]
        if isinstance(prop.get("items"), list) and "prefixItems" not in prop:
            prop["prefixItems"] = prop.pop("items")
        if "properties" in prop:
            _allow_null_optionals(prop)
    for definition in schema.get("definitions", {}).values():
        if isinstance(definition, dict) and "properties" in definition:
            _allow_null_optionals(definition)


def _without_required(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_required(v) for k, v in value.items() if k != "required"}
    if isinstance(value, list):
        return [_without_required(v) for v in value]
    return value
