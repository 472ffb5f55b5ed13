"""Flow run states: the type, name, time and details of where a run stands.

A state is what ``set_flow_run_state`` proposes and what every flow run
carries. Prefect gives a state without a name the title-cased name of its
type (``SCHEDULED`` is called ``Scheduled``) and a scheduled state without a
scheduled time the instant it was created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from mockserver.state.store import kept
from mockserver.state.times import parse_instant

__all__ = [
    "FINAL_TYPES",
    "STATE_TYPES",
    "State",
    "default_name",
    "proposed_state",
]

STATE_TYPES = (
    "SCHEDULED",
    "PENDING",
    "RUNNING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "CRASHED",
    "PAUSED",
    "CANCELLING",
)
"""Every state type Prefect knows."""

FINAL_TYPES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "CRASHED"})
"""Types a run does not leave on its own."""

_INSTANT_DETAILS = ("scheduled_time", "cache_expiration", "pause_timeout")


@dataclass(slots=True)
class State:
    """One state of a flow run.

    :param details: the ``state_details`` given or derived so far; instants
        are datetimes and absent keys take Prefect's defaults when rendered.
    """

    id: str
    type: str
    name: str
    timestamp: datetime
    message: str | None = None
    data: Any = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def scheduled_time(self) -> datetime | None:
        """The instant a scheduled (or pending) run is due, if any."""
        value = self.details.get("scheduled_time")
        return value if isinstance(value, datetime) else None

    @property
    def is_final(self) -> bool:
        """Whether the state is one a run ends in."""
        return self.type in FINAL_TYPES

    def copy(self, **changes: Any) -> State:
        """Return a copy with its own details and ``changes`` applied."""
        return replace(self, details=dict(self.details), **changes)


def default_name(state_type: str) -> str:
    """Return the name Prefect gives a state of ``state_type``: ``Running``."""
    return state_type.title()


def proposed_state(body: Mapping[str, Any], *, state_id: str, now: datetime) -> State:
    """Build the state a request proposes from its ``StateCreate`` body.

    Ids and timestamps a client sends are ignored: the real server mints its
    own for every state it writes.
    """
    details = kept(body.get("state_details") or {})
    for key in _INSTANT_DETAILS:
        if details.get(key) is not None:
            details[key] = parse_instant(details[key], keep_offset=True)

    state_type = kept(body["type"])
    if state_type == "SCHEDULED" and details.get("scheduled_time") is None:
        details["scheduled_time"] = now

    return State(
        id=state_id,
        type=state_type,
        name=kept(body.get("name") or default_name(state_type)),
        timestamp=now,
        message=kept(body.get("message")),
        data=kept(body.get("data")),
        details=details,
    )
