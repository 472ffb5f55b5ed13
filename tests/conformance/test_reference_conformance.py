"""A real Prefect 3.9.1 server, checked against its contract set.

The run must complete, every failure must be a known deviation (listed with
its reason in fixtures/conformance/known-deviations-3.9.1.json), and the
flow and deployment created before the run must still be there after it.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from mockserver.conformance import verify
from mockserver.reference import ReferenceServer

from .conftest import DEVIATIONS, MAX_EXAMPLES

pytestmark = pytest.mark.reference


def seed(api_url: str) -> tuple[str, str]:
    """Create a flow and a deployment as a user of that server would have."""
    suffix = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=api_url, timeout=10) as client:
        flow = client.post("/flows/", json={"name": f"users-flow-{suffix}"})
        flow.raise_for_status()
        deployment = client.post(
            "/deployments/",
            json={"name": f"users-deployment-{suffix}", "flow_id": flow.json()["id"]},
        )
        deployment.raise_for_status()
    return flow.json()["id"], deployment.json()["id"]


def still_there(api_url: str, path: str) -> bool:
    with httpx.Client(base_url=api_url, timeout=10) as client:
        return client.get(path).status_code == 200


def test_a_real_server_differs_only_where_known_and_keeps_its_objects(
    reference_server: ReferenceServer,
) -> None:
    api_url = reference_server.api_url
    flow_id, deployment_id = seed(api_url)

    report = verify(
        api_url,
        version="3.9.1",
        max_examples=MAX_EXAMPLES,
        deviations=DEVIATIONS / "known-deviations-3.9.1.json",
    )

    assert report.stop_reason == "completed"
    assert report.ok, report.summary()
    assert report.tested == report.operations
    assert still_there(api_url, f"/deployments/{deployment_id}")
    assert still_there(api_url, f"/flows/{flow_id}")
    assert report.safety.redirected > 0
