"""The request journal over HTTP: GET and DELETE /__mock/requests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

INVALID_RUN_REQUEST = {"parameters": "not an object"}
"""A create_flow_run_from_deployment body that breaks its contract (422)."""


def test_each_entry_shows_operation_status_timing_bodies_and_violations(
    http: httpx.Client, deployment: dict[str, Any]
) -> None:
    path = f"/api/deployments/{deployment['id']}/create_flow_run"
    refused = http.post(path, json=INVALID_RUN_REQUEST)

    entries = http.get("/__mock/requests").json()

    assert refused.status_code == 422
    last = entries[-1]
    assert last["operation"] == "create_flow_run_from_deployment"
    assert (last["method"], last["path"], last["status"]) == ("POST", path, 422)
    assert last["request_body"] == INVALID_RUN_REQUEST
    assert last["reply_body"] == refused.json()
    assert last["duration_ms"] > 0
    assert last["time"].endswith("Z")
    assert [v["location"] for v in last["request_violations"]] == [
        ["body", "parameters"]
    ]
    assert last["request_violations"][0]["kind"] == "dict_type"
    assert last["reply_violations"] == []


def test_entries_are_oldest_first_and_numbered(http: httpx.Client) -> None:
    for _ in range(3):
        http.get("/api/health")

    entries = http.get("/__mock/requests").json()

    assert [e["sequence"] for e in entries] == [1, 2, 3]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("operation=create_flow_run_from_deployment&status=422", [422]),
        ("operation=create_flow_run_from_deployment", [201, 422]),
        ("status=201", [201, 201, 201]),
        ("after=2", [201, 422]),
    ],
    ids=["operation-and-status", "operation", "status", "after-a-sequence"],
)
def test_the_journal_can_be_filtered(
    http: httpx.Client, deployment: dict[str, Any], query: str, expected: list[int]
) -> None:
    path = f"/api/deployments/{deployment['id']}/create_flow_run"
    http.post(path, json={})
    http.post(path, json=INVALID_RUN_REQUEST)

    entries = http.get(f"/__mock/requests?{query}").json()

    assert [e["status"] for e in entries] == expected


def test_a_malformed_filter_answers_422(http: httpx.Client) -> None:
    response = http.get("/__mock/requests?status=teapot")

    assert response.status_code == 422
    assert "status" in response.json()["detail"]


def test_delete_clears_the_journal_and_numbering_goes_on(http: httpx.Client) -> None:
    http.get("/api/health")
    http.get("/api/health")

    cleared = http.delete("/__mock/requests")
    http.get("/api/health")
    entries = http.get("/__mock/requests").json()

    assert cleared.status_code == 204
    assert [e["sequence"] for e in entries] == [3]


def test_the_journal_keeps_only_its_newest_entries(serve_app: Any) -> None:
    served = serve_app(journal_size=3)
    with served.client() as client:
        for _ in range(5):
            client.get("/api/health")

        response = client.get("/__mock/requests")

    assert [e["sequence"] for e in response.json()] == [3, 4, 5]
    assert response.headers["X-Mock-Journal-Kept"] == "3"


def test_control_requests_are_not_journaled(http: httpx.Client) -> None:
    http.get("/api/health")
    for path in ("/__mock/requests", "/__mock/state", "/__mock/faults", "/__mock/"):
        assert http.get(path).status_code == 200

    entries = http.get("/__mock/requests").json()

    assert [e["path"] for e in entries] == ["/api/health"]
