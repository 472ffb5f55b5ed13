"""Generate instances of JSON Schemas: realistic, valid, reproducible.

An :class:`InstanceGenerator` is bound to one ``referencing`` registry (a
contract set's, typically). Each schema is compiled once into generator
closures (see :mod:`mockserver.generation.compiler`) and cached; generating
an instance then costs a few microseconds per field::

    contract_set = load_contract_set("3.9.1")
    generator = InstanceGenerator(contract_set.registry)
    run = generator.generate(
        contract_set.schema("FlowRunResponse"),
        seed=7,
        complete=True,  # every field, as a real server answers
        pinned={"state.type": "RUNNING"},
    )

Equal seeds give byte-for-byte equal instances. Optional fields are
sometimes absent and nullable ones sometimes ``null``, both decided by the
seed. Related fields of Prefect objects agree (see
:mod:`mockserver.generation.consistency`), and pinned values always win.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from random import Random
from typing import Any

import referencing
import referencing.exceptions
from referencing.jsonschema import DRAFT202012

from mockserver.errors import GenerationError
from mockserver.generation.compiler import PRESENCES, Compiler
from mockserver.generation.drawers import Gen
from mockserver.generation.pins import apply_pins
from mockserver.generation.schemas import Located, join

JSON = Any
Schema = Mapping[str, JSON] | bool | str
"""A schema, or a URI reference to one (``'#/$defs/FlowRunResponse'``)."""

DEFAULT_ANCHOR = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
"""The instant generated date-times cluster around unless told otherwise."""

_CACHE_SIZE = 512
_INLINE_BASE = "https://mockserver.invalid/generation/inline"


class InstanceGenerator:
    """Generate instances of schemas whose references resolve in ``registry``.

    :param registry: where ``$ref`` values are looked up; an empty registry
        when omitted (then schemas must be self-contained).
    :param base_uri: what references in schemas handed in without ``$id``
        are relative to, for example a contract set's components URI.
    :param depth_limit: how often a recursive reference is followed before
        the smallest instance is produced instead.
    :param anchor: the instant date-times are drawn around; a fixed one by
        default, so that output depends on the seed only.

    Generation is thread-safe; calls are serialised on one lock.
    """

    def __init__(
        self,
        registry: referencing.Registry[JSON] | None = None,
        *,
        base_uri: str = "",
        depth_limit: int = 3,
        anchor: datetime = DEFAULT_ANCHOR,
    ) -> None:
        self.registry: referencing.Registry[JSON] = (
            registry if registry is not None else referencing.Registry()
        )
        self.base_uri = base_uri
        self._rng = Random(0)
        self._lock = threading.Lock()
        self._compilers = {
            presence: Compiler(
                self._rng,
                presence=presence,
                depth_limit=depth_limit,
                anchor=anchor.timestamp(),
            )
            for presence in PRESENCES
        }
        self._roots: OrderedDict[tuple[Any, ...], tuple[Schema, Gen, str]] = (
            OrderedDict()
        )
        self._inline_serials = itertools.count(1)

    def generate(
        self,
        schema: Schema,
        *,
        seed: int = 0,
        required_only: bool = False,
        complete: bool = False,
        pinned: Mapping[str, JSON] | None = None,
        base_uri: str | None = None,
    ) -> JSON:
        """Return one instance of ``schema``.

        :param schema: a schema, or a URI reference resolved against
            ``base_uri`` (for example ``'#/$defs/DeploymentResponse'``).
        :param seed: fixes the instance completely.
        :param required_only: leave out every optional property (and keep
            maps and arrays at their minimum size).
        :param complete: include every optional property, as a real server
            does in its answers. Without either flag, each optional
            property is left out now and then.
        :param pinned: values to force, by dotted path (``{'name': 'nightly',
            'state.type': 'RUNNING', 'schedules.0.active': False}``). Pinned
            values are used as given and win over every consistency rule.
        :param base_uri: overrides the generator's ``base_uri`` for this call.
        :raises GenerationError: when the schema cannot be instantiated or a
            pinned path does not fit it.
        :raises ValueError: when both ``required_only`` and ``complete`` are set.
        """
        return self.generate_many(
            schema,
            1,
            seed=seed,
            required_only=required_only,
            complete=complete,
            pinned=pinned,
            base_uri=base_uri,
        )[0]

    def generate_many(
        self,
        schema: Schema,
        count: int,
        *,
        seed: int = 0,
        required_only: bool = False,
        complete: bool = False,
        pinned: Mapping[str, JSON] | None = None,
        base_uri: str | None = None,
    ) -> list[JSON]:
        """Return ``count`` instances of ``schema`` drawn from one seeded stream.

        The first instance equals ``generate(schema, seed=seed)``; the others
        continue the same random stream. Parameters are as for
        :meth:`generate`.
        """
        presence = _presence(required_only, complete)
        compiler = self._compilers[presence]
        root, salt = self._root(schema, presence, base_uri)
        pins = dict(pinned or {})
        with self._lock:
            # The schema's identity joins the seed, so that equal seeds for
            # different schemas do not repeat the same ids and names.
            self._rng.seed(f"{seed}/{salt}")
            compiler.depth[0] = 0
            instances = []
            for index in range(count):
                try:
                    instance = root()
                    if pins:
                        instance = apply_pins(compiler, root, instance, pins)
                except GenerationError as error:
                    raise GenerationError(
                        f"{error} (seed {seed!r}, instance {index})",
                        schema_path=error.schema_path,
                    ) from error
                instances.append(instance)
        return instances

    def compile(
        self,
        schema: Schema,
        *,
        required_only: bool = False,
        complete: bool = False,
        base_uri: str | None = None,
    ) -> Gen:
        """Compile ``schema`` now (it is cached) and return its generator.

        Useful to pay the compilation cost up front. The generator draws from
        this object's random source: call it through :meth:`generate`.

        :raises GenerationError: when the schema cannot be instantiated.
        """
        presence = _presence(required_only, complete)
        return self._root(schema, presence, base_uri)[0]

    def _root(
        self, schema: Schema, presence: str, base_uri: str | None
    ) -> tuple[Gen, str]:
        base = self.base_uri if base_uri is None else base_uri
        if isinstance(schema, Mapping) and set(schema) == {"$ref"}:
            # A bare reference (what ContractSet.schema returns) is as good
            # as its URI, and is often a fresh dict on every call.
            schema = schema["$ref"]
        identity = schema if isinstance(schema, str | bool) else id(schema)
        key = (base, identity, presence)
        with self._lock:
            cached = self._roots.get(key)
            if cached is not None and (
                cached[0] is schema or (isinstance(schema, str) and cached[0] == schema)
            ):
                self._roots.move_to_end(key)
                return cached[1], cached[2]
            generator = self._compilers[presence].compile(self._locate(schema, base))
            salt = _salt(schema, base)
            self._roots[key] = (schema, generator, salt)
            if len(self._roots) > _CACHE_SIZE:
                self._roots.popitem(last=False)
        return generator, salt

    def _locate(self, schema: Schema, base: str) -> Located:
        if isinstance(schema, str):
            anchor = Located({}, self.registry.resolver(base), base)
            return anchor.follow(schema)[1]
        if isinstance(schema, bool):
            return Located(schema, self.registry.resolver(base), base)
        if isinstance(schema.get("$id"), str):
            base = schema["$id"]
        elif base and self._knows(base):
            return Located(schema, self.registry.resolver(base), base)
        else:
            # A fresh URI per schema: compiled references are cached by URI.
            base = f"{_INLINE_BASE}/{next(self._inline_serials)}.json"
        resource = referencing.Resource.from_contents(
            schema, default_specification=DRAFT202012
        )
        registry = self.registry.with_resource(base, resource)
        return Located(schema, registry.resolver(base), base)

    def _knows(self, uri: str) -> bool:
        try:
            self.registry.contents(uri)
        except referencing.exceptions.NoSuchResource:
            return False
        return True


def _presence(required_only: bool, complete: bool) -> str:
    if required_only and complete:
        raise ValueError("required_only and complete exclude each other")
    if required_only:
        return "required"
    return "all" if complete else "some"


def _salt(schema: Schema, base: str) -> str:
    if isinstance(schema, str):
        return join(base, schema)
    text = json.dumps(schema, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_SHARED: OrderedDict[int, tuple[referencing.Registry[JSON], InstanceGenerator]] = (
    OrderedDict()
)
_SHARED_LOCK = threading.Lock()


def shared_generator(
    registry: referencing.Registry[JSON] | None = None,
) -> InstanceGenerator:
    """Return an :class:`InstanceGenerator` for ``registry``, reused across calls.

    A handful of registries are remembered; compiled schemas are kept with
    their generator, so repeated calls do not recompile.
    """
    chosen = registry if registry is not None else referencing.Registry()
    key = id(registry) if registry is not None else 0
    with _SHARED_LOCK:
        known = _SHARED.get(key)
        if known is not None and (registry is None or known[0] is registry):
            _SHARED.move_to_end(key)
            return known[1]
        generator = InstanceGenerator(chosen)
        _SHARED[key] = (chosen, generator)
        if len(_SHARED) > 8:
            _SHARED.popitem(last=False)
    return generator


def generate_instance(
    schema: Schema,
    *,
    registry: referencing.Registry[JSON] | None = None,
    base_uri: str = "",
    seed: int = 0,
    required_only: bool = False,
    complete: bool = False,
    pinned: Mapping[str, JSON] | None = None,
) -> JSON:
    """Return one instance of ``schema``; a shortcut over :class:`InstanceGenerator`.

    Sample: ``generate_instance({"type": "string", "format": "uuid"})`` gives
    a version-4 UUID such as ``'3f2b8c1e-9a4d-4e7f-8b21-5c6d7e8f9a0b'``.

    :raises GenerationError: as :meth:`InstanceGenerator.generate`.
    """
    return shared_generator(registry).generate(
        schema,
        seed=seed,
        required_only=required_only,
        complete=complete,
        pinned=pinned,
        base_uri=base_uri,
    )


__all__ = [
    "DEFAULT_ANCHOR",
    "InstanceGenerator",
    "Schema",
    "generate_instance",
    "shared_generator",
]
