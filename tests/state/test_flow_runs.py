"""Flow runs created from deployments: what they inherit and when they refuse."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .support import MISSING_ID, START, Api

SCHEMA = {
    "title": "Parameters",
    "type": "object",
    "properties": {
        "x": {"title": "x", "type": "integer", "position": 0},
        "y": {"title": "y", "type": "string", "position": 1},
    },
    "required": ["x"],
}
FUTURE = "2030-01-01T00:00:00Z"


def enforced(api: Api, **fields: Any) -> dict[str, Any]:
    return api.deployment(
        parameters={"x": 1},
        parameter_openapi_schema=SCHEMA,
        enforce_parameter_schema=True,
        **fields,
    )


def test_a_run_is_created_scheduled_now_with_a_two_word_name(any_api: Api) -> None:
    deployment = any_api.deployment()

    reply = any_api("create_flow_run_from_deployment", {}, id=deployment["id"])

    run = reply.body
    assert reply.status == 201
    assert re.fullmatch(r"[a-z]+-[a-z]+", run["name"])
    assert (run["state_type"], run["state_name"]) == ("SCHEDULED", "Scheduled")
    assert run["state"]["state_details"]["flow_run_id"] == run["id"]
    assert run["state_id"] == run["state"]["id"]
    scheduled = run["state"]["state_details"]["scheduled_time"]
    assert run["expected_start_time"] == run["next_scheduled_start_time"] == scheduled
    assert (run["flow_id"], run["deployment_id"]) == (
        deployment["flow_id"],
        deployment["id"],
    )


def test_names_are_seeded(make_api: Any) -> None:
    def names(seed: int) -> list[str]:
        api = make_api(seed=seed)
        deployment = api.deployment()
        return [api.run(deployment["id"])["name"] for _ in range(3)]

    assert names(7) == names(7)
    assert names(7) != names(8)


def test_a_run_takes_the_union_of_tags_and_overlaid_parameters(any_api: Api) -> None:
    deployment = any_api.deployment(tags=["a", "b"], parameters={"x": 1, "y": "d"})

    run = any_api.run(deployment["id"], tags=["b", "c"], parameters={"y": "r"})

    assert sorted(run["tags"]) == ["a", "b", "c"]
    assert run["parameters"] == {"x": 1, "y": "r"}


def test_prefect_3_runs_add_the_deployment_id_to_the_deployment_s_labels(
    api: Api,
) -> None:
    deployment = api.deployment(labels={"team": "data"})

    run = api.run(deployment["id"], labels={"mine": "1"})

    assert run["labels"] == {
        "prefect.flow.id": deployment["flow_id"],
        "team": "data",
        "prefect.deployment.id": deployment["id"],
        "mine": "1",
    }
    assert run["deployment_version"] == deployment["version"]


def test_a_run_keeps_what_the_request_gives(api: Api) -> None:
    deployment = api.deployment()

    run = api.run(
        deployment["id"],
        name="named",
        context={"c": 1},
        empirical_policy={"retries": 2, "retry_delay": 5},
        job_variables={"image": "x"},
    )

    assert run["name"] == "named"
    assert run["context"] == {"c": 1}
    assert run["empirical_policy"] == {
        "max_retries": 0,
        "retry_delay_seconds": 0.0,
        "retries": 2,
        "retry_delay": 5,
        "pause_keys": [],
        "resuming": False,
        "retry_type": None,
    }
    assert run["job_variables"] == {"image": "x"}


def test_a_run_of_a_pooled_deployment_lands_in_its_queue(any_api: Api) -> None:
    pool = any_api("create_work_pool", {"name": "pool-1", "type": "process"}).body
    deployment = any_api.deployment(work_pool_name="pool-1")

    default = any_api.run(deployment["id"])
    other = any_api.run(deployment["id"], work_queue_name="other")

    assert (default["work_pool_name"], default["work_queue_name"]) == (
        "pool-1",
        "default",
    )
    assert default["work_queue_id"] == pool["default_queue_id"]
    assert default["work_pool_id"] == pool["id"]
    assert other["work_queue_name"] == "other"
    assert other["work_queue_id"] != pool["default_queue_id"]


def test_naming_a_queue_for_a_deployment_without_a_pool_is_a_400(api: Api) -> None:
    deployment = api.deployment()

    reply = api(
        "create_flow_run_from_deployment",
        {"work_queue_name": "other"},
        id=deployment["id"],
    )

    assert reply.status == 400
    assert reply.body["detail"].startswith(
        "Cannot create flow run in work queue other because deployment"
    )


def test_a_run_of_a_missing_deployment_is_a_404(any_api: Api) -> None:
    reply = any_api("create_flow_run_from_deployment", {}, id=MISSING_ID)

    assert (reply.status, reply.body) == (404, {"detail": "Deployment not found"})


@pytest.mark.parametrize(
    ("parameters", "detail"),
    [
        (
            {"x": "nope"},
            "Error creating flow run: Validation failed for field 'x'."
            " Failure reason: 'nope' is not of type 'integer'",
        ),
        (
            {"x": None},
            "Error creating flow run: Validation failed for field 'x'."
            " Failure reason: None is not of type 'integer'",
        ),
    ],
    ids=["wrong-type", "null-required"],
)
def test_enforced_parameters_that_break_the_schema_are_a_409(
    any_api: Api, parameters: dict[str, Any], detail: str
) -> None:
    deployment = enforced(any_api)

    reply = any_api(
        "create_flow_run_from_deployment",
        {"parameters": parameters},
        id=deployment["id"],
    )

    assert (reply.status, reply.body) == (409, {"detail": detail})


def test_a_missing_required_parameter_fails_at_the_root(any_api: Api) -> None:
    deployment = any_api.deployment(
        parameter_openapi_schema=SCHEMA, enforce_parameter_schema=True
    )

    reply = any_api("create_flow_run_from_deployment", {}, id=deployment["id"])

    assert reply.body == {
        "detail": "Error creating flow run: Validation failed."
        " Failure reason: 'x' is a required property"
    }


def test_prefect_3_lets_optional_parameters_be_null(api: Api) -> None:
    deployment = enforced(api)

    reply = api(
        "create_flow_run_from_deployment",
        {"parameters": {"y": None}},
        id=deployment["id"],
    )

    assert reply.status == 201


def test_prefect_3_lets_one_run_switch_enforcement_off(api: Api) -> None:
    deployment = enforced(api)

    reply = api(
        "create_flow_run_from_deployment",
        {"parameters": {"x": "nope"}, "enforce_parameter_schema": False},
        id=deployment["id"],
    )

    assert reply.status == 201


def test_an_idempotency_key_replays_the_first_run_with_200(any_api: Api) -> None:
    deployment = any_api.deployment()
    first = any_api(
        "create_flow_run_from_deployment", {"idempotency_key": "k"}, id=deployment["id"]
    )

    again = any_api(
        "create_flow_run_from_deployment",
        {"idempotency_key": "k", "parameters": {"x": 2}},
        id=deployment["id"],
    )

    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    assert any_api("count_flow_runs", {}).body == 1


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (
            {"type": "PENDING", "message": "m"},
            {"state_type": "PENDING", "next_scheduled_start_time": None},
        ),
        (
            {"type": "SCHEDULED", "state_details": {"scheduled_time": FUTURE}},
            {"state_type": "SCHEDULED", "estimated_start_time_delta": 0.0},
        ),
        (
            {"type": "SCHEDULED", "name": "deployment-run"},
            {"state_name": "deployment-run", "estimated_start_time_delta": 0.0},
        ),
    ],
    ids=["pending", "scheduled-later", "named"],
)
def test_a_run_starts_in_the_requested_state(
    any_api: Api, state: dict[str, Any], expected: dict[str, Any]
) -> None:
    deployment = any_api.deployment()

    run = any_api.run(deployment["id"], state=state)

    assert {k: run[k] for k in expected} == expected
    assert run["state"]["message"] == state.get("message")


def test_a_run_due_in_the_past_reports_its_lateness(any_api: Api, clock: Any) -> None:
    deployment = any_api.deployment()
    run = any_api.run(deployment["id"])

    clock.advance(90)

    assert any_api.read_run(run["id"])["estimated_start_time_delta"] == 90.0


@pytest.mark.parametrize(
    ("version", "utc"),
    [("3.9.1", "2030-01-01T00:00:00Z"), ("2.14.16", "2030-01-01T00:00:00+00:00")],
    ids=["3.9.1", "2.14.16"],
)
def test_a_scheduled_time_keeps_its_offset_in_the_state_only(
    make_api: Any, version: str, utc: str
) -> None:
    api = make_api(version)
    deployment = api.deployment()
    local = "2030-01-01T01:00:00+01:00"

    created = api.run(
        deployment["id"],
        state={"type": "SCHEDULED", "state_details": {"scheduled_time": local}},
    )
    read = api.read_run(created["id"])

    # Measured: the creation answer echoes the offset, reads answer UTC
    # columns, and the state's details keep what the request wrote.
    assert created["expected_start_time"] == local
    assert (read["expected_start_time"], read["next_scheduled_start_time"]) == (
        utc,
        utc,
    )
    assert read["state"]["state_details"]["scheduled_time"] == local
    assert read["created"].startswith(START.strftime("%Y-%m-%dT%H:%M:%S"))


def test_bulk_creation_reports_each_run(api: Api) -> None:
    deployment = enforced(api)

    reply = api(
        "bulk_create_flow_runs_from_deployment",
        [{}, {"parameters": {"x": "bad"}}, {"name": "b"}],
        id=deployment["id"],
    )

    results = reply.body["results"]
    assert [r["status"] for r in results] == ["CREATED", "FAILED", "CREATED"]
    assert results[1] == {
        "flow_run_id": None,
        "status": "FAILED",
        "error": "Parameter validation failed: Validation failed for field 'x'."
        " Failure reason: 'bad' is not of type 'integer'",
    }
    assert api.read_run(results[2]["flow_run_id"])["name"] == "b"


@pytest.mark.parametrize(
    ("deployment_id", "body", "status", "detail"),
    [
        (MISSING_ID, [], 404, "Deployment not found"),
        (None, [{}] * 101, 400, "Cannot create more than 100 flow runs at once."),
    ],
    ids=["missing-deployment", "too-many"],
)
def test_bulk_creation_refusals(
    api: Api,
    deployment_id: str | None,
    body: list[dict[str, Any]],
    status: int,
    detail: str,
) -> None:
    target = deployment_id or api.deployment()["id"]

    reply = api("bulk_create_flow_runs_from_deployment", body, id=target)

    assert (reply.status, reply.body) == (status, {"detail": detail})


def test_deleting_a_run_forgets_it(any_api: Api) -> None:
    run = any_api.run(any_api.deployment()["id"])

    deleted = any_api("delete_flow_run", id=run["id"])
    again = any_api("delete_flow_run", id=run["id"])

    assert (deleted.status, deleted.body) == (204, None)
    assert (again.status, again.body) == (404, {"detail": "Flow run not found"})
    assert any_api("read_flow_run", id=run["id"]).status == 404
