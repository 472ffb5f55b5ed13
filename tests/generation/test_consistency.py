"""Related fields of generated Prefect objects agree, and pins always win."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from mockserver.contracts import ContractSet
from mockserver.errors import GenerationError
from mockserver.generation import InstanceGenerator, providers

from .support import strict_validator

SEEDS = range(300)
MODES = {"some-optional": {}, "complete": {"complete": True}}


def _moment(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None


def _runs(
    contract_set: ContractSet, generator: InstanceGenerator, **options: Any
) -> list[dict[str, Any]]:
    schema = contract_set.schema("FlowRunResponse")
    return [generator.generate(schema, seed=seed, **options) for seed in SEEDS]


@pytest.mark.parametrize("options", MODES.values(), ids=MODES.keys())
def test_a_flow_run_mirrors_its_state(
    contracts_391: ContractSet, generator_391: InstanceGenerator, options: Any
) -> None:
    for run in _runs(contracts_391, generator_391, **options):
        state = run.get("state")
        if not isinstance(state, dict):
            continue

        assert run.get("state_id", state["id"]) == state["id"]
        assert run.get("state_type", state["type"]) == state["type"]
        state_name = run.get("state_name", state.get("name"))
        assert state_name == state.get("name", state_name)
        assert state_name in (None, *providers.STATE_NAMES[state["type"]])
        details = state.get("state_details") or {}
        assert details.get("flow_run_id", run["id"]) == run["id"]


def test_a_flow_run_without_a_state_has_no_state_fields(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    stateless = [
        run
        for run in _runs(contracts_391, generator_391, complete=True)
        if run["state"] is None
    ]

    assert stateless
    for run in stateless:
        assert run["state_id"] is run["state_type"] is run["state_name"] is None


@pytest.mark.parametrize("options", MODES.values(), ids=MODES.keys())
def test_a_flow_run_names_its_pool_queue_and_deployment_consistently(
    contracts_391: ContractSet, generator_391: InstanceGenerator, options: Any
) -> None:
    for run in _runs(contracts_391, generator_391, **options):
        for key, companion in (
            ("work_queue_id", "work_queue_name"),
            ("work_pool_id", "work_pool_name"),
        ):
            if key in run and companion in run:
                assert (run[key] is None) == (run[companion] is None)
        if run.get("deployment_id", 0) is None:
            assert run.get("deployment_version") is None


@pytest.mark.parametrize("options", MODES.values(), ids=MODES.keys())
def test_a_flow_run_timeline_fits_its_state(
    contracts_391: ContractSet, generator_391: InstanceGenerator, options: Any
) -> None:
    for run in _runs(contracts_391, generator_391, **options):
        kind = run.get("state_type")
        start, end = _moment(run.get("start_time")), _moment(run.get("end_time"))
        created, updated = _moment(run.get("created")), _moment(run.get("updated"))

        if created and updated:
            assert created <= updated
        if start and end:
            assert start <= end
        if kind in ("SCHEDULED", "PENDING"):
            assert start is None
            assert end is None
        if kind in ("RUNNING", "PAUSED", "CANCELLING"):
            assert end is None
        for key in ("total_run_time", "estimated_run_time"):
            assert run.get(key, 0) >= 0


def test_a_scheduled_run_expects_to_start_at_its_scheduled_time(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    checked = 0
    for run in _runs(contracts_391, generator_391, complete=True):
        state = run["state"]
        if run["state_type"] != "SCHEDULED" or state is None:
            continue
        scheduled = state["state_details"]["scheduled_time"]
        if scheduled is None or run["expected_start_time"] is None:
            continue
        checked += 1

        assert run["expected_start_time"] == scheduled
    assert checked > 5


def test_other_states_carry_no_scheduled_time(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("State")
    for seed in SEEDS:
        state = generator_391.generate(schema, seed=seed, complete=True)
        if state["type"] != "SCHEDULED":
            assert state["state_details"]["scheduled_time"] is None


def test_a_deployment_owns_its_schedules_and_describes_its_parameters(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("DeploymentResponse")
    for seed in SEEDS:
        deployment = generator_391.generate(schema, seed=seed, complete=True)

        for schedule in deployment["schedules"]:
            assert schedule["deployment_id"] == deployment["id"]
        described = deployment["parameter_openapi_schema"]
        if described is not None:
            assert set(described["properties"]) == set(deployment["parameters"])


def test_paused_pools_report_the_paused_status(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("WorkPoolResponse")
    for seed in SEEDS:
        instance = generator_391.generate(schema, seed=seed, complete=True)
        if instance["status"] is not None:
            assert (instance["status"] == "PAUSED") == instance["is_paused"]


def test_work_pools_keep_active_slots_under_their_limit(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("WorkPoolResponse")
    for seed in SEEDS:
        pool = generator_391.generate(schema, seed=seed, complete=True)

        assert pool["default_queue_id"] is not None
        if pool["concurrency_limit"] is None:
            assert pool["active_slots"] is None
        elif pool["active_slots"] is not None:
            assert 0 <= pool["active_slots"] <= pool["concurrency_limit"]


PINS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"state.type": "RUNNING"},
        {"state_type": "RUNNING", "end_time": None},
    ),
    (
        {"state_type": "COMPLETED"},
        {"state.type": "COMPLETED"},
    ),
    (
        {"state.name": "Late"},
        {"state.type": "SCHEDULED", "state_type": "SCHEDULED", "state_name": "Late"},
    ),
    (
        {"id": "00000000-0000-4000-8000-000000000001", "state.type": "PENDING"},
        {"state.state_details.flow_run_id": "00000000-0000-4000-8000-000000000001"},
    ),
    (
        {"name": "nightly-backfill", "tags": ["pinned"]},
        {"name": "nightly-backfill", "tags": ["pinned"]},
    ),
    (
        {"state.type": "SCHEDULED", "start_time": "2025-05-01T00:00:00Z"},
        {"start_time": "2025-05-01T00:00:00Z", "state_type": "SCHEDULED"},
    ),
    (
        {"created": "2025-05-31T00:00:00Z"},
        {"created": "2025-05-31T00:00:00Z"},
    ),
]


def _at(instance: Any, path: str) -> Any:
    for step in path.split("."):
        instance = instance[int(step)] if isinstance(instance, list) else instance[step]
    return instance


@pytest.mark.parametrize(
    ("pinned", "expected"), PINS, ids=[", ".join(pins) for pins, _ in PINS]
)
def test_pinned_values_win_and_related_fields_follow(
    contracts_391: ContractSet,
    generator_391: InstanceGenerator,
    pinned: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    schema = contracts_391.schema("FlowRunResponse")
    validator = strict_validator(contracts_391, schema)
    for seed in range(100):
        run = generator_391.generate(schema, seed=seed, complete=True, pinned=pinned)

        assert {path: _at(run, path) for path in expected} == expected
        assert validator.is_valid(run)
        if "created" in pinned and run["updated"] is not None:
            assert _moment(run["created"]) <= _moment(run["updated"])  # type: ignore[operator]


def test_pins_create_the_objects_they_reach_into(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = contracts_391.schema("DeploymentResponse")
    for seed in range(50):
        deployment = generator_391.generate(
            schema,
            seed=seed,
            required_only=True,
            pinned={"global_concurrency_limit.limit": 3, "parameters.limit": 7},
        )

        assert deployment["global_concurrency_limit"]["limit"] == 3
        assert deployment["parameters"]["limit"] == 7
        assert strict_validator(contracts_391, schema).is_valid(deployment)


def test_pins_address_array_items_by_index(
    contracts_391: ContractSet, generator_391: InstanceGenerator
) -> None:
    schema = {"type": "array", "items": contracts_391.schema("FlowRunResponse")}
    runs = generator_391.generate(
        schema, seed=1, pinned={"0.state.type": "FAILED"}, complete=True
    )

    assert runs
    assert runs[0]["state_type"] == "FAILED"


@pytest.mark.parametrize(
    "pinned",
    [{"": 1}, {"name.first": "x"}, {"schedules.99.active": True}],
    ids=["empty-path", "into-a-string", "past-the-end"],
)
def test_pins_that_do_not_fit_the_schema_are_refused(
    contracts_391: ContractSet, generator_391: InstanceGenerator, pinned: Any
) -> None:
    with pytest.raises(GenerationError, match="pin"):
        generator_391.generate(
            contracts_391.schema("DeploymentResponse"), seed=0, pinned=pinned
        )
