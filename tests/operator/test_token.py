"""A control token protects /__mock, and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

TOKEN = "s3cret-token"


@pytest.fixture
def guarded(serve_app: Any) -> Iterator[httpx.Client]:
    with serve_app(control_token=TOKEN).client() as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {TOKEN}"},
        {"Authorization": f"bearer {TOKEN}"},
        {"X-Mock-Token": TOKEN},
    ],
    ids=["bearer", "bearer-any-case", "x-mock-token"],
)
def test_the_token_opens_the_control_api(
    guarded: httpx.Client, headers: dict[str, str]
) -> None:
    response = guarded.get("/__mock/settings", headers=headers)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/__mock/requests", {}),
        ("DELETE", "/__mock/requests", {"Authorization": "Bearer wrong"}),
        ("PUT", "/__mock/faults", {"X-Mock-Token": TOKEN.upper()}),
        ("POST", "/__mock/reset", {"Authorization": f"Basic {TOKEN}"}),
        ("GET", "/__mock/", {}),
        ("GET", f"/__mock/requests?token={TOKEN}", {}),
        ("GET", "/__mock/nothing", {}),
    ],
    ids=[
        "no-token",
        "wrong-bearer",
        "wrong-case",
        "basic-scheme",
        "dashboard-without-token",
        "token-in-query-of-api",
        "unknown-path",
    ],
)
def test_without_the_token_the_control_api_answers_401(
    guarded: httpx.Client, method: str, path: str, headers: dict[str, str]
) -> None:
    response = guarded.request(method, path, headers=headers)

    assert response.status_code == 401
    assert "token" in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_refused_request_changes_nothing(guarded: httpx.Client) -> None:
    guarded.get("/api/health")

    guarded.delete("/__mock/requests")
    kept = guarded.get("/__mock/requests", headers={"X-Mock-Token": TOKEN})

    assert len(kept.json()) == 1


@pytest.mark.parametrize(
    "path",
    [f"/__mock/?token={TOKEN}", "/__mock/static/dashboard.js"],
    ids=["dashboard-with-token-in-url", "static-file"],
)
def test_the_dashboard_opens_with_the_token_in_its_url(
    guarded: httpx.Client, path: str
) -> None:
    response = guarded.get(path)

    assert response.status_code == 200


def test_the_prefect_api_needs_no_token(guarded: httpx.Client) -> None:
    assert guarded.get("/api/health").status_code == 200
    assert guarded.get("/api/openapi.json").status_code == 200


def test_without_a_token_configured_the_control_api_is_open(
    http: httpx.Client,
) -> None:
    assert http.delete("/__mock/requests").status_code == 204
