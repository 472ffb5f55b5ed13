"""The ``PrefectMock`` handle: preloading, lifecycle, playback, journal."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mockserver.errors import OperationRefused
from mockserver.fixtures import flow_graph
from mockserver.plugin import PrefectMock

RECORDINGS = Path(__file__).parents[2] / "fixtures" / "recordings" / "prefect-3.9.1"


def count(mock: PrefectMock, what: str) -> int:
    answer = httpx.post(f"{mock.api_url}/{what}/count", json={})
    return int(answer.json())


def test_preload_takes_graphs_fixture_files_and_keywords(
    prefect_mock: PrefectMock, tmp_path: Path
) -> None:
    in_a_file = flow_graph(seed=2, deployments=2).write(tmp_path / "graph.json")
    extra_flow = {"id": "2d1e2f36-5f0a-4b63-9d3c-7c1b0e2a4f11", "name": "loose"}

    prefect_mock.preload(flow_graph(seed=1), in_a_file, flows=[extra_flow])

    assert count(prefect_mock, "flows") == 3
    assert count(prefect_mock, "deployments") == 3
    assert count(prefect_mock, "flow_runs") == 3


def test_preloading_an_id_twice_is_refused(prefect_mock: PrefectMock) -> None:
    graph = flow_graph(seed=1)
    prefect_mock.preload(graph)

    with pytest.raises(OperationRefused, match="already exists"):
        prefect_mock.preload(graph)


def test_preloading_an_unknown_kind_is_refused(prefect_mock: PrefectMock) -> None:
    with pytest.raises(ValueError, match="unknown fixture kinds"):
        prefect_mock.preload(tasks=[{}])


def test_reset_forgets_objects_and_requests(prefect_mock: PrefectMock) -> None:
    prefect_mock.preload(flow_graph(seed=1))
    count(prefect_mock, "flows")

    prefect_mock.reset()

    assert prefect_mock.journal == []
    assert count(prefect_mock, "flows") == 0


def test_runs_move_when_the_test_moves_them(prefect_mock: PrefectMock) -> None:
    graph = flow_graph(seed=1, state="SCHEDULED")
    prefect_mock.preload(graph)
    run_id = graph.flow_runs[0]["id"]

    assert prefect_mock.advance(run_id)["state"]["type"] == "PENDING"
    assert prefect_mock.fail(run_id, "boom")["state"]["message"] == "boom"


def test_the_lifecycle_moves_runs_created_from_then_on(
    prefect_mock: PrefectMock,
) -> None:
    graph = flow_graph(seed=1, runs=0)
    prefect_mock.preload(graph)
    prefect_mock.lifecycle = "complete"
    prefect_mock.step_delay = 0.0

    created = httpx.post(
        f"{prefect_mock.api_url}/deployments/{graph.deployments[0]['id']}"
        "/create_flow_run",
        json={},
    ).json()
    read = httpx.get(f"{prefect_mock.api_url}/flow_runs/{created['id']}").json()

    assert read["state"]["type"] == "COMPLETED"


def test_an_unknown_lifecycle_is_refused(prefect_mock: PrefectMock) -> None:
    with pytest.raises(ValueError, match="unknown lifecycle 'finish'"):
        prefect_mock.lifecycle = "finish"  # type: ignore[assignment]


def test_playback_answers_from_recordings_until_the_next_reset(
    prefect_mock: PrefectMock,
) -> None:
    recorded = json.loads((RECORDINGS / "0001-create_flow-201.json").read_text())
    request = recorded["request"]

    prefect_mock.play(RECORDINGS)
    played = httpx.post(prefect_mock.api_url + "/flows/", json=request["body"])
    with pytest.raises(RuntimeError, match="plays back recordings"):
        _ = prefect_mock.state
    prefect_mock.reset()
    stateful = httpx.post(prefect_mock.api_url + "/flows/", json=request["body"])

    assert played.json() == recorded["response"]["body"]
    assert stateful.json()["id"] != recorded["response"]["body"]["id"]


def test_calls_returns_the_matching_requests(prefect_mock: PrefectMock) -> None:
    for name in ("a", "b", "a"):
        httpx.post(prefect_mock.api_url + "/flows/", json={"name": name})

    assert len(prefect_mock.calls("create_flow")) == 3
    assert [e.status for e in prefect_mock.calls("create_flow", name="a")] == [201, 200]


def test_the_handle_says_where_it_serves(prefect_mock: PrefectMock) -> None:
    assert repr(prefect_mock) == (
        f"<PrefectMock {prefect_mock.api_url} Prefect 3.9.1 seed={prefect_mock.seed}>"
    )
