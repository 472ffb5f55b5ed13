"""Where a subschema lives, how its references resolve, and how schemas merge.

A :class:`Located` schema carries the ``referencing`` resolver that its
``$ref`` values are relative to, plus an absolute URI that names it for
caching. The generator and the predicates both walk schemas through it, so
a reference is looked up once per compilation, never per instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

import referencing.exceptions

from mockserver.errors import GenerationError

if TYPE_CHECKING:
    # referencing exports its Resolver class from this module only.
    from referencing._core import Resolver

JSON = Any

ANNOTATIONS = frozenset(
    {
        "$anchor",
        "$comment",
        "$defs",
        "$id",
        "$schema",
        "contentEncoding",
        "contentMediaType",
        "default",
        "definitions",
        "deprecated",
        "description",
        "discriminator",
        "env_names",
        "example",
        "examples",
        "externalDocs",
        "nullable",
        "readOnly",
        "supported_environment_variables",
        "title",
        "writeOnly",
        "xml",
    }
)
"""Keywords that never constrain an instance (JSON Schema or OpenAPI extras)."""

UNSUPPORTED = frozenset(
    {
        "$dynamicRef",
        "$recursiveRef",
        "contains",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "if",
        "patternProperties",
    }
)
"""Keywords the generator refuses rather than risk an invalid instance."""


@dataclass(frozen=True, slots=True)
class Located:
    """A subschema together with what its references are relative to.

    :param schema: the subschema, a mapping or a boolean.
    :param resolver: resolves the ``$ref`` values inside ``schema``.
    :param base: the absolute URI of the document ``schema`` sits in.
    """

    schema: JSON
    resolver: Resolver[JSON]
    base: str

    def at(self, schema: JSON) -> Located:
        """Return ``schema``, a part of this schema, with the same resolver."""
        return Located(schema, self.resolver, self.base)

    def follow(self, reference: str) -> tuple[str, Located]:
        """Resolve ``reference``; return its absolute URI and its target.

        :raises GenerationError: when the reference does not resolve.
        """
        uri = join(self.base, reference)
        try:
            resolved = self.resolver.lookup(reference)
        except referencing.exceptions.Unresolvable as error:
            raise GenerationError(
                f"cannot resolve $ref {reference!r} from {self.base!r}: {error}",
                schema_path=(reference,),
            ) from error
        base = urldefrag(uri).url
        contents = resolved.contents
        if isinstance(contents, Mapping) and isinstance(contents.get("$id"), str):
            base = join(base, contents["$id"])
        return uri, Located(contents, resolved.resolver, base)


def join(base: str, reference: str) -> str:
    """Resolve ``reference`` against ``base``, fragments included.

    :func:`urllib.parse.urljoin` leaves a fragment unresolved under schemes
    such as ``urn:``; compiled references are cached by the result, so a
    bare fragment must never stand for itself.
    """
    if reference.startswith("#"):
        return urldefrag(base).url + reference
    return urljoin(base, reference)


def constraining(schema: Mapping[str, JSON]) -> dict[str, JSON]:
    """Return the keywords of ``schema`` that constrain an instance."""
    return {
        key: value
        for key, value in schema.items()
        if key not in ANNOTATIONS and not key.startswith("x-")
    }


def absolutize(schema: JSON, base: str) -> JSON:
    """Return a copy of ``schema`` whose ``$ref`` values are absolute URIs.

    A schema moved out of its document (to merge it into another) keeps
    resolving to the same targets this way.
    """
    if isinstance(schema, list):
        return [absolutize(item, base) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    copied = {key: absolutize(value, base) for key, value in schema.items()}
    if isinstance(copied.get("$ref"), str):
        copied["$ref"] = join(base, copied["$ref"])
    return copied


def dereference(located: Located) -> Located:
    """Follow ``$ref`` chains until the schema is not a bare reference.

    The result is absolutized when it comes from another document, so it can
    be merged into the referring schema. Siblings of a ``$ref`` are kept.
    """
    current = located
    for _ in range(64):
        schema = current.schema
        if not (isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str)):
            return current
        _, target = current.follow(schema["$ref"])
        siblings = constraining({k: v for k, v in schema.items() if k != "$ref"})
        body = absolutize(target.schema, target.base)
        if siblings:
            body = merge(body, absolutize(siblings, current.base))
        current = Located(body, current.resolver, current.base)
    raise GenerationError("$ref chain longer than 64 links", schema_path=("$ref",))


def json_type(value: JSON) -> str:
    """Return the JSON Schema type name of a JSON value (``integer`` for 1.0)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def types_of(schema: Mapping[str, JSON]) -> tuple[str, ...] | None:
    """Return the ``type`` keyword as a tuple, or ``None`` when absent."""
    declared = schema.get("type")
    if declared is None:
        return None
    if isinstance(declared, str):
        return (declared,)
    return tuple(declared)


