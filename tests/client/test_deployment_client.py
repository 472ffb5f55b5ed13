"""The Prefect 3.9.1 client's deployment methods against the mock server.

Each test creates what it needs through the client and checks the outcome
with a follow-up read, as a user of a real server would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prefect.client.schemas.actions import DeploymentUpdate
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    DeploymentFilterTags,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.exceptions import ObjectNotFound
from prefect.states import Scheduled

from .support import Prefect

MISSING_ID = "00000000-0000-0000-0000-000000000000"


def test_a_run_merges_parameters_and_unites_tags(
    prefect: Prefect, flow_name: str
) -> None:
    deployment = prefect.deployment(
        flow_name, "nightly", parameters={"x": 1, "y": "a"}, tags=["team", "etl"]
    )

    with prefect.client() as client:
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"y": "b"}, tags=["etl", "adhoc"]
        )
        read = client.read_flow_run(run.id)

    assert run.parameters == {"x": 1, "y": "b"}
    assert set(run.tags) == {"team", "etl", "adhoc"}
    assert len(run.tags) == 3
    assert (run.deployment_id, run.flow_id) == (deployment.id, deployment.flow_id)
    assert run.state_type == StateType.SCHEDULED
    assert (read.parameters, set(read.tags)) == (run.parameters, set(run.tags))


def test_an_idempotency_key_gives_back_the_same_run(
    prefect: Prefect, flow_name: str
) -> None:
    deployment = prefect.deployment(flow_name, "nightly")

    with prefect.client() as client:
        first = client.create_flow_run_from_deployment(
            deployment.id, idempotency_key="once", parameters={"x": 1}
        )
        again = client.create_flow_run_from_deployment(
            deployment.id, idempotency_key="once", parameters={"x": 2}
        )
        other = client.create_flow_run_from_deployment(
            deployment.id, idempotency_key="twice"
        )
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])
            )
        )

    assert again.id == first.id
    assert again.parameters == {"x": 1}
    assert other.id != first.id
    assert {run.id for run in runs} == {first.id, other.id}


def test_a_deployment_reads_the_same_by_id_and_by_name(
    prefect: Prefect, flow_name: str
) -> None:
    created = prefect.deployment(
        flow_name, "nightly", parameters={"x": 3}, tags=["team"], version="1.0"
    )

    with prefect.client() as client:
        by_id = client.read_deployment(created.id)
        by_name = client.read_deployment_by_name(f"{flow_name}/nightly")

    assert by_id == by_name
    assert (by_id.name, by_id.flow_id) == ("nightly", created.flow_id)
    assert (by_id.parameters, by_id.tags, by_id.version) == ({"x": 3}, ["team"], "1.0")


@pytest.mark.parametrize(
    ("read", "argument"),
    [
        ("read_deployment_by_name", "{flow}/missing"),
        ("read_deployment_by_name", "no-such-flow/nightly"),
        ("read_deployment", MISSING_ID),
        ("delete_deployment", MISSING_ID),
        ("read_deployment_schedules", MISSING_ID),
    ],
    ids=["missing-name", "missing-flow", "missing-id", "delete", "schedules"],
)
def test_a_missing_deployment_raises_object_not_found(
    prefect: Prefect, flow_name: str, read: str, argument: str
) -> None:
    prefect.deployment(flow_name, "nightly")

    with prefect.client() as client, pytest.raises(ObjectNotFound):
        getattr(client, read)(argument.format(flow=flow_name))


class Catalogue:
    """Three deployments of two flows, told apart by name, tag and pause."""

    def __init__(self, prefect: Prefect, flow_name: str) -> None:
        self.flows = {"first": f"{flow_name}-a", "second": f"{flow_name}-b"}
        self.tags = {tag: f"{tag}-{flow_name}" for tag in ("shared", "red", "blue")}
        self.names = {
            name: f"{name}-{flow_name}" for name in ("alpha", "beta", "gamma")
        }
        tags = self.tags
        self.alpha = prefect.deployment(
            self.flows["first"], self.names["alpha"], tags=[tags["shared"], tags["red"]]
        )
        self.beta = prefect.deployment(
            self.flows["first"], self.names["beta"], tags=[tags["shared"], tags["blue"]]
        )
        self.gamma = prefect.deployment(
            self.flows["second"], self.names["gamma"], tags=[tags["red"]]
        )
        with prefect.client() as client:
            client.pause_deployment(self.beta.id)


FILTERS: list[tuple[str, Any, set[str]]] = [
    (
        "name",
        lambda c: {
            "deployment_filter": DeploymentFilter(
                name=DeploymentFilterName(any_=[c.names["alpha"], c.names["gamma"]])
            )
        },
        {"alpha", "gamma"},
    ),
    (
        "name-like",
        lambda c: {
            "deployment_filter": DeploymentFilter(
                name=DeploymentFilterName(like_=c.names["beta"].upper())
            )
        },
        {"beta"},
    ),
    (
        "all-tags",
        lambda c: {
            "deployment_filter": DeploymentFilter(
                tags=DeploymentFilterTags(all_=[c.tags["shared"], c.tags["red"]])
            )
        },
        {"alpha"},
    ),
    (
        "any-tag",
        lambda c: {
            "deployment_filter": DeploymentFilter(
                tags=DeploymentFilterTags(any_=[c.tags["red"], c.tags["blue"]])
            )
        },
        {"alpha", "beta", "gamma"},
    ),
    (
        "flow-name",
        lambda c: {
            "flow_filter": FlowFilter(name=FlowFilterName(any_=[c.flows["first"]]))
        },
        {"alpha", "beta"},
    ),
]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [(criteria, expected) for _, criteria, expected in FILTERS],
    ids=[name for name, _, _ in FILTERS],
)
def test_read_deployments_keeps_what_the_filters_match(
    prefect: Prefect, flow_name: str, criteria: Any, expected: set[str]
) -> None:
    catalogue = Catalogue(prefect, flow_name)

    with prefect.client() as client:
        found = client.read_deployments(**criteria(catalogue))

    assert {d.name for d in found} == {catalogue.names[n] for n in expected}


@pytest.mark.parametrize(
    ("paused", "expected"),
    [(True, {"beta"}), (False, {"alpha", "gamma"})],
    ids=["paused", "not-paused"],
)
def test_read_deployments_filters_on_paused(
    prefect: Prefect, flow_name: str, paused: bool, expected: set[str]
) -> None:
    catalogue = Catalogue(prefect, flow_name)
    # The 3.9.1 client's DeploymentFilter has no ``paused`` field, though the
    # server's has: send the body the API documents.
    body = {
        "deployments": {"paused": {"eq_": paused}},
        "flows": {"name": {"any_": list(catalogue.flows.values())}},
    }

    with prefect.client() as client:
        response = client.request("POST", "/deployments/filter", json=body)

    assert response.status_code == 200
    names = {d["name"] for d in response.json()}
    assert names == {catalogue.names[n] for n in expected}


def test_update_deployment_changes_what_a_read_shows(
    prefect: Prefect, flow_name: str
) -> None:
    deployment = prefect.deployment(
        flow_name, "nightly", parameters={"x": 1}, tags=["old"], description="before"
    )
    change = DeploymentUpdate(
        description="after", parameters={"x": 2, "y": "z"}, tags=["new"], version="2"
    )

    with prefect.client() as client:
        client.update_deployment(deployment.id, change)
        read = client.read_deployment(deployment.id)

    assert (read.description, read.version) == ("after", "2")
    assert (read.parameters, read.tags) == ({"x": 2, "y": "z"}, ["new"])
    assert (read.id, read.name, read.flow_id) == (
        deployment.id,
        "nightly",
        deployment.flow_id,
    )
    assert read.updated is not None
    assert deployment.updated is not None
    assert read.updated >= deployment.updated


def test_pause_and_resume_show_in_the_deployment(
    prefect: Prefect, flow_name: str
) -> None:
    deployment = prefect.deployment(flow_name, "nightly")

    with prefect.client() as client:
        client.pause_deployment(deployment.id)
        paused = client.read_deployment(deployment.id)
        client.resume_deployment(str(deployment.id))
        resumed = client.read_deployment(deployment.id)

    assert (deployment.paused, paused.paused, resumed.paused) == (False, True, False)


def test_pausing_a_missing_deployment_raises_object_not_found(
    prefect: Prefect,
) -> None:
    with prefect.client() as client, pytest.raises(ObjectNotFound):
        client.pause_deployment(MISSING_ID)


def test_deployment_schedules_are_created_read_updated_and_deleted(
    prefect: Prefect, flow_name: str
) -> None:
    deployment = prefect.deployment(flow_name, "nightly")
    cron = CronSchedule(cron="0 0 * * *", timezone="UTC")
    hourly = IntervalSchedule(interval=timedelta(hours=1))

    with prefect.client() as client:
        created = client.create_deployment_schedules(
            deployment.id, [(cron, True), (hourly, False)]
        )
        read = client.read_deployment_schedules(deployment.id)
        client.update_deployment_schedule(
            deployment.id, created[1].id, active=True, parameters={"x": 5}
        )
        updated = client.read_deployment_schedules(deployment.id)
        client.delete_deployment_schedule(deployment.id, created[0].id)
        remaining = client.read_deployment(deployment.id).schedules

    assert [(s.schedule, s.active) for s in created] == [(cron, True), (hourly, False)]
    assert all(s.deployment_id == deployment.id for s in created)
    assert {s.id for s in read} == {s.id for s in created}
    changed = next(s for s in updated if s.id == created[1].id)
    assert (changed.active, changed.parameters) == (True, {"x": 5})
    assert changed.schedule == hourly
    assert [s.id for s in remaining] == [created[1].id]


def test_deleting_a_missing_schedule_raises_object_not_found(
    prefect: Prefect, flow_name: str
) -> None:
    deployment = prefect.deployment(flow_name, "nightly")

    with prefect.client() as client, pytest.raises(ObjectNotFound):
        client.delete_deployment_schedule(deployment.id, MISSING_ID)


def test_scheduled_runs_due_before_a_time_are_returned_soonest_first(
    prefect: Prefect, flow_name: str
) -> None:
    first = prefect.deployment(flow_name, "first")
    second = prefect.deployment(flow_name, "second")
    now = datetime.now(UTC)

    with prefect.client() as client:

        def schedule(deployment_id: Any, minutes: int) -> Any:
            state = Scheduled(scheduled_time=now + timedelta(minutes=minutes))
            return client.create_flow_run_from_deployment(deployment_id, state=state)

        later = schedule(first.id, 5)
        sooner = schedule(second.id, -5)
        far = schedule(first.id, 600)
        due = client.get_scheduled_flow_runs_for_deployments(
            [first.id, second.id], scheduled_before=now + timedelta(minutes=10)
        )
        everything = client.get_scheduled_flow_runs_for_deployments(
            [first.id, second.id]
        )
        limited = client.get_scheduled_flow_runs_for_deployments([first.id], limit=1)

    assert [run.id for run in due] == [sooner.id, later.id]
    assert [run.id for run in everything] == [sooner.id, later.id, far.id]
    assert [run.id for run in limited] == [later.id]
    assert all(run.state_type == StateType.SCHEDULED for run in everything)


def test_a_deleted_deployment_is_gone(prefect: Prefect, flow_name: str) -> None:
    deployment = prefect.deployment(flow_name, "nightly")

    with prefect.client() as client:
        client.delete_deployment(deployment.id)

        with pytest.raises(ObjectNotFound):
            client.read_deployment(deployment.id)
        with pytest.raises(ObjectNotFound):
            client.read_deployment_by_name(f"{flow_name}/nightly")
        flow = client.read_flow(deployment.flow_id)

    assert flow.name == flow_name
