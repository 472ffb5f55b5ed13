"""Fixtures of the recording tests: committed recordings, servers on threads."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mockserver.contracts import ContractSet, contracts_root, load_contract_set
from mockserver.recording import (
    RecordedRequest,
    RecordedResponse,
    Recording,
    write_recording,
)
from mockserver.serve import ServerThread

COMMITTED = Path(__file__).parents[2] / "fixtures" / "recordings" / "prefect-3.9.1"
FLOW_ID = "2d1e2f36-5f0a-4b63-9d3c-7c1b0e2a4f11"
DEPLOYMENT_ID = "0b5d6a4e-9c2f-4e1b-8a57-3f6d2c1e9a80"
OTHER_ID = "6f1c3e2a-7b4d-4c8e-9f0a-1d2e3f4a5b6c"


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve a WSGI application on a free loopback port; yield its API URL."""
    with ServerThread(app) as server:
        yield server.api_url


def deployment(deployment_id: str = DEPLOYMENT_ID, **fields: Any) -> dict[str, Any]:
    """A deployment body as Prefect 3.9.1 answers it, trimmed to what tests need."""
    return {"id": deployment_id, "name": "nightly", "flow_id": FLOW_ID, **fields}


def read_deployment(
    deployment_id: str = DEPLOYMENT_ID, status: int = 200, body: Any = None
) -> Recording:
    """A recording of ``read_deployment``."""
    return Recording(
        operation="read_deployment",
        prefect_version="3.9.1",
        request=RecordedRequest(
            "GET", f"/api/deployments/{deployment_id}", {"id": deployment_id}
        ),
        response=RecordedResponse(
            status,
            {"content-type": "application/json"},
            deployment(deployment_id) if body is None else body,
        ),
    )


def create_flow_run(body: Any, reply: Any, status: int = 201) -> Recording:
    """A recording of ``create_flow_run_from_deployment`` with the given bodies."""
    return Recording(
        operation="create_flow_run_from_deployment",
        prefect_version="3.9.1",
        request=RecordedRequest(
            "POST",
            f"/api/deployments/{DEPLOYMENT_ID}/create_flow_run",
            {"id": DEPLOYMENT_ID},
            body=body,
        ),
        response=RecordedResponse(status, {}, reply),
    )


Write = Callable[[str, Recording], Path]


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    """An empty recording directory."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    return folder


@pytest.fixture
def write(recordings: Path) -> Write:
    """Write a recording into :func:`recordings` under a name."""

    def write(name: str, recording: Recording) -> Path:
        return write_recording(recordings, name, recording)

    return write


@pytest.fixture(scope="session")
def contract_set() -> ContractSet:
    return load_contract_set("3.9.1")


@pytest.fixture
def drifted_contracts(tmp_path: Path) -> ContractSet:
    """A copy of the 3.9.1 contract set that no longer describes the server.

    read_deployment's 200 body and create_flow's request body demand a field
    the server never has; create_deployment accepts any request body.
    """
    root = tmp_path / "contracts"
    shutil.copytree(contracts_root() / "prefect-3.9.1", root / "prefect-3.9.1")

    operations = root / "prefect-3.9.1" / "operations"
    _require(operations / "read_deployment.json", "response-200", "owner")
    _require(operations / "create_flow.json", "request", "owner")
    _loosen(operations / "create_deployment.json", "request")
    return load_contract_set("3.9.1", root=root)


def _require(path: Path, part: str, field: str) -> None:
    contract = json.loads(path.read_text())
    contract["$defs"][part] = {
        "allOf": [contract["$defs"][part]],
        "required": [field],
    }
    path.write_text(json.dumps(contract))


def _loosen(path: Path, part: str) -> None:
    contract = json.loads(path.read_text())
    contract["$defs"][part] = {}
    path.write_text(json.dumps(contract))
