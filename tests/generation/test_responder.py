"""--mode generate: every valid call gets a plausible, contract-valid answer."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.responses import DeploymentResponse

from mockserver.contracts import ContractSet, load_contract_set
from mockserver.exchange import Call
from mockserver.generation.responder import GeneratingResponder, success_status
from mockserver.validation import reply_violations

DEPLOYMENT_ID = "40686597-8f53-49e5-94b7-5b04446a39c2"
VERSIONS = ["3.9.1", "2.14.16"]


def _calls(contracts: ContractSet) -> list[tuple[str, int]]:
    return [(op.name, status) for op in contracts for status in op.responses]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_documented_status_of_every_operation_is_valid(version: str) -> None:
    contracts = load_contract_set(version)
    responder = GeneratingResponder(version, seed=7)
    broken = []

    for name, status in _calls(contracts):
        operation = contracts.operation(name)
        path = dict.fromkeys(operation.path_parameters, DEPLOYMENT_ID)
        call = Call(name, path=path, headers={"x-mock-status": str(status)})
        reply = responder.respond(call)
        assert reply.status == status
        broken += [
            (name, status, v) for v in reply_violations(contracts, operation, reply)
        ]

    assert broken == []


def test_answers_echo_what_the_real_server_echoes() -> None:
    responder = GeneratingResponder("3.9.1")
    body = {
        "name": "my-run",
        "tags": ["a", "b"],
        "parameters": {"x": 1},
        "state": {"type": "PENDING"},
    }

    reply = responder.respond(
        Call("create_flow_run_from_deployment", path={"id": DEPLOYMENT_ID}, body=body)
    )

    run = reply.body
    assert reply.status == 201
    assert run["deployment_id"] == DEPLOYMENT_ID
    assert (run["name"], run["tags"], run["parameters"]) == (
        "my-run",
        ["a", "b"],
        {"x": 1},
    )
    assert run["state"]["type"] == run["state_type"] == "PENDING"
    assert run["state_id"] == run["state"]["id"]


def test_a_read_answers_the_object_it_was_asked_for() -> None:
    reply = GeneratingResponder().respond(
        Call("read_deployment", path={"id": DEPLOYMENT_ID})
    )

    assert reply.body["id"] == DEPLOYMENT_ID


def test_the_same_seed_and_request_give_the_same_answer() -> None:
    call = Call("read_deployment", path={"id": DEPLOYMENT_ID})

    first = GeneratingResponder(seed=1).respond(call)
    again = GeneratingResponder(seed=1).respond(call)
    other = GeneratingResponder(seed=2).respond(call)

    assert first == again
    assert first.body != other.body


def test_a_header_chooses_an_error_answer_with_the_real_message() -> None:
    call = Call(
        "read_deployment", path={"id": DEPLOYMENT_ID}, headers={"x-mock-status": "404"}
    )

    reply = GeneratingResponder().respond(call)

    assert reply.status == 404
    assert reply.body == {"detail": "Deployment not found"}


def test_an_undocumented_status_is_refused_with_the_documented_ones() -> None:
    call = Call(
        "read_deployment", path={"id": DEPLOYMENT_ID}, headers={"x-mock-status": "418"}
    )

    reply = GeneratingResponder().respond(call)

    assert reply.status == 400
    assert "answers only 200, 404, 422" in reply.body["detail"]


@pytest.mark.parametrize(
    ("operation", "model"),
    [("read_flow_run", FlowRun), ("read_deployment", DeploymentResponse)],
    ids=["FlowRun", "DeploymentResponse"],
)
def test_answers_parse_in_the_real_clients_models(operation: str, model: Any) -> None:
    contracts = load_contract_set("3.9.1")
    status = success_status(contracts.operation(operation))

    for seed in range(1000):
        reply = GeneratingResponder(seed=seed).respond(
            Call(operation, path={"id": DEPLOYMENT_ID})
        )
        assert reply.status == status
        model.model_validate(reply.body)


def test_serve_in_generate_mode_answers_over_http(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "mockserver", "serve", "--mode", "generate"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--port", "0", "--seed", "3"], stdout=output, stderr=output
        )
    try:
        api_url = _wait_for_url(log)
        answer = httpx.get(f"{api_url}/deployments/{DEPLOYMENT_ID}", timeout=10)
        chosen = httpx.get(
            f"{api_url}/deployments/{DEPLOYMENT_ID}",
            headers={"X-Mock-Status": "404"},
            timeout=10,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert answer.status_code == 200
    assert answer.json()["id"] == DEPLOYMENT_ID
    assert chosen.status_code == 404
    assert chosen.json() == {"detail": "Deployment not found"}


def _wait_for_url(log: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"serving the Prefect API at (\S+/api)", log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"mockserver did not start:\n{log.read_text()}")
