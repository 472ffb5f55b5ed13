"""Lifecycles: runs that stay put, complete or fail on their own, lazily."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.state import StatefulResponder

from .support import Api, Clock

FUTURE = "2030-01-01T00:00:00Z"


def history(api: Api, run_id: str) -> str:
    return api.read_run(run_id)["state_type"]


def test_held_runs_stay_scheduled(api: Api, clock: Clock) -> None:
    run = api.run(api.deployment()["id"])

    clock.advance(3600)

    assert history(api, run["id"]) == "SCHEDULED"


@pytest.mark.parametrize(
    ("lifecycle", "outcome"),
    [("complete", "COMPLETED"), ("fail", "FAILED")],
    ids=["complete", "fail"],
)
@pytest.mark.parametrize("version", ["3.9.1", "2.14.16"])
def test_piloted_runs_move_one_step_delay_at_a_time(
    make_api: Any, clock: Clock, version: str, lifecycle: str, outcome: str
) -> None:
    api = make_api(version, lifecycle=lifecycle, step_delay=2.0)
    run = api.run(api.deployment()["id"])

    seen = []
    for _ in range(4):
        seen.append(history(api, run["id"]))
        clock.advance(2)

    assert seen == ["SCHEDULED", "PENDING", "RUNNING", outcome]


def test_a_run_read_late_shows_the_planned_history(make_api: Any, clock: Clock) -> None:
    api = make_api(lifecycle="complete", step_delay=1.0)
    run = api.run(api.deployment()["id"])

    clock.advance(60)
    done = api.read_run(run["id"])

    assert done["state_type"] == "COMPLETED"
    assert done["run_count"] == 1
    assert done["total_run_time"] == 1.0
    assert done["estimated_start_time_delta"] == 2.0
    assert done["end_time"] == done["state"]["timestamp"]


def test_piloted_runs_wait_for_their_scheduled_time(
    make_api: Any, clock: Clock
) -> None:
    api = make_api(lifecycle="complete", step_delay=1.0)
    deployment = api.deployment()
    run = api.run(
        deployment["id"],
        state={"type": "SCHEDULED", "state_details": {"scheduled_time": FUTURE}},
    )

    clock.advance(3600)

    assert history(api, run["id"]) == "SCHEDULED"


def test_a_client_setting_the_state_takes_the_run_over(
    make_api: Any, clock: Clock
) -> None:
    api = make_api(lifecycle="complete", step_delay=1.0)
    run = api.run(api.deployment()["id"])

    api.set_state(run["id"], "CANCELLED")
    clock.advance(60)

    assert history(api, run["id"]) == "CANCELLED"


def test_counts_and_filters_see_the_moves_too(make_api: Any, clock: Clock) -> None:
    api = make_api(lifecycle="complete", step_delay=1.0)
    deployment = api.deployment()
    for _ in range(3):
        api.run(deployment["id"])

    clock.advance(10)
    completed = {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}

    assert api("count_flow_runs", completed).body == 3


def test_failing_runs_use_up_their_retries_first(make_api: Any, clock: Clock) -> None:
    api = make_api(lifecycle="fail", step_delay=1.0)
    deployment = api.deployment()
    run = api.run(deployment["id"], empirical_policy={"retries": 1, "retry_delay": 0})

    clock.advance(60)
    failed = api.read_run(run["id"])

    assert failed["state_type"] == "FAILED"
    assert failed["run_count"] == 2


def test_an_unknown_lifecycle_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown lifecycle 'sometimes'"):
        StatefulResponder(lifecycle="sometimes")  # type: ignore[arg-type]
