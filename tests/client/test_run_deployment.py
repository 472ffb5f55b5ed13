"""``prefect.deployments.run_deployment`` against the mock server.

With ``timeout=0`` the client returns the run it created, still SCHEDULED,
as a real server with no worker leaves it. Under ``--lifecycle complete``
the mock plays the worker, so a client that polls sees the run finish.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment

from tests.conftest import MockServer, start_mock_server, stop_mock_server

from .conftest import Prefect, prefect_for

# The mock's lifecycle moves a run one state a second: PENDING, RUNNING,
# then COMPLETED, so a polling client waits about three seconds.
POLL_INTERVAL = 0.2
POLL_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def completing_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[MockServer]:
    """A 3.9.1 mock server whose runs complete on their own."""
    log_path = tmp_path_factory.mktemp("completing") / "serve.log"
    server = start_mock_server(log_path, "--lifecycle", "complete")
    yield server
    stop_mock_server(server)


@pytest.fixture
def completing(completing_server: MockServer, tmp_path: Path) -> Iterator[Prefect]:
    yield from prefect_for(completing_server, tmp_path)


@pytest.mark.parametrize("by_name", [True, False], ids=["by-name", "by-id"])
def test_a_run_started_without_waiting_is_scheduled(
    prefect: Prefect, flow_name: str, by_name: bool
) -> None:
    deployment = prefect.deployment(
        flow_name, "nightly", parameters={"x": 1, "y": "a"}, tags=["team"]
    )
    target = f"{flow_name}/nightly" if by_name else deployment.id

    with prefect.settings():
        run = run_deployment(target, timeout=0, parameters={"y": "b"}, tags=["adhoc"])
    with prefect.client() as client:
        read = client.read_flow_run(run.id)

    assert run.deployment_id == deployment.id
    assert run.state is not None
    assert run.state.type == StateType.SCHEDULED
    assert run.parameters == {"x": 1, "y": "b"}
    assert set(run.tags) == {"team", "adhoc"}
    assert (read.state_type, read.parameters) == (StateType.SCHEDULED, run.parameters)


@pytest.mark.parametrize(
    ("idempotency_key", "expected"),
    [(None, {}), ("once", None)],
    ids=["plain", "idempotent"],
)
def test_job_variables_sent_as_null_read_back_as_prefect_stores_them(
    prefect: Prefect,
    flow_name: str,
    idempotency_key: str | None,
    expected: dict[str, object] | None,
) -> None:
    # run_deployment sends ``"job_variables": null``. Prefect's plain insert
    # turns it into the column's default; its insert for an idempotency key
    # keeps the null.
    deployment = prefect.deployment(flow_name, "nightly")

    with prefect.settings():
        run = run_deployment(deployment.id, timeout=0, idempotency_key=idempotency_key)
    with prefect.client() as client:
        read = client.read_flow_run(run.id)

    assert (run.job_variables, read.job_variables) == (expected, expected)


def test_a_polling_run_returns_once_the_mock_completes_it(
    completing: Prefect, flow_name: str
) -> None:
    deployment = completing.deployment(flow_name, "nightly", parameters={"x": 4})

    with completing.settings():
        run = run_deployment(
            f"{flow_name}/nightly", timeout=POLL_TIMEOUT, poll_interval=POLL_INTERVAL
        )
    with completing.client() as client:
        read = client.read_flow_run(run.id)

    assert run.deployment_id == deployment.id
    assert run.state is not None
    assert run.state.type == StateType.COMPLETED
    assert run.parameters == {"x": 4}
    assert read.state_type == StateType.COMPLETED
    assert read.start_time is not None
    assert read.end_time is not None
    assert read.start_time <= read.end_time
