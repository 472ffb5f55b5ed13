"""Flows: created once per name, read by id or name, filtered and counted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .support import MISSING_ID, Api, ApiFactory, Clock


def test_creating_a_flow_answers_201_with_the_new_flow(any_api: Api) -> None:
    reply = any_api("create_flow", {"name": "etl", "tags": ["a"]})

    assert reply.status == 201
    assert reply.body["name"] == "etl"
    assert reply.body["tags"] == ["a"]


def test_creating_a_flow_with_a_taken_name_answers_the_existing_flow_with_200(
    any_api: Api,
) -> None:
    first = any_api("create_flow", {"name": "etl", "tags": ["a"]})

    again = any_api("create_flow", {"name": "etl", "tags": ["b"]})

    assert again.status == 200
    assert again.body == first.body


def test_prefect_3_flows_carry_labels(api: Api) -> None:
    flow = api.flow("etl", labels={"team": "data"})

    assert flow["labels"] == {"team": "data"}


@pytest.mark.parametrize(
    ("operation", "path"),
    [
        ("read_flow", {"id": MISSING_ID}),
        ("read_flow_by_name", {"name": "nope"}),
    ],
    ids=["by-id", "by-name"],
)
def test_reading_a_missing_flow_answers_404(
    any_api: Api, operation: str, path: dict[str, str]
) -> None:
    reply = any_api(operation, **path)

    assert (reply.status, reply.body) == (404, {"detail": "Flow not found"})


def test_a_flow_reads_back_by_id_and_by_name(any_api: Api) -> None:
    flow = any_api.flow("etl")

    assert any_api("read_flow", id=flow["id"]).body == flow
    assert any_api("read_flow_by_name", name="etl").body == flow


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({}, ["alpha", "beta", "gamma"]),
        ({"sort": "NAME_DESC"}, ["gamma", "beta", "alpha"]),
        ({"limit": 1, "offset": 1}, ["beta"]),
        ({"flows": {"name": {"like_": "MM"}}}, ["gamma"]),
        ({"flows": {"name": {"any_": ["beta", "zeta"]}}}, ["beta"]),
        ({"flows": {"tags": {"all_": ["x"]}}}, ["gamma"]),
    ],
    ids=["name-asc", "name-desc", "page", "like", "any", "tags"],
)
def test_flows_are_filtered_sorted_and_paged(
    any_api: Api, body: dict[str, object], names: list[str]
) -> None:
    for name, tags in [("gamma", ["x"]), ("alpha", []), ("beta", [])]:
        any_api.flow(name, tags=tags)

    reply = any_api("read_flows", body)

    assert [f["name"] for f in reply.body] == names


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("CREATED_DESC", ["beta", "alpha", "gamma"]),
        ("UPDATED_DESC", ["beta", "alpha", "gamma"]),
    ],
    ids=["created", "updated"],
)
def test_flows_sort_newest_first(
    make_api: ApiFactory, sort: str, names: list[str]
) -> None:
    api = make_api(clock=Clock(tick=timedelta(milliseconds=1)))
    for name in ["gamma", "alpha", "beta"]:
        api.flow(name)

    reply = api("read_flows", {"sort": sort})

    assert [f["name"] for f in reply.body] == names


def test_counting_flows_applies_the_filter(any_api: Api) -> None:
    any_api.flow("etl")
    any_api.flow("reporting")

    reply = any_api("count_flows", {"flows": {"name": {"like_": "et"}}})

    assert reply.body == 1


def test_a_flow_filter_on_deployments_selects_flows_that_have_one(api: Api) -> None:
    deployed = api.flow("deployed")
    api.flow("bare")
    api.deployment(flow_id=deployed["id"])

    reply = api("read_flows", {"flows": {"deployment": {"is_null_": False}}})

    assert [f["name"] for f in reply.body] == ["deployed"]
