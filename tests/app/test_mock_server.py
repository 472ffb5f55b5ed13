"""``mockserver serve`` in a child process, used as a real Prefect client would."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_API_URL, temporary_settings

if TYPE_CHECKING:
    from tests.conftest import MockServer

LOG_LINE = re.compile(r" INFO (\S+) (\S+) (\S+) (\d{3}) \d+\.\dms$", re.MULTILINE)


@pytest.fixture
def http(mock_server: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock_server.api_url, timeout=10) as client:
        yield client


def test_the_served_api_answers_as_a_real_server(http: httpx.Client) -> None:
    health = http.get("/health")
    version = http.get("/admin/version")

    assert (health.status_code, health.json()) == (200, True)
    assert (version.status_code, version.json()) == (200, "3.9.1")
    assert health.headers["server"] == "uvicorn"


def test_every_served_request_is_logged_by_the_server(
    mock_server: MockServer, http: httpx.Client
) -> None:
    marker = f"/deployments/{uuid.uuid4()}"
    http.get(marker)
    http.get("/nope-" + marker.rsplit("/", 1)[1])

    lines = {found.groups() for found in LOG_LINE.finditer(mock_server.log())}
    assert ("GET", "/api" + marker, "read_deployment", "404") in lines
    assert ("GET", "/api/nope-" + marker.rsplit("/", 1)[1], "-", "404") in lines


def test_a_deployment_runs_through_the_prefect_client(mock_server: MockServer) -> None:
    with (
        temporary_settings({PREFECT_API_URL: mock_server.api_url}),
        get_client(sync_client=True) as client,
    ):
        flow_id = client.create_flow_from_name("end-to-end")
        deployment_id = client.create_deployment(
            flow_id=flow_id, name="nightly", parameters={"x": 1}
        )
        created = client.create_flow_run_from_deployment(
            deployment_id, parameters={"y": 2}, tags=["e2e"]
        )
        read = client.read_flow_run(created.id)

    assert read.id == created.id
    assert (read.flow_id, read.deployment_id) == (flow_id, deployment_id)
    assert read.parameters == {"x": 1, "y": 2}
    assert "e2e" in read.tags
    assert read.state is not None
    assert read.state.type == StateType.SCHEDULED
