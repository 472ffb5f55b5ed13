"""Fault injection: latency, statuses with the real body, dropped connections."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_CLIENT_MAX_RETRIES,
    temporary_settings,
)

from mockserver.errors import FaultError
from mockserver.operator import FaultPlan, FaultRule
from mockserver.operator.faults import real_body

SLACK_S = 2.0
"""How much slower than asked an answer may be on a busy machine."""


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, {"exception_message": "Service Unavailable"}),
        (500, {"exception_message": "Internal Server Error"}),
        (401, {"exception_message": "Unauthorized"}),
        (429, {"detail": "Too Many Requests"}),
        (408, {"detail": "Request Timeout"}),
        (502, {"detail": "Bad Gateway"}),
    ],
    ids=["503-locked", "500-crash", "401-auth", "429", "408", "502"],
)
def test_a_status_fault_answers_the_real_servers_body(
    serve_app: Any, status: int, body: dict[str, str]
) -> None:
    plan = FaultPlan((FaultRule(operation="read_flows", status=status),))
    with serve_app(faults=plan).client() as client:
        response = client.post("/api/flows/filter", json={})
        entry = client.get("/__mock/requests").json()[-1]

    assert response.status_code == status
    assert response.json() == body
    assert real_body(status) == body
    # An injected status is asked for, not a broken contract.
    assert (entry["status"], entry["reply_violations"]) == (status, [])


def test_a_fault_strikes_only_its_operation(serve_app: Any) -> None:
    plan = FaultPlan((FaultRule(operation="read_flows", status=503),))
    with serve_app(faults=plan).client() as client:
        struck = client.post("/api/flows/filter", json={})
        spared = client.get("/api/health")

    assert (struck.status_code, spared.status_code) == (503, 200)


def test_a_fault_without_operation_strikes_every_operation(serve_app: Any) -> None:
    plan = FaultPlan((FaultRule(status=502),))
    with serve_app(faults=plan).client() as client:
        statuses = {
            client.get("/api/health").status_code,
            client.post("/api/flows/filter", json={}).status_code,
        }

    assert statuses == {502}


def test_a_fault_answer_carries_the_rules_body_and_headers(serve_app: Any) -> None:
    rule = FaultRule(
        operation="read_flows",
        status=429,
        body={"detail": "slow down"},
        headers={"Retry-After": "3"},
    )
    with serve_app(faults=FaultPlan((rule,))).client() as client:
        response = client.post("/api/flows/filter", json={})

    assert response.json() == {"detail": "slow down"}
    assert response.headers["retry-after"] == "3"


def test_a_request_that_breaks_its_contract_still_answers_422(serve_app: Any) -> None:
    plan = FaultPlan((FaultRule(operation="read_flows", status=503),))
    with serve_app(faults=plan).client() as client:
        response = client.post("/api/flows/filter", json={"limit": "many"})

    assert response.status_code == 422


@pytest.mark.parametrize(
    ("latency_ms", "low_s"),
    [((300.0, 300.0), 0.3), ((200.0, 400.0), 0.2)],
    ids=["fixed", "random-range"],
)
def test_latency_delays_the_answer(
    serve_app: Any, latency_ms: tuple[float, float], low_s: float
) -> None:
    plan = FaultPlan((FaultRule(operation="health_check", latency_ms=latency_ms),))
    with serve_app(faults=plan).client() as client:
        started = time.perf_counter()
        response = client.get("/api/health")
        elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert low_s <= elapsed < latency_ms[1] / 1000 + SLACK_S


def test_a_dropped_connection_is_a_protocol_error_for_the_client(
    serve_app: Any,
) -> None:
    plan = FaultPlan((FaultRule(operation="read_flows", drop=True, times=1),))
    with serve_app(faults=plan).client() as client:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
            client.post("/api/flows/filter", json={"limit": 1})
        after = client.post("/api/flows/filter", json={})
        entries = client.get("/__mock/requests").json()

    assert after.status_code == 200
    dropped = entries[0]
    assert (dropped["operation"], dropped["status"]) == ("read_flows", 0)
    assert dropped["request_body"] == {"limit": 1}
    assert "connection dropped" in dropped["error"]


def test_a_rule_fires_at_most_its_times(serve_app: Any) -> None:
    plan = FaultPlan((FaultRule(operation="health_check", status=503, times=2),))
    with serve_app(faults=plan).client() as client:
        statuses = [client.get("/api/health").status_code for _ in range(4)]
        faults = client.get("/__mock/faults").json()

    assert statuses == [503, 503, 200, 200]
    assert faults["rules"][0]["hits"] == 2


def statuses_under(serve_app: Any, plan: FaultPlan, calls: int = 40) -> list[int]:
    with serve_app(faults=plan).client() as client:
        return [client.get("/api/health").status_code for _ in range(calls)]


def test_probability_draws_repeat_with_the_seed(serve_app: Any) -> None:
    rule = FaultRule(operation="health_check", status=503, probability=0.5)

    first = statuses_under(serve_app, FaultPlan((rule,), seed=11))
    again = statuses_under(serve_app, FaultPlan((rule,), seed=11))
    other = statuses_under(serve_app, FaultPlan((rule,), seed=12))

    assert first == again
    assert first != other
    assert 8 <= first.count(503) <= 32


def test_the_server_seed_seeds_a_plan_without_one(serve_app: Any) -> None:
    rule = FaultRule(operation="health_check", status=503, probability=0.5)

    by_plan = statuses_under(serve_app, FaultPlan((rule,), seed=5))
    by_server = statuses_under(
        lambda **options: serve_app(seed=5, **options), FaultPlan((rule,))
    )

    assert by_plan == by_server


def test_faults_can_be_read_replaced_and_removed_at_run_time(
    http: httpx.Client,
) -> None:
    plan = {"seed": 3, "rules": [{"operation": "health_check", "status": 503}]}

    replaced = http.put("/__mock/faults", json=plan)
    struck = http.get("/api/health")
    read = http.get("/__mock/faults").json()
    removed = http.delete("/__mock/faults")
    spared = http.get("/api/health")

    assert replaced.status_code == 200
    assert struck.status_code == 503
    assert read == {
        "seed": 3,
        "rules": [
            {
                "operation": "health_check",
                "status": 503,
                "description": "health_check: answer 503",
                "hits": 1,
            }
        ],
    }
    assert removed.status_code == 204
    assert spared.status_code == 200
    assert http.get("/__mock/faults").json()["rules"] == []


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ([{"operation": "read_flow", "status": 200}], "status must be from 400"),
        ([{"operation": "read_flow"}], "does nothing"),
        ([{"status": 503, "drop": True}], "not both"),
        ([{"probability": 2, "drop": True}], "probability"),
        ([{"latency_ms": [5, 1]}], "latency_ms"),
        ([{"latency_ms": "slow"}], "latency_ms"),
        ([{"status": True}], "wrong type"),
        ([{"drop": True, "colour": "red"}], "unknown keys 'colour'"),
        ([{"body": {}, "drop": True}], "need a status"),
        ([{"operation": "read_flowz", "drop": True}], "did you mean read_flow"),
        ({"rules": [], "extra": 1}, "a fault plan is"),
        ([{"drop": True}, {"times": 0, "drop": True}], "fault rule 1: times"),
    ],
    ids=[
        "status-not-an-error",
        "no-effect",
        "status-and-drop",
        "probability-above-one",
        "inverted-range",
        "latency-not-a-number",
        "boolean-status",
        "unknown-key",
        "body-without-status",
        "unknown-operation",
        "unknown-plan-key",
        "names-the-rule",
    ],
)
def test_a_malformed_plan_answers_422_and_keeps_the_rules(
    http: httpx.Client, plan: Any, message: str
) -> None:
    http.put("/__mock/faults", json=[{"operation": "read_flows", "drop": True}])

    response = http.put("/__mock/faults", json=plan)

    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert len(http.get("/__mock/faults").json()["rules"]) == 1


def test_a_rule_reads_back_as_it_was_written() -> None:
    document = {
        "seed": 9,
        "rules": [
            {"operation": None, "latency_ms": [10.0, 20.0], "probability": 0.5},
            {"operation": "read_flow", "status": 503, "headers": {"Retry-After": "0"}},
            {"operation": "read_flows", "drop": True, "times": 2},
        ],
    }

    assert FaultPlan.from_json(document).to_json() == document


def test_a_malformed_file_names_itself(tmp_path: Any) -> None:
    path = tmp_path / "faults.json"
    path.write_text('[{"status": 999}]')

    with pytest.raises(FaultError, match=r"faults\.json.*fault rule 0") as raised:
        FaultPlan.load(path)

    assert raised.value.path == str(path)


def test_the_prefect_client_retries_through_503s(serve_app: Any) -> None:
    # Retry-After: 0 spares the client's backoff of 2, 4, 8 ... seconds.
    rule = FaultRule(
        operation="read_flows", status=503, times=2, headers={"Retry-After": "0"}
    )
    served = serve_app(faults=FaultPlan((rule,)))
    settings = {
        PREFECT_API_URL: served.base_url + "/api",
        PREFECT_CLIENT_MAX_RETRIES: 5,
    }

    with temporary_settings(settings), get_client(sync_client=True) as client:
        flows = client.read_flows()
    with served.client() as http:
        statuses = [e["status"] for e in http.get("/__mock/requests").json()]

    assert flows == []
    assert statuses[-3:] == [503, 503, 200]
