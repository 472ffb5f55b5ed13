"""The small closures that draw one JSON value each.

The compiler (:mod:`mockserver.generation.compiler`) decides what to draw;
the factories here build the closures that do it. Each takes the shared
:class:`random.Random` and returns a zero-argument function, so that drawing
an instance costs nothing but calls and random numbers.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from random import Random
from typing import Any

from mockserver.errors import GenerationError
from mockserver.generation import consistency, patterns
from mockserver.generation.predicates import Predicate, unique_key
from mockserver.generation.schemas import Located

JSON = Any
Gen = Callable[[], JSON]
"""A compiled generator: draws one JSON value from the shared Random."""

ABSENT_PROBABILITY = 0.15
"""How often an optional property is left out of a generated object."""
NULL_PROBABILITY = 0.25
"""How often a nullable value is ``null``."""
DEFAULT_PROBABILITY = 0.25
"""How often a schema's (valid) ``default`` is used as the value."""
RETRIES = 32
"""Draws tried before a constraint is declared unsatisfiable."""
_MAP_KEYS = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "region",
    "owner",
    "stage",
    "source",
)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MAP_SIZE = len(_MAP_KEYS)
"""How many entries a free-form object gets at most, unless told otherwise."""


def constant(value: JSON) -> Gen:
    """Draw ``value`` itself, a fresh copy each time when it is mutable."""
    if isinstance(value, dict | list):
        return lambda: copy.deepcopy(value)
    return lambda: value


def nullable(rng: Random, generator: Gen) -> Gen:
    """Draw ``null`` with :data:`NULL_PROBABILITY`, else from ``generator``."""
    rand = rng.random

    def maybe_null() -> JSON:
        return None if rand() < NULL_PROBABILITY else generator()

    return maybe_null


def sometimes(rng: Random, probability: float, first: Gen, otherwise: Gen) -> Gen:
    """Draw from ``first`` with ``probability``, else from ``otherwise``."""
    rand = rng.random

    def either() -> JSON:
        return first() if rand() < probability else otherwise()

    return either


def uniform(rng: Random, generators: list[Gen]) -> Gen:
    """Draw from one of ``generators``, each as likely as the others."""
    if len(generators) == 1:
        return generators[0]
    rand = rng.random
    count = len(generators)
    return lambda: generators[int(rand() * count)]()


def filtered(generator: Gen, check: Callable[[JSON], bool]) -> Gen:
    """Draw from ``generator`` until ``check`` accepts, a bounded number of times."""

    def filtered() -> JSON:
        for _ in range(RETRIES):
            value = generator()
            if check(value):
                return value
        raise GenerationError(
            f"no instance satisfying every subschema found in {RETRIES} draws"
        )

    return filtered


def none_of(checks: list[Predicate]) -> Predicate:
    """Accept a value that no predicate of ``checks`` accepts."""
    return lambda value: not any(check(value) for check in checks)


def unreachable() -> JSON:
    """Stand in for the items of an array schema that forbids further items."""
    raise GenerationError("items: false admits no further array items")


def bounds(schema: Mapping[str, JSON], integer: bool) -> tuple[float, float]:
    """Return the closed range a number schema allows (infinite when open)."""
    low = float(schema.get("minimum", -math.inf))
    high = float(schema.get("maximum", math.inf))
    exclusive_low = schema.get("exclusiveMinimum")
    exclusive_high = schema.get("exclusiveMaximum")
    # OpenAPI 3.0 writes exclusive bounds as booleans beside minimum/maximum.
    if exclusive_low is True:
        exclusive_low, low = low, -math.inf
    if exclusive_high is True:
        exclusive_high, high = high, math.inf
    if isinstance(exclusive_low, int | float) and exclusive_low is not False:
        low = max(low, _above(float(exclusive_low), integer))
    if isinstance(exclusive_high, int | float) and exclusive_high is not False:
        high = min(high, -_above(-float(exclusive_high), integer))
    if integer:
        low = low if math.isinf(low) else math.ceil(low)
        high = high if math.isinf(high) else math.floor(high)
    if low > high:
        raise GenerationError(f"no number between {low!r} and {high!r}")
    return low, high


def _above(bound: float, integer: bool) -> float:
    # The smallest value drawn above an exclusive bound: the next integer, or
    # the next thousandth (real numbers are drawn with three decimals).
    if integer:
        return math.floor(bound) + 1.0
    return math.floor(bound * 1000 + 1) / 1000


def overlap(
    natural: tuple[float, float], low: float, high: float
) -> tuple[float, float]:
    """Return the part of a field's natural range inside ``[low, high]``, or a
    range as wide as the natural one at the nearest bound."""
    start, stop = max(natural[0], low), min(natural[1], high)
    if start <= stop:
        return start, stop
    width = natural[1] - natural[0]
    if math.isinf(high):
        return low, low + width
    if math.isinf(low):
        return high - width, high
    return low, min(high, low + width)


