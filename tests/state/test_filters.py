"""Reading many: filters, sort orders, limits, pages and counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from .support import Api, ApiFactory, Clock


@pytest.fixture
def catalog(api: Api) -> Api:
    """Three flows' worth of deployments in a pool, some paused, some tagged."""
    api("create_work_pool", {"name": "pool-1", "type": "process"})
    etl, alpha = api.flow("etl"), api.flow("alpha")
    api.deployment("d-min", flow_id=etl["id"], tags=["u"])
    api.deployment(
        "d-full", flow_id=etl["id"], tags=["t1", "t2"], work_pool_name="pool-1"
    )
    api.deployment("d-wq", flow_id=alpha["id"], paused=True, work_queue_name="q")
    return api


def names(reply: Any) -> list[str]:
    return [item["name"] for item in reply.body]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ["d-full", "d-min", "d-wq"]),
        ({"sort": "NAME_DESC"}, ["d-wq", "d-min", "d-full"]),
        ({"deployments": {"name": {"like_": "FULL"}}}, ["d-full"]),
        ({"deployments": {"name": {"any_": ["d-wq", "zzz"]}}}, ["d-wq"]),
        ({"deployments": {"tags": {"all_": ["t1", "t2"]}}}, ["d-full"]),
        ({"deployments": {"tags": {"any_": ["u", "t2"]}}}, ["d-full", "d-min"]),
        ({"deployments": {"tags": {"is_null_": True}}}, ["d-wq"]),
        ({"deployments": {"paused": {"eq_": True}}}, ["d-wq"]),
        ({"flows": {"name": {"any_": ["alpha"]}}}, ["d-wq"]),
        ({"work_pools": {"name": {"any_": ["pool-1"]}}}, ["d-full"]),
        ({"work_pool_queues": {"name": {"any_": ["q"]}}}, ["d-wq"]),
        ({"deployments": {"flow_or_deployment_name": {"like_": "alp"}}}, ["d-wq"]),
        (
            {
                "deployments": {
                    "operator": "or_",
                    "name": {"any_": ["d-min"]},
                    "paused": {"eq_": True},
                }
            },
            ["d-min", "d-wq"],
        ),
        ({"flow_runs": {}}, []),
        ({"task_runs": {}}, []),
        ({"limit": 0}, []),
        ({"offset": 2}, ["d-wq"]),
        ({"limit": 1, "offset": 1}, ["d-min"]),
    ],
    ids=[
        "default-name-asc",
        "name-desc",
        "name-like",
        "name-any",
        "tags-all",
        "tags-any",
        "tags-empty",
        "paused",
        "flow-name",
        "work-pool",
        "work-queue",
        "flow-or-deployment-name",
        "or",
        "has-runs",
        "has-task-runs",
        "limit-zero",
        "offset",
        "page",
    ],
)
def test_reading_deployments(
    catalog: Api, body: dict[str, Any], expected: list[str]
) -> None:
    assert names(catalog("read_deployments", body)) == expected


def test_a_flow_run_filter_selects_deployments_with_a_matching_run(
    catalog: Api,
) -> None:
    deployment = catalog(
        "read_deployment_by_name", flow_name="etl", deployment_name="d-min"
    ).body
    catalog.run(deployment["id"], tags=["special"])

    reply = catalog("read_deployments", {"flow_runs": {"tags": {"all_": ["special"]}}})

    assert names(reply) == ["d-min"]


@pytest.mark.parametrize(
    ("limit", "detail"),
    [
        (201, "Invalid limit: must be less than or equal to 200."),
        (-1, "Invalid limit: must be greater than or equal to 0."),
    ],
    ids=["too-big", "negative"],
)
@pytest.mark.parametrize(
    "operation", ["read_deployments", "read_flows", "read_flow_runs"]
)
def test_a_limit_out_of_range_is_a_422(
    any_api: Api, operation: str, limit: int, detail: str
) -> None:
    reply = any_api(operation, {"limit": limit})

    assert (reply.status, reply.body) == (422, {"detail": detail})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, 3),
        ({"deployments": {"paused": {"eq_": False}}}, 2),
        ({"flows": {"name": {"any_": ["etl"]}}}, 2),
    ],
    ids=["all", "active", "of-a-flow"],
)
def test_counting_deployments(
    catalog: Api, body: dict[str, Any], expected: int
) -> None:
    assert catalog("count_deployments", body).body == expected


