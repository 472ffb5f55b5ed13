"""Keys come out in the order the real servers write them.

The lists below were read off real 3.9.1 and 2.14.16 answers. The contract
check in :class:`~tests.state.support.Api` also compares every object of
every reply with its schema's property order; the last test shows that
check catches a swap.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.contracts import load_contract_set

from .support import ApiFactory, key_order_problems


def words(text: str) -> list[str]:
    return text.split()


FLOW_RUN_3 = words(
    """
    id created updated name flow_id state_id deployment_id deployment_version
    work_queue_id work_queue_name flow_version parameters idempotency_key context
    empirical_policy tags labels parent_task_run_id state_type state_name run_count
    expected_start_time next_scheduled_start_time start_time end_time total_run_time
    estimated_run_time estimated_start_time_delta auto_scheduled
    infrastructure_document_id infrastructure_pid created_by work_pool_id
    work_pool_name state job_variables
    """
)
FLOW_RUN_2 = [
    k for k in FLOW_RUN_3 if k not in {"deployment_version", "labels", "job_variables"}
]
DEPLOYMENT_3 = words(
    """
    id created updated name version description flow_id paused schedules
    concurrency_limit global_concurrency_limit concurrency_options job_variables
    parameters tags labels work_queue_name work_queue_id last_polled
    parameter_openapi_schema path pull_steps entrypoint storage_document_id
    infrastructure_document_id created_by updated_by work_pool_name status
    enforce_parameter_schema
    """
)
DEPLOYMENT_2 = words(
    """
    id created updated name version description flow_id schedule is_schedule_active
    infra_overrides parameters tags work_queue_name last_polled
    parameter_openapi_schema path pull_steps entrypoint manifest_path
    storage_document_id infrastructure_document_id created_by updated_by
    work_pool_name status enforce_parameter_schema
    """
)


@pytest.mark.parametrize(
    ("version", "deployment_keys", "run_keys"),
    [("3.9.1", DEPLOYMENT_3, FLOW_RUN_3), ("2.14.16", DEPLOYMENT_2, FLOW_RUN_2)],
    ids=["3.9.1", "2.14.16"],
)
def test_deployments_and_runs_have_the_real_key_order(
    make_api: ApiFactory,
    version: str,
    deployment_keys: list[str],
    run_keys: list[str],
) -> None:
    api = make_api(version)
    deployment = api.deployment()

    run = api.run(deployment["id"])

    assert list(deployment) == deployment_keys
    assert list(run) == run_keys


def test_the_order_check_catches_a_swap() -> None:
    contracts = load_contract_set("3.9.1")
    flow: dict[str, Any] = {
        "id": "e3e70682-c209-4cac-a29f-6fbed82c07cd",
        "created": "2024-01-22T03:51:26.507659Z",
        "name": "etl",
        "updated": "2024-01-22T03:51:26.507659Z",
        "tags": [],
        "labels": {},
    }

    problems = key_order_problems(
        flow, contracts.schema("Flow"), contracts.registry.resolver()
    )

    assert problems == [
        "$: ['id', 'created', 'name', 'updated', 'tags', 'labels'] instead of"
        " ['id', 'created', 'updated', 'name', 'tags', 'labels']"
    ]
