"""String formats, checked the way Prefect's pydantic models parse them.

JSON Schema's format checks are stricter or looser than pydantic in places
that matter to a mock: Prefect takes upper-case and dash-less UUIDs, ISO 8601
date-times with or without an offset, and durations written as seconds, ISO
8601 (``PT1H``) or clock time (``01:00:00``, ``1 day, 01:00:00``).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from jsonschema import FormatChecker

FORMAT_CHECKER = FormatChecker()
"""Checks formats as leniently as the real server's pydantic models parse them."""

_NUMBER = r"\d+(?:\.\d+)?"
_ISO_DURATION = re.compile(
    rf"^P(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?"
    rf"(?:(?P<weeks>{_NUMBER})W)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?"
    rf"(?:(?P<seconds>{_NUMBER})S)?)?$"
)
_CLOCK_DURATION = re.compile(
    r"^(?:(?P<days>-?\d+) days?,? ?)?(?P<hours>\d+):(?P<minutes>\d\d)"
    r"(?::(?P<seconds>\d\d(?:\.\d+)?))?$"
)
# Pydantic reads a year of an ISO 8601 duration as 365 days, a month as 30.
_DAYS = {"years": 365, "months": 30, "weeks": 7, "days": 1}


def parse_duration(text: str, *, numeric: bool = True) -> float:
    """Return the seconds a duration string stands for, as pydantic reads it.

    :param numeric: also read a bare number (``"90"``) as seconds, as stored
        schedules may hold; a request's interval string may not be one.
    :raises ValueError: when ``text`` is no duration pydantic would accept.
    """
    stripped = text.strip()
    for pattern in (_ISO_DURATION, _CLOCK_DURATION):
        match = pattern.match(stripped)
        if match is not None and stripped not in ("P", "PT"):
            parts = {k: float(v) for k, v in match.groupdict().items() if v}
            days = sum(parts.pop(unit, 0.0) * size for unit, size in _DAYS.items())
            return timedelta(days=days, **parts).total_seconds()
    if not numeric:
        raise ValueError(f"{text!r} is not a duration")
    return float(stripped)


@FORMAT_CHECKER.checks("uuid", raises=ValueError)
def _is_uuid(instance: object) -> bool:
    # Prefect accepts upper case, no dashes and a ``urn:uuid:`` prefix.
    if isinstance(instance, str):
        uuid.UUID(instance)
    return True


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_datetime(instance: object) -> bool:
    # Pydantic takes ISO 8601 with or without an offset, ``Z`` included.
    if isinstance(instance, str):
        datetime.fromisoformat(instance)
    return True


@FORMAT_CHECKER.checks("duration", raises=ValueError)
def _is_duration(instance: object) -> bool:
    # Prefect's schedules refuse a zero or negative interval as well.
    if isinstance(instance, str):
        return parse_duration(instance, numeric=False) > 0
    return True


__all__ = ["FORMAT_CHECKER", "parse_duration"]
