"""Recording a real Prefect 3.9.1 server over HTTP."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mockserver.contracts import ContractSet
from mockserver.record_proxy import create_record_app
from mockserver.recording import Recorder, list_recordings, read_recording
from mockserver.reference import ReferenceServer

from .conftest import serving

pytestmark = pytest.mark.reference


@contextmanager
def proxy(recorder: Recorder) -> Iterator[httpx.Client]:
    with (
        serving(create_record_app(recorder)) as api_url,
        httpx.Client(base_url=api_url, timeout=30) as client,
    ):
        yield client


def test_the_proxy_answers_exactly_as_the_server_and_records_it(
    reference_server: ReferenceServer, recordings: Path, contract_set: ContractSet
) -> None:
    recorder = Recorder(reference_server.api_url, recordings, contract_set)
    missing = "/deployments/00000000-0000-4000-8000-000000000000"
    with (
        proxy(recorder) as client,
        httpx.Client(base_url=reference_server.api_url) as direct,
    ):
        created = client.post("/flows/", json={"name": "recorded-by-test"})
        flow = f"/flows/{created.json()['id']}"
        pairs = [(client.get(path), direct.get(path)) for path in (flow, missing)]

    for proxied, real in pairs:
        assert proxied.status_code == real.status_code
        assert proxied.reason_phrase == real.reason_phrase
        assert proxied.headers["content-type"] == real.headers["content-type"]
        assert proxied.content == real.content
    assert list_recordings(recordings) == [
        "0001-create_flow-201.json",
        "0002-read_flow-200.json",
        "0003-read_deployment-404.json",
    ]
    assert recorder.report.drift == []
    recorded = read_recording(recordings, "0003-read_deployment-404.json")
    assert recorded.response.body == {"detail": "Deployment not found"}


def test_drift_from_an_altered_contract_set_is_reported(
    reference_server: ReferenceServer,
    recordings: Path,
    drifted_contracts: ContractSet,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder(reference_server.api_url, recordings, drifted_contracts)
    with (
        caplog.at_level(logging.WARNING, logger="mockserver"),
        proxy(recorder) as client,
    ):
        flow = client.post("/flows/", json={"name": "drifting"}).json()
        deployment = client.post(
            "/deployments/", json={"name": "drifting", "flow_id": flow["id"]}
        ).json()
        client.get(f"/deployments/{deployment['id']}")

    drifting = sorted({item.recording for item in recorder.report.drift})
    assert drifting == ["0001-create_flow-201.json", "0003-read_deployment-200.json"]
    assert "drift in 0003-read_deployment-200.json: response: 200 body" in caplog.text
    assert "owner" in recorder.report.summary()


def test_the_prefect_cli_works_through_the_proxy(
    reference_server: ReferenceServer,
    recordings: Path,
    contract_set: ContractSet,
    tmp_path: Path,
) -> None:
    recorder = Recorder(reference_server.api_url, recordings, contract_set)
    with serving(create_record_app(recorder)) as api_url:
        environment = {
            **os.environ,
            "PREFECT_API_URL": api_url,
            "PREFECT_HOME": str(tmp_path / "home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
        prefect = Path(sys.executable).with_name("prefect")
        result = subprocess.run(
            [str(prefect), "deployment", "ls"],
            env=environment,
            capture_output=True,
            timeout=120,
            check=False,
        )

    assert result.returncode == 0, result.stderr.decode()
    operations = [
        read_recording(recordings, name).operation
        for name in list_recordings(recordings)
    ]
    assert "read_deployments" in operations
