"""Deployments: create and upsert, read, update, pause, delete, poll."""

from __future__ import annotations

from typing import Any

import pytest

from .support import MISSING_ID, Api

# The bodies real servers answered for a minimal create, ids and times aside
# (measured against Prefect 3.9.1 and 2.14.16).
MINIMAL_3 = {
    "name": "nightly",
    "version": None,
    "description": None,
    "paused": False,
    "schedules": [],
    "concurrency_limit": None,
    "global_concurrency_limit": None,
    "concurrency_options": None,
    "job_variables": {},
    "parameters": {},
    "tags": [],
    "work_queue_name": None,
    "work_queue_id": None,
    "last_polled": None,
    "parameter_openapi_schema": {},
    "path": None,
    "pull_steps": [],
    "entrypoint": None,
    "storage_document_id": None,
    "infrastructure_document_id": None,
    "created_by": None,
    "updated_by": None,
    "work_pool_name": None,
    "status": "NOT_READY",
    "enforce_parameter_schema": True,
}
MINIMAL_2 = {
    "name": "nightly",
    "version": None,
    "description": None,
    "schedule": None,
    "is_schedule_active": True,
    "infra_overrides": {},
    "parameters": {},
    "tags": [],
    "work_queue_name": None,
    "last_polled": None,
    "parameter_openapi_schema": None,
    "path": None,
    "pull_steps": None,
    "entrypoint": None,
    "manifest_path": None,
    "storage_document_id": None,
    "infrastructure_document_id": None,
    "created_by": None,
    "updated_by": None,
    "work_pool_name": None,
    "status": "NOT_READY",
    "enforce_parameter_schema": False,
}
SCHEMA = {
    "title": "Parameters",
    "type": "object",
    "properties": {"x": {"title": "x", "type": "integer"}},
    "required": ["x"],
}


def without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


@pytest.mark.parametrize(
    ("version", "expected"),
    [("3.9.1", MINIMAL_3), ("2.14.16", MINIMAL_2)],
    ids=["3.9.1", "2.14.16"],
)
def test_a_minimal_deployment_gets_the_version_s_defaults(
    make_api: Any, version: str, expected: dict[str, Any]
) -> None:
    api = make_api(version)
    flow = api.flow()

    reply = api("create_deployment", {"name": "nightly", "flow_id": flow["id"]})

    assert reply.status == 201
    body = without(reply.body, "id", "created", "updated", "flow_id", "labels")
    assert body == expected
    assert reply.body["flow_id"] == flow["id"]


def test_prefect_3_labels_merge_the_flow_s_the_flow_id_and_the_request_s(
    api: Api,
) -> None:
    flow = api.flow("etl", labels={"team": "data", "k": "flow"})

    deployment = api.deployment(flow_id=flow["id"], labels={"k": "mine"})

    assert deployment["labels"] == {
        "team": "data",
        "k": "mine",
        "prefect.flow.id": flow["id"],
    }
    assert list(deployment["labels"]) == ["team", "k", "prefect.flow.id"]


def test_creating_again_with_the_same_flow_and_name_updates_in_place(
    any_api: Api,
) -> None:
    first = any_api.deployment("nightly", description="one", tags=["a"])

    again = any_api(
        "create_deployment",
        {"name": "nightly", "flow_id": first["flow_id"], "tags": ["b"]},
    )

    assert again.status == 200
    assert again.body["id"] == first["id"]
    assert again.body["tags"] == ["b"]
    assert again.body["description"] == "one"
    assert again.body["created"] == first["created"]


def test_an_upsert_replaces_the_prefect_3_schedules(api: Api) -> None:
    first = api.deployment(schedules=[{"schedule": {"interval": 60}}])

    again = api("create_deployment", {"name": "nightly", "flow_id": first["flow_id"]})

    assert len(first["schedules"]) == 1
    assert again.body["schedules"] == []


def test_a_deployment_of_an_unknown_flow_is_a_409(any_api: Api) -> None:
    reply = any_api("create_deployment", {"name": "x", "flow_id": MISSING_ID})

    assert reply.status == 409
    assert reply.body["detail"].startswith("Data integrity conflict.")


def test_a_deployment_naming_an_unknown_work_pool_is_a_404(any_api: Api) -> None:
    flow = any_api.flow()

    reply = any_api(
        "create_deployment",
        {"name": "x", "flow_id": flow["id"], "work_pool_name": "nope"},
    )

    assert (reply.status, reply.body) == (
        404,
        {"detail": 'Work pool "nope" not found.'},
    )


