"""set_flow_run_state: the orchestration rules a proposal meets.

Every answer here was measured against real 3.9.1 and 2.14.16 servers
started with no services: the status, the result status, its details and
which state the run is left in.
"""

from __future__ import annotations

from typing import Any

import pytest

from .support import MISSING_ID, Api

FUTURE = "2030-01-01T00:00:00Z"
TRANSITION = "6f6c2d3e-2a3b-4c5d-8e9f-0a1b2c3d4e5f"


def scheduled_run(api: Api, **fields: Any) -> dict[str, Any]:
    deployment = api.deployment(**fields)
    return api.run(deployment["id"])


def test_an_accepted_state_answers_201_with_accept_details(any_api: Api) -> None:
    run = scheduled_run(any_api)

    reply = any_api.set_state(run["id"], "PENDING")

    assert reply.status == 201
    assert list(reply.body) == ["state", "status", "details"]
    assert reply.body["status"] == "ACCEPT"
    assert reply.body["details"] == {"type": "accept_details"}
    state = reply.body["state"]
    assert (state["type"], state["name"]) == ("PENDING", "Pending")
    # The scheduled time is copied from the SCHEDULED state to PENDING.
    assert (
        state["state_details"]["scheduled_time"]
        == run["state"]["state_details"]["scheduled_time"]
    )
    assert any_api.read_run(run["id"])["state_id"] == state["id"]


@pytest.mark.parametrize(
    ("path", "proposal", "status", "details"),
    [
        (
            ["PENDING"],
            "PENDING",
            "ABORT",
            {
                "type": "abort_details",
                "reason": "This run is in a PENDING state and cannot transition"
                " to a PENDING state.",
            },
        ),
        (
            ["PENDING", "RUNNING"],
            "PENDING",
            "ABORT",
            {
                "type": "abort_details",
                "reason": "This run is in a RUNNING state and cannot transition"
                " to a PENDING state.",
            },
        ),
        (
            ["PENDING", "RUNNING", "COMPLETED"],
            "CRASHED",
            "ABORT",
            {
                "type": "abort_details",
                "reason": "Run is already in terminal state COMPLETED.",
            },
        ),
        (
            [],
            "PAUSED",
            "REJECT",
            {
                "type": "reject_details",
                "reason": "Cannot pause flows that are not currently running.",
            },
        ),
    ],
    ids=["pending-twice", "running-to-pending", "completed-to-crashed", "pause-idle"],
)
def test_refused_proposals_answer_200_and_keep_the_state(
    any_api: Api,
    path: list[str],
    proposal: str,
    status: str,
    details: dict[str, str],
) -> None:
    run = scheduled_run(any_api)
    for state_type in path:
        any_api.set_state(run["id"], state_type)
    before = any_api.read_run(run["id"])

    reply = any_api.set_state(run["id"], proposal)

    assert reply.status == 200
    assert (reply.body["status"], reply.body["details"]) == (status, details)
    assert reply.body["state"]["id"] == before["state_id"]
    assert any_api.read_run(run["id"])["state_id"] == before["state_id"]


def test_running_before_the_scheduled_time_must_wait(any_api: Api) -> None:
    deployment = any_api.deployment()
    run = any_api.run(
        deployment["id"],
        state={"type": "SCHEDULED", "state_details": {"scheduled_time": FUTURE}},
    )
    any_api.set_state(run["id"], "PENDING")

    reply = any_api.set_state(run["id"], "RUNNING")

    assert reply.status == 200
    assert reply.body["status"] == "WAIT"
    details = reply.body["details"]
    assert details["type"] == "wait_details"
    assert details["reason"] == "Scheduled time is in the future"
    assert details["delay_seconds"] == 187_560_513  # 2030-01-01 minus START


def test_force_skips_the_rules(any_api: Api) -> None:
    deployment = any_api.deployment()
    run = any_api.run(
        deployment["id"],
        state={"type": "SCHEDULED", "state_details": {"scheduled_time": FUTURE}},
    )

    reply = any_api.set_state(run["id"], "RUNNING", force=True)

    assert (reply.status, reply.body["status"]) == (201, "ACCEPT")