def constraint_strings(rng: Random, schema: Mapping[str, JSON]) -> Gen:
    """Draw strings built from a schema's pattern and length limits alone."""
    pattern = schema.get("pattern")
    if pattern:
        draw = patterns.compile_pattern(pattern)
        return lambda: draw(rng)
    shortest = schema.get("minLength", 0)
    longest = schema.get("maxLength", shortest + 12)
    longest = min(longest, shortest + 12)
    span = longest - shortest + 1
    return lambda: "".join(
        _LETTERS[int(rng.random() * 26)]
        for _ in range(shortest + int(rng.random() * span))
    )


def object_drawer(
    rng: Random,
    entries: list[tuple[str, Gen, bool]],
    rules: tuple[consistency.Rule, ...],
    facts: consistency.Facts | None,
    present: float,
) -> Gen:
    """Draw objects from property ``entries`` (name, generator, required).

    Optional properties appear with probability ``present``; consistency
    ``rules`` then run on each object.
    """
    rand = rng.random
    frozen = tuple(entries)

    def some() -> dict[str, JSON]:
        instance = {}
        for name, generator, required in frozen:
            if required or rand() < present:
                instance[name] = generator()
        return instance

    def every() -> dict[str, JSON]:
        return {name: generator() for name, generator, _ in frozen}

    plain = every if present >= 1.0 else some
    if not rules or facts is None:
        return plain
    edit_class = consistency.Edit

    def consistent() -> dict[str, JSON]:
        instance = plain()
        edit = edit_class(instance, facts, rng)
        for rule in rules:
            rule(edit)
        return instance

    return consistent


def sized(
    rng: Random,
    located: Located,
    generator: Gen,
    entries: list[tuple[str, Gen, bool]],
) -> Gen:
    """Keep objects from ``generator`` within minProperties/maxProperties."""
    schema = located.schema
    smallest = schema.get("minProperties", 0)
    largest = schema.get("maxProperties", math.inf)
    if sum(1 for entry in entries if entry[2]) > largest or len(entries) < smallest:
        raise GenerationError(
            "minProperties/maxProperties cannot be met with the declared properties",
            schema_path=(located.base,),
        )

    def sized() -> dict[str, JSON]:
        instance: dict[str, JSON] = generator()
        for name, make, _ in entries:
            if len(instance) >= smallest:
                break
            if name not in instance:
                instance[name] = make()
        for name, _, required in reversed(entries):
            if len(instance) <= largest:
                break
            if not required:
                instance.pop(name, None)
        return instance

    return sized


def map_drawer(
    rng: Random, keys: Gen | None, values: Gen, smallest: int, largest: int
) -> Gen:
    """Draw free-form objects: distinct keys (from ``keys`` if given), values
    from ``values``."""
    span = largest - smallest + 1
    rand = rng.random

    def mapping() -> dict[str, JSON]:
        size = smallest + int(rand() * span)
        start = int(rand() * len(_MAP_KEYS))
        if keys is None:
            names = [
                _MAP_KEYS[(start + i) % len(_MAP_KEYS)]
                if i < len(_MAP_KEYS)
                else f"key_{i}"
                for i in range(size)
            ]
        else:
            names = list(dict.fromkeys(keys() for _ in range(size * 4)))[:size]
        if len(names) < smallest:
            raise GenerationError(f"cannot draw {smallest} distinct property names")
        return {name: values() for name in names}

    return mapping


def array_drawer(
    rng: Random,
    prefix: list[Gen],
    item: Gen,
    smallest: int,
    largest: int,
    unique: bool,
) -> Gen:
    """Draw arrays: ``prefix`` generators first, then ``item``; distinct
    values only when ``unique``."""
    rand = rng.random
    span = largest - smallest + 1
    fixed = len(prefix)

    def array() -> list[JSON]:
        size = smallest + int(rand() * span)
        return [prefix[i]() if i < fixed else item() for i in range(size)]

    if not unique:
        return array

    def unique_array() -> list[JSON]:
        size = smallest + int(rand() * span)
        values: list[JSON] = []
        seen: set[JSON] = set()
        for _ in range(size * 8 + 8):
            if len(values) == size:
                break
            position = len(values)
            value = prefix[position]() if position < fixed else item()
            key = unique_key(value)
            if key not in seen:
                seen.add(key)
                values.append(value)
        if len(values) < smallest:
            raise GenerationError(f"cannot draw {smallest} distinct array items")
        return values

    return unique_array


__all__ = [
    "ABSENT_PROBABILITY",
    "DEFAULT_PROBABILITY",
    "MAP_SIZE",
    "NULL_PROBABILITY",
    "RETRIES",
    "Gen",
    "array_drawer",
    "bounds",
    "constant",
    "constraint_strings",
    "filtered",
    "map_drawer",
    "none_of",
    "nullable",
    "object_drawer",
    "overlap",
    "sized",
    "sometimes",
    "uniform",
    "unreachable",
]
