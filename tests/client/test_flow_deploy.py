"""``Flow.from_source(...).deploy(...)`` against the mock server.

A deploy reads the work pool, looks the deployment up by name, then creates
the flow and the deployment; a second deploy of the same name updates the
deployment in place.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect import Flow
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import FlowFilter, FlowFilterName

from .support import Prefect, unique_name


@pytest.fixture
def process_pool(prefect: Prefect, request: pytest.FixtureRequest) -> str:
    """A process work pool of this test's own, created through the client."""
    name = unique_name(request.node.nodeid, "pool")
    with prefect.client() as client:
        client.create_work_pool(WorkPoolCreate(name=name, type="process"))
    return name


def deploy(
    prefect: Prefect, source: Path, pool: str, parameters: dict[str, int], tag: str
) -> str:
    with prefect.settings():
        flow = Flow.from_source(source=str(source), entrypoint="flow.py:hello")
        deployment_id = flow.deploy(
            name="from-source",
            work_pool_name=pool,
            parameters=parameters,
            tags=[tag],
            print_next_steps=False,
        )
    return str(deployment_id)


def test_a_deployed_flow_has_the_fields_it_was_deployed_with(
    prefect: Prefect, flow_source: Path, flow_name: str, process_pool: str
) -> None:
    deployment_id = deploy(prefect, flow_source, process_pool, {"x": 2}, "first")

    with prefect.client() as client:
        deployment = client.read_deployment_by_name(f"{flow_name}/from-source")
        flow = client.read_flow(deployment.flow_id)

    assert str(deployment.id) == deployment_id
    assert flow.name == flow_name
    assert deployment.name == "from-source"
    assert (deployment.parameters, deployment.tags) == ({"x": 2}, ["first"])
    assert deployment.work_pool_name == process_pool
    # A deployment given only a pool lands on the pool's default queue.
    assert deployment.work_queue_name == "default"
    assert deployment.entrypoint == "flow.py:hello"
    assert deployment.enforce_parameter_schema is True
    assert set(deployment.parameter_openapi_schema["properties"]) == {"x", "y"}
    assert deployment.pull_steps == [
        {
            "prefect.deployments.steps.set_working_directory": {
                "directory": str(flow_source)
            }
        }
    ]


def test_deploying_again_updates_the_same_deployment(
    prefect: Prefect, flow_source: Path, flow_name: str, process_pool: str
) -> None:
    first_id = deploy(prefect, flow_source, process_pool, {"x": 2}, "first")
    second_id = deploy(prefect, flow_source, process_pool, {"x": 9}, "second")

    with prefect.client() as client:
        deployment = client.read_deployment(first_id)
        of_the_flow = client.read_deployments(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name]))
        )

    assert second_id == first_id
    assert (deployment.parameters, deployment.tags) == ({"x": 9}, ["second"])
    assert [str(d.id) for d in of_the_flow] == [first_id]
