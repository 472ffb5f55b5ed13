"""The golden example and the comparison that holds answers to it.

``data/seed_create_flow_run.json`` holds a ``create_flow_run`` request and
the answer a real Prefect 2.14.16 server gave to it. A mock answering the
same request must give the same body: the same keys in the same order, the
same JSON types, and equal values for every field that is not an id or a
time (tags compared as a set, since the server builds them from a set).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEED: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "seed_create_flow_run.json").read_text()
)

IDS = {
    "$.id",
    "$.flow_id",
    "$.state_id",
    "$.deployment_id",
    "$.state.id",
    "$.state.state_details.flow_run_id",
}
"""Fields minted by the server on every call: their values cannot match."""

TIMES = {
    "$.created",
    "$.updated",
    "$.expected_start_time",
    "$.next_scheduled_start_time",
    "$.estimated_start_time_delta",
    "$.state.timestamp",
    "$.state.state_details.scheduled_time",
}
UNORDERED = {"$.tags"}


def seed_differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """List where ``actual`` differs from ``expected`` in keys, types or values.

    Keys must come in the same order; ids and times need only the same JSON
    type; unordered lists are compared as sets.
    """
    if type(expected) is not type(actual):
        return [f"{path}: {type(actual).__name__}, not {type(expected).__name__}"]
    if isinstance(expected, dict):
        if list(actual) != list(expected):
            return [f"{path}: keys {list(actual)}, not {list(expected)}"]
        return [
            difference
            for key in expected
            for difference in seed_differences(
                expected[key], actual[key], f"{path}.{key}"
            )
        ]
    if path in IDS | TIMES:
        return []
    if path in UNORDERED:
        return [] if sorted(actual) == sorted(expected) else [f"{path}: {actual!r}"]
    return [] if actual == expected else [f"{path}: {actual!r}, not {expected!r}"]
