"""The instance generator honours every keyword it accepts, and refuses the rest."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import referencing
from referencing.jsonschema import DRAFT202012

from mockserver.errors import GenerationError
from mockserver.generation import InstanceGenerator, generate_instance

SEEDS = range(150)

FEATURES: list[tuple[str, dict[str, Any]]] = [
    ("type-list", {"type": ["string", "integer", "null"]}),
    (
        "nullable-anyof",
        {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]},
    ),
    (
        "oneof-overlapping",
        {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0.5}]},
    ),
    (
        "allof-merged",
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}},
                {"required": ["a"], "properties": {"a": {"maxLength": 3}}},
            ]
        },
    ),
    (
        "allof-additional-false",
        {
            "allOf": [
                {
                    "properties": {"a": {"type": "integer"}},
                    "additionalProperties": False,
                },
                {"properties": {"b": {"type": "integer"}}},
            ]
        },
    ),
    ("enum", {"enum": ["a", 1, None, {"k": [1]}]}),
    ("enum-filtered-by-type", {"type": "string", "enum": ["a", 1, None]}),
    ("const", {"const": {"nested": True}}),
    ("not", {"type": "integer", "minimum": 0, "maximum": 3, "not": {"const": 2}}),
    (
        "closed-object",
        {
            "type": "object",
            "properties": {"x": {"type": "integer"}, "y": {"type": "boolean"}},
            "required": ["x"],
            "additionalProperties": False,
        },
    ),
    (
        "required-without-property",
        {
            "type": "object",
            "required": ["z"],
            "additionalProperties": {"type": "integer"},
        },
    ),
    (
        "map",
        {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1},
            "minProperties": 1,
            "maxProperties": 2,
        },
    ),
    (
        "property-names",
        {"type": "object", "propertyNames": {"format": "uuid"}, "minProperties": 1},
    ),
    (
        "prefix-items",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "integer"}],
            "items": False,
            "minItems": 2,
        },
    ),
    (
        "unique-items",
        {
            "type": "array",
            "items": {"enum": [1, 2, 3, 4]},
            "uniqueItems": True,
            "minItems": 4,
        },
    ),
    (
        "min-max-items",
        {"type": "array", "items": {"type": "null"}, "minItems": 5, "maxItems": 6},
    ),
    *[
        (f"format-{name}", {"type": "string", "format": name})
        for name in ("uuid", "date-time", "date", "time", "duration", "email", "uri")
    ],
    ("lengths", {"type": "string", "minLength": 20, "maxLength": 22}),
    ("pattern-names", {"type": "string", "pattern": "^[^/%&><]+$"}),
    ("pattern-digits", {"type": "string", "pattern": r"^v\d{2,3}(-[a-z]+)?$"}),
    ("integer-bounds", {"type": "integer", "minimum": 1000, "maximum": 1002}),
    (
        "exclusive-bounds",
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    ),
    (
        "exclusive-integer",
        {"type": "integer", "exclusiveMinimum": 0.5, "exclusiveMaximum": 2},
    ),
    (
        "openapi-3.0-exclusive",
        {"type": "number", "minimum": 1, "maximum": 1.002, "exclusiveMinimum": True},
    ),
    ("multiple-of", {"type": "integer", "multipleOf": 7, "minimum": 50}),
    ("multiple-of-float", {"type": "number", "multipleOf": 0.25, "maximum": -10}),
    ("default", {"type": "string", "default": "fallback", "minLength": 1}),
    ("invalid-default", {"type": "integer", "default": "not an integer"}),
    ("empty-schema", {}),
    (
        "true-schema",
        {"type": "object", "properties": {"any": True}, "required": ["any"]},
    ),
    (
        "defs-and-ref",
        {
            "$defs": {"Tag": {"type": "string", "pattern": "^t-[0-9]$"}},
            "type": "array",
            "items": {"$ref": "#/$defs/Tag"},
            "minItems": 1,
        },
    ),
    (
        "recursive",
        {
            "$defs": {
                "Node": {
                    "type": "object",
                    "properties": {
                        "children": {
                            "type": "array",
                            "items": {"$ref": "#/$defs/Node"},
                        },
                        "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                    },
                    "required": ["children", "next"],
                }
            },
            "$ref": "#/$defs/Node",
        },
    ),
]


@pytest.mark.parametrize(
    "schema", [schema for _, schema in FEATURES], ids=[name for name, _ in FEATURES]
)
@pytest.mark.parametrize(
    "options",
    [{}, {"required_only": True}, {"complete": True}],
    ids=["some-optional", "required-only", "complete"],
)
def test_instances_satisfy_the_schema(
    schema: dict[str, Any], options: dict[str, Any]
) -> None:
    # Boolean exclusive bounds are OpenAPI 3.0; draft 4 validates them.
    validator_class = (
        jsonschema.Draft4Validator
        if schema.get("exclusiveMinimum") is True
        else jsonschema.Draft202012Validator
    )
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    for seed in SEEDS:
        instance = generate_instance(schema, seed=seed, **options)

        assert validator.is_valid(instance), (seed, instance)


@pytest.mark.parametrize("limit", [0, 1, 3])
def test_recursion_stops_at_the_depth_limit(limit: int) -> None:
    schema = dict(FEATURES)["recursive"]
    generator = InstanceGenerator(depth_limit=limit)

    def depth(node: Any) -> int:
        if not isinstance(node, dict):
            return 0
        below = [depth(child) for child in node["children"]] + [depth(node["next"])]
        return 1 + max(below)

    deepest = max(depth(generator.generate(schema, seed=seed)) for seed in SEEDS)

    # The root, one level per followed reference, then the smallest node.
    assert deepest == limit + 2


def test_optional_fields_are_sometimes_absent_and_sometimes_null() -> None:
    schema = {
        "type": "object",
        "properties": {"note": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
    }
    notes = [
        generate_instance(schema, seed=seed).get("note", "absent") for seed in SEEDS
    ]

    assert "absent" in notes
    assert None in notes
    assert any(isinstance(note, str) and note != "absent" for note in notes)


def test_required_only_leaves_out_every_optional_field() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "required": ["a"],
    }

    assert all(
        set(generate_instance(schema, seed=seed, required_only=True)) == {"a"}
        for seed in SEEDS
    )


def test_complete_includes_every_field() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
    }

    assert all(
        set(generate_instance(schema, seed=seed, complete=True)) == {"a", "b"}
        for seed in SEEDS
    )


def test_objects_get_no_undeclared_fields() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}

    assert all(set(generate_instance(schema, seed=seed)) <= {"a"} for seed in SEEDS)


def test_a_valid_default_is_used_now_and_then() -> None:
    values = {generate_instance(dict(FEATURES)["default"], seed=seed) for seed in SEEDS}

    assert "fallback" in values
    assert len(values) > 10


def test_required_only_and_complete_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="exclude"):
        generate_instance({"type": "string"}, required_only=True, complete=True)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (False, "admits no instance"),
        ({"type": "integer", "minimum": 3, "maximum": 2}, "no number"),
        ({"enum": [1, 2], "type": "string"}, "satisfies"),
        ({"if": {"type": "string"}, "then": {"minLength": 2}}, "'if' is not supported"),
        ({"type": "object", "patternProperties": {"^x": {}}}, "patternProperties"),
        ({"type": "string", "pattern": "(?=lookahead)"}, "lookaround"),
        ({"$ref": "#/$defs/Missing"}, "cannot resolve"),
        (
            {"type": "object", "required": ["a"], "additionalProperties": False},
            "required property 'a'",
        ),
    ],
    ids=[
        "false",
        "empty-range",
        "empty-enum",
        "if-then",
        "pattern-properties",
        "lookaround",
        "missing-ref",
        "closed-required",
    ],
)
def test_unsatisfiable_or_unsupported_schemas_are_refused(
    schema: Any, message: str
) -> None:
    with pytest.raises(GenerationError, match=message):
        InstanceGenerator().generate(schema)


def test_a_schema_compiles_once() -> None:
    generator = InstanceGenerator()
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}

    assert generator.compile(schema) is generator.compile(schema)
    assert generator.compile(schema, complete=True) is not generator.compile(schema)


@pytest.mark.parametrize("scheme", ["urn:example:", "https://example.invalid/"])
def test_references_resolve_in_documents_under_any_scheme(scheme: str) -> None:
    documents = {
        f"{scheme}one": {"$defs": {"X": {"const": 1}}},
        f"{scheme}two": {"$defs": {"X": {"const": 2}}},
    }
    registry = referencing.Registry().with_resources(
        (uri, DRAFT202012.create_resource(document))
        for uri, document in documents.items()
    )
    generator = InstanceGenerator(registry)
    schema = {"type": "array", "items": {"$ref": "#/$defs/X"}, "minItems": 1}

    assert set(generator.generate(schema, base_uri=f"{scheme}one")) == {1}
    assert set(generator.generate(schema, base_uri=f"{scheme}two")) == {2}


def test_an_optional_property_that_cannot_be_generated_is_left_out() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kept": {"type": "integer"},
            "odd": {"type": "object", "patternProperties": {"^x": {}}},
        },
        "required": ["kept"],
    }

    instances = [generate_instance(schema, seed=seed, complete=True) for seed in SEEDS]

    assert all(set(instance) == {"kept"} for instance in instances)


def test_a_generation_failure_names_the_seed_that_reproduces_it() -> None:
    schema = {"type": "integer", "minimum": 0, "maximum": 1, "not": {"enum": [0, 1]}}

    with pytest.raises(GenerationError, match=r"seed 41, instance 0"):
        InstanceGenerator().generate(schema, seed=41)
