"""Generated answers parse with the models the real Prefect client uses.

For Prefect 3.9.1 the client is imported here (a test-time dependency); for
Prefect 2.14.16 the instances are handed to the client installed in the
Prefect 2 environment, in a subprocess. ``complete=True`` is how answers are
meant to be generated (a real server sends every field); with optional
fields left out at random, the models still parse wherever the contract
marks exactly the fields the client requires.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from prefect.client.schemas import objects, responses

from mockserver.contracts import ContractSet, upstream
from mockserver.generation import InstanceGenerator

SEEDS = 300
CONTRACTS = Path(__file__).parents[2] / "contracts"


@pytest.fixture(scope="module")
def prefect_2_python() -> Path:
    """The interpreter of a cached Prefect 2.14.16 environment, installed once."""
    pins = upstream.pins_file("2.14.16", CONTRACTS)
    return upstream.install_prefect("2.14.16", pins=pins)


CLIENT_MODELS_391: list[tuple[str, Any]] = [
    ("FlowRunResponse", objects.FlowRun),
    ("DeploymentResponse", responses.DeploymentResponse),
    ("Flow", objects.Flow),
    ("WorkPoolResponse", objects.WorkPool),
    ("WorkQueue", objects.WorkQueue),
    ("WorkerResponse", objects.Worker),
    ("State", objects.State),
    ("StateDetails", objects.StateDetails),
    ("FlowRunPolicy", objects.FlowRunPolicy),
    ("DeploymentSchedule", objects.DeploymentSchedule),
    ("ConcurrencyOptions", objects.ConcurrencyOptions),
    ("OrchestrationResult", responses.OrchestrationResult),
    ("GlobalConcurrencyLimitResponse", responses.GlobalConcurrencyLimitResponse),
]
REQUIRED_BY_CLIENT_ONLY = {"WorkQueue"}
"""Components whose client model requires a field the contract calls optional
(``WorkQueue.work_pool_id``); they parse only when every field is present."""

CLIENT_MODELS_21416 = {
    "FlowRunResponse": "objects.FlowRun",
    "DeploymentResponse": "responses.DeploymentResponse",
    "Flow": "objects.Flow",
    "WorkPoolResponse": "objects.WorkPool",
    "WorkQueue": "objects.WorkQueue",
    "WorkerResponse": "objects.Worker",
    "State": "objects.State",
    "StateDetails": "objects.StateDetails",
    "FlowRunPolicy": "objects.FlowRunPolicy",
    "OrchestrationResult": "responses.OrchestrationResult",
}
_PARSE_WITH_PREFECT_2 = """
import json, sys
from prefect.client.schemas import objects, responses
failures = []
for model, name, seed, instance in json.load(sys.stdin):
    try:
        eval(model).parse_obj(instance)
    except Exception as error:
        failures.append(f"{name} seed={seed}: {error}")
json.dump(failures, sys.stdout)
"""


def _failures(
    contract_set: ContractSet,
    generator: InstanceGenerator,
    name: str,
    model: Any,
    complete: bool,
) -> list[str]:
    schema = contract_set.schema(name)
    failures = []
    for seed in range(SEEDS):
        instance = generator.generate(schema, seed=seed, complete=complete)
        try:
            model.model_validate(instance)
        except ValueError as error:
            failures.append(f"seed={seed}: {error}")
    return failures


@pytest.mark.parametrize(
    ("name", "model"), CLIENT_MODELS_391, ids=[n for n, _ in CLIENT_MODELS_391]
)
def test_complete_answers_parse_with_the_prefect_3_client(
    contracts_391: ContractSet, generator_391: InstanceGenerator, name: str, model: Any
) -> None:
    failures = _failures(contracts_391, generator_391, name, model, complete=True)

    assert not failures, failures[0]


@pytest.mark.parametrize(
    ("name", "model"),
    [(n, m) for n, m in CLIENT_MODELS_391 if n not in REQUIRED_BY_CLIENT_ONLY],
    ids=[n for n, _ in CLIENT_MODELS_391 if n not in REQUIRED_BY_CLIENT_ONLY],
)
def test_answers_missing_optional_fields_parse_with_the_prefect_3_client(
    contracts_391: ContractSet, generator_391: InstanceGenerator, name: str, model: Any
) -> None:
    failures = _failures(contracts_391, generator_391, name, model, complete=False)

    assert not failures, failures[0]


_NOT_REQUIRED = (
    "the 2.14.16 server's own models give FlowRunResponse.flow_id and "
    "WorkPool.default_queue_id defaults, so the contract cannot require them, "
    "while the client does; the real server always sends them, so only an "
    "instance that leaves optional fields out trips over this"
)


@pytest.mark.parametrize(
    "complete",
    [
        pytest.param(True),
        pytest.param(False, marks=pytest.mark.xfail(reason=_NOT_REQUIRED, strict=True)),
    ],
    ids=["complete", "some-optional"],
)
def test_answers_parse_with_the_prefect_2_client(
    contract_sets: dict[str, ContractSet],
    generators: dict[str, InstanceGenerator],
    complete: bool,
    prefect_2_python: Path,
) -> None:
    contract_set, generator = contract_sets["2.14.16"], generators["2.14.16"]
    batch = [
        (
            model,
            name,
            seed,
            generator.generate(contract_set.schema(name), seed=seed, complete=complete),
        )
        for name, model in CLIENT_MODELS_21416.items()
        if complete or name not in REQUIRED_BY_CLIENT_ONLY
        for seed in range(SEEDS)
    ]

    result = subprocess.run(
        [str(prefect_2_python), "-c", _PARSE_WITH_PREFECT_2],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        check=True,
    )

    failures = json.loads(result.stdout)
    assert not failures, f"{len(failures)} failures, first: {failures[0]}"
