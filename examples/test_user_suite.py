"""A project's own tests of its Prefect code, run against mockserver.

With mockserver installed next to prefect, any test can ask for the
``prefect_mock`` fixture: an empty mock Prefect server that the Prefect
client, the ``prefect`` CLI and any child process talk to for the length of
the test. Nothing else is needed; no real server is started. Run it with::

    pytest examples/test_user_suite.py

The first two functions stand for the code under test; a real project
would import them from its own package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment

from mockserver.fixtures import FixtureSet, flow_graph
from mockserver.plugin import PrefectMock
from mockserver.recording import list_recordings, read_recording

RECORDINGS = Path(__file__).parents[1] / "fixtures" / "recordings" / "prefect-3.9.1"
PREFECT = Path(sys.executable).parent / "prefect"


def trigger_nightly(x: int) -> FlowRun:
    """Start the nightly ETL run and return at once."""
    return run_deployment("etl/nightly", parameters={"x": x}, timeout=0, _sync=True)


def run_nightly_to_the_end() -> FlowRun:
    """Start the nightly ETL run and wait until it has finished."""
    return run_deployment("etl/nightly", timeout=30, poll_interval=0.1, _sync=True)


@pytest.fixture
def etl(prefect_mock: PrefectMock) -> FixtureSet:
    """The ``etl`` flow with its ``nightly`` deployment, loaded into the mock."""
    graph = flow_graph(
        flow="etl",
        deployments=["nightly"],
        runs=0,
        parameters={"x": 1},
        seed=prefect_mock.seed,
    )
    prefect_mock.preload(graph)
    return graph


def test_triggering_by_name_creates_a_run_with_the_parameters(
    prefect_mock: PrefectMock, etl: FixtureSet
) -> None:
    run = trigger_nightly(x=3)

    assert run.state_type == StateType.SCHEDULED
    prefect_mock.assert_called(
        "create_flow_run_from_deployment",
        deployment_id=etl.deployments[0]["id"],
        parameters={"x": 3},
    )


def test_a_run_started_by_id_has_the_deployments_defaults(
    prefect_mock: PrefectMock, etl: FixtureSet
) -> None:
    deployment_id = etl.deployments[0]["id"]

    run = run_deployment(deployment_id, timeout=0, _sync=True)

    assert str(run.deployment_id) == deployment_id
    assert run.parameters == {"x": 1}
    prefect_mock.assert_not_called("read_deployment_by_name")


@pytest.mark.prefect_mock(lifecycle="complete")
def test_waiting_returns_the_run_once_it_has_completed(etl: FixtureSet) -> None:
    run = run_nightly_to_the_end()

    assert run.state_type == StateType.COMPLETED


def test_waiting_sees_a_failed_run(prefect_mock: PrefectMock, etl: FixtureSet) -> None:
    prefect_mock.lifecycle = "fail"

    run = run_nightly_to_the_end()

    assert run.state_type == StateType.FAILED
    assert len(prefect_mock.calls("read_flow_run")) >= 1


def test_a_run_moves_only_when_the_test_says_so(
    prefect_mock: PrefectMock, etl: FixtureSet
) -> None:
    run = trigger_nightly(x=2)

    prefect_mock.complete(str(run.id))

    with get_client(sync_client=True) as client:
        read = client.read_flow_run(run.id)
    assert read.state_type == StateType.COMPLETED


def prefect_cli(*arguments: str, home: Path) -> str:
    # PREFECT_API_URL is already in the environment; the own PREFECT_HOME
    # keeps the CLI away from the profile of whoever runs the tests.
    environment = {**os.environ, "PREFECT_HOME": str(home)}
    result = subprocess.run(
        [str(PREFECT), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_prefect_cli_lists_and_runs_the_deployment(
    prefect_mock: PrefectMock, etl: FixtureSet, tmp_path: Path
) -> None:
    listed = prefect_cli("deployment", "ls", home=tmp_path)
    prefect_cli("deployment", "run", "etl/nightly", "--param", "x=3", home=tmp_path)

    assert "etl/nightly" in listed
    prefect_mock.assert_called(
        "create_flow_run_from_deployment",
        deployment_id=etl.deployments[0]["id"],
        parameters={"x": 3},
    )


def recorded_deployment() -> dict[str, object]:
    """The deployment a recorded ``read_deployment`` answered with."""
    for name in list_recordings(RECORDINGS):
        recording = read_recording(RECORDINGS, name)
        if (
            recording.operation == "read_deployment"
            and recording.response.status == 200
        ):
            body: dict[str, object] = recording.response.body
            return body
    raise LookupError(f"no recorded read_deployment in {RECORDINGS}")


@pytest.mark.prefect_mock(recordings=str(RECORDINGS))
def test_a_recorded_deployment_is_played_back(prefect_mock: PrefectMock) -> None:
    recorded = recorded_deployment()

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment(str(recorded["id"]))

    assert deployment.name == recorded["name"]
    assert str(deployment.flow_id) == recorded["flow_id"]
