"""Fixtures: generated test data, from one schema or as a graph of objects.

:func:`generate` draws instances of any request or response schema of a
contract set, named as :meth:`ContractSet.schema
<mockserver.contracts.ContractSet.schema>` names them::

    runs = generate("FlowRunResponse", count=100, seed=7)
    requests = generate(
        "create_flow_run_from_deployment.request", pinned={"parameters": {"x": 3}}
    )

:func:`flow_graph` builds objects that refer to each other the way a real
server's do: a flow, its deployments and their flow runs (and the work pool
they run in), returned as a :class:`FixtureSet` that a stateful responder,
and the ``prefect_mock`` pytest fixture, preload as they are::

    graph = flow_graph(flow="etl", deployments=["nightly"], runs=3, seed=1)
    prefect_mock.preload(graph)
    run_deployment(graph.full_name(graph.deployments[0]), timeout=0)

Everything is deterministic: the same arguments give byte-for-byte the same
data, in any process.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from mockserver.contracts import ContractSet, load_contract_set
from mockserver.generation import (
    DEFAULT_ANCHOR,
    InstanceGenerator,
    shared_generator,
)
from mockserver.state.fixtures import FIXTURE_KINDS

JSON = Any
Pins = Mapping[str, JSON]
"""Values to force, by dotted path: ``{"name": "nightly", "state.type": "RUNNING"}``."""

FORMATS = ("json", "jsonl")
"""The file formats :func:`write_instances` writes."""

BATCH_SIZE = 1000
"""How many instances :func:`generate_batches` draws from one seeded stream."""

__all__ = [
    "BATCH_SIZE",
    "FORMATS",
    "FixtureSet",
    "Pins",
    "derive_seed",
    "flow_graph",
    "generate",
    "generate_batches",
    "read_fixture_set",
    "write_instances",
]


def generate_batches(
    schema_name: str,
    *,
    count: int = 1,
    seed: int = 0,
    version: str = "3.9.1",
    pinned: Pins | None = None,
    required_only: bool = False,
    batch_size: int = BATCH_SIZE,
) -> Iterator[list[JSON]]:
    """Yield ``count`` instances of a schema, ``batch_size`` at a time.

    The first batch is drawn from ``seed`` itself, so the first instance
    equals :func:`~mockserver.generation.generate_instance` with that seed
    (and ``complete=True`` for an answered schema, as :func:`generate` says);
    each later batch from a seed derived from ``seed`` and its position.
    The instances therefore depend on ``batch_size``, never on how many are
    asked for: the first *k* of ``count=n`` are those of ``count=k``.

    Parameters are those of :func:`generate`.
    """
    if count < 0:
        raise ValueError(f"count must be 0 or more, not {count!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be 1 or more, not {batch_size!r}")
    contracts = load_contract_set(version)
    schema = contracts.schema(schema_name)
    generator = _generator(contracts)

    # A real server sends every field of what it answers.
    complete = not required_only and schema_name in contracts.answered

    for start in range(0, count, batch_size):
        batch_seed = seed if start == 0 else derive_seed(seed, "batch", start)
        yield generator.generate_many(
            schema,
            min(batch_size, count - start),
            seed=batch_seed,
            required_only=required_only,
            complete=complete,
            pinned=pinned,
        )


def generate(
    schema_name: str,
    *,
    count: int = 1,
    seed: int = 0,
    version: str = "3.9.1",
    pinned: Pins | None = None,
    required_only: bool = False,
) -> list[JSON]:
    """Return ``count`` valid instances of a schema of a contract set.

    What a server answers (response bodies and every component they hold,
    see :attr:`ContractSet.answered
    <mockserver.contracts.ContractSet.answered>`) comes with every field, as
    a real server sends it; what only clients send leaves out a random share
    of its optional fields.

    :param schema_name: a component (``FlowRunResponse``), a request body
        (``create_flow_run_from_deployment.request``, or by its endpoint
        ``create_flow_run.request``) or a response body
        (``read_deployment.response.200``).
    :param count: how many instances.
    :param seed: fixes every instance.
    :param version: the Prefect version whose contract set is used.
    :param pinned: values every instance gets, by dotted path; pinned values
        win, and fields related to them follow (see
        :meth:`InstanceGenerator.generate
        <mockserver.generation.InstanceGenerator.generate>`).
    :param required_only: leave out every optional field.
    :raises UnknownVersion: for a version without a contract set.
    :raises UnknownSchema: for a name the contract set does not have.
    :raises GenerationError: when a pinned path does not fit the schema.
    """
    instances: list[JSON] = []
    for batch in generate_batches(
        schema_name,
        count=count,
        seed=seed,
        version=version,
        pinned=pinned,
        required_only=required_only,
    ):
        instances += batch
    return instances


def write_instances(
    batches: Iterable[Sequence[JSON]], stream: BinaryIO, *, format: str = "json"
) -> int:
    """Write instances to a binary stream as UTF-8; return how many were written.

    :param format: ``"json"``, one array with an instance per line, or
        ``"jsonl"``, an instance per line and nothing else. Both are
        byte-for-byte the same for the same instances.
    :raises ValueError: for another format.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {FORMATS}")
    separator = b",\n" if format == "json" else b"\n"

    written = 0
    if format == "json":
        stream.write(b"[\n")
    for batch in batches:
        if not batch:
            continue
        lines = [json.dumps(instance, ensure_ascii=False) for instance in batch]
        if written:
            stream.write(separator)
        stream.write(separator.join(line.encode() for line in lines))
        written += len(batch)
    if written or format == "json":
        stream.write(b"\n]\n" if format == "json" else b"\n")
    return written


