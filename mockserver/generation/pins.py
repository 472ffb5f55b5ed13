"""Pinned values: force chosen fields of a generated instance.

A pin is a dotted path and a value (``{"state.type": "RUNNING"}``); a path
step is a property name, or an index into an existing array. Pins are
applied after an instance is drawn, using the compiled generators to create
what a path reaches into, and the consistency rules to make related fields
follow.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from mockserver.errors import GenerationError
from mockserver.generation import consistency
from mockserver.generation.compiler import Compiler
from mockserver.generation.drawers import Gen

JSON = Any


def apply_pins(
    compiler: Compiler, root: Gen, instance: JSON, pins: Mapping[str, JSON]
) -> JSON:
    """Force pinned values into ``instance``, a fresh draw of ``root``.

    Missing objects on a pinned path are generated; then the consistency
    rules of every object on a pinned path run again with the pins fixed,
    so that related fields follow the pinned values; and the pins are
    written once more, so that they win whatever a rule did. Returns the
    instance.

    :raises GenerationError: when a path does not fit the instance.
    """
    paths = sorted(pins, key=lambda path: path.count("."))
    for path in paths:
        _pin(compiler, root, instance, path, pins[path])

    frozen = frozenset(paths)
    containers = _containers(compiler, root, instance, paths)
    for prefix, container, generator in reversed(containers):
        node = compiler.node_of(generator, "object")
        if node is None or node.facts is None or not isinstance(container, dict):
            continue
        relative = frozenset(
            path[len(prefix) :] for path in frozen if path.startswith(prefix)
        )
        edit = consistency.Edit(container, node.facts, compiler.rng, relative)
        consistency.apply_rules(node.rules, edit)

    for path in paths:
        _pin(compiler, root, instance, path, pins[path])
    return instance


def _steps(path: str) -> list[str]:
    if not path:
        raise GenerationError("cannot pin the empty path", schema_path=(path,))
    return path.split(".")


def _pin(compiler: Compiler, root: Gen, instance: JSON, path: str, value: JSON) -> None:
    steps = _steps(path)
    container: JSON = instance
    generator: Gen | None = root
    for depth, step in enumerate(steps):
        child_generator = _child_generator(compiler, generator, container, step)
        if depth == len(steps) - 1:
            _store(container, step, copy.deepcopy(value), path)
            return
        child = _load(container, step, path)
        if not isinstance(child, dict | list):
            child = _materialize(compiler, child_generator, path)
            _store(container, step, child, path)
        container, generator = child, child_generator


def _child_generator(
    compiler: Compiler, generator: Gen | None, container: JSON, step: str
) -> Gen | None:
    kind = "array" if isinstance(container, list) else "object"
    node = compiler.node_of(generator, kind)
    return None if node is None else compiler.child_generator(node, step)


def _load(container: JSON, step: str, path: str) -> JSON:
    if isinstance(container, dict):
        return container.get(step)
    if isinstance(container, list) and step.isdigit() and int(step) < len(container):
        return container[int(step)]
    raise GenerationError(
        f"cannot pin {path!r}: no element {step!r} in {container!r}",
        schema_path=(path,),
    )


def _store(container: JSON, step: str, value: JSON, path: str) -> None:
    if isinstance(container, dict):
        container[step] = value
        return
    if isinstance(container, list) and step.isdigit() and int(step) < len(container):
        container[int(step)] = value
        return
    raise GenerationError(
        f"cannot pin {path!r}: {step!r} does not name a field or an existing item",
        schema_path=(path,),
    )


def _materialize(compiler: Compiler, generator: Gen | None, path: str) -> JSON:
    for kind in ("object", "array"):
        node = compiler.node_of(generator, kind)
        if node is not None and node.generator is not None:
            return node.generator()
    if generator is None:
        return {}
    raise GenerationError(
        f"cannot pin {path!r}: the schema there is not an object or array",
        schema_path=(path,),
    )


def _containers(
    compiler: Compiler, root: Gen, instance: JSON, paths: list[str]
) -> list[tuple[str, JSON, Gen | None]]:
    found: dict[str, tuple[str, JSON, Gen | None]] = {"": ("", instance, root)}
    for path in paths:
        container: JSON = instance
        generator: Gen | None = root
        prefix = ""
        for step in _steps(path)[:-1]:
            generator = _child_generator(compiler, generator, container, step)
            container = _load(container, step, path)
            prefix = f"{prefix}{step}."
            found.setdefault(prefix, (prefix, container, generator))
    return sorted(found.values(), key=lambda entry: entry[0].count("."))


__all__ = ["apply_pins"]
