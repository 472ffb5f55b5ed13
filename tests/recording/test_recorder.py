"""The recording proxy over HTTP, in front of a stateful mock server as the target.

The target is mockserver's own stateful server: it answers like Prefect
3.9.1 and starts in milliseconds. The same proxy in front of a real Prefect
server is tested in test_record_reference.py.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mockserver.app import create_app
from mockserver.contracts import ContractSet
from mockserver.record_proxy import create_record_app
from mockserver.recording import (
    REDACTED,
    Recorder,
    list_recordings,
    read_recording,
)

from .conftest import serving


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    """A stateful mock server of Prefect 3.9.1: the server being recorded."""
    with serving(create_app("3.9.1")) as api_url:
        yield api_url


@contextmanager
def proxy(recorder: Recorder) -> Iterator[httpx.Client]:
    with (
        serving(create_record_app(recorder)) as api_url,
        httpx.Client(base_url=api_url, timeout=10) as client,
    ):
        yield client


def test_answers_pass_through_unchanged_and_are_recorded(
    target: str, recordings: Path, contract_set: ContractSet
) -> None:
    recorder = Recorder(target, recordings, contract_set)
    with proxy(recorder) as client:
        created = client.post("/flows/", json={"name": "recorded-etl"})
        direct = httpx.get(f"{target}/flows/{created.json()['id']}")
        read = client.get(f"/flows/{created.json()['id']}")

    assert created.status_code == 201
    assert (read.status_code, read.content) == (200, direct.content)
    assert read.headers["content-type"] == "application/json"
    assert list_recordings(recordings) == [
        "0001-create_flow-201.json",
        "0002-read_flow-200.json",
    ]
    recording = read_recording(recordings, "0001-create_flow-201.json")
    assert recording.operation == "create_flow"
    assert recording.request.method == "POST"
    assert recording.request.path == "/api/flows/"
    assert recording.request.body == {"name": "recorded-etl"}
    assert recording.response.body == created.json()
    assert recording.drift == ()
    assert recording.duration_ms > 0


def test_path_parameters_and_query_are_recorded(
    target: str, recordings: Path, contract_set: ContractSet
) -> None:
    recorder = Recorder(target, recordings, contract_set)
    with proxy(recorder) as client:
        client.get("/flows/name/no%20such%20flow", params={"x": "1"})

    recording = read_recording(recordings, "0001-read_flow_by_name-404.json")
    assert recording.request.path_parameters == {"name": "no such flow"}
    assert recording.request.query == {"x": "1"}


def test_secrets_never_reach_the_disk(
    target: str, recordings: Path, contract_set: ContractSet
) -> None:
    recorder = Recorder(target, recordings, contract_set)
    with proxy(recorder) as client:
        client.post(
            "/flows/",
            json={"name": "etl"},
            headers={
                "Authorization": "Bearer s3cr3t",
                "X-API-Key": "s3cr3t",
                "Cookie": "session=s3cr3t",
            },
        )

    path = recordings / "0001-create_flow-201.json"
    assert "s3cr3t" not in path.read_text()
    headers = read_recording(recordings, path.name).request.headers
    assert headers["authorization"] == headers["x-api-key"] == REDACTED
    assert headers["cookie"] == REDACTED


def test_drift_is_logged_recorded_and_summarised_without_changing_traffic(
    target: str,
    recordings: Path,
    drifted_contracts: ContractSet,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder(target, recordings, drifted_contracts)
    with caplog.at_level(logging.INFO, logger="mockserver"), proxy(recorder) as client:
        created = client.post("/flows/", json={"name": "drifting"})
        deployment = client.post(
            "/deployments/", json={"name": "d", "flow_id": created.json()["id"]}
        )
        read = client.get(f"/deployments/{deployment.json()['id']}")

    assert (created.status_code, read.status_code) == (201, 200)
    assert "drift in 0001-create_flow-201.json: request: " in caplog.text
    assert "drift in 0003-read_deployment-200.json: response: " in caplog.text

    [request_drift] = read_recording(recordings, "0001-create_flow-201.json").drift
    assert "'owner' is a required property" in request_drift or "owner" in request_drift
    assert "the contract rejects it with 422, the server answered 201" in request_drift
    [response_drift] = read_recording(recordings, "0003-read_deployment-200.json").drift
    assert response_drift.startswith("response: 200 body")
    assert "owner" in response_drift
    assert read_recording(recordings, "0002-create_deployment-201.json").drift == ()

    summary = recorder.report.summary().splitlines()
    assert summary[:2] == ["recorded 3 exchanges", "drift in 2 of 3:"]
    assert summary[2].startswith("  0001-create_flow-201.json: request: ")
    assert summary[3].startswith("  0003-read_deployment-200.json: response: ")


def test_a_request_the_server_rejects_but_the_contract_accepts_is_drift(
    target: str, recordings: Path, drifted_contracts: ContractSet
) -> None:
    recorder = Recorder(target, recordings, drifted_contracts)
    with proxy(recorder) as client:
        answer = client.post("/deployments/", json={"name": 5})

    assert answer.status_code == 422
    [drift] = recorder.report.drift
    assert str(drift) == (
        "0001-create_deployment-422.json: request: "
        "the server rejected with 422 a request the contract accepts"
    )


def test_a_request_outside_the_contract_set_is_recorded_without_drift(
    target: str, recordings: Path, contract_set: ContractSet
) -> None:
    recorder = Recorder(target, recordings, contract_set)
    with proxy(recorder) as client:
        answer = client.get("/artifacts/")

    assert answer.status_code == 404
    assert list_recordings(recordings) == ["0001-unmatched-404.json"]
    assert read_recording(recordings, "0001-unmatched-404.json").operation is None
    assert recorder.report.summary().splitlines() == [
        "recorded 1 exchange (1 outside the contract set)",
        "no drift from the contract set",
    ]


def test_redirects_are_passed_back_through_the_proxy_not_followed(
    target: str, recordings: Path, contract_set: ContractSet
) -> None:
    recorder = Recorder(target, recordings, contract_set)
    with proxy(recorder) as client:
        answer = client.post("/flows", json={"name": "etl"})
        proxy_url = str(client.base_url).rstrip("/")

    assert answer.status_code == 307
    assert answer.headers["location"] == proxy_url + "/flows/"
    recorded = read_recording(recordings, "0001-unmatched-307.json")
    assert recorded.response.headers["location"] == target + "/flows/"


def test_paths_outside_the_api_are_not_forwarded(
    target: str, recordings: Path, contract_set: ContractSet
) -> None:
    recorder = Recorder(target, recordings, contract_set)
    with proxy(recorder) as client:
        answer = client.get("/../health")

    assert (answer.status_code, answer.json()) == (404, {"detail": "Not Found"})
    assert list_recordings(recordings) == []


def test_an_unreachable_target_answers_502_and_records_nothing(
    recordings: Path, contract_set: ContractSet
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    recorder = Recorder(f"http://127.0.0.1:{closed_port}/api", recordings, contract_set)
    with proxy(recorder) as client:
        answer = client.get("/health")

    assert answer.status_code == 502
    assert "could not reach" in answer.json()["detail"]
    assert list_recordings(recordings) == []


def test_numbering_continues_after_earlier_sessions(
    target: str, recordings: Path, contract_set: ContractSet
) -> None:
    for _ in range(2):
        with proxy(Recorder(target, recordings, contract_set)) as client:
            client.get("/health")

    assert list_recordings(recordings) == [
        "0001-health_check-200.json",
        "0002-health_check-200.json",
    ]


def test_concurrent_requests_get_one_recording_each(
    target: str, recordings: Path, contract_set: ContractSet
) -> None:
    recorder = Recorder(target, recordings, contract_set)
    with (
        proxy(recorder) as client,
        concurrent.futures.ThreadPoolExecutor(8) as pool,
    ):
        statuses = list(
            pool.map(lambda _: client.get("/health").status_code, range(24))
        )

    assert statuses == [200] * 24
    names = list_recordings(recordings)
    assert names == [f"{n:04d}-health_check-200.json" for n in range(1, 25)]
    assert all(
        json.loads((recordings / name).read_text())["response"]["body"] is True
        for name in names
    )