def derive_seed(seed: int, *parts: object) -> int:
    """Return a seed for one part of a larger draw, stable across processes."""
    text = "/".join(str(part) for part in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _generator(contracts: ContractSet) -> InstanceGenerator:
    return shared_generator(contracts.registry)


@dataclass
class FixtureSet(Mapping[str, list[dict[str, JSON]]]):
    """Objects to preload, by kind, as a real server would answer them.

    A mapping from ``flows``, ``work_pools``, ``deployments`` and
    ``flow_runs`` to lists of response bodies, which is what
    :meth:`StatefulResponder.preload
    <mockserver.state.StatefulResponder.preload>` and the ``prefect_mock``
    fixture take. Sets add up with ``+``.
    """

    flows: list[dict[str, JSON]] = field(default_factory=list)
    work_pools: list[dict[str, JSON]] = field(default_factory=list)
    deployments: list[dict[str, JSON]] = field(default_factory=list)
    flow_runs: list[dict[str, JSON]] = field(default_factory=list)

    def __getitem__(self, kind: str) -> list[dict[str, JSON]]:
        if kind not in FIXTURE_KINDS:
            raise KeyError(kind)
        objects: list[dict[str, JSON]] = getattr(self, kind)
        return objects

    def __iter__(self) -> Iterator[str]:
        return iter(FIXTURE_KINDS)

    def __len__(self) -> int:
        return len(FIXTURE_KINDS)

    def __add__(self, other: FixtureSet) -> FixtureSet:
        return FixtureSet(**{kind: self[kind] + other[kind] for kind in self})

    def full_name(self, deployment: Mapping[str, JSON]) -> str:
        """Return ``"flow-name/deployment-name"``, how clients name a deployment.

        :raises KeyError: when the deployment's flow is not in the set.
        """
        for flow in self.flows:
            if flow["id"] == deployment["flow_id"]:
                return f"{flow['name']}/{deployment['name']}"
        raise KeyError(f"no flow {deployment['flow_id']!r} in the fixture set")

    def to_json(self) -> str:
        """Return the set as the JSON document :func:`read_fixture_set` reads."""
        return json.dumps(dict(self), indent=2, ensure_ascii=False) + "\n"

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_json` to ``path`` and return the path."""
        target = Path(path)
        target.write_text(self.to_json(), encoding="utf-8")
        return target


def read_fixture_set(path: str | os.PathLike[str]) -> FixtureSet:
    """Read a fixture file: a JSON object of lists under some of the kinds.

    :raises OSError: when the file cannot be read.
    :raises ValueError: when it is not JSON, not an object of lists, or names
        a kind other than ``flows``, ``work_pools``, ``deployments`` and
        ``flow_runs``.
    """
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"fixture file {str(path)!r} does not hold a JSON object")
    unknown = sorted(set(document) - set(FIXTURE_KINDS))
    if unknown:
        raise ValueError(
            f"fixture file {str(path)!r} has unknown kinds {unknown!r}; "
            f"expected some of {FIXTURE_KINDS}"
        )
    for kind, objects in document.items():
        if not isinstance(objects, list):
            raise ValueError(f"{kind!r} in fixture file {str(path)!r} is not a list")
    return FixtureSet(**document)


def flow_graph(
    *,
    seed: int = 0,
    version: str = "3.9.1",
    flow: str | None = None,
    deployments: int | Sequence[str] = 1,
    runs: int = 1,
    parameters: Mapping[str, JSON] | None = None,
    tags: Sequence[str] | None = None,
    state: str | None = None,
    work_pool: str | bool = True,
    flow_fields: Pins | None = None,
    deployment_fields: Pins | None = None,
    run_fields: Pins | None = None,
) -> FixtureSet:
    """Return a flow, its deployments and their runs, all referring to each other.

    Every object is a complete response body of ``version`` (every field a
    real server answers with). The links hold: each deployment's
    ``flow_id`` is the flow's id and its name is unique within the flow;
    each run's ``flow_id``, ``deployment_id``, ``deployment_version``,
    ``parameters``, ``tags`` and work pool and queue are its deployment's,
    as when the server creates a run from a deployment; each object is
    created after the one it belongs to. Deployments accept their own
    parameters: the parameter schema is derived from them.

    :param seed: fixes every object.
    :param version: the Prefect version whose response bodies are made.
    :param flow: the flow's name; generated when omitted.
    :param deployments: how many deployments, or their names.
    :param runs: how many flow runs each deployment has.
    :param parameters: the deployments' default parameters; generated when
        omitted.
    :param tags: the deployments' tags (and so their runs'); generated when
        omitted.
    :param state: the state type of every run (``"COMPLETED"``); generated
        when omitted.
    :param work_pool: the name of the work pool the deployments run in,
        ``True`` for a generated name, ``False`` for no work pool.
    :param flow_fields: more values for the flow, by dotted path.
    :param deployment_fields: more values for every deployment.
    :param run_fields: more values for every run.
    :raises UnknownVersion: for a version without a contract set.
    :raises GenerationError: when a value does not fit its schema.
    """
    builder = _GraphBuilder(load_contract_set(version), seed)
    graph = FixtureSet()
    graph.flows.append(builder.flow(flow, flow_fields))
    pool = builder.work_pool(work_pool)
    if pool is not None:
        graph.work_pools.append(pool)

    names = _deployment_names(deployments)
    for index, name in enumerate(names):
        deployment = builder.deployment(
            index, graph.flows[0], pool, name, parameters, tags, deployment_fields
        )
        _make_name_unique(deployment, graph.deployments)
        graph.deployments.append(deployment)
        for number in range(runs):
            graph.flow_runs.append(
                builder.flow_run(index, number, deployment, pool, state, run_fields)
            )
    return graph


def _deployment_names(deployments: int | Sequence[str]) -> list[str | None]:
    if isinstance(deployments, int):
        if deployments < 0:
            raise ValueError(f"deployments must be 0 or more, not {deployments!r}")
        return [None] * deployments
    return list(deployments)


def _make_name_unique(
    deployment: dict[str, JSON], siblings: Sequence[Mapping[str, JSON]]
) -> None:
    # Prefect refuses two deployments of one flow with the same name.
    taken = {sibling["name"] for sibling in siblings}
    base, suffix = deployment["name"], 2
    while deployment["name"] in taken:
        deployment["name"] = f"{base}-{suffix}"
        suffix += 1


class _GraphBuilder:
    """Draws the objects of one graph, each from its own derived seed."""

    def __init__(self, contracts: ContractSet, seed: int) -> None:
        self.contracts = contracts
        self.seed = seed
        self.generator = _generator(contracts)

    def declared(self, component: str) -> frozenset[str]:
        schema = self.contracts.resolve(self.contracts.schema(component))
        return frozenset(schema.get("properties", {}))

    def draw(self, component: str, pins: Mapping[str, JSON], *parts: object) -> Any:
        # Links are pinned only where this version's schema has the field.
        declared = self.declared(component)
        details = self.declared("StateDetails")
        kept = {
            path: value
            for path, value in pins.items()
            if path.split(".")[0] in declared
            and (
                not path.startswith("state.state_details.")
                or path.rsplit(".", 1)[1] in details
            )
        }
        return self.generator.generate(
            self.contracts.schema(component),
            seed=derive_seed(self.seed, *parts),
            complete=True,
            pinned=kept,
        )

    def flow(self, name: str | None, fields: Pins | None) -> dict[str, JSON]:
        # Generated times reach some 90 days back from the generator's anchor;
        # the graph starts before that, so each object can be created after
        # the one it belongs to and before anything happens to it.
        offset = derive_seed(self.seed, "created") % (30 * 24 * 3600 * 10**6)
        created = DEFAULT_ANCHOR - timedelta(days=130, microseconds=-offset)
        pins: dict[str, JSON] = {
            "id": _uuid(self.seed, "flow"),
            "created": _stamp(created),
        }
        if name is not None:
            pins["name"] = name
        result: dict[str, JSON] = self.draw("Flow", {**pins, **(fields or {})}, "flow")
        return result

    def work_pool(self, name: str | bool) -> dict[str, JSON] | None:
        if name is False:
            return None
        pins: dict[str, JSON] = {
            "id": _uuid(self.seed, "work_pool"),
            "is_paused": False,
            # Deployments name this queue; loading the pool creates it.
            "default_queue_id": _uuid(self.seed, "work_queue"),
        }
        if name is not True:
            pins["name"] = name
        pool: dict[str, JSON] = self.draw("WorkPoolResponse", pins, "work_pool")
        return pool

    def deployment(
        self,
        index: int,
        flow: Mapping[str, JSON],
        pool: Mapping[str, JSON] | None,
        name: str | None,
        parameters: Mapping[str, JSON] | None,
        tags: Sequence[str] | None,
        fields: Pins | None,
    ) -> dict[str, JSON]:
        pins: dict[str, JSON] = {
            "id": _uuid(self.seed, "deployment", index),
            "flow_id": flow["id"],
            "created": _later(flow["created"], hours=index + 1),
            "paused": False,
            "is_schedule_active": True,
            "work_pool_name": pool["name"] if pool else None,
            "work_queue_name": "default",
            "work_queue_id": pool.get("default_queue_id") if pool else None,
            # Links to objects outside the graph would dangle.
            "global_concurrency_limit": None,
            "concurrency_limit": None,
            "storage_document_id": None,
            "infrastructure_document_id": None,
        }
        if name is not None:
            pins["name"] = name
        if tags is not None:
            pins["tags"] = list(tags)
        if parameters is not None:
            pins["parameters"] = dict(parameters)
        pins.update(fields or {})

        first = self.draw("DeploymentResponse", pins, "deployment", index)
        pins["parameters"] = first.get("parameters") or {}
        pins["tags"] = first.get("tags") or []
        pins["parameter_openapi_schema"] = _parameter_schema(pins["parameters"])
        pins.update(fields or {})
        result: dict[str, JSON] = self.draw(
            "DeploymentResponse", pins, "deployment", index
        )
        return result

    def flow_run(
        self,
        index: int,
        number: int,
        deployment: Mapping[str, JSON],
        pool: Mapping[str, JSON] | None,
        state: str | None,
        fields: Pins | None,
    ) -> dict[str, JSON]:
        pins: dict[str, JSON] = {
            "id": _uuid(self.seed, "flow_run", index, number),
            "flow_id": deployment["flow_id"],
            "deployment_id": deployment["id"],
            "deployment_version": deployment.get("version"),
            "parameters": deployment.get("parameters") or {},
            "tags": deployment.get("tags") or [],
            "work_queue_name": deployment.get("work_queue_name"),
            "work_queue_id": deployment.get("work_queue_id"),
            "work_pool_name": pool["name"] if pool else None,
            "work_pool_id": pool["id"] if pool else None,
            "parent_task_run_id": None,
            "infrastructure_document_id": None,
            "idempotency_key": None,
            "state.state_details.task_run_id": None,
            "state.state_details.child_flow_run_id": None,
            "state.state_details.deployment_concurrency_lease_id": None,
        }
        if state is not None:
            pins["state.type"] = state
        pins.update(fields or {})

        first = self.draw("FlowRunResponse", pins, "flow_run", index, number)
        if "created" not in (fields or {}):
            pins["created"] = _created_before(first, deployment["created"])
        result: dict[str, JSON] = self.draw(
            "FlowRunResponse", pins, "flow_run", index, number
        )
        return result


def _uuid(seed: int, *parts: object) -> str:
    text = "/".join(str(part) for part in (seed, *parts))
    digest = hashlib.sha256(text.encode()).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=4))


_RUN_INSTANTS = (
    "created",
    "updated",
    "expected_start_time",
    "next_scheduled_start_time",
    "start_time",
    "end_time",
)


def _created_before(run: Mapping[str, JSON], floor: str | None) -> str | None:
    # A run is created a little before anything happens to it, and after
    # its deployment.
    state = run.get("state") or {}
    details = state.get("state_details") or {}
    found = [run.get(key) for key in _RUN_INSTANTS]
    found += [state.get("timestamp"), details.get("scheduled_time")]
    instants = [datetime.fromisoformat(v) for v in found if isinstance(v, str)]
    if not instants:
        return _later(floor, minutes=1)
    created = min(instants) - timedelta(seconds=1)
    if floor is not None:
        created = max(created, datetime.fromisoformat(floor))
    return _stamp(created)


def _later(instant: str | None, **delta: float) -> str | None:
    if instant is None:
        return None
    return _stamp(datetime.fromisoformat(instant) + timedelta(**delta))


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


_JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _parameter_schema(parameters: Mapping[str, JSON]) -> dict[str, JSON]:
    # What Prefect derives from a flow function whose parameters all have
    # these values as defaults: typed, titled, none required.
    properties = {}
    for position, (name, value) in enumerate(parameters.items()):
        kind = next((t for python, t in _JSON_TYPES if isinstance(value, python)), None)
        prop: dict[str, JSON] = {"title": name.replace("_", " ").title()}
        if kind is not None:
            prop["type"] = kind
        prop["default"] = value
        prop["position"] = position
        properties[name] = prop
    return {
        "title": "Parameters",
        "type": "object",
        "properties": properties,
        "definitions": {},
    }
