"""Deployment schedules and the run times they produce.

A deployment schedule wraps one of Prefect's three schedule kinds: interval,
cron or rrule. Requests are normalised to the shape the real server answers
with (an interval gains its ``anchor_date`` and ``timezone``, a cron its
``timezone`` and ``day_or``). :func:`upcoming` lists the instants a schedule
fires at, which ``schedule_deployment`` turns into auto-scheduled runs.
Interval and five-field cron schedules are computed; rrule schedules are
kept and echoed but produce no runs, because the standard library has no
RFC 5545 engine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mockserver.contracts.formats import parse_duration
from mockserver.errors import OperationRefused
from mockserver.state.store import Store
from mockserver.state.times import parse_instant

__all__ = [
    "INTEGRITY_CONFLICT",
    "DeploymentSchedule",
    "new_schedules",
    "normalize_schedule",
    "schedule_kind",
    "upcoming",
]

_LONGEST_SEARCH = timedelta(days=3660)
"""How far a cron search looks before giving up on an expression that never fires."""

INTEGRITY_CONFLICT = (
    "Data integrity conflict. This usually means a unique or foreign key"
    " constraint was violated. See server logs for details."
)
"""What a SQLite-backed Prefect answers when a unique index refuses a row."""

_RRULE_START = "20200101T000000"
"""Prefect's default rrule start (its ``DEFAULT_ANCHOR_DATE``)."""


@dataclass(slots=True)
class DeploymentSchedule:
    """One schedule of a deployment.

    :param schedule: the normalised schedule; ``anchor_date`` is a datetime.
    """

    id: str
    created: datetime
    updated: datetime
    deployment_id: str
    schedule: dict[str, Any]
    active: bool = True
    max_scheduled_runs: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    slug: str | None = None


def normalize_schedule(
    spec: Mapping[str, Any], now: datetime, *, modern: bool = True
) -> dict[str, Any]:
    """Return ``spec`` completed with the defaults Prefect fills in.

    An interval without an anchor is anchored at ``now``; intervals and
    rrules default to the ``UTC`` time zone, crons to none. Prefect 3 also
    pins a start date on an rrule that has none.
    """
    if "interval" in spec:
        anchor = spec.get("anchor_date")
        return {
            "interval": _interval_seconds(spec["interval"]),
            "anchor_date": now if anchor is None else parse_instant(anchor),
            "timezone": spec.get("timezone") or "UTC",
        }
    if "cron" in spec:
        return {
            "cron": spec["cron"],
            "timezone": spec.get("timezone"),
            "day_or": spec.get("day_or", True),
        }
    rule = spec["rrule"]
    # Prefect re-renders a rule through dateutil, which pins a start date.
    if modern and "DTSTART" not in rule.upper():
        rule = f"DTSTART:{_RRULE_START}\n{rule}"
    return {"rrule": rule, "timezone": spec.get("timezone") or "UTC"}


def schedule_kind(schedule: Mapping[str, Any]) -> str:
    """Return the Prefect class name of a schedule: ``'IntervalSchedule'``..."""
    if "interval" in schedule:
        return "IntervalSchedule"
    if "cron" in schedule:
        return "CronSchedule"
    return "RRuleSchedule"


def new_schedules(
    store: Store, deployment_id: str, bodies: Sequence[Mapping[str, Any]]
) -> list[DeploymentSchedule]:
    """Build deployment schedules from ``DeploymentScheduleCreate`` bodies.

    :raises OperationRefused: 409 when two bodies share a slug, as Prefect's
        unique index on (deployment, slug) answers.
    """
    slugs = [b.get("slug") for b in bodies if b.get("slug") is not None]
    if len(slugs) != len(set(slugs)):
        raise OperationRefused(409, INTEGRITY_CONFLICT)

    now = store.now()
    return [
        DeploymentSchedule(
            id=store.ids.uuid4(),
            created=now,
            updated=now,
            deployment_id=deployment_id,
            schedule=normalize_schedule(body["schedule"], now, modern=store.modern),
            active=body.get("active", True) is not False,
            max_scheduled_runs=body.get("max_scheduled_runs"),
            parameters=dict(body.get("parameters") or {}),
            slug=body.get("slug"),
        )
        for body in bodies
    ]