def test_cancelling_a_scheduled_run_cancels_it_outright(any_api: Api) -> None:
    run = scheduled_run(any_api)

    reply = any_api.set_state(run["id"], "CANCELLING")

    assert reply.status == 201
    assert reply.body["status"] == "REJECT"
    assert reply.body["details"] == {
        "type": "reject_details",
        "reason": "Scheduled flow run has no infrastructure to terminate.",
    }
    assert any_api.read_run(run["id"])["state_type"] == "CANCELLED"


def test_a_run_moves_through_its_states_keeping_the_books(
    any_api: Api, clock: Any
) -> None:
    run = scheduled_run(any_api)
    any_api.set_state(run["id"], "PENDING")
    clock.advance(2)
    any_api.set_state(run["id"], "RUNNING")
    clock.advance(3)

    running = any_api.read_run(run["id"])
    any_api.set_state(run["id"], "COMPLETED", message="done")
    done = any_api.read_run(run["id"])

    assert (running["run_count"], running["estimated_run_time"]) == (1, 3.0)
    assert running["next_scheduled_start_time"] is None
    assert running["estimated_start_time_delta"] == 2.0
    assert done["state"]["message"] == "done"
    assert (done["total_run_time"], done["estimated_run_time"]) == (3.0, 3.0)
    assert done["start_time"] == running["start_time"]
    assert done["end_time"] == done["state"]["timestamp"]


def test_a_failure_with_retries_left_is_rescheduled_awaiting_retry(
    api: Api,
) -> None:
    deployment = api.deployment()
    run = api.run(deployment["id"], empirical_policy={"retries": 1, "retry_delay": 5})
    api.set_state(run["id"], "PENDING")
    api.set_state(run["id"], "RUNNING")

    reply = api.set_state(run["id"], "FAILED", message="boom")

    assert reply.status == 201
    assert reply.body["status"] == "REJECT"
    assert reply.body["details"] == {"type": "reject_details", "reason": "Retrying"}
    state = reply.body["state"]
    assert (state["type"], state["name"], state["message"]) == (
        "SCHEDULED",
        "AwaitingRetry",
        "boom",
    )
    assert api.read_run(run["id"])["empirical_policy"]["retry_type"] == "in_process"


def test_a_repeated_transition_id_is_rejected(api: Api) -> None:
    run = scheduled_run(api)
    api.set_state(run["id"], "PENDING", state_details={"transition_id": TRANSITION})

    reply = api.set_state(
        run["id"], "RUNNING", state_details={"transition_id": TRANSITION}
    )

    assert reply.body["status"] == "REJECT"
    assert reply.body["details"]["reason"] == (
        "This run has already made this state transition."
    )


def test_a_deployment_concurrency_limit_takes_and_returns_slots(api: Api) -> None:
    deployment = api.deployment(concurrency_limit=1)
    first = api.run(deployment["id"])
    second = api.run(deployment["id"])

    taken = api.set_state(first["id"], "PENDING")
    waiting = api.set_state(second["id"], "PENDING")

    lease = taken.body["state"]["state_details"]["deployment_concurrency_lease_id"]
    assert lease is not None
    assert waiting.body["status"] == "REJECT"
    assert waiting.body["state"]["name"] == "AwaitingConcurrencySlot"
    limit = api("read_deployment", id=deployment["id"]).body
    assert limit["global_concurrency_limit"]["active_slots"] == 1
    api.set_state(first["id"], "RUNNING")
    api.set_state(first["id"], "COMPLETED")
    freed = api("read_deployment", id=deployment["id"]).body
    assert freed["global_concurrency_limit"]["active_slots"] == 0
    assert (
        api.read_run(first["id"])["state"]["state_details"][
            "deployment_concurrency_lease_id"
        ]
        == lease
    )


def test_setting_the_state_of_a_missing_run_is_a_404(any_api: Api) -> None:
    reply = any_api.set_state(MISSING_ID, "RUNNING")

    assert reply.status == 404
    assert reply.body == {
        "exception_message": f"Flow run with id {MISSING_ID} not found"
    }
