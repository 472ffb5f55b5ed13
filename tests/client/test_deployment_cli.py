"""The ``prefect deployment`` commands of Prefect 3.9.1 against the mock server.

Each test sets up through the client, runs one command in a child process
(two to three seconds each) and checks what it changed through the client.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.responses import DeploymentResponse
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.exceptions import ObjectNotFound

from .support import Prefect

CRON = CronSchedule(cron="0 0 * * *")
# What ``Flow.deploy`` sends for ``def hello(x: int = 1, y: str = "a")``;
# the CLI refuses parameters a deployment's schema does not name.
PARAMETER_SCHEMA = {
    "title": "Parameters",
    "type": "object",
    "properties": {
        "x": {"default": 1, "position": 0, "title": "x", "type": "integer"},
        "y": {"default": "a", "position": 1, "title": "y", "type": "string"},
    },
}
HOURLY = IntervalSchedule(interval=timedelta(hours=1))


@pytest.fixture
def deployment(prefect: Prefect, flow_name: str) -> DeploymentResponse:
    return prefect.deployment(
        flow_name,
        "nightly",
        parameters={"x": 1, "y": "a"},
        tags=["team"],
        parameter_openapi_schema=PARAMETER_SCHEMA,
    )


@pytest.fixture
def full_name(flow_name: str) -> str:
    """How the CLI names the deployment: ``FLOW/DEPLOYMENT``."""
    return f"{flow_name}/nightly"


def test_ls_lists_the_deployments_of_a_flow(
    prefect: Prefect, deployment: DeploymentResponse, flow_name: str
) -> None:
    second = prefect.deployment(flow_name, "hourly")

    listed = prefect.cli_json("deployment", "ls", flow_name)

    assert [(d["id"], d["name"]) for d in listed] == [
        (str(second.id), "hourly"),
        (str(deployment.id), "nightly"),
    ]
    assert listed[1]["parameters"] == {"x": 1, "y": "a"}


def test_inspect_shows_the_deployment(
    prefect: Prefect, deployment: DeploymentResponse, full_name: str
) -> None:
    shown = prefect.cli_json("deployment", "inspect", full_name)

    assert shown["id"] == str(deployment.id)
    assert shown["flow_id"] == str(deployment.flow_id)
    assert (shown["name"], shown["tags"]) == ("nightly", ["team"])
    assert shown["parameters"] == {"x": 1, "y": "a"}


def test_run_creates_a_scheduled_run_with_the_given_parameter(
    prefect: Prefect, deployment: DeploymentResponse, full_name: str
) -> None:
    output = prefect.cli(
        "deployment", "run", full_name, "--param", "x=3", "--tag", "adhoc"
    )

    with prefect.client() as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])
            )
        )
    assert len(runs) == 1
    run = runs[0]
    assert str(run.id) in output
    assert run.parameters == {"x": 3, "y": "a"}
    assert set(run.tags) == {"team", "adhoc"}
    assert run.state_type == StateType.SCHEDULED
    assert run.job_variables == {}


def test_delete_removes_the_deployment(
    prefect: Prefect, deployment: DeploymentResponse, full_name: str
) -> None:
    prefect.cli("deployment", "delete", full_name, "--no-prompt")

    with prefect.client() as client, pytest.raises(ObjectNotFound):
        client.read_deployment(deployment.id)


def test_schedule_create_adds_an_active_cron_schedule(
    prefect: Prefect, deployment: DeploymentResponse, full_name: str
) -> None:
    prefect.cli("deployment", "schedule", "create", full_name, "--cron", "0 0 * * *")

    with prefect.client() as client:
        [schedule] = client.read_deployment_schedules(deployment.id)
    assert isinstance(schedule.schedule, CronSchedule)
    assert (schedule.schedule.cron, schedule.active) == ("0 0 * * *", True)


def test_schedule_ls_lists_every_schedule(
    prefect: Prefect, deployment: DeploymentResponse, full_name: str
) -> None:
    with prefect.client() as client:
        created = client.create_deployment_schedules(
            deployment.id, [(CRON, True), (HOURLY, False)]
        )

    listed = prefect.cli_json("deployment", "schedule", "ls", full_name)

    assert {(s["id"], s["active"]) for s in listed} == {
        (str(created[0].id), True),
        (str(created[1].id), False),
    }
    assert {s["schedule"] for s in listed} == {"cron: 0 0 * * *", "interval: 1:00:00s"}


@pytest.mark.parametrize(
    ("command", "before", "after"),
    [("pause", True, False), ("resume", False, True)],
    ids=["pause", "resume"],
)
def test_schedule_pause_and_resume_switch_one_schedule(
    prefect: Prefect,
    deployment: DeploymentResponse,
    full_name: str,
    command: str,
    before: bool,
    after: bool,
) -> None:
    with prefect.client() as client:
        target, other = client.create_deployment_schedules(
            deployment.id, [(CRON, before), (HOURLY, before)]
        )

    prefect.cli("deployment", "schedule", command, full_name, str(target.id))

    with prefect.client() as client:
        active = {
            s.id: s.active for s in client.read_deployment_schedules(deployment.id)
        }
    assert active == {target.id: after, other.id: before}


def test_schedule_delete_removes_one_schedule(
    prefect: Prefect, deployment: DeploymentResponse, full_name: str
) -> None:
    with prefect.client() as client:
        doomed, kept = client.create_deployment_schedules(
            deployment.id, [(CRON, True), (HOURLY, True)]
        )

    prefect.cli("deployment", "schedule", "delete", full_name, str(doomed.id), "-y")

    with prefect.client() as client:
        remaining = client.read_deployment_schedules(deployment.id)
    assert [s.id for s in remaining] == [kept.id]


def test_schedule_clear_removes_every_schedule(
    prefect: Prefect, deployment: DeploymentResponse, full_name: str
) -> None:
    with prefect.client() as client:
        client.create_deployment_schedules(
            deployment.id, [(CRON, True), (HOURLY, False)]
        )

    prefect.cli("deployment", "schedule", "clear", full_name, "-y")

    with prefect.client() as client:
        assert client.read_deployment_schedules(deployment.id) == []
        assert client.read_deployment(deployment.id).schedules == []