@pytest.mark.parametrize(
    ("fields", "pool", "queue"),
    [
        ({"work_pool_name": "pool-1"}, "pool-1", "default"),
        ({"work_pool_name": "pool-1", "work_queue_name": "fast"}, "pool-1", "fast"),
        ({"work_queue_name": "legacy"}, "default-agent-pool", "legacy"),
    ],
    ids=["pool", "pool-and-queue", "queue-only"],
)
def test_work_pool_and_queue_names_resolve_to_a_queue(
    any_api: Api, fields: dict[str, str], pool: str, queue: str
) -> None:
    any_api("create_work_pool", {"name": "pool-1", "type": "process"})

    deployment = any_api.deployment(**fields)

    assert deployment["work_pool_name"] == pool
    assert deployment["work_queue_name"] == queue
    pool_id = any_api("read_work_pool", name=pool).body["id"]
    queues = any_api("work_queue_check_for_deployment", id=deployment["id"]).body
    assert (queue, pool_id) in {(q["name"], q["work_pool_id"]) for q in queues}


def test_a_prefect_3_concurrency_limit_becomes_a_global_limit(api: Api) -> None:
    deployment = api.deployment(concurrency_limit=2)

    limit = deployment["global_concurrency_limit"]
    assert deployment["concurrency_limit"] is None
    assert without(limit, "id", "created", "updated") == {
        "active": True,
        "name": f"deployment:{deployment['id']}",
        "limit": 2,
        "active_slots": 0,
        "slot_decay_per_second": 0.0,
    }


@pytest.mark.parametrize(
    ("operation", "path", "detail"),
    [
        ("read_deployment", {"id": MISSING_ID}, "Deployment not found"),
        (
            "read_deployment_by_name",
            {"flow_name": "etl", "deployment_name": "nope"},
            "Deployment not found",
        ),
        ("delete_deployment", {"id": MISSING_ID}, "Deployment not found"),
        (
            "work_queue_check_for_deployment",
            {"id": MISSING_ID},
            "Deployment not found",
        ),
    ],
    ids=["read", "read-by-name", "delete", "work-queue-check"],
)
def test_a_missing_deployment_is_a_404(
    any_api: Api, operation: str, path: dict[str, str], detail: str
) -> None:
    reply = any_api(operation, **path)

    assert (reply.status, reply.body) == (404, {"detail": detail})


def test_updating_a_missing_deployment_is_a_404_with_a_full_stop(
    any_api: Api,
) -> None:
    reply = any_api("update_deployment", {"description": "x"}, id=MISSING_ID)

    assert (reply.status, reply.body) == (404, {"detail": "Deployment not found."})


def test_a_deployment_reads_back_by_id_and_by_flow_and_name(any_api: Api) -> None:
    deployment = any_api.deployment("nightly")

    by_id = any_api("read_deployment", id=deployment["id"])
    by_name = any_api(
        "read_deployment_by_name", flow_name="etl", deployment_name="nightly"
    )

    assert by_id.body == deployment
    assert by_name.body == deployment


def test_an_update_changes_only_the_fields_it_names(any_api: Api) -> None:
    deployment = any_api.deployment(description="old", tags=["a"], version="1")

    reply = any_api("update_deployment", {"description": "new"}, id=deployment["id"])

    assert (reply.status, reply.body) == (204, None)
    read = any_api("read_deployment", id=deployment["id"]).body
    assert (read["description"], read["tags"], read["version"]) == ("new", ["a"], "1")


def test_an_update_with_parameters_breaking_the_schema_is_a_409(
    any_api: Api,
) -> None:
    deployment = any_api.deployment(
        parameters={"x": 1},
        parameter_openapi_schema=SCHEMA,
        enforce_parameter_schema=True,
    )

    reply = any_api(
        "update_deployment", {"parameters": {"x": "one"}}, id=deployment["id"]
    )

    assert reply.status == 409
    assert reply.body == {
        "detail": "Error updating deployment: Validation failed for field 'x'."
        " Failure reason: 'one' is not of type 'integer'"
    }


