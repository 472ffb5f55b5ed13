"""The responder itself: its operations, determinism, reset, fixtures and
the operator methods that move runs by hand."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.contracts import load_contract_set
from mockserver.errors import OperationRefused, UnknownOperation, UnknownVersion
from mockserver.exchange import Call
from mockserver.state import StatefulResponder

from .support import MISSING_ID, Api, ApiFactory, Clock


@pytest.mark.parametrize("version", ["3.9.1", "2.14.16"])
def test_every_operation_of_the_contract_set_is_answered(version: str) -> None:
    contracts = load_contract_set(version)

    assert set(contracts.operations) <= StatefulResponder(version).operations


@pytest.mark.parametrize(
    ("version", "operation", "suggestion"),
    [
        ("3.9.1", "read_deploymnt", "read_deployment"),
        ("2.14.16", "pause_deployment", "update_deployment"),
    ],
    ids=["misspelt", "other-version"],
)
def test_an_unknown_operation_raises_with_suggestions(
    version: str, operation: str, suggestion: str
) -> None:
    responder = StatefulResponder(version)

    with pytest.raises(UnknownOperation) as caught:
        responder.respond(Call(operation))

    assert caught.value.name == operation
    assert suggestion in caught.value.candidates


def test_an_unknown_version_raises() -> None:
    with pytest.raises(UnknownVersion, match=r"'1\.0'"):
        StatefulResponder("1.0")


def script(api: Api) -> list[Any]:
    deployment = api.deployment()
    run = api.run(deployment["id"])
    return [deployment, run, api("read_flow_runs", {}).body]


def test_the_same_seed_and_clock_give_the_same_answers(make_api: ApiFactory) -> None:
    first = script(make_api(seed=3, clock=Clock()))
    second = script(make_api(seed=3, clock=Clock()))

    assert first == second


def test_reset_forgets_everything_and_replays_the_same_ids(api: Api) -> None:
    before = script(api)

    api.responder.reset()

    assert api("count_deployments", {}).body == 0
    assert script(api) == before


def test_fixtures_keep_their_ids_times_and_states(api: Api) -> None:
    run = {
        "id": "11111111-1111-4111-8111-111111111111",
        "name": "from-a-recording",
        "flow_id": "22222222-2222-4222-8222-222222222222",
        "deployment_id": "33333333-3333-4333-8333-333333333333",
        "created": "2024-01-01T00:00:00Z",
        "idempotency_key": "k",
        "state": {"type": "COMPLETED", "timestamp": "2024-01-01T00:05:00Z"},
    }
    deployment = {
        "id": run["deployment_id"],
        "name": "recorded",
        "flow_id": run["flow_id"],
        "tags": ["x"],
        "paused": True,
    }

    api.responder.preload({"deployments": [deployment], "flow_runs": [run]})

    read = api.read_run(run["id"])
    assert (read["name"], read["state_type"], read["created"]) == (
        "from-a-recording",
        "COMPLETED",
        "2024-01-01T00:00:00Z",
    )
    loaded = api("read_deployment", id=deployment["id"]).body
    assert (loaded["paused"], loaded["tags"]) == (True, ["x"])
    # A deployment whose flow was not loaded gets a stand-in flow.
    assert api("read_flow", id=run["flow_id"]).body["name"] == "flow-22222222"
    again = api.run(deployment["id"], idempotency_key="k")
    assert again["id"] == run["id"]


@pytest.mark.parametrize(
    ("objects", "error"),
    [
        ({"tasks": []}, ValueError),
        (
            {
                "flows": [
                    {"id": MISSING_ID, "name": "a"},
                    {"id": MISSING_ID, "name": "b"},
                ]
            },
            OperationRefused,
        ),
    ],
    ids=["unknown-kind", "duplicate-id"],
)
def test_bad_fixtures_are_refused(
    api: Api, objects: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        api.responder.preload(objects)


@pytest.mark.parametrize(
    ("method", "steps", "expected"),
    [
        ("advance", 1, ["PENDING"]),
        ("advance", 3, ["PENDING", "RUNNING", "COMPLETED"]),
        ("complete", 1, ["COMPLETED"]),
        ("fail", 1, ["FAILED"]),
    ],
    ids=["advance-once", "advance-thrice", "complete", "fail"],
)
def test_operators_move_runs_by_hand(
    make_api: ApiFactory, method: str, steps: int, expected: list[str]
) -> None:
    api = make_api(lifecycle="complete")
    run = api.run(api.deployment()["id"])

    seen = [
        getattr(api.responder, method)(run["id"])["state_type"] for _ in range(steps)
    ]

    assert seen == expected
    assert api.read_run(run["id"])["state_type"] == expected[-1]


def test_a_failed_run_carries_the_operator_s_message(api: Api) -> None:
    run = api.run(api.deployment()["id"])

    failed = api.responder.fail(run["id"], message="broken on purpose")

    assert failed["state"]["message"] == "broken on purpose"
    assert failed["run_count"] == 1
    assert failed["end_time"] is not None


def test_an_operator_can_force_any_state(api: Api) -> None:
    run = api.run(api.deployment()["id"])

    crashed = api.responder.set_state(run["id"], "CRASHED", message="gone")

    assert (crashed["state_type"], crashed["state"]["message"]) == ("CRASHED", "gone")
    assert api.responder.flow_run(run["id"]) == api.read_run(run["id"])


def test_operators_refuse_unknown_runs(api: Api) -> None:
    with pytest.raises(OperationRefused) as caught:
        api.responder.complete(MISSING_ID)

    assert (caught.value.status, caught.value.body) == (
        404,
        {"detail": "Flow run not found"},
    )
