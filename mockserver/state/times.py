"""Instants as the state layer keeps them: aware datetimes in UTC.

Prefect stores every time in UTC and answers in UTC whatever offset the
request carried, so requests are normalised here on the way in and
:mod:`mockserver.state.serialize` formats them on the way out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "parse_instant", "utcnow"]

Clock = Callable[[], datetime]
"""A source of the current instant; tests inject a fixed or stepping one."""


def utcnow() -> datetime:
    """Return the current instant in UTC."""
    return datetime.now(UTC)


def parse_instant(value: str | datetime, *, keep_offset: bool = False) -> datetime:
    """Return ``value`` as an aware datetime, in UTC unless ``keep_offset``.

    Accepts what the contracts let through: RFC 3339 date-times with ``Z`` or
    an offset. A naive value is taken to be UTC, as Prefect's server does.

    :param keep_offset: keep the offset the value was written with, as
        Prefect does for instants inside a state's details (they are stored
        as JSON, not as UTC columns).
    """
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment if keep_offset else moment.astimezone(UTC)
