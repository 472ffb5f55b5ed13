"""A seed fixes an instance completely; different seeds give different ones."""

from __future__ import annotations

import json
import threading

import pytest

from mockserver.contracts import ContractSet
from mockserver.generation import InstanceGenerator, generate_instance, prefect_faker

SCHEMAS = ["FlowRunResponse", "DeploymentResponse", "WorkPoolResponse", "Flow"]


def _dump(instance: object) -> bytes:
    return json.dumps(instance).encode()


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_same_seed_gives_byte_identical_instances(
    contracts_391: ContractSet, name: str
) -> None:
    schema = contracts_391.schema(name)
    first = InstanceGenerator(contracts_391.registry)
    second = InstanceGenerator(contracts_391.registry)
    first.generate(schema, seed=99)

    for seed in (0, 1, 12345, -7):
        assert _dump(first.generate(schema, seed=seed)) == _dump(
            second.generate(schema, seed=seed)
        )


@pytest.mark.parametrize("name", SCHEMAS)
def test_different_seeds_give_different_instances(
    contracts_391: ContractSet, generator_391: InstanceGenerator, name: str
) -> None:
    schema = contracts_391.schema(name)

    dumps = {_dump(generator_391.generate(schema, seed=seed)) for seed in range(50)}

    assert len(dumps) == 50


def test_negative_seeds_differ_from_their_absolute_value(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("FlowRunResponse")

    assert generator_391.generate(schema, seed=-3) != generator_391.generate(
        schema, seed=3
    )


def test_a_batch_continues_the_stream_its_first_instance_starts(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("DeploymentResponse")

    batch = generator_391.generate_many(schema, 5, seed=11)

    assert batch[0] == generator_391.generate(schema, seed=11)
    assert batch == generator_391.generate_many(schema, 5, seed=11)
    assert len({_dump(instance) for instance in batch}) == 5


def test_equal_seeds_for_different_schemas_do_not_share_ids(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    run = generator_391.generate(contracts_391.schema("FlowRunResponse"), seed=5)
    deployment = generator_391.generate(
        contracts_391.schema("DeploymentResponse"), seed=5
    )

    assert run["id"] != deployment["id"]


def test_instances_share_no_mutable_values() -> None:
    schema = {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}, "default": []},
            "const": {"const": {"nested": [1]}},
        },
        "required": ["tags", "const"],
    }
    first = [generate_instance(schema, seed=seed) for seed in range(20)]
    for instance in first:
        instance["tags"].append("mutated")
        instance["const"]["nested"].append(2)

    again = [generate_instance(schema, seed=seed) for seed in range(20)]

    assert all("mutated" not in instance["tags"] for instance in again)
    assert all(instance["const"] == {"nested": [1]} for instance in again)


def test_a_self_contained_schema_generates_without_a_registry() -> None:
    schema = {
        "$defs": {"Tag": {"type": "string", "minLength": 2}},
        "type": "array",
        "items": {"$ref": "#/$defs/Tag"},
        "minItems": 1,
    }

    assert generate_instance(schema, seed=4) == generate_instance(schema, seed=4)


def test_the_faker_providers_are_seeded_by_default() -> None:
    def names(faker_seed: int | None) -> list[str]:
        fake = prefect_faker() if faker_seed is None else prefect_faker(faker_seed)
        return [fake.flow_run_name() for _ in range(5)]

    assert names(None) == names(None) == names(0)
    assert names(1) != names(0)


def test_concurrent_generation_gives_what_sequential_generation_gives(
    contracts_391: ContractSet,
) -> None:
    schema = contracts_391.schema("FlowRunResponse")
    shared = InstanceGenerator(contracts_391.registry)
    expected = [
        InstanceGenerator(contracts_391.registry).generate(schema, seed=seed)
        for seed in range(80)
    ]
    results: dict[int, object] = {}

    def work(seeds: range) -> None:
        for seed in seeds:
            results[seed] = shared.generate(schema, seed=seed, pinned={"name": "x"})
            results[seed] = shared.generate(schema, seed=seed)

    threads = [
        threading.Thread(target=work, args=(range(start, 80, 4),)) for start in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [results[seed] for seed in range(80)] == expected
