"""The mock server imitating Prefect 2.14.16, over real HTTP.

The seed document holds a ``create_flow_run`` request and the answer a real
2.14.16 server gave to it; the mock, served on a socket, must answer the
same. The real 2.14.16 client, installed into a cached environment of its
own, must then work against the mock as against a real server.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.contracts import upstream
from tests.conftest import MockServer
from tests.seed import SEED, seed_differences

from .support import unique_name, watched

CLIENT_SCRIPT = """\
import asyncio, json, sys
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

flow_name = sys.argv[1]


async def main():
    async with get_client() as client:
        flow_id = await client.create_flow_from_name(flow_name)
        deployment_id = await client.create_deployment(
            flow_id=flow_id, name="nightly", parameters={"x": 1, "y": "a"},
            tags=["team"],
        )
        run = await client.create_flow_run_from_deployment(
            deployment_id, parameters={"y": "b"}, tags=["adhoc"]
        )
        read = await client.read_flow_run(run.id)
        deployment = await client.read_deployment_by_name(f"{flow_name}/nightly")
    started = await run_deployment(f"{flow_name}/nightly", timeout=0)
    return {
        "flow_id": str(flow_id),
        "deployment": json.loads(deployment.json()),
        "run": json.loads(read.json()),
        "started": json.loads(started.json()),
    }


print(json.dumps(asyncio.run(main())))
"""


@pytest.fixture
def http(mock_server_2: MockServer) -> Iterator[httpx.Client]:
    with (
        watched(mock_server_2),
        httpx.Client(base_url=mock_server_2.api_url, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def classic_python(contracts_dir: Path) -> Path:
    """The interpreter of a cached environment holding ``prefect==2.14.16``."""
    pins = upstream.pins_file("2.14.16", contracts_dir)
    return upstream.install_prefect("2.14.16", pins=pins)


def test_the_seed_request_answers_the_seed_response_over_http(
    http: httpx.Client, request: pytest.FixtureRequest
) -> None:
    flow = http.post("/flows/", json={"name": unique_name(request.node.nodeid, "f")})
    deployment = http.post(
        "/deployments/", json={"name": "seeded", "flow_id": flow.json()["id"]}
    )
    deployment_id = deployment.json()["id"]

    response = http.post(
        f"/deployments/{deployment_id}/create_flow_run", json=SEED["request"]
    )

    assert (flow.status_code, deployment.status_code) == (201, 201)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert seed_differences(SEED["response"], response.json()) == []
    assert response.json()["deployment_id"] == deployment_id


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"run_count": 1}, ["$.run_count: 1, not 0"]),
        ({"tags": ["tag-1"]}, ["$.tags: ['tag-1']"]),
        ({"id": 7}, ["$.id: int, not str"]),
        ({"created": "2030-01-01T00:00:00+00:00"}, []),
    ],
    ids=["value", "tags", "id-type", "time-value"],
)
def test_the_seed_comparison_notices_what_matters(
    change: dict[str, Any], expected: list[str]
) -> None:
    assert (
        seed_differences(SEED["response"], {**SEED["response"], **change}) == expected
    )


def test_the_seed_comparison_notices_reordered_keys() -> None:
    reordered = dict(reversed(list(SEED["response"].items())))

    assert len(seed_differences(SEED["response"], reordered)) == 1


@pytest.mark.reference
def test_the_real_2_14_16_client_creates_and_runs_a_deployment(
    mock_server_2: MockServer,
    classic_python: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    flow_name = unique_name(request.node.nodeid, "classic")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_API_URL": mock_server_2.api_url,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }

    with watched(mock_server_2):
        completed = subprocess.run(
            [str(classic_python), "-c", CLIENT_SCRIPT, flow_name],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout)
    deployment, run, started = seen["deployment"], seen["run"], seen["started"]
    assert deployment["flow_id"] == seen["flow_id"]
    assert (deployment["name"], deployment["tags"]) == ("nightly", ["team"])
    assert deployment["parameters"] == {"x": 1, "y": "a"}
    assert run["deployment_id"] == deployment["id"]
    assert run["parameters"] == {"x": 1, "y": "b"}
    assert sorted(run["tags"]) == ["adhoc", "team"]
    assert run["state"]["type"] == "SCHEDULED"
    assert started["deployment_id"] == deployment["id"]
    assert started["state"]["type"] == "SCHEDULED"
    assert started["id"] != run["id"]