def test_updating_slugged_schedules_without_slugs_is_a_422(api: Api) -> None:
    deployment = api.deployment(
        schedules=[{"schedule": {"interval": 60}, "slug": "every-minute"}]
    )

    reply = api(
        "update_deployment",
        {"schedules": [{"schedule": {"interval": 30}}]},
        id=deployment["id"],
    )

    assert reply.status == 422
    assert reply.body["detail"].startswith("Please provide a slug for each schedule")


def test_updating_unslugged_schedules_replaces_them_with_the_complete_ones(
    api: Api,
) -> None:
    # Measured on Prefect 3.9.1: entries without a schedule are left out,
    # a null active means active, and max_scheduled_runs is not carried over.
    deployment = api.deployment(schedules=[{"schedule": {"interval": 60}}])

    reply = api(
        "update_deployment",
        {
            "schedules": [
                {"schedule": {"interval": 30}, "active": None, "max_scheduled_runs": 5},
                {"active": False},
                {"schedule": None},
            ]
        },
        id=deployment["id"],
    )

    assert reply.status == 204
    (schedule,) = api("read_deployment", id=deployment["id"]).body["schedules"]
    assert schedule["schedule"]["interval"] == 30.0
    assert (schedule["active"], schedule["max_scheduled_runs"]) == (True, None)


def test_updating_schedules_by_slug_patches_them_in_place(api: Api) -> None:
    deployment = api.deployment(
        schedules=[{"schedule": {"interval": 60}, "slug": "every-minute"}]
    )
    schedule_id = deployment["schedules"][0]["id"]

    api(
        "update_deployment",
        {"schedules": [{"slug": "every-minute", "active": False}]},
        id=deployment["id"],
    )

    (schedule,) = api("read_deployment", id=deployment["id"]).body["schedules"]
    assert (schedule["id"], schedule["active"]) == (schedule_id, False)


def test_moving_a_deployment_to_a_pool_updates_its_queue(api: Api) -> None:
    api("create_work_pool", {"name": "pool-1", "type": "process"})
    deployment = api.deployment()

    api(
        "update_deployment",
        {"work_pool_name": "pool-1", "work_queue_name": "fresh"},
        id=deployment["id"],
    )

    read = api("read_deployment", id=deployment["id"]).body
    assert (read["work_pool_name"], read["work_queue_name"]) == ("pool-1", "fresh")


def test_deleting_a_deployment_drops_its_scheduled_runs_only(any_api: Api) -> None:
    deployment = any_api.deployment()
    waiting = any_api.run(deployment["id"])
    running = any_api.run(deployment["id"], state={"type": "RUNNING"})

    reply = any_api("delete_deployment", id=deployment["id"])

    assert (reply.status, reply.body) == (204, None)
    assert any_api("read_flow_run", id=waiting["id"]).status == 404
    kept = any_api.read_run(running["id"])
    assert kept["deployment_id"] == deployment["id"]


@pytest.mark.parametrize(
    ("pause", "resume", "flag", "paused_value"),
    [
        ("pause_deployment", "resume_deployment", "paused", True),
        ("set_schedule_inactive", "set_schedule_active", "is_schedule_active", False),
    ],
    ids=["3.9.1", "2.14.16"],
)
def test_pausing_drops_auto_scheduled_runs_and_resuming_restores_the_flag(
    make_api: Any, pause: str, resume: str, flag: str, paused_value: bool
) -> None:
    api = make_api("3.9.1" if pause == "pause_deployment" else "2.14.16")
    schedule = {"interval": 3600, "anchor_date": "2024-01-01T00:00:00Z"}
    fields = (
        {"schedules": [{"schedule": schedule}]}
        if flag == "paused"
        else {"schedule": schedule}
    )
    deployment = api.deployment(**fields)
    api("schedule_deployment", {"max_runs": 2}, id=deployment["id"])
    manual = api.run(deployment["id"])

    paused = api(pause, id=deployment["id"])

    assert (paused.status, paused.body) == (200, None)
    assert api("read_deployment", id=deployment["id"]).body[flag] is paused_value
    count = api(
        "count_flow_runs", {"deployments": {"id": {"any_": [deployment["id"]]}}}
    )
    assert count.body == 1
    assert api.read_run(manual["id"])["auto_scheduled"] is False
    api(resume, id=deployment["id"])
    assert api("read_deployment", id=deployment["id"]).body[flag] is not paused_value


