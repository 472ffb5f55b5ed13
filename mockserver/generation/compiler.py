"""Compile a JSON Schema into a tree of small generator closures.

Compiling walks the schema once: references are resolved, ``allOf`` members
merged, field hints chosen, enums filtered and consistency rules selected.
What comes out is a zero-argument function per subschema that draws from one
shared :class:`random.Random`; generating an instance is a walk over those
closures with no schema lookups at all.

The closures are built so that every instance validates: unknown keywords
are refused at compile time (:data:`~mockserver.generation.schemas.UNSUPPORTED`),
constraints that a provider's value might miss are checked and fall back to a
constraint-driven draw, and recursive references stop at a depth limit by
switching to the smallest instance the schema allows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from random import Random
from typing import Any

from mockserver.errors import GenerationError
from mockserver.generation import consistency, drawers, fields, formats, providers
from mockserver.generation.drawers import Gen
from mockserver.generation.fields import NO_HINT, Hint
from mockserver.generation.predicates import Predicate, PredicateCompiler
from mockserver.generation.schemas import (
    UNSUPPORTED,
    Located,
    absolutize,
    constraining,
    dereference,
    merge,
    types_of,
)

JSON = Any

PRESENCES = ("some", "all", "required")
"""The ways optional properties can be treated; see :class:`Compiler`."""
_EXTRA_ITEMS = 3
_MAX_COMPILE_DEPTH = 400

_OBJECT_KEYWORDS = frozenset(
    {"properties", "required", "additionalProperties", "minProperties", "maxProperties"}
)
_ARRAY_KEYWORDS = frozenset(
    {"items", "prefixItems", "minItems", "maxItems", "uniqueItems"}
)
_STRING_KEYWORDS = frozenset({"minLength", "maxLength", "pattern", "format"})
_NUMBER_KEYWORDS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)


@dataclass(eq=False)
class Node:
    """What a compiled generator produces, kept for pinning and re-running
    consistency rules after pins are applied."""

    kind: str
    generator: Gen | None = None
    properties: Mapping[str, tuple[Located, Hint]] = field(default_factory=dict)
    items: tuple[Located, Hint] | None = None
    branches: list[Gen] = field(default_factory=list)
    facts: consistency.Facts | None = None
    rules: tuple[consistency.Rule, ...] = ()
    compiled: dict[str, Gen] = field(default_factory=dict)


def is_null_schema(schema: JSON) -> bool:
    """Return whether ``schema`` admits only ``null``."""
    if not isinstance(schema, Mapping):
        return False
    if types_of(schema) == ("null",):
        return True
    if "const" in schema:
        return schema["const"] is None
    return schema.get("enum") == [None]


class Compiler:
    """Turns located schemas into generators that share one Random.

    :param rng: the random source every compiled generator draws from.
    :param presence: which optional properties objects get: ``"some"`` (each
        left out with :data:`~.drawers.ABSENT_PROBABILITY`), ``"all"`` (every
        one, as a real server answers) or ``"required"`` (none; maps and
        arrays are then kept at their minimum size too). An optional property
        whose schema cannot be instantiated is always left out.
    :param depth_limit: how many times a recursive reference is followed
        before the smallest instance is produced instead.
    :param anchor: the Unix timestamp date-times are drawn around.
    """

    def __init__(
        self,
        rng: Random,
        *,
        presence: str = "some",
        depth_limit: int = 3,
        anchor: float = 0.0,
    ) -> None:
        self.rng = rng
        if presence not in PRESENCES:
            raise ValueError(f"presence must be one of {PRESENCES}, not {presence!r}")
        self.presence = presence
        self.required_only = presence == "required"
        self.depth_limit = depth_limit
        self.anchor = anchor
        self.predicates = PredicateCompiler()
        self.nodes: dict[Gen, Node] = {}
        self.depth = [0]
        self._references: dict[tuple[str, Hint, bool], Gen] = {}
        self._pending: dict[tuple[str, Hint, bool], list[Gen]] = {}
        self._nesting = 0

    def compile(
        self, located: Located, hint: Hint = NO_HINT, minimal: bool = False
    ) -> Gen:
        """Return a generator for ``located``.

        :param hint: the property this schema describes, for realistic values.
        :param minimal: produce the smallest instance (used to end recursion).
        :raises GenerationError: when the schema admits nothing or uses a
            keyword the generator does not support.
        """
        schema = located.schema
        if schema is True:
            return self._anything(hint)
        if schema is False or not isinstance(schema, Mapping):
            raise GenerationError(
                f"schema {schema!r} admits no instance", schema_path=(located.base,)
            )
        refused = UNSUPPORTED & schema.keys()
        if refused:
            raise GenerationError(
                f"keyword {sorted(refused)[0]!r} is not supported by the generator",
                schema_path=(located.base,),
            )

        self._nesting += 1
        try:
            if self._nesting > _MAX_COMPILE_DEPTH:
                raise GenerationError(
                    "schema nests too deeply (a recursive reference inside allOf?)",
                    schema_path=(located.base,),
                )
            generator = self._constrained(located, constraining(schema), hint, minimal)
        finally:
            self._nesting -= 1

        if "default" in schema and not minimal:
            generator = self._with_default(located, generator)
        return generator

    def _constrained(
        self, located: Located, keywords: dict[str, JSON], hint: Hint, minimal: bool
    ) -> Gen:
        schema = located.schema
        if "$ref" in keywords:
            if len(keywords) == 1:
                return self._reference(located, schema["$ref"], hint, minimal)
            return self._all_of(located, hint, minimal)
        if "allOf" in keywords:
            return self._all_of(located, hint, minimal)
        if "not" in keywords:
            return self._negated(located, hint, minimal)
        if "anyOf" in keywords or "oneOf" in keywords:
            return self._union(located, keywords, hint, minimal)
        if "const" in keywords:
            return self._choice(located, [schema["const"]])
        if "enum" in keywords:
            return self._choice(located, list(schema["enum"]))
        return self._typed(located, keywords, hint, minimal)

    def _register(self, generator: Gen, node: Node) -> Gen:
        node.generator = generator
        self.nodes[generator] = node
        return generator

    # References and combinators

    def _reference(
        self, located: Located, reference: str, hint: Hint, minimal: bool
    ) -> Gen:
        uri, target = located.follow(reference)
        body = target.schema
        if isinstance(body, Mapping) and ("properties" in body or "enum" in body):
            hint = NO_HINT
        key = (uri, hint, minimal)
        known = self._references.get(key)
        if known is not None:
            return known
        cell = self._pending.get(key)
        if cell is not None:
            return self._back_edge(cell, located, reference, hint, minimal)

        cell = []
        self._pending[key] = cell
        try:
            generator = self.compile(target, hint, minimal)
        finally:
            del self._pending[key]
        cell.append(generator)
        self._references[key] = generator
        return generator

    def _back_edge(
        self,
        cell: list[Gen],
        located: Located,
        reference: str,
        hint: Hint,
        minimal: bool,
    ) -> Gen:
        depth = self.depth
        if minimal:
            hard_limit = self.depth_limit + 64

            def required_recursion() -> JSON:
                if depth[0] >= hard_limit:
                    raise GenerationError(
                        f"schema {reference!r} requires an infinitely deep instance",
                        schema_path=(reference,),
                    )
                depth[0] += 1
                try:
                    return cell[0]()
                finally:
                    depth[0] -= 1

            return self._register(required_recursion, Node("union", branches=cell))

        limit = self.depth_limit
        shallow: list[Gen] = []

        def recursion() -> JSON:
            if depth[0] >= limit:
                if not shallow:
                    shallow.append(self._reference(located, reference, hint, True))
                return shallow[0]()
            depth[0] += 1
            try:
                return cell[0]()
            finally:
                depth[0] -= 1

        return self._register(recursion, Node("union", branches=cell))

    def flatten(self, located: Located) -> tuple[JSON, list[JSON]]:
        """Merge ``allOf`` members (and referenced schemas) into one schema.

        Returns the merged schema, with absolute references, and the parts
        that could not be merged exactly; those are checked per instance.
        """
        merged: JSON = True
        leftovers: list[JSON] = []
        pending = [located]
        while pending:
            member = dereference(pending.pop())
            schema = member.schema
            if not isinstance(schema, Mapping):
                merged = merge(merged, schema)
                continue
            pending.extend(member.at(sub) for sub in schema.get("allOf", ()))
            body = absolutize(
                {k: v for k, v in schema.items() if k != "allOf"}, member.base
            )
            merged = merge(merged, body)
            if isinstance(merged, dict) and "allOf" in merged:
                leftovers.extend(merged.pop("allOf"))
        return merged, leftovers

    def _all_of(self, located: Located, hint: Hint, minimal: bool) -> Gen:
        schema = located.schema
        members = schema.get("allOf", ())
        rest = constraining({k: v for k, v in schema.items() if k != "allOf"})
        if not rest and len(members) == 1 and set(constraining(members[0])) == {"$ref"}:
            return self._reference(located, members[0]["$ref"], hint, minimal)

        merged, leftovers = self.flatten(located)
        generator = self.compile(located.at(merged), hint, minimal)
        if not leftovers:
            return generator
        checks = [self.predicates.compile(located.at(part)) for part in leftovers]
        return drawers.filtered(generator, lambda value: all(c(value) for c in checks))

    def _negated(self, located: Located, hint: Hint, minimal: bool) -> Gen:
        schema = located.schema
        rest = {k: v for k, v in schema.items() if k != "not"}
        generator = self.compile(located.at(rest), hint, minimal)
        excluded = self.predicates.compile(located.at(schema["not"]))
        return drawers.filtered(generator, lambda value: not excluded(value))

    def _union(
        self, located: Located, keywords: dict[str, JSON], hint: Hint, minimal: bool
    ) -> Gen:
        schema = located.schema
        keyword = "anyOf" if "anyOf" in keywords else "oneOf"
        siblings = {k: v for k, v in keywords.items() if k != keyword}
        branches = [
            {"allOf": [branch, siblings]} if siblings else branch
            for branch in schema[keyword]
        ]
        nullable = any(is_null_schema(branch) for branch in schema[keyword])
        others = [
            b
            for b, raw in zip(branches, schema[keyword], strict=True)
            if not is_null_schema(raw)
        ]
        if nullable and (minimal or not others):
            return lambda: None
        if minimal:
            # Branches without references are likelier to end a recursion.
            others.sort(key=lambda branch: "$ref" in json.dumps(branch))
            others = others[:1]

        generators = [
            self.compile(located.at(branch), hint, minimal) for branch in others
        ]
        chosen = (
            self._exclusive(located, branches, others, generators)
            if keyword == "oneOf"
            else drawers.uniform(self.rng, generators)
        )
        node = Node("union", branches=generators)
        if nullable:
            chosen = drawers.nullable(self.rng, chosen)
        return self._register(chosen, node)

    def _exclusive(
        self,
        located: Located,
        branches: list[JSON],
        others: list[JSON],
        generators: list[Gen],
    ) -> Gen:
        # oneOf: a draw counts only if no other branch admits it; a branch
        # that keeps overlapping its rivals is simply drawn less often.
        checks = [self.predicates.compile(located.at(branch)) for branch in branches]
        candidates = []
        for generator, branch in zip(generators, others, strict=True):
            rivals = [
                check
                for check, candidate in zip(checks, branches, strict=True)
                if candidate is not branch
            ]
            candidates.append((generator, drawers.none_of(rivals)))
        rand, count = self.rng.random, len(candidates)

        def exclusive() -> JSON:
            for _ in range(drawers.RETRIES):
                generator, alone = candidates[int(rand() * count)]
                value = generator()
                if alone(value):
                    return value
            raise GenerationError(
                "no value matching exactly one oneOf branch "
                f"in {drawers.RETRIES} draws",
                schema_path=(located.base, "oneOf"),
            )

        return exclusive

    def _choice(self, located: Located, values: list[JSON]) -> Gen:
        admitted = self.predicates.compile(located)
        allowed = [value for value in values if admitted(value)]
        if not allowed:
            raise GenerationError(
                f"no value of {values!r} satisfies the rest of the schema",
                schema_path=(located.base,),
            )
        if len(allowed) == 1:
            return drawers.constant(allowed[0])
        copiers = [drawers.constant(value) for value in allowed]
        return drawers.uniform(self.rng, copiers)

    def _with_default(self, located: Located, generator: Gen) -> Gen:
        default = located.schema["default"]
        if not self.predicates.compile(located)(default):
            return generator
        sometimes_default = drawers.sometimes(
            self.rng, drawers.DEFAULT_PROBABILITY, drawers.constant(default), generator
        )
        return self._register(sometimes_default, Node("union", branches=[generator]))

    # Types

    def _typed(
        self, located: Located, keywords: dict[str, JSON], hint: Hint, minimal: bool
    ) -> Gen:
        declared = types_of(located.schema) or _inferred_types(keywords)
        if declared is None:
            return self._anything(hint)
        generators = [
            self._of_type(kind, located, hint, minimal)
            for kind in dict.fromkeys(declared)
            if kind != "null"
        ]
        if "null" in declared and (minimal or not generators):
            return lambda: None
        if not generators:
            raise GenerationError(f"no usable type in {declared!r}")
        chosen = drawers.uniform(self.rng, generators)
        if "null" not in declared:
            return chosen
        maybe_null = drawers.nullable(self.rng, chosen)
        return self._register(maybe_null, Node("union", branches=generators))

    def _of_type(self, kind: str, located: Located, hint: Hint, minimal: bool) -> Gen:
        if kind == "string":
            return self._string(located, hint)
        if kind in ("integer", "number"):
            return self._number(located, hint, kind == "integer")
        if kind == "boolean":
            rand = self.rng.random
            probability = fields.true_probability(hint)
            return lambda: rand() < probability
        if kind == "object":
            return self._object(located, hint, minimal)
        if kind == "array":
            return self._array(located, hint, minimal)
        raise GenerationError(f"unknown type {kind!r}", schema_path=(located.base,))

    def _anything(self, hint: Hint) -> Gen:
        rng = self.rng
        source = fields.object_source(hint)
        if source is not None:
            return lambda: source(rng)
        if fields.string_source(hint) is not None:
            return self._text(hint)
        makers: list[Gen] = [
            lambda: None,
            lambda: providers.slug(rng),
            lambda: int(rng.random() * 1000),
            lambda: rng.random() < 0.5,
            lambda: {"value": providers.slug(rng)},
        ]
        return drawers.uniform(rng, makers)

    def _string(self, located: Located, hint: Hint) -> Gen:
        schema = located.schema
        rng = self.rng
        constrained = bool(
            schema.get("pattern")
            or schema.get("minLength", 0) > 0
            or "maxLength" in schema
        )
        base = self._string_base(schema.get("format"), hint)
        if isinstance(base, tuple):
            check = self.predicates.compile(located)
            choices = [value for value in base if check(value)]
            if choices:
                count = len(choices)
                return lambda: choices[int(rng.random() * count)]
            base = self._string_base(None, NO_HINT)
        assert not isinstance(base, tuple)
        if not constrained:
            return base

        check = self.predicates.compile(located)
        fallback = drawers.constraint_strings(rng, schema)
        first_choice = base

        def constrained_string() -> str:
            for _ in range(4):
                value = first_choice()
                if check(value):
                    return str(value)
            for _ in range(drawers.RETRIES):
                value = fallback()
                if check(value):
                    return str(value)
            raise GenerationError(
                f"no string found for {constraining(schema)!r}",
                schema_path=(located.base,),
            )

        return constrained_string

    def _text(self, hint: Hint) -> Gen:
        base = self._string_base(None, hint)
        if not isinstance(base, tuple):
            return base
        rand, count = self.rng.random, len(base)
        return lambda: base[int(rand() * count)]

    def _string_base(
        self, format_name: str | None, hint: Hint
    ) -> Gen | tuple[str, ...]:
        rng = self.rng
        anchor = self.anchor
        if format_name == "date-time":
            earliest, latest = fields.datetime_window(hint)
            return formats.date_time_drawer(rng, anchor, earliest, latest)
        if format_name == "uuid":
            return formats.uuid4_drawer(rng)
        if format_name in formats.FORMATS:
            draw_format = formats.FORMATS[format_name]
            return lambda: draw_format(rng, anchor)
        source = fields.string_source(hint)
        if isinstance(source, tuple):
            return source
        if source is not None:
            draw = source
            return lambda: draw(rng)
        return lambda: providers.slug(rng)

    def _number(self, located: Located, hint: Hint, integer: bool) -> Gen:
        schema = located.schema
        low, high = drawers.bounds(schema, integer)
        natural = fields.number_range(hint, integer)
        start, stop = drawers.overlap(natural, low, high)
        multiple = schema.get("multipleOf")
        rand = self.rng.random
        if multiple is not None:
            return self._multiples(located, start, stop, multiple, integer)
        if integer:
            first, span = int(start), int(stop) - int(start) + 1
            return lambda: first + int(rand() * span)

        if not _NUMBER_KEYWORDS & schema.keys():
            return lambda: round(start + (stop - start) * rand(), 3)
        check = self.predicates.compile(located)
        middle = (start + stop) / 2

        def real() -> float:
            value = round(start + (stop - start) * rand(), 3)
            return value if check(value) else middle

        return real

    def _multiples(
        self,
        located: Located,
        start: float,
        stop: float,
        multiple: float,
        integer: bool,
    ) -> Gen:
        first = math.ceil(start / multiple)
        last = math.floor(stop / multiple)
        if first > last:
            raise GenerationError(
                f"no multiple of {multiple!r} between {start!r} and {stop!r}",
                schema_path=(located.base,),
            )
        check = self.predicates.compile(located)
        rand = self.rng.random
        span = last - first + 1

        def multiple_value() -> JSON:
            for _ in range(drawers.RETRIES):
                factor = first + int(rand() * span)
                value = factor * multiple
                if integer and isinstance(value, float) and value.is_integer():
                    value = int(value)
                if check(value):
                    return value
            raise GenerationError(
                f"no multiple of {multiple!r} satisfies the schema",
                schema_path=(located.base,),
            )

        return multiple_value

    # Objects and arrays

    def _object(self, located: Located, hint: Hint, minimal: bool) -> Gen:
        schema = located.schema
        properties = schema.get("properties", {})
        required = list(schema.get("required", ()))
        if not properties and not required:
            return self._map(located, hint, minimal)

        owner = fields.concept(schema.get("title")) or hint.owner
        entries = self._entries(located, owner, minimal)
        rules = consistency.rules_for(properties)
        facts = self.object_facts(located) if rules else None
        present = 1.0 if self.presence == "all" else 1.0 - drawers.ABSENT_PROBABILITY
        generator = drawers.object_drawer(self.rng, entries, rules, facts, present)
        if "minProperties" in schema or "maxProperties" in schema:
            everything = (
                entries if not minimal else self._entries(located, owner, False)
            )
            generator = drawers.sized(self.rng, located, generator, everything)
        node = Node(
            "object",
            properties={
                name: (located.at(sub), Hint(owner, name))
                for name, sub in properties.items()
            },
            facts=facts,
            rules=rules,
        )
        return self._register(generator, node)

    def _entries(
        self, located: Located, owner: str | None, minimal: bool
    ) -> list[tuple[str, Gen, bool]]:
        schema = located.schema
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        additional = schema.get("additionalProperties", True)
        skip_optional = minimal or self.required_only
        allowed_name = self._name_check(located)
        entries = []
        for name, sub in properties.items():
            is_required = name in required
            if not allowed_name(name):
                sub = False
            if sub is False or (skip_optional and not is_required):
                if sub is False and is_required:
                    raise GenerationError(
                        f"required property {name!r} is forbidden",
                        schema_path=(located.base, name),
                    )
                continue
            try:
                generator = self.compile(located.at(sub), Hint(owner, name), minimal)
            except GenerationError:
                if is_required:
                    raise
                continue
            entries.append((name, generator, is_required))
        for name in sorted(required - set(properties)):
            if additional is False:
                raise GenerationError(
                    f"required property {name!r} is not allowed by "
                    "additionalProperties: false",
                    schema_path=(located.base, name),
                )
            generator = self.compile(located.at(additional), Hint(owner, name), minimal)
            entries.append((name, generator, True))
        return entries

    def _name_check(self, located: Located) -> Predicate:
        names = located.schema.get("propertyNames", True)
        return self.predicates.compile(located.at(names))

    def object_facts(self, located: Located) -> consistency.Facts:
        """Return lazily computed facts about an object schema's properties."""
        properties = located.schema.get("properties", {})

        def predicate(name: str) -> Predicate | None:
            sub = properties.get(name)
            return None if sub is None else self.predicates.compile(located.at(sub))

        def child(name: str) -> consistency.Facts | None:
            sub = properties.get(name)
            return None if sub is None else self.facts_of(located.at(sub))

        created: dict[str, Gen | None] = {}

        def create(name: str) -> JSON:
            if name not in created:
                sub = properties.get(name)
                generator = None
                if sub is not None:
                    node = self.node_of(self.compile(located.at(sub)), "object")
                    generator = node.generator if node is not None else None
                created[name] = generator
            make = created[name]
            return None if make is None else make()

        return consistency.Facts(predicate, child, create)

    def facts_of(self, located: Located) -> consistency.Facts | None:
        """Return facts of the object schema ``located`` describes, or of the
        object items of the array it describes."""
        current = dereference(located)
        schema = current.schema
        if isinstance(schema, Mapping) and "allOf" in schema:
            merged, _ = self.flatten(current)
            current = current.at(merged)
            schema = merged
        if not isinstance(schema, Mapping):
            return None
        for keyword in ("anyOf", "oneOf"):
            for branch in schema.get(keyword, ()):
                found = self.facts_of(current.at(branch))
                if found is not None:
                    return found
        if "properties" in schema:
            return self.object_facts(current)
        if isinstance(schema.get("items"), Mapping):
            return self.facts_of(current.at(schema["items"]))
        return None

    def _map(self, located: Located, hint: Hint, minimal: bool) -> Gen:
        schema = located.schema
        additional = schema.get("additionalProperties", True)
        smallest = schema.get("minProperties", 0)
        largest = schema.get("maxProperties", drawers.MAP_SIZE)
        if additional is False or ((minimal or self.required_only) and not smallest):
            if smallest:
                raise GenerationError(
                    "minProperties cannot be met without additional properties",
                    schema_path=(located.base,),
                )
            return self._register(lambda: {}, Node("object"))

        rng = self.rng
        values = (
            self._anything(NO_HINT)
            if additional is True
            else self.compile(located.at(additional), NO_HINT, minimal)
        )
        keys = self._map_keys(located)
        generic = drawers.map_drawer(
            rng, keys, values, smallest, min(largest, smallest + 3)
        )
        source = fields.object_source(hint)
        if source is None:
            return self._register(generic, Node("object"))

        if additional is True and set(constraining(schema)) <= {
            "type",
            "additionalProperties",
        }:
            return self._register(lambda: source(rng), Node("object"))
        check = self.predicates.compile(located)

        def provided() -> JSON:
            value = source(rng)
            return value if check(value) else generic()

        return self._register(provided, Node("object"))

    def _map_keys(self, located: Located) -> Gen | None:
        names = located.schema.get("propertyNames")
        if names is None:
            return None
        if isinstance(names, Mapping) and "type" not in names:
            names = {**names, "type": "string"}
        return self.compile(located.at(names))

    def _array(self, located: Located, hint: Hint, minimal: bool) -> Gen:
        schema = located.schema
        items = schema.get("items", True)
        prefix_schemas = schema.get("prefixItems", ())
        if isinstance(items, list):
            # The pre-2020 tuple form, still found in Prefect 2's documents.
            prefix_schemas, items = items, schema.get("additionalItems", True)
        prefix = [
            self.compile(located.at(sub), fields.item_hint(hint), minimal)
            for sub in prefix_schemas
        ]
        smallest = schema.get("minItems", 0)
        largest = schema.get("maxItems", smallest + _EXTRA_ITEMS)
        if items is False:
            largest = min(largest, len(prefix))
        if minimal or self.required_only:
            largest = smallest
        largest = min(largest, smallest + _EXTRA_ITEMS)
        if smallest > largest:
            raise GenerationError(
                f"minItems {smallest} cannot be met", schema_path=(located.base,)
            )

        item = (
            self.compile(located.at(items), fields.item_hint(hint), minimal)
            if items is not False
            else drawers.unreachable
        )
        unique = bool(schema.get("uniqueItems")) or hint.field == "tags"
        generator = drawers.array_drawer(
            self.rng, prefix, item, smallest, largest, unique
        )
        item_location = (located.at(items), fields.item_hint(hint))
        return self._register(generator, Node("array", items=item_location))

    # Navigation, for pinning

    def node_of(self, generator: Gen | None, kind: str) -> Node | None:
        """Return the node of kind ``kind`` that ``generator`` produces, looking
        through unions, defaults and references."""
        seen: set[int] = set()
        pending = [generator]
        while pending:
            current = pending.pop(0)
            if current is None or id(current) in seen:
                continue
            seen.add(id(current))
            node = self.nodes.get(current)
            if node is None:
                continue
            if node.kind == kind:
                return node
            pending.extend(node.branches)
        return None

    def child_generator(self, node: Node, name: str) -> Gen | None:
        """Return the generator of property ``name`` (or of the items)."""
        location = node.items if node.kind == "array" else node.properties.get(name)
        if location is None:
            return None
        key = "[]" if node.kind == "array" else name
        if key not in node.compiled:
            node.compiled[key] = self.compile(location[0], location[1])
        return node.compiled[key]


def _inferred_types(keywords: Mapping[str, JSON]) -> tuple[str, ...] | None:
    names = keywords.keys()
    if names & _OBJECT_KEYWORDS:
        return ("object",)
    if names & _ARRAY_KEYWORDS:
        return ("array",)
    if names & _STRING_KEYWORDS:
        return ("string",)
    if names & _NUMBER_KEYWORDS:
        return ("number",)
    return None


__all__ = ["PRESENCES", "Compiler", "Node", "is_null_schema"]