def upcoming(
    schedule: Mapping[str, Any], start: datetime, end: datetime, limit: int
) -> Iterator[datetime]:
    """Yield up to ``limit`` instants on or after ``start`` and before ``end``.

    Instants carry the schedule's time zone, as Prefect's do.
    """
    if limit <= 0:
        return iter(())
    if "interval" in schedule:
        dates = _interval_dates(schedule, start)
    elif "cron" in schedule:
        dates = _cron_dates(schedule, start)
    else:
        return iter(())
    return _bounded(dates, end, limit)


def _bounded(
    dates: Iterator[datetime], end: datetime, limit: int
) -> Iterator[datetime]:
    for count, moment in enumerate(dates, start=1):
        if moment > end:
            return
        yield moment
        if count >= limit:
            return


def _interval_seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return parse_duration(str(value))


def _interval_dates(schedule: Mapping[str, Any], start: datetime) -> Iterator[datetime]:
    anchor: datetime = schedule["anchor_date"]
    zone = _zone(schedule.get("timezone"))
    # Beyond what datetime can hold there are no more dates; Prefect answers
    # 500 for a schedule that runs past year 9999.
    try:
        step = timedelta(seconds=schedule["interval"])
        if step <= timedelta(0):
            return
        skipped = max(0, math.ceil((start - anchor) / step))
        moment = anchor + skipped * step
        while True:
            yield moment.astimezone(zone)
            moment += step
    except OverflowError:
        return


_ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = [
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def _cron_dates(schedule: Mapping[str, Any], start: datetime) -> Iterator[datetime]:
    expression = _ALIASES.get(schedule["cron"].strip(), schedule["cron"])
    fields = expression.split()
    if len(fields) != 5:
        return
    try:
        minutes, hours, days, months, weekdays = (
            _cron_field(fields[0], 0, 59, ()),
            _cron_field(fields[1], 0, 23, ()),
            _cron_field(fields[2], 1, 31, ()),
            _cron_field(fields[3], 1, 12, _MONTHS, offset=1),
            {d % 7 for d in _cron_field(fields[4], 0, 7, _DAYS)},
        )
    except ValueError:
        # Prefect refuses such expressions when the schedule is created; one
        # that slipped through (a fixture, say) simply never fires here.
        return
    zone = _zone(schedule.get("timezone"))
    any_day, any_weekday = fields[2] == "*", fields[4] == "*"
    day_or = schedule.get("day_or", True) is not False

    day = start.astimezone(zone).date()
    last_day = day + _LONGEST_SEARCH
    while day <= last_day:
        if day.month in months and _day_matches(
            day, days, weekdays, any_day, any_weekday, day_or
        ):
            for hour in sorted(hours):
                for minute in sorted(minutes):
                    moment = datetime.combine(day, time(hour, minute), zone)
                    if moment >= start:
                        yield moment
        day += timedelta(days=1)


def _day_matches(
    day: date,
    days: set[int],
    weekdays: set[int],
    any_day: bool,
    any_weekday: bool,
    day_or: bool,
) -> bool:
    # Cron's classic rule: when both day fields are restricted, either may
    # match; croniter's ``day_or=False`` asks for both.
    in_month = day.day in days
    in_week = (day.isoweekday() % 7) in weekdays
    if any_day or any_weekday or not day_or:
        return in_month and in_week
    return in_month or in_week


def _cron_field(
    text: str, low: int, high: int, names: Sequence[str], *, offset: int = 0
) -> set[int]:
    values: set[int] = set()
    for part in text.lower().split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            first, last = low, high
        else:
            first_text, _, last_text = span.partition("-")
            first = _cron_value(first_text, names, offset)
            last = _cron_value(last_text, names, offset) if last_text else first
            if step_text and not last_text:
                last = high
        values.update(range(first, last + 1, step))
    return {v for v in values if low <= v <= high}


def _cron_value(text: str, names: Sequence[str], offset: int) -> int:
    if text in names:
        return names.index(text) + offset
    return int(text)


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
