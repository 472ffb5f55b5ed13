"""Small compiled membership tests: does a value satisfy a schema?

The generator needs to ask this in a few places where running a full
jsonschema validator per instance would cost more than generating it: is a
schema's ``default`` usable, may a consistency rule write this value into that
field, does a ``oneOf`` candidate match only its own branch. A predicate is
compiled once per schema, like the generators themselves.

The predicates answer for the keywords the generator supports. A keyword
they do not understand makes them answer ``False``, which callers read as
"do not use this value", the safe choice in every place above.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from rfc3339_validator import validate_rfc3339

from mockserver.generation.schemas import (
    ANNOTATIONS,
    Located,
    json_type,
)

JSON = Any
Predicate = Callable[[JSON], bool]

_KNOWN = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minProperties",
        "maxProperties",
        "propertyNames",
    }
)


def _always(value: JSON) -> bool:
    return True


def _never(value: JSON) -> bool:
    return False


# Stricter than jsonschema's check (which takes any form uuid.UUID parses,
# with dashes in place): a predicate may refuse, never wrongly admit.
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def _is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def _is_date(value: str) -> bool:
    return validate_rfc3339(f"{value}T00:00:00Z")  # type: ignore[no-any-return]


def _is_time(value: str) -> bool:
    return validate_rfc3339(f"1970-01-01T{value}")  # type: ignore[no-any-return]


_FORMATS: dict[str, Callable[[str], bool]] = {
    "uuid": _is_uuid,
    "date-time": validate_rfc3339,
    "date": _is_date,
    "time": _is_time,
    "email": lambda value: "@" in value,
}


def unique_key(value: JSON) -> JSON:
    """Return a hashable key under which JSON-equal values collide.

    JSON Schema's ``uniqueItems`` treats ``1`` and ``1.0`` as equal but
    ``true`` and ``1`` as different; so does this key.
    """
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(unique_key(item) for item in value))
    return ("object", frozenset((k, unique_key(v)) for k, v in value.items()))


def json_equal(left: JSON, right: JSON) -> bool:
    """Return whether two JSON values are equal the way JSON Schema compares."""
    return bool(unique_key(left) == unique_key(right))


class PredicateCompiler:
    """Compile schemas into predicates; references are cached by URI."""

    def __init__(self) -> None:
        self._by_uri: dict[str, Predicate] = {}

    def compile(self, located: Located) -> Predicate:
        """Return a predicate telling whether a value satisfies the schema."""
        schema = located.schema
        if schema is True:
            return _always
        if schema is False or not isinstance(schema, Mapping):
            return _never
        keywords = {
            key for key in schema if key not in ANNOTATIONS and not key.startswith("x-")
        }
        if keywords - _KNOWN:
            return _never
        if keywords == {"type", "format"} and schema["type"] == "string":
            checker = _FORMATS.get(schema["format"])
            if checker is not None:
                return lambda value: isinstance(value, str) and checker(value)
        return _conjunction([self._keyword(located, key) for key in sorted(keywords)])

    def _keyword(self, located: Located, key: str) -> Predicate:
        schema = located.schema
        argument = schema[key]
        if key == "$ref":
            return self._reference(located, argument)
        if key in ("anyOf", "oneOf", "allOf"):
            return self._combinator(located, key, argument)
        if key == "not":
            negated = self.compile(located.at(argument))
            return lambda value: not negated(value)
        if key in ("type", "enum", "const"):
            return _type_enum_const(key, argument)
        if key in ("properties", "required", "additionalProperties"):
            return self._object_keyword(located, key)
        if key == "propertyNames":
            name_check = self.compile(located.at(argument))
            return lambda value: (
                not isinstance(value, dict) or all(name_check(name) for name in value)
            )
        if key in ("minProperties", "maxProperties"):
            return _size(dict, key.startswith("min"), argument)
        if key in (
            "items",
            "prefixItems",
            "additionalItems",
            "minItems",
            "maxItems",
            "uniqueItems",
        ):
            return self._array_keyword(located, key, argument)
        if key in ("minLength", "maxLength", "pattern", "format"):
            return _string_keyword(key, argument)
        return _number_keyword(key, argument, schema)

    def _reference(self, located: Located, reference: str) -> Predicate:
        uri, target = located.follow(reference)
        known = self._by_uri.get(uri)
        if known is not None:
            return known
        cell: list[Predicate] = []
        # Store a forwarder first so that recursive references terminate.
        self._by_uri[uri] = lambda value: cell[0](value)
        cell.append(self.compile(target))
        self._by_uri[uri] = cell[0]
        return cell[0]

    def _combinator(self, located: Located, key: str, branches: JSON) -> Predicate:
        if (
            key == "anyOf"
            and len(branches) == 2
            and any(branch == {"type": "null"} for branch in branches)
        ):
            other = next(b for b in branches if b != {"type": "null"})
            check = self.compile(located.at(other))
            return lambda value: value is None or check(value)
        compiled = [self.compile(located.at(branch)) for branch in branches]
        if key == "anyOf":
            return lambda value: any(check(value) for check in compiled)
        if key == "allOf":
            return _conjunction(compiled)
        return lambda value: sum(1 for check in compiled if check(value)) == 1

    def _object_keyword(self, located: Located, key: str) -> Predicate:
        schema = located.schema
        if key == "required":
            names = tuple(schema["required"])
            return lambda value: (
                not isinstance(value, dict) or all(name in value for name in names)
            )
        if key == "properties":
            checks = {
                name: self.compile(located.at(sub))
                for name, sub in schema["properties"].items()
            }
            return lambda value: (
                not isinstance(value, dict)
                or all(
                    checks[name](item) for name, item in value.items() if name in checks
                )
            )
        declared = frozenset(schema.get("properties", {}))
        extra = self.compile(located.at(schema["additionalProperties"]))
        if extra is _always:
            return _always
        return lambda value: (
            not isinstance(value, dict)
            or all(extra(item) for name, item in value.items() if name not in declared)
        )

    def _array_keyword(self, located: Located, key: str, argument: JSON) -> Predicate:
        if key in ("minItems", "maxItems"):
            return _size(list, key == "minItems", argument)
        if key == "uniqueItems":
            if not argument:
                return _always
            return lambda value: (
                not isinstance(value, list)
                or len({unique_key(item) for item in value}) == len(value)
            )
        schema = located.schema
        if key == "additionalItems":
            # Only meaningful beside the pre-2020 tuple form of "items".
            if not isinstance(schema.get("items"), list):
                return _always
            skip = len(schema["items"])
            check = self.compile(located.at(argument))
            return lambda value: (
                not isinstance(value, list) or all(check(item) for item in value[skip:])
            )
        if key == "prefixItems" or isinstance(argument, list):
            checks = [self.compile(located.at(sub)) for sub in argument]
            return lambda value: (
                not isinstance(value, list)
                or all(check(item) for check, item in zip(checks, value, strict=False))
            )
        skip = len(schema.get("prefixItems", ()))
        check = self.compile(located.at(argument))
        return lambda value: (
            not isinstance(value, list) or all(check(item) for item in value[skip:])
        )


def _conjunction(checks: list[Predicate]) -> Predicate:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    return lambda value: all(check(value) for check in checks)


def _is_integer(value: JSON) -> bool:
    if isinstance(value, int):
        return not isinstance(value, bool)
    return isinstance(value, float) and value.is_integer()


def _is_number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Predicate] = {
    "string": lambda value: isinstance(value, str),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "integer": _is_integer,
    "number": _is_number,
}


def _type_enum_const(key: str, argument: JSON) -> Predicate:
    if key == "const":
        return lambda value: json_equal(value, argument)
    if key == "enum":
        keys = [unique_key(item) for item in argument]
        return lambda value: unique_key(value) in keys
    if isinstance(argument, str) and argument in _TYPES:
        return _TYPES[argument]
    allowed = {argument} if isinstance(argument, str) else set(argument)
    if "number" in allowed:
        allowed.add("integer")
    return lambda value: json_type(value) in allowed


def _size(
    kind: type[list[JSON]] | type[dict[str, JSON]], at_least: bool, bound: int
) -> Predicate:
    if at_least:
        return lambda value: not isinstance(value, kind) or len(value) >= bound
    return lambda value: not isinstance(value, kind) or len(value) <= bound


def _string_keyword(key: str, argument: JSON) -> Predicate:
    if key == "minLength":
        return lambda value: not isinstance(value, str) or len(value) >= argument
    if key == "maxLength":
        return lambda value: not isinstance(value, str) or len(value) <= argument
    if key == "pattern":
        search = re.compile(argument).search
        return lambda value: not isinstance(value, str) or search(value) is not None
    checker = _FORMATS.get(argument)
    if checker is None:
        return _always
    return lambda value: not isinstance(value, str) or checker(value)


def _number_keyword(key: str, argument: JSON, schema: Mapping[str, JSON]) -> Predicate:
    def numeric(value: JSON) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    if key == "multipleOf":
        return lambda value: not numeric(value) or is_multiple(value, argument)
    if isinstance(argument, bool):
        # OpenAPI 3.0 spells exclusive bounds as booleans beside minimum/maximum.
        return _always
    if key == "minimum":
        strict = schema.get("exclusiveMinimum") is True
        return lambda value: (
            not numeric(value) or (value > argument if strict else value >= argument)
        )
    if key == "maximum":
        strict = schema.get("exclusiveMaximum") is True
        return lambda value: (
            not numeric(value) or (value < argument if strict else value <= argument)
        )
    if key == "exclusiveMinimum":
        return lambda value: not numeric(value) or value > argument
    return lambda value: not numeric(value) or value < argument


def is_multiple(value: float, divisor: float) -> bool:
    """Return whether ``value`` is a multiple of ``divisor`` as jsonschema sees it."""
    if isinstance(divisor, float):
        quotient = value / divisor
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    if isinstance(value, float):
        return math.isfinite(value) and value % divisor == 0
    return value % divisor == 0


__all__ = [
    "Predicate",
    "PredicateCompiler",
    "is_multiple",
    "json_equal",
    "unique_key",
]
