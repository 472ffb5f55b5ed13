"""Deployment schedules and the auto-scheduled runs they produce."""

from __future__ import annotations

from typing import Any

import pytest

from .support import MISSING_ID, Api

HOURLY = {"interval": 3600, "anchor_date": "2024-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (
            {"interval": 60},
            {
                "interval": 60.0,
                "anchor_date": "2024-01-22T03:51:26.507659Z",
                "timezone": "UTC",
            },
        ),
        (
            {"cron": "0 9 * * 1-5"},
            {"cron": "0 9 * * 1-5", "timezone": None, "day_or": True},
        ),
        (
            {"rrule": "FREQ=DAILY"},
            {"rrule": "DTSTART:20200101T000000\nFREQ=DAILY", "timezone": "UTC"},
        ),
    ],
    ids=["interval", "cron", "rrule"],
)
def test_schedules_are_stored_with_prefect_s_defaults(
    api: Api, given: dict[str, Any], stored: dict[str, Any]
) -> None:
    deployment = api.deployment()

    reply = api(
        "create_deployment_schedules", [{"schedule": given}], id=deployment["id"]
    )

    assert reply.status == 201
    (schedule,) = reply.body
    assert schedule["schedule"] == stored
    assert (schedule["active"], schedule["parameters"], schedule["slug"]) == (
        True,
        {},
        None,
    )
    assert schedule["deployment_id"] == deployment["id"]


def test_the_deployment_and_its_schedules_always_agree(api: Api) -> None:
    deployment = api.deployment(schedules=[{"schedule": HOURLY, "slug": "hourly"}])
    added = api(
        "create_deployment_schedules",
        [{"schedule": {"cron": "0 0 * * *"}, "slug": "daily"}],
        id=deployment["id"],
    ).body[0]
    hourly = deployment["schedules"][0]

    api(
        "update_deployment_schedule",
        {"active": False},
        id=deployment["id"],
        schedule_id=hourly["id"],
    )
    listed = api("read_deployment_schedules", id=deployment["id"]).body
    embedded = api("read_deployment", id=deployment["id"]).body["schedules"]

    assert listed == embedded
    assert {s["slug"]: s["active"] for s in listed} == {"hourly": False, "daily": True}
    api("delete_deployment_schedule", id=deployment["id"], schedule_id=added["id"])
    remaining = api("read_deployment", id=deployment["id"]).body["schedules"]
    assert [s["slug"] for s in remaining] == ["hourly"]


@pytest.mark.parametrize(
    ("operation", "body", "extra", "detail"),
    [
        ("read_deployment_schedules", None, {}, "Deployment not found."),
        (
            "create_deployment_schedules",
            [{"schedule": HOURLY}],
            {},
            "Deployment not found.",
        ),
        (
            "update_deployment_schedule",
            {"active": False},
            {"schedule_id": MISSING_ID},
            "Deployment not found.",
        ),
        (
            "delete_deployment_schedule",
            None,
            {"schedule_id": MISSING_ID},
            "Deployment not found.",
        ),
    ],
    ids=["read", "create", "update", "delete"],
)
def test_schedules_of_a_missing_deployment_are_a_404(
    api: Api, operation: str, body: Any, extra: dict[str, str], detail: str
) -> None:
    reply = api(operation, body, id=MISSING_ID, **extra)

    assert (reply.status, reply.body) == (404, {"detail": detail})


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("update_deployment_schedule", {"active": False}),
        ("delete_deployment_schedule", None),
    ],
    ids=["update", "delete"],
)
def test_a_missing_schedule_is_a_404(api: Api, operation: str, body: Any) -> None:
    deployment = api.deployment()

    reply = api(operation, body, id=deployment["id"], schedule_id=MISSING_ID)

    assert (reply.status, reply.body) == (404, {"detail": "Schedule not found."})


def test_a_taken_slug_is_a_409(api: Api) -> None:
    deployment = api.deployment(schedules=[{"schedule": HOURLY, "slug": "hourly"}])

    reply = api(
        "create_deployment_schedules",
        [{"schedule": HOURLY, "slug": "hourly"}],
        id=deployment["id"],
    )

    assert reply.status == 409
    assert reply.body["detail"].startswith("Data integrity conflict.")


def auto_runs(api: Api, deployment_id: str) -> list[dict[str, Any]]:
    body = {
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"tags": {"all_": ["auto-scheduled"]}},
        "sort": "EXPECTED_START_TIME_ASC",
    }
    return api("read_flow_runs", body).body  # type: ignore[no-any-return]


def test_scheduling_an_interval_makes_runs_at_the_next_instants(api: Api) -> None:
    deployment = api.deployment(
        tags=["nightly"], parameters={"a": 1}, schedules=[{"schedule": HOURLY}]
    )

    reply = api("schedule_deployment", {"max_runs": 3}, id=deployment["id"])

    assert (reply.status, reply.body) == (200, None)
    made = auto_runs(api, deployment["id"])
    assert [r["expected_start_time"] for r in made] == [
        "2024-01-22T04:00:00Z",
        "2024-01-22T05:00:00Z",
        "2024-01-22T06:00:00Z",
    ]
    first = made[0]
    schedule_id = deployment["schedules"][0]["id"]
    assert first["tags"] == ["auto-scheduled", "nightly"]
    assert first["auto_scheduled"] is True
    assert first["parameters"] == {"a": 1}
    assert first["state"]["message"] == "Flow run scheduled"
    assert first["state"]["state_details"]["flow_run_id"] is None
    assert first["idempotency_key"] == (
        f"scheduled {deployment['id']} {schedule_id} 2024-01-22 04:00:00+00:00"
    )
    assert first["created_by"] == {
        "id": schedule_id,
        "type": "SCHEDULE",
        "display_value": "IntervalSchedule",
    }


