"""A run through Schemathesis deletes nothing it did not create."""

from __future__ import annotations

import flask
import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.conformance import verify

from .conftest import MAX_EXAMPLES

DESTRUCTIVE = "^(create_flow|create_deployment|delete_.*|bulk_delete_deployments)$"


def seed(client: FlaskClient) -> tuple[str, str]:
    """Create a flow and a deployment the way a user would, before the run."""
    flow = client.post("/api/flows/", json={"name": "someone-elses-flow"})
    deployment = client.post(
        "/api/deployments/",
        json={"name": "someone-elses-deployment", "flow_id": flow.json["id"]},
    )
    assert deployment.status_code == 201, deployment.json
    return flow.json["id"], deployment.json["id"]


@pytest.fixture
def app() -> flask.Flask:
    return create_app("3.9.1")


def test_a_run_leaves_what_it_did_not_create(app: flask.Flask) -> None:
    client = app.test_client()
    flow_id, deployment_id = seed(client)

    report = verify(app, operations=DESTRUCTIVE, max_examples=MAX_EXAMPLES)

    assert client.get(f"/api/deployments/{deployment_id}").status_code == 200
    assert client.get(f"/api/flows/{flow_id}").status_code == 200
    assert report.safety.redirected > 0
    assert "skipped (redirected away from objects" in report.summary()


def test_allow_destructive_lets_a_bulk_delete_reach_everything(
    app: flask.Flask,
) -> None:
    client = app.test_client()
    _, deployment_id = seed(client)

    report = verify(
        app,
        operations="^bulk_delete_deployments$",
        phases=("coverage",),
        allow_destructive=True,
    )

    assert client.get(f"/api/deployments/{deployment_id}").status_code == 404
    assert report.safety.redirected == 0
    assert "--allow-destructive" in report.summary()
