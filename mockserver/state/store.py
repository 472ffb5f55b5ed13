"""The in-memory world a stateful responder answers from.

One :class:`Store` holds every flow, deployment, flow run, work pool and work
queue, the seeded id and name streams, and the clock. A single re-entrant
lock guards all of it: the responder holds the lock for the whole of one
operation, so concurrent requests see each other's effects whole or not at
all, exactly as the real server's transactions make them.
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mockserver.state.ids import IdSource
from mockserver.state.names import RunNames
from mockserver.state.times import Clock

if TYPE_CHECKING:
    from mockserver.state.deployments import Deployment
    from mockserver.state.flow_runs import FlowRun
    from mockserver.state.flows import Flow
    from mockserver.state.work_pools import WorkPool, WorkQueue

__all__ = ["Store", "kept"]

_SHARED_TEXT = 64
"""Strings up to this length are shared between the objects that hold them."""


class Store:
    """Every object of one responder, its clock and its seeded streams.

    :param version: the Prefect version whose behaviour is copied.
    :param seed: seeds the id and run-name streams.
    :param clock: returns the current instant.

    Tables are dicts in insertion order, which is also the order the real
    server's SQLite database returns rows that sort equal.
    """

    def __init__(self, version: str, *, seed: int, clock: Clock) -> None:
        self.version = version
        self.seed = seed
        self.clock = clock
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        """Forget every object and restart the id and name streams."""
        self.ids = IdSource(self.seed)
        self.names = RunNames(self.seed)
        self.flows: dict[str, Flow] = {}
        self.deployments: dict[str, Deployment] = {}
        self.flow_runs: dict[str, FlowRun] = {}
        # Runs the lifecycle may still move, in creation order, so that
        # settling costs nothing for the runs that stay where clients put them.
        self.piloted: dict[str, FlowRun] = {}
        self.work_pools: dict[str, WorkPool] = {}
        self.work_queues: dict[str, WorkQueue] = {}
        self.idempotency: dict[tuple[str, str], str] = {}

    def now(self) -> datetime:
        """Return the clock's current instant in UTC."""
        moment = self.clock()
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    @property
    def modern(self) -> bool:
        """Whether the version is a Prefect 3 release (labels, schedules...)."""
        return not self.version.startswith("2.")


def kept(value: Any) -> Any:
    """Return a copy of a request's JSON ``value`` to hold in the store.

    Containers are new, so that a later request cannot change what is kept
    through them. Keys and short strings are shared (interned): runs created
    from similar bodies, thousands of them under load, then hold one copy of
    each name and value instead of a copy per run.
    """
    if isinstance(value, dict):
        return {sys.intern(key): kept(item) for key, item in value.items()}
    if isinstance(value, list):
        return [kept(item) for item in value]
    if isinstance(value, str) and len(value) <= _SHARED_TEXT:
        return sys.intern(value)
    return value
