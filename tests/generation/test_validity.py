"""Every generated instance validates against its schema, for every seed.

Covered: each component reachable from the operations around deployments,
flows, flow runs and work pools, and each of those operations' request and
response bodies, in both contract sets, in all three presence modes. The
check is jsonschema's draft 2020-12 validator with its own (strict) format
checks, date-time included.
"""

from __future__ import annotations

import pytest

from mockserver.contracts import ContractSet, load_contract_set
from mockserver.generation import InstanceGenerator

from .support import VERSIONS, body_schemas, reachable_components, strict_validator

MODES = {
    "some-optional": {},
    "required-only": {"required_only": True},
    "complete": {"complete": True},
}
SEEDS_PER_MODE = {"some-optional": 200, "required-only": 60, "complete": 60}

COMPONENTS = [
    (version, name)
    for version in VERSIONS
    for name in reachable_components(load_contract_set(version))
]
BODIES = [
    (version, name)
    for version in VERSIONS
    for name in body_schemas(load_contract_set(version))
]


def _invalid(
    contract_set: ContractSet, generator: InstanceGenerator, name: str, seeds: int
) -> list[str]:
    schema = contract_set.schema(name)
    validator = strict_validator(contract_set, schema)
    problems = []
    for mode, options in MODES.items():
        for seed in range(min(seeds, SEEDS_PER_MODE[mode])):
            instance = generator.generate(schema, seed=seed, **options)
            for error in validator.iter_errors(instance):
                path = "/".join(map(str, error.absolute_path))
                problems.append(f"{mode} seed={seed} at {path!r}: {error.message}")
    return problems


@pytest.mark.parametrize(
    ("version", "name"), COMPONENTS, ids=[f"{v}-{n}" for v, n in COMPONENTS]
)
def test_component_instances_validate(
    contract_sets: dict[str, ContractSet],
    generators: dict[str, InstanceGenerator],
    version: str,
    name: str,
) -> None:
    problems = _invalid(contract_sets[version], generators[version], name, 200)

    assert not problems, "\n".join(problems[:5])


@pytest.mark.parametrize(
    ("version", "name"), BODIES, ids=[f"{v}-{n}" for v, n in BODIES]
)
def test_operation_body_instances_validate(
    contract_sets: dict[str, ContractSet],
    generators: dict[str, InstanceGenerator],
    version: str,
    name: str,
) -> None:
    problems = _invalid(contract_sets[version], generators[version], name, 30)

    assert not problems, "\n".join(problems[:5])