@pytest.mark.parametrize(
    "operation",
    ["pause_deployment", "resume_deployment"],
    ids=["pause", "resume"],
)
def test_pausing_a_missing_deployment_is_a_404(api: Api, operation: str) -> None:
    reply = api(operation, id=MISSING_ID)

    assert (reply.status, reply.body) == (404, {"detail": "Deployment not found"})


def test_polling_for_scheduled_runs_answers_due_runs_first_and_marks_ready(
    any_api: Api,
) -> None:
    deployment = any_api.deployment()
    later = any_api.run(
        deployment["id"],
        state={
            "type": "SCHEDULED",
            "state_details": {"scheduled_time": "2030-01-01T00:00:00Z"},
        },
    )
    sooner = any_api.run(deployment["id"])
    any_api.run(deployment["id"], state={"type": "RUNNING"})

    reply = any_api(
        "get_scheduled_flow_runs_for_deployments",
        {
            "deployment_ids": [deployment["id"]],
            "scheduled_before": "2100-01-01T00:00:00Z",
        },
    )

    assert [r["id"] for r in reply.body] == [sooner["id"], later["id"]]
    polled = any_api("read_deployment", id=deployment["id"]).body
    assert polled["status"] == "READY"
    assert polled["last_polled"] is not None


def test_polling_respects_the_cutoff_and_the_limit(any_api: Api) -> None:
    deployment = any_api.deployment()
    first = any_api.run(deployment["id"])
    any_api.run(deployment["id"])
    any_api.run(
        deployment["id"],
        state={
            "type": "SCHEDULED",
            "state_details": {"scheduled_time": "2030-01-01T00:00:00Z"},
        },
    )

    reply = any_api(
        "get_scheduled_flow_runs_for_deployments",
        {
            "deployment_ids": [deployment["id"]],
            "scheduled_before": "2025-01-01T00:00:00Z",
            "limit": 1,
        },
    )

    assert [r["id"] for r in reply.body] == [first["id"]]


def test_work_queue_check_lists_every_queue_of_every_pool(api: Api) -> None:
    api("create_work_pool", {"name": "pool-1", "type": "process"})
    deployment = api.deployment(work_queue_name="legacy")

    reply = api("work_queue_check_for_deployment", id=deployment["id"])

    # A queue named without a pool goes first in line in the agent pool.
    assert [(q["name"], q["priority"]) for q in reply.body] == [
        ("default", 1),
        ("default", 2),
        ("legacy", 1),
    ]


def test_counting_deployments_by_flow_answers_every_asked_id(api: Api) -> None:
    etl = api.flow("etl")
    api.deployment("a", flow_id=etl["id"])
    api.deployment("b", flow_id=etl["id"])

    reply = api("count_deployments_by_flow", {"flow_ids": [etl["id"], MISSING_ID]})

    assert reply.body == {etl["id"]: 2, MISSING_ID: 0}


@pytest.mark.parametrize(
    ("version", "item"),
    [
        (
            "3.9.1",
            {
                "type": "value_error",
                "loc": ["body"],
                "msg": "Value error, Validation failed for field 'x'."
                " Failure reason: 'one' is not of type 'integer'",
            },
        ),
        (
            "2.14.16",
            {
                "loc": ["body", "parameters"],
                "msg": "Validation failed for field 'x'."
                " Failure reason: 'one' is not of type 'integer'",
                "type": "value_error",
            },
        ),
    ],
    ids=["3.9.1", "2.14.16"],
)
def test_creating_with_enforced_parameters_that_break_the_schema_is_a_422(
    make_api: Any, version: str, item: dict[str, Any]
) -> None:
    api = make_api(version)
    body = {
        "name": "enforced",
        "flow_id": api.flow()["id"],
        "parameters": {"x": "one"},
        "parameter_openapi_schema": SCHEMA,
        "enforce_parameter_schema": True,
    }

    reply = api("create_deployment", body)

    assert reply.status == 422
    assert reply.body["exception_message"] == "Invalid request received."
    (detail,) = reply.body["exception_detail"]
    assert {k: detail[k] for k in item} == item
    assert reply.body["request_body"] == body
    assert api("count_deployments", {}).body == 0


def test_creating_checks_parameters_only_when_the_request_enforces(
    any_api: Api,
) -> None:
    body = {
        "name": "lenient",
        "flow_id": any_api.flow()["id"],
        "parameters": {"x": "one"},
        "parameter_openapi_schema": SCHEMA,
    }

    assert any_api("create_deployment", body).status == 201
