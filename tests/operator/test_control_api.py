"""The control API under /__mock: state, settings, flow runs and contracts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from mockserver.contracts import load_contract_set
from mockserver.contracts.openapi import assemble
from mockserver.exchange import Call, Reply
from mockserver.operator import document_with_control
from mockserver.operator.openapi import CONTROL_OPERATIONS, CONTROL_PREFIX

RECORDINGS = Path(__file__).parents[2] / "fixtures" / "recordings" / "prefect-3.9.1"
MISSING_RUN = "00000000-0000-0000-0000-0000deadbeef"


def run_of(http: httpx.Client, deployment: dict[str, Any]) -> dict[str, Any]:
    response = http.post(
        f"/api/deployments/{deployment['id']}/create_flow_run", json={}
    )
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


def test_reset_forgets_every_object(
    http: httpx.Client, deployment: dict[str, Any]
) -> None:
    response = http.post("/__mock/reset")

    assert response.status_code == 204
    assert http.get(f"/api/deployments/{deployment['id']}").status_code == 404
    assert http.get("/__mock/state").json() == {
        "flows": [],
        "deployments": [],
        "flow_runs": [],
    }


@pytest.mark.parametrize(
    ("flags", "journal_left", "rules_left"),
    [({}, True, 1), ({"journal": True, "faults": True}, False, 0)],
    ids=["state-only", "state-journal-and-faults"],
)
def test_reset_may_also_clear_the_journal_and_faults(
    http: httpx.Client, flags: dict[str, bool], journal_left: bool, rules_left: int
) -> None:
    http.get("/api/health")
    http.put("/__mock/faults", json=[{"operation": "read_flows", "status": 503}])

    http.post("/__mock/reset", json=flags)

    assert bool(http.get("/__mock/requests").json()) is journal_left
    assert len(http.get("/__mock/faults").json()["rules"]) == rules_left


def test_the_state_of_one_mock_preloads_another(
    http: httpx.Client, deployment: dict[str, Any], serve_app: Any
) -> None:
    run = run_of(http, deployment)
    state = http.get("/__mock/state").json()

    with serve_app().client() as other:
        loaded = other.post("/__mock/fixtures", json=state)
        read_deployment = other.get(f"/api/deployments/{deployment['id']}")
        read_run = other.get(f"/api/flow_runs/{run['id']}")

    assert loaded.status_code == 201
    assert loaded.json() == {"flows": 1, "deployments": 1, "flow_runs": 1}
    assert (
        read_deployment.json()
        == http.get(f"/api/deployments/{deployment['id']}").json()
    )
    assert read_run.json()["name"] == run["name"]


def test_preloading_an_id_already_in_state_answers_409(
    http: httpx.Client, deployment: dict[str, Any]
) -> None:
    state = http.get("/__mock/state").json()

    response = http.post("/__mock/fixtures", json={"flows": state["flows"]})

    assert response.status_code == 409
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "document",
    [{"flows": {"not": "a list"}}, ["a list"], {"pipelines": []}],
    ids=["kind-not-a-list", "not-an-object", "unknown-kind"],
)
def test_malformed_fixtures_answer_422(http: httpx.Client, document: Any) -> None:
    response = http.post("/__mock/fixtures", json=document)

    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("move", "body", "types"),
    [
        ("advance", None, ("PENDING", "Pending")),
        ("complete", None, ("COMPLETED", "Completed")),
        ("fail", {"message": "disk full"}, ("FAILED", "Failed")),
    ],
    ids=["advance", "complete", "fail"],
)
def test_a_flow_run_can_be_moved_on(
    http: httpx.Client,
    deployment: dict[str, Any],
    move: str,
    body: Any,
    types: tuple[str, str],
) -> None:
    run = run_of(http, deployment)

    moved = http.post(f"/__mock/flow_runs/{run['id']}/{move}", json=body)
    read = http.get(f"/api/flow_runs/{run['id']}").json()

    assert moved.status_code == 200
    assert (moved.json()["state_type"], moved.json()["state_name"]) == types
    assert read["state"] == moved.json()["state"]
    if body is not None:
        assert read["state"]["message"] == body["message"]


@pytest.mark.parametrize("move", ["advance", "complete", "fail"])
def test_moving_an_unknown_flow_run_answers_the_real_404(
    http: httpx.Client, move: str
) -> None:
    response = http.post(f"/__mock/flow_runs/{MISSING_RUN}/{move}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Flow run not found"}


def test_the_lifecycle_and_step_delay_can_be_switched(
    http: httpx.Client, deployment: dict[str, Any]
) -> None:
    settings = http.patch(
        "/__mock/settings", json={"lifecycle": "complete", "step_delay": 0}
    )
    run = run_of(http, deployment)

    read = http.get(f"/api/flow_runs/{run['id']}").json()

    assert settings.status_code == 200
    assert (settings.json()["lifecycle"], settings.json()["step_delay"]) == (
        "complete",
        0.0,
    )
    assert read["state_type"] == "COMPLETED"


def test_playback_mode_answers_from_recordings_and_keeps_the_state(
    http: httpx.Client, deployment: dict[str, Any], tmp_path: Path
) -> None:
    recording = RECORDINGS / "0009-read_deployment-200.json"
    shutil.copy(recording, tmp_path)
    recorded = json.loads(recording.read_text())

    playback = http.patch(
        "/__mock/settings", json={"mode": "playback", "fixtures": str(tmp_path)}
    )
    played = http.get(recorded["request"]["path"])
    stateful = http.patch("/__mock/settings", json={"mode": "stateful"})

    assert playback.json()["mode"] == "playback"
    assert playback.json()["fixtures"] == str(tmp_path)
    assert played.json() == recorded["response"]["body"]
    assert stateful.json()["mode"] == "stateful"
    assert http.get(f"/api/deployments/{deployment['id']}").status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lifecycle": "forever"}, "unknown lifecycle 'forever'"),
        ({"step_delay": -1}, "step_delay"),
        ({"mode": "playback"}, "playback needs a folder of recordings"),
        ({"mode": "custom"}, "cannot switch to mode 'custom'"),
        ({"colour": "blue"}, "unknown settings 'colour'"),
        ({"mode": "playback", "fixtures": "/nowhere/at/all"}, "/nowhere/at/all"),
    ],
    ids=[
        "unknown-lifecycle",
        "negative-delay",
        "playback-without-recordings",
        "custom-mode",
        "unknown-key",
        "missing-folder",
    ],
)
def test_a_bad_setting_answers_422_and_changes_nothing(
    http: httpx.Client, change: dict[str, Any], message: str
) -> None:
    before = http.get("/__mock/settings").json()

    response = http.patch("/__mock/settings", json=change)

    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert http.get("/__mock/settings").json() == before


def test_the_operations_served_are_listed_with_their_contracts(
    http: httpx.Client,
) -> None:
    contracts = load_contract_set("3.9.1")

    listed = http.get("/__mock/operations").json()
    contract = http.get("/__mock/operations/create_flow_run_from_deployment")

    assert {item["name"] for item in listed} == set(contracts.operations)
    operation = contracts.operation("create_flow_run_from_deployment")
    assert contract.json() == contracts.documents[operation.uri]
    assert contract.json()["x-path"] == "/deployments/{id}/create_flow_run"


def test_an_unknown_operations_contract_answers_404_with_close_names(
    http: httpx.Client,
) -> None:
    response = http.get("/__mock/operations/read_deploymnt")

    assert response.status_code == 404
    assert "did you mean read_deployment" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("POST", "/__mock/requests", 405, "DELETE, GET, HEAD"),
        ("GET", "/__mock/reset", 405, "POST"),
        ("GET", "/__mock/nothing/here", 404, None),
    ],
    ids=["wrong-method", "get-an-action", "no-such-path"],
)
def test_a_request_no_control_route_takes_explains_itself(
    http: httpx.Client, method: str, path: str, status: int, allow: str | None
) -> None:
    response = http.request(method, path)

    assert response.status_code == status
    assert response.headers.get("allow") == allow
    assert response.json()["detail"]


def test_the_served_openapi_document_adds_the_control_api(
    http: httpx.Client,
) -> None:
    served = http.get("/api/openapi.json").json()

    assert served == document_with_control(assemble(load_contract_set("3.9.1")))
    validate(served)
    control = {
        (method.upper(), path)
        for path, item in served["paths"].items()
        if item.get("servers") == [{"url": CONTROL_PREFIX}]
        for method in item
        if method != "servers"
    }
    assert control == {(op.method, op.path) for op in CONTROL_OPERATIONS}


@pytest.mark.parametrize(
    "operation", CONTROL_OPERATIONS, ids=[op.name for op in CONTROL_OPERATIONS]
)
def test_every_documented_control_operation_is_routed(
    serve_app: Any, operation: Any
) -> None:
    path = CONTROL_PREFIX + operation.path.format(id=MISSING_RUN, name="read_flow")
    documented = {op.method for op in CONTROL_OPERATIONS if op.path == operation.path}
    allowed = documented | ({"HEAD"} if "GET" in documented else set())

    with serve_app().client() as client:
        answered = client.request(operation.method, path)
        options = client.request("OPTIONS", path)

    assert answered.status_code not in (404, 405) or (
        answered.status_code == 404 and "no control operation" not in answered.text
    ), answered.text
    assert options.status_code == 200
    assert set(options.headers["allow"].split(", ")) == allowed


@pytest.mark.parametrize("version", ["3.9.1", "2.14.16"])
def test_state_and_moves_work_for_every_version(
    serve_app: Any, make_deployment: Any, version: str
) -> None:
    with serve_app(prefect_version=version).client() as client:
        deployment = make_deployment(client)
        run = run_of(client, deployment)

        completed = client.post(f"/__mock/flow_runs/{run['id']}/complete")
        state = client.get("/__mock/state").json()

    assert completed.json()["state_type"] == "COMPLETED"
    assert [d["id"] for d in state["deployments"]] == [deployment["id"]]
    assert [r["state_type"] for r in state["flow_runs"]] == ["COMPLETED"]


class Teapot:
    """A responder of the caller's own, neither stateful nor playback."""

    def respond(self, call: Call) -> Reply:
        return Reply(200, True)


def test_a_custom_responder_can_give_way_to_the_state(serve_app: Any) -> None:
    with serve_app(responder=Teapot()).client() as client:
        before = client.get("/__mock/settings").json()["mode"]
        custom = client.post("/api/flows/count", json={})
        switched = client.patch("/__mock/settings", json={"mode": "stateful"})
        counted = client.post("/api/flows/count", json={})

    assert (before, custom.json()) == ("custom", True)
    assert switched.json()["mode"] == "stateful"
    assert counted.json() == 0
