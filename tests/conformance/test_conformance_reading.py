"""Negative and positive cases are judged the way a Prefect server reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.app import create_app
from mockserver.conformance import Judge, SentRequest, verify
from mockserver.contracts import load_contract_set

API = "http://127.0.0.1:4200/api"
RUN_ID = "0b6a9a7e-3a9c-4a51-8d3e-6a3f4c2a1b10"
NEGATIVE = "negative_data_rejection"
POSITIVE = "positive_data_acceptance"


def sent(
    method: str, path: str, body: Any = None, *, raw: bytes | None = None
) -> SentRequest:
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    return SentRequest(method, API + path, headers, data)


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(load_contract_set("3.9.1"))


@pytest.mark.parametrize(
    ("operation", "request_"),
    [
        ("read_deployments", sent("POST", "/deployments/filter", {"limit": False})),
        ("read_deployments", sent("POST", "/deployments/filter", {"limit": "5"})),
        ("read_deployments", sent("POST", "/deployments/filter", {"sort": None})),
        ("read_deployments", sent("POST", "/deployments/filter", None)),
        (
            "count_deployments",
            sent("POST", "/deployments/count", {"deployments": {"paused": {"eq_": 1}}}),
        ),
    ],
    ids=["false-for-integer", "text-for-integer", "null-field", "null-body", "one"],
)
def test_negative_cases_the_server_accepts_are_set_aside(
    judge: Judge, operation: str, request_: SentRequest
) -> None:
    reason = judge.set_aside(NEGATIVE, operation, request_)

    assert reason is not None
    assert "lax mode" in reason


@pytest.mark.parametrize(
    ("operation", "request_"),
    [
        ("read_deployments", sent("POST", "/deployments/filter", {"limit": "five"})),
        ("read_deployments", sent("POST", "/deployments/filter", {"offset": -1})),
        # The handler, not validation, refuses a limit above 200.
        ("read_deployments", sent("POST", "/deployments/filter", {"limit": 201})),
        ("read_deployments", sent("POST", "/deployments/filter", {"limit": -1})),
        ("read_deployments", sent("POST", "/deployments/filter", raw=b"\xff")),
        # Prefect 3 routes ids with a UUID converter: no route, 404.
        ("read_deployment", sent("GET", "/deployments/not-a-uuid")),
    ],
    ids=[
        "bad-text",
        "negative-offset",
        "limit-201",
        "limit-negative",
        "not-utf8",
        "id",
    ],
)
def test_negative_cases_the_server_refuses_keep_their_failure(
    judge: Judge, operation: str, request_: SentRequest
) -> None:
    assert judge.set_aside(NEGATIVE, operation, request_) is None


def test_positive_cases_the_contract_set_refuses_are_set_aside_with_why(
    judge: Judge,
) -> None:
    request_ = sent("POST", f"/flow_runs/{RUN_ID}/set_state", None)

    reason = judge.set_aside(POSITIVE, "set_flow_run_state", request_)

    assert reason is not None
    assert "the contract set rejects this request" in reason
    assert "body.state: Field required" in reason


def test_positive_cases_the_contract_set_accepts_keep_their_failure(
    judge: Judge,
) -> None:
    request_ = sent("POST", "/deployments/filter", {"limit": 5})

    assert judge.set_aside(POSITIVE, "read_deployments", request_) is None


@pytest.mark.parametrize(
    ("check", "operation", "request_"),
    [
        (
            "not_a_server_error",
            "read_deployments",
            sent("POST", "/deployments/filter", {"limit": False}),
        ),
        (NEGATIVE, "read_deployment", sent("GET", "/flows/" + RUN_ID)),
        (NEGATIVE, "no_such_operation", sent("GET", "/deployments/" + RUN_ID)),
    ],
    ids=["other-check", "url-of-another-path", "unknown-operation"],
)
def test_failures_the_judge_cannot_read_stand(
    judge: Judge, check: str, operation: str, request_: SentRequest
) -> None:
    assert judge.set_aside(check, operation, request_) is None


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        (f"{API}/csrf-token?client=abc", True),
        (f"{API}/csrf-token?client=", True),
        (f"{API}/csrf-token", False),
    ],
    ids=["client", "empty-client", "no-client"],
)
def test_query_parameters_are_read_from_the_url(
    judge: Judge, url: str, accepted: bool
) -> None:
    reading = judge.read("create_csrf_token", SentRequest("GET", url))

    assert reading is not None
    assert reading.accepted is accepted


def test_percent_encoded_path_values_are_decoded(judge: Judge) -> None:
    encoded = RUN_ID.replace("-", "%2D")
    request_ = SentRequest("GET", f"{API}/deployments/{encoded}")

    reading = judge.read("read_deployment", request_)

    assert reading is not None
    assert reading.accepted


def test_prefect_2_reads_with_pydantic_1(judge: Judge) -> None:
    # Pydantic 1 turns the number 0 into the string "0"; pydantic 2 does not.
    request_ = sent("POST", "/flows/", {"name": "etl", "tags": [0]})

    prefect_2 = Judge(load_contract_set("2.14.16"))

    assert prefect_2.set_aside(NEGATIVE, "create_flow", request_) is not None
    assert judge.set_aside(NEGATIVE, "create_flow", request_) is None


def test_a_run_reports_what_it_set_aside_and_still_passes() -> None:
    report = verify(
        create_app("3.9.1"),
        operations="^read_deployments$",
        phases=("coverage",),
        max_examples=5,
    )

    assert report.ok, report.summary()
    checks = {entry.finding.check for entry in report.set_aside}
    assert checks == {NEGATIVE}
    assert "set aside (the server's lax reading" in report.summary()
    assert json.loads(report.json())["set_aside"][0]["reason"]
