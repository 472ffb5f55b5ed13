"""Compiled predicates agree with jsonschema, and never admit what it refuses."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import referencing

from mockserver.generation.predicates import PredicateCompiler
from mockserver.generation.schemas import Located, merge

VALUES: list[Any] = [
    None,
    True,
    0,
    1,
    1.0,
    2.5,
    -3,
    "",
    "abc",
    "2025-01-01T00:00:00Z",
    "3f2b8c1e-9a4d-4e7f-8b21-5c6d7e8f9a0b",
    [],
    [1, 1],
    [1, "a"],
    {},
    {"a": 1},
    {"a": "x", "b": None},
]

SCHEMAS: list[tuple[str, Any]] = [
    ("true", True),
    ("false", False),
    ("type-list", {"type": ["integer", "null"]}),
    ("number", {"type": "number", "minimum": 0, "exclusiveMaximum": 2.5}),
    ("multiple", {"multipleOf": 0.5}),
    ("enum", {"enum": [1, "abc", None]}),
    ("const", {"const": {"a": 1}}),
    ("nullable", {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]}),
    ("one-of", {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 2}]}),
    ("not", {"not": {"type": "string"}}),
    ("date-time", {"type": "string", "format": "date-time"}),
    ("lengths", {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^a"}),
    (
        "object",
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}},
            "required": ["a"],
            "additionalProperties": False,
        },
    ),
    ("map", {"additionalProperties": {"type": "string"}, "maxProperties": 1}),
    ("array", {"items": {"type": "integer"}, "uniqueItems": True, "minItems": 1}),
    ("prefix", {"prefixItems": [{"type": "integer"}], "items": {"type": "string"}}),
    ("unknown-keyword", {"type": "integer", "if": {"minimum": 1}}),
]


def _predicate(schema: Any) -> Any:
    resolver = referencing.Registry().resolver()
    return PredicateCompiler().compile(Located(schema, resolver, ""))


@pytest.mark.parametrize(
    "schema", [schema for _, schema in SCHEMAS], ids=[name for name, _ in SCHEMAS]
)
def test_predicates_agree_with_jsonschema(schema: Any) -> None:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    predicate = _predicate(schema)
    understood = not (isinstance(schema, dict) and "if" in schema)

    for value in VALUES:
        if predicate(value):
            assert validator.is_valid(value), value
        elif understood:
            assert not validator.is_valid(value), value


MERGES: list[tuple[str, Any, Any]] = [
    ("types", {"type": ["integer", "string"]}, {"type": "number"}),
    ("bounds", {"minimum": 0, "maximum": 5}, {"minimum": 1, "maximum": 9}),
    (
        "properties",
        {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
        {"properties": {"a": {"minimum": 1}, "b": {"type": "string"}}},
    ),
    (
        "closed",
        {"properties": {"a": {}}, "additionalProperties": False},
        {"properties": {"b": {}}},
    ),
    ("patterns", {"pattern": "^a"}, {"pattern": "c$"}),
    ("enums", {"enum": [1, 2, 3]}, {"enum": [2, 3, 4]}),
]


@pytest.mark.parametrize(
    ("left", "right"),
    [(left, right) for _, left, right in MERGES],
    ids=[name for name, _, _ in MERGES],
)
def test_merged_schemas_admit_what_both_admit(left: Any, right: Any) -> None:
    merged = jsonschema.Draft202012Validator(merge(left, right))
    both = jsonschema.Draft202012Validator({"allOf": [left, right]})
    values = [*VALUES, {"a": 2}, {"b": "x"}, {"a": 2, "b": "x"}, "abc", "ac", 3, 4]

    for value in values:
        assert merged.is_valid(value) == both.is_valid(value), value