def test_scheduling_twice_does_not_duplicate_runs(api: Api) -> None:
    deployment = api.deployment(schedules=[{"schedule": HOURLY}])

    api("schedule_deployment", {"max_runs": 3}, id=deployment["id"])
    api("schedule_deployment", {"max_runs": 3}, id=deployment["id"])

    assert len(auto_runs(api, deployment["id"])) == 3


def test_scheduling_stops_once_both_minimums_are_met(api: Api) -> None:
    deployment = api.deployment(
        schedules=[
            {"schedule": {"interval": 600, "anchor_date": "2024-01-01T00:00:00Z"}}
        ]
    )

    api("schedule_deployment", {}, id=deployment["id"])

    # Prefect's defaults: at least 3 runs and at least an hour ahead.
    made = auto_runs(api, deployment["id"])
    assert made[0]["expected_start_time"] == "2024-01-22T04:00:00Z"
    assert made[-1]["expected_start_time"] == "2024-01-22T05:00:00Z"
    assert len(made) == 7


def test_a_cron_schedule_fires_at_its_matching_minutes(api: Api) -> None:
    deployment = api.deployment(
        schedules=[{"schedule": {"cron": "30 9 * * 1-5", "timezone": "Europe/Berlin"}}]
    )

    api("schedule_deployment", {"max_runs": 3}, id=deployment["id"])

    # 2024-01-22 is a Monday; 09:30 in Berlin is 08:30 UTC in winter.
    assert [r["expected_start_time"] for r in auto_runs(api, deployment["id"])] == [
        "2024-01-22T08:30:00Z",
        "2024-01-23T08:30:00Z",
        "2024-01-24T08:30:00Z",
    ]


def test_inactive_schedules_make_no_runs(api: Api) -> None:
    deployment = api.deployment(schedules=[{"schedule": HOURLY, "active": False}])

    api("schedule_deployment", {"max_runs": 3}, id=deployment["id"])

    assert auto_runs(api, deployment["id"]) == []


def test_scheduling_a_missing_deployment_does_nothing(api: Api) -> None:
    reply = api("schedule_deployment", {}, id=MISSING_ID)

    assert (reply.status, reply.body) == (200, None)


def test_prefect_2_has_one_schedule_on_the_deployment(make_api: Any) -> None:
    api = make_api("2.14.16")
    deployment = api.deployment(schedule=HOURLY, is_schedule_active=False)

    api("schedule_deployment", {"max_runs": 2}, id=deployment["id"])
    made = auto_runs(api, deployment["id"])

    assert deployment["schedule"] == {
        "interval": 3600.0,
        "anchor_date": "2024-01-01T00:00:00+00:00",
        "timezone": "UTC",
    }
    assert deployment["is_schedule_active"] is False
    assert [r["idempotency_key"] for r in made] == [
        f"scheduled {deployment['id']} 2024-01-22T04:00:00+00:00",
        f"scheduled {deployment['id']} 2024-01-22T05:00:00+00:00",
    ]
    assert made[0]["created_by"] is None


@pytest.mark.parametrize(
    ("interval", "seconds"),
    [
        ("PT1.5S", 1.5),
        ("PT1H2M3S", 3723.0),
        ("P1DT1H", 90000.0),
        ("P1W", 604800.0),
        ("P1M", 2592000.0),
        ("P1Y", 31536000.0),
    ],
    ids=["seconds", "clock", "day-and-hour", "week", "month", "year"],
)
def test_iso_8601_intervals_are_stored_in_seconds(
    api: Api, interval: str, seconds: float
) -> None:
    # Pydantic, measured through Prefect 3.9.1: a month is 30 days, a year 365.
    deployment = api.deployment(schedules=[{"schedule": {"interval": interval}}])

    assert deployment["schedules"][0]["schedule"]["interval"] == seconds


def test_scheduling_stops_where_the_calendar_ends(api: Api) -> None:
    # 999,999,998 days: the run after the anchor would fall after year 9999,
    # where Prefect 3.9.1 answers 500; the mock schedules what fits.
    deployment = api.deployment(
        schedules=[{"schedule": {"interval": 86399999827200.0}}]
    )

    reply = api("schedule_deployment", {"min_runs": 3}, id=deployment["id"])

    assert (reply.status, reply.body) == (200, None)
    made = auto_runs(api, deployment["id"])
    assert [r["expected_start_time"] for r in made] == ["2024-01-22T03:51:26.507659Z"]


@pytest.mark.parametrize(
    "min_time", [1e16, 1.7976931348623157e308], ids=["1e16", "max"]
)
def test_a_min_time_past_the_calendar_schedules_up_to_max_runs(
    api: Api, min_time: float
) -> None:
    # Prefect 3.9.1 answers 500 (OverflowError); the mock never reaches such a
    # min_time, so max_runs bounds the runs.
    deployment = api.deployment(schedules=[{"schedule": HOURLY}])

    reply = api(
        "schedule_deployment",
        {"min_time": min_time, "max_runs": 3},
        id=deployment["id"],
    )

    assert (reply.status, reply.body) == (200, None)
    assert len(auto_runs(api, deployment["id"])) == 3