def _merge_types(a: JSON, b: JSON) -> list[str]:
    left = {a} if isinstance(a, str) else set(a)
    right = {b} if isinstance(b, str) else set(b)
    if "number" in left:
        left.add("integer")
    if "number" in right:
        right.add("integer")
    both = left & right
    if "number" in both:
        both.discard("integer")
    return sorted(both)


_TIGHTER = {
    "minimum": max,
    "exclusiveMinimum": max,
    "minLength": max,
    "minItems": max,
    "minProperties": max,
    "maximum": min,
    "exclusiveMaximum": min,
    "maxLength": min,
    "maxItems": min,
    "maxProperties": min,
}


def merge(a: JSON, b: JSON) -> JSON:
    """Return one schema that admits exactly what both ``a`` and ``b`` admit.

    Both schemas must resolve their references the same way (absolutize them
    first). Combinations this cannot express exactly (two different
    patterns, two different formats) are kept side by side in an ``allOf``.
    """
    if a is True or a == {}:
        return b
    if b is True or b == {}:
        return a
    if a is False or b is False:
        return False
    merged = dict(a)
    leftovers: list[JSON] = []
    for key, value in b.items():
        if key not in merged:
            merged[key] = value
            continue
        combined = _merge_keyword(key, merged[key], value)
        if combined is _CONFLICT:
            leftovers.append({key: value})
        else:
            merged[key] = combined
    if leftovers:
        merged["allOf"] = [*merged.get("allOf", []), *leftovers]
    _drop_forbidden_properties(merged, a, b)
    return merged


_CONFLICT = object()


def _merge_keyword(key: str, left: JSON, right: JSON) -> JSON:
    if left == right:
        return left
    if key in _TIGHTER:
        return _TIGHTER[key](left, right)
    if key == "type":
        return _merge_types(left, right)
    if key == "required":
        return sorted(set(left) | set(right))
    if key == "enum":
        return [value for value in left if value in right]
    if key == "properties":
        names = list(dict.fromkeys([*left, *right]))
        return {
            name: merge(left.get(name, True), right.get(name, True)) for name in names
        }
    if key in ("items", "additionalProperties"):
        return merge(left, right)
    if key == "allOf":
        return [*left, *right]
    if key in ANNOTATIONS:
        return left
    return _CONFLICT


def _drop_forbidden_properties(
    merged: dict[str, JSON], a: Mapping[str, JSON], b: Mapping[str, JSON]
) -> None:
    # In an allOf, "additionalProperties: false" of one member forbids the
    # properties only the other member declares.
    properties = merged.get("properties")
    if not isinstance(properties, dict):
        return
    properties = merged["properties"] = dict(properties)
    for member in (a, b):
        if member.get("additionalProperties") is False:
            allowed = set(member.get("properties", {}))
            for name in [n for n in properties if n not in allowed]:
                properties[name] = False


__all__ = [
    "ANNOTATIONS",
    "UNSUPPORTED",
    "Located",
    "absolutize",
    "constraining",
    "dereference",
    "join",
    "json_type",
    "merge",
    "types_of",
]