@pytest.mark.parametrize(
    ("body", "page"),
    [
        (
            {"limit": 2, "page": 2},
            {"count": 3, "limit": 2, "pages": 2, "page": 2, "names": ["d-wq"]},
        ),
        (
            {},
            {
                "count": 3,
                "limit": 200,
                "pages": 1,
                "page": 1,
                "names": ["d-full", "d-min", "d-wq"],
            },
        ),
        ({"limit": 0}, {"count": 3, "limit": 0, "pages": 0, "page": 1, "names": []}),
    ],
    ids=["second-page", "defaults", "limit-zero"],
)
def test_paginating_deployments(
    catalog: Api, body: dict[str, Any], page: dict[str, Any]
) -> None:
    reply = catalog("paginate_deployments", body)

    assert list(reply.body) == ["results", "count", "limit", "pages", "page"]
    summary = {k: v for k, v in reply.body.items() if k != "results"}
    assert {**summary, "names": [d["name"] for d in reply.body["results"]]} == page


def test_bulk_deleting_answers_the_deleted_ids_in_id_order(catalog: Api) -> None:
    ids = sorted(d["id"] for d in catalog("read_deployments", {}).body)

    some = catalog(
        "bulk_delete_deployments", {"deployments": {"paused": {"eq_": True}}}
    )
    rest = catalog("bulk_delete_deployments", {})

    assert len(some.body["deleted"]) == 1
    assert rest.body["deleted"] == sorted(set(ids) - set(some.body["deleted"]))
    assert catalog("count_deployments", {}).body == 0


def test_bulk_deleting_stops_at_the_limit(catalog: Api) -> None:
    reply = catalog("bulk_delete_deployments", {"limit": 2})

    assert len(reply.body["deleted"]) == 2
    assert catalog("count_deployments", {}).body == 1


@pytest.fixture
def runs(make_api: ApiFactory) -> tuple[Api, dict[str, dict[str, Any]]]:
    """Runs of two deployments created a millisecond apart, in various states."""
    api = make_api(clock=Clock(tick=timedelta(milliseconds=1)))
    first = api.deployment("first", tags=["x"])
    second = api.deployment("second", flow_id=api.flow("other")["id"])
    made = {
        "a": api.run(first["id"], name="a", tags=["t"]),
        "b": api.run(first["id"], name="b", state={"type": "PENDING"}),
        "c": api.run(second["id"], name="c", idempotency_key="key"),
    }
    return api, made


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"sort": "NAME_ASC"}, ["a", "b", "c"]),
        ({"sort": "NAME_DESC"}, ["c", "b", "a"]),
        ({"sort": "EXPECTED_START_TIME_DESC"}, ["c", "b", "a"]),
        ({"sort": "NEXT_SCHEDULED_START_TIME_ASC"}, ["b", "a", "c"]),
        (
            {
                "flow_runs": {"state": {"type": {"any_": ["PENDING"]}}},
                "sort": "NAME_ASC",
            },
            ["b"],
        ),
        (
            {
                "flow_runs": {"state": {"name": {"not_any_": ["Pending"]}}},
                "sort": "NAME_ASC",
            },
            ["a", "c"],
        ),
        ({"flow_runs": {"tags": {"all_": ["x", "t"]}}}, ["a"]),
        ({"flow_runs": {"idempotency_key": {"any_": ["key"]}}}, ["c"]),
        ({"flow_runs": {"name": {"like_": "B"}}}, ["b"]),
        ({"deployments": {"name": {"any_": ["second"]}}}, ["c"]),
        ({"flows": {"name": {"any_": ["other"]}}}, ["c"]),
        (
            {
                "flow_runs": {
                    "next_scheduled_start_time": {"before_": "2100-01-01T00:00:00Z"}
                },
                "sort": "NAME_ASC",
            },
            ["a", "c"],
        ),
        ({"sort": "NAME_ASC", "limit": 1, "offset": 1}, ["b"]),
    ],
    ids=[
        "name-asc",
        "name-desc",
        "expected-start-desc",
        "next-scheduled-asc",
        "state-type",
        "state-name-not",
        "tags-all",
        "idempotency-key",
        "name-like",
        "deployment",
        "flow",
        "scheduled-before",
        "page",
    ],
)
def test_reading_flow_runs(
    runs: tuple[Api, dict[str, dict[str, Any]]],
    body: dict[str, Any],
    expected: list[str],
) -> None:
    api, _ = runs

    assert names(api("read_flow_runs", body)) == expected


def test_flow_runs_default_to_id_descending(
    runs: tuple[Api, dict[str, dict[str, Any]]],
) -> None:
    api, made = runs

    reply = api("read_flow_runs", {})

    assert [r["id"] for r in reply.body] == sorted(
        (r["id"] for r in made.values()), reverse=True
    )


def test_counting_flow_runs(runs: tuple[Api, dict[str, dict[str, Any]]]) -> None:
    api, _ = runs

    pending = {"flow_runs": {"state": {"type": {"any_": ["PENDING"]}}}}

    assert api("count_flow_runs", {}).body == 3
    assert api("count_flow_runs", pending).body == 1
