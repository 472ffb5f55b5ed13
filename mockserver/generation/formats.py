"""Values for JSON Schema string formats, drawn fast and always well-formed.

Date-times are written the way Prefect 3 writes them (UTC, microseconds,
``Z``: ``2025-05-30T08:14:03.207118Z``) and are expressed in seconds relative
to an anchor instant, so that a seed fixes them completely.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from random import Random

from mockserver.generation import providers

_UNIX_ORDINAL = date(1970, 1, 1).toordinal()
_DAYS: dict[int, str] = {}


def _day(days_since_epoch: int) -> str:
    text = _DAYS.get(days_since_epoch)
    if text is None:
        text = date.fromordinal(_UNIX_ORDINAL + days_since_epoch).isoformat()
        _DAYS[days_since_epoch] = text
    return text


def format_timestamp(seconds: float) -> str:
    """Return the RFC 3339 text of a Unix timestamp, for example
    ``'2025-05-30T08:14:03.207118Z'``."""
    whole = int(seconds // 1)
    micro = int((seconds - whole) * 1_000_000)
    days, rest = divmod(whole, 86400)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return f"{_day(days)}T{hour:02d}:{minute:02d}:{second:02d}.{micro:06d}Z"


def parse_timestamp(text: object) -> float | None:
    """Return the Unix timestamp of an RFC 3339 date-time, or ``None``."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def uuid4(rng: Random) -> str:
    """Return a random version-4 UUID such as
    ``'3f2b8c1e-9a4d-4e7f-8b21-5c6d7e8f9a0b'``."""
    bits = rng.getrandbits(128)
    text = f"{bits:032x}"
    variant = "89ab"[bits & 3]
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{variant}{text[17:20]}-{text[20:]}"


def uuid4_drawer(rng: Random) -> Callable[[], str]:
    """Return a function drawing :func:`uuid4` values from ``rng``, faster."""
    getrandbits = rng.getrandbits

    def draw() -> str:
        bits = getrandbits(128)
        text = f"{bits:032x}"
        variant = "89ab"[bits & 3]
        return (
            f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{variant}{text[17:20]}-{text[20:]}"
        )

    return draw


def date_time_drawer(
    rng: Random, anchor: float, earliest: float, latest: float
) -> Callable[[], str]:
    """Return a function drawing date-times as :func:`date_time` does."""
    rand = rng.random
    start, span = anchor + earliest, latest - earliest
    return lambda: format_timestamp(start + span * rand())


def date_time(rng: Random, anchor: float, earliest: float, latest: float) -> str:
    """Return a date-time between ``anchor + earliest`` and ``anchor + latest``."""
    return format_timestamp(anchor + earliest + (latest - earliest) * rng.random())


def duration(rng: Random) -> str:
    """Return an ISO 8601 duration such as ``'PT15M'``."""
    amount = 1 + int(rng.random() * 59)
    return f"{providers.pick(rng, ('PT{}S', 'PT{}M', 'PT{}H', 'P{}D'))}".format(amount)


def email(rng: Random) -> str:
    """Return an address such as ``'amber.heron@example.com'``."""
    return f"{providers.flow_run_name(rng).replace('-', '.')}@example.com"


def _date(rng: Random, anchor: float) -> str:
    return _day(int((anchor - rng.random() * 365 * 86400) // 86400))


def _time(rng: Random) -> str:
    seconds = int(rng.random() * 86400)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"


def _hostname(rng: Random) -> str:
    role = providers.pick(rng, ("worker", "agent", "node"))
    return f"{role}-{rng.getrandbits(8)}.example.com"


def _ipv4(rng: Random) -> str:
    return f"10.{rng.getrandbits(8)}.{rng.getrandbits(8)}.{1 + int(rng.random() * 254)}"


def _ipv6(rng: Random) -> str:
    return f"fd00::{rng.getrandbits(16):x}:{rng.getrandbits(16):x}"


def _token(rng: Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def _path(rng: Random) -> str:
    return f"/opt/prefect/{providers.pick(rng, ('flows', 'storage', 'work'))}"


def _base64(rng: Random) -> str:
    return providers.pick(rng, ("cHJlZmVjdA==", "bW9jaw==", "ZmxvdyBydW4="))


FormatGen = Callable[[Random, float], str]
"""Draws a value for a format from a Random and the anchor timestamp."""

FORMATS: dict[str, FormatGen] = {
    "uuid": lambda rng, anchor: uuid4(rng),
    "date-time": lambda rng, anchor: date_time(rng, anchor, -30 * 86400, 0),
    "date": _date,
    "time": lambda rng, anchor: _time(rng),
    "duration": lambda rng, anchor: duration(rng),
    "email": lambda rng, anchor: email(rng),
    "idn-email": lambda rng, anchor: email(rng),
    "uri": lambda rng, anchor: providers.url(rng),
    "iri": lambda rng, anchor: providers.url(rng),
    "url": lambda rng, anchor: providers.url(rng),
    "uri-reference": lambda rng, anchor: _path(rng),
    "iri-reference": lambda rng, anchor: _path(rng),
    "hostname": lambda rng, anchor: _hostname(rng),
    "idn-hostname": lambda rng, anchor: _hostname(rng),
    "ipv4": lambda rng, anchor: _ipv4(rng),
    "ipv6": lambda rng, anchor: _ipv6(rng),
    "password": lambda rng, anchor: _token(rng),
    "path": lambda rng, anchor: _path(rng),
    "byte": lambda rng, anchor: _base64(rng),
    "binary": lambda rng, anchor: _token(rng),
    "regex": lambda rng, anchor: "^[a-z0-9-]+$",
    "json-pointer": lambda rng, anchor: "/parameters/limit",
}
"""Generators for the string formats the instance generator understands."""


__all__ = [
    "FORMATS",
    "FormatGen",
    "date_time",
    "date_time_drawer",
    "duration",
    "email",
    "format_timestamp",
    "parse_timestamp",
    "uuid4",
    "uuid4_drawer",
]
