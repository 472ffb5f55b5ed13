"""The golden example: a Prefect 2.14.16 run created from a deployment.

``data/seed_2.14.16_create_flow_run.json`` holds a request and the answer a
real 2.14.16 server gave to it. Posting the same request to a new deployment
must answer the same body: the same keys in the same order, the same JSON
types, and equal values for every field that is not an id or a time (tags
compared as a set, since the server builds them from a set).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .support import ApiFactory

SEED = json.loads(
    (Path(__file__).parent / "data" / "seed_2.14.16_create_flow_run.json").read_text()
)
IDS = {
    "$.id",
    "$.flow_id",
    "$.state_id",
    "$.deployment_id",
    "$.state.id",
    "$.state.state_details.flow_run_id",
}
TIMES = {
    "$.created",
    "$.updated",
    "$.expected_start_time",
    "$.next_scheduled_start_time",
    "$.estimated_start_time_delta",
    "$.state.timestamp",
    "$.state.state_details.scheduled_time",
}


def differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    if type(expected) is not type(actual):
        return [f"{path}: {type(actual).__name__} instead of {type(expected).__name__}"]
    if isinstance(expected, dict):
        if list(actual) != list(expected):
            return [f"{path}: keys {list(actual)} instead of {list(expected)}"]
        return [
            problem
            for key in expected
            for problem in differences(expected[key], actual[key], f"{path}.{key}")
        ]
    if path in IDS | TIMES:
        return []
    if path == "$.tags":
        return [] if set(actual) == set(expected) else [f"{path}: {actual}"]
    return [] if actual == expected else [f"{path}: {actual!r} != {expected!r}"]


def test_the_seed_request_answers_the_seed_response(make_api: ApiFactory) -> None:
    api = make_api("2.14.16")
    deployment = api.deployment("seeded")

    reply = api("create_flow_run_from_deployment", SEED["request"], id=deployment["id"])

    assert reply.status == 201
    assert differences(SEED["response"], reply.body) == []


def test_the_comparison_notices_a_changed_field(make_api: ApiFactory) -> None:
    changed = {**SEED["response"], "run_count": 1}

    assert differences(SEED["response"], changed) == ["$.run_count: 1 != 0"]
