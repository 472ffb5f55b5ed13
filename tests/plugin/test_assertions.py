"""Journal assertions: matching requests by field, explaining what differed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest

from mockserver.assertions import (
    assert_called,
    assert_not_called,
    find_calls,
    request_fields,
)
from mockserver.contracts import ContractSet, load_contract_set
from mockserver.errors import UnknownOperation
from mockserver.journal import Entry

DEPLOYMENT_ID = "0b5d6a4e-9c2f-4e1b-8a57-3f6d2c1e9a80"


@pytest.fixture(scope="module")
def contracts() -> ContractSet:
    return load_contract_set("3.9.1")


def entry(
    operation: str | None,
    path: str,
    body: Any = None,
    *,
    method: str = "POST",
    sequence: int = 1,
    query: dict[str, str] | None = None,
) -> Entry:
    return Entry(
        sequence=sequence,
        time=datetime(2025, 6, 1, tzinfo=UTC),
        method=method,
        path=path,
        operation=operation,
        query=query or {},
        request_content=b"" if body is None else json.dumps(body).encode(),
        status=201,
    )


RUN = entry(
    "create_flow_run_from_deployment",
    f"/api/deployments/{DEPLOYMENT_ID}/create_flow_run",
    {"parameters": {"x": 3, "y": [1, 2]}, "tags": ["etl"]},
)

MATCHES = [
    ({"parameters": {"x": 3, "y": [1, 2]}}, True),
    ({"parameters": {"x": 3}}, False),
    ({"id": DEPLOYMENT_ID}, True),
    ({"deployment_id": DEPLOYMENT_ID}, True),
    ({"deployment_id": DEPLOYMENT_ID.upper()}, True),
    ({"deployment_id": uuid.UUID(DEPLOYMENT_ID)}, True),
    ({"deployment_id": str(uuid.uuid4())}, False),
    ({"tags": mock.ANY, "parameters": mock.ANY}, True),
    ({"state": None}, False),
    ({}, True),
]


@pytest.mark.parametrize(
    ("match", "matches"),
    MATCHES,
    ids=[
        "whole-object",
        "part-of-an-object",
        "path-parameter",
        "path-parameter-by-its-long-name",
        "uuid-in-upper-case",
        "uuid-object",
        "other-uuid",
        "any",
        "absent-field",
        "nothing-asked",
    ],
)
def test_a_call_matches_when_every_named_field_is_equal(
    contracts: ContractSet, match: dict[str, Any], matches: bool
) -> None:
    found = find_calls([RUN], contracts, "create_flow_run_from_deployment", match)

    assert found == ([RUN] if matches else [])


@pytest.mark.parametrize(
    ("operation", "path", "names"),
    [
        ("read_flow_run", "/api/flow_runs/abc", {"id": "abc", "flow_run_id": "abc"}),
        (
            "read_work_pool",
            "/api/work_pools/k8s",
            {"name": "k8s", "work_pool_name": "k8s"},
        ),
        (
            "read_deployment_by_name",
            "/api/deployments/name/etl/nightly",
            {"flow_name": "etl", "deployment_name": "nightly"},
        ),
    ],
    ids=["id", "name", "named-parameters"],
)
def test_path_parameters_are_known_by_their_long_names(
    contracts: ContractSet, operation: str, path: str, names: dict[str, str]
) -> None:
    fields = request_fields(
        entry(operation, path, method="GET"), contracts.operation(operation)
    )

    assert fields == names


def test_path_parameters_win_over_query_and_body_fields(
    contracts: ContractSet,
) -> None:
    call = entry(
        "read_flow_run",
        "/api/flow_runs/abc",
        {"id": "from-body", "limit": 1},
        query={"id": "from-query", "offset": "2"},
    )

    fields = request_fields(call, contracts.operation("read_flow_run"))

    assert fields == {"id": "abc", "flow_run_id": "abc", "limit": 1, "offset": "2"}


def test_assert_called_returns_the_matching_calls(contracts: ContractSet) -> None:
    found = assert_called(
        [RUN], contracts, "create_flow_run_from_deployment", tags=["etl"]
    )

    assert found == [RUN]


def test_a_failure_says_how_each_call_differed_field_by_field(
    contracts: ContractSet,
) -> None:
    other = entry(
        "create_flow_run_from_deployment",
        f"/api/deployments/{uuid.uuid4()}/create_flow_run",
        {"parameters": {"x": 4}},
        sequence=2,
    )

    with pytest.raises(AssertionError) as failure:
        assert_called(
            [RUN, other],
            contracts,
            "create_flow_run_from_deployment",
            deployment_id=DEPLOYMENT_ID,
            parameters={"x": 3},
        )

    assert str(failure.value).splitlines() == [
        "no call to create_flow_run_from_deployment with "
        f"deployment_id='{DEPLOYMENT_ID}', parameters={{'x': 3}}; "
        "2 call(s) to create_flow_run_from_deployment differ:",
        f"  #1 POST {RUN.path} (create_flow_run_from_deployment) -> 201",
        "      parameters.y: not expected, got [1, 2]",
        f"  #2 POST {other.path} (create_flow_run_from_deployment) -> 201",
        f"      deployment_id: expected '{DEPLOYMENT_ID}', "
        f"got '{other.path.split('/')[3]}'",
        "      parameters.x: expected 3, got 4",
    ]


def test_a_failure_without_any_request_says_so(contracts: ContractSet) -> None:
    with pytest.raises(AssertionError, match="the server received no request"):
        assert_called([], contracts, "create_flow")


def test_a_long_list_of_requests_is_cut_short(contracts: ContractSet) -> None:
    health = [
        entry("health_check", "/api/health", method="GET", sequence=n)
        for n in range(1, 31)
    ]

    with pytest.raises(AssertionError) as failure:
        assert_called(health, contracts, "create_flow")

    lines = str(failure.value).splitlines()
    assert lines[0] == "no call to create_flow; the server answered 30:"
    assert lines[-1] == "  ... and 10 more"
    assert len(lines) == 22


def test_an_unknown_operation_suggests_the_closest(contracts: ContractSet) -> None:
    with pytest.raises(UnknownOperation, match="create_flow_run_from_deployment"):
        assert_called([RUN], contracts, "create_flow_run_from_deploymnt")


def test_assert_not_called_fails_with_the_calls_that_matched(
    contracts: ContractSet,
) -> None:
    assert_not_called([RUN], contracts, "create_flow_run_from_deployment", tags=[])

    with pytest.raises(AssertionError, match=r"1 call\(s\) to create_flow_run"):
        assert_not_called([RUN], contracts, "create_flow_run_from_deployment")
