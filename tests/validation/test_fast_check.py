"""The fast check (jsonschema-rs) never passes what the full validator refuses.

``ContractSet.passes`` lets a request or reply skip the Python validator only
when it surely conforms; these tests hold it to that on every recorded body
and on variants of them broken in the ways the two validators could weigh
differently (floats for integers, date-times pydantic refuses, nulls, wrong
types, extra and missing fields).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.contracts import ContractSet, load_contract_set

pytest.importorskip("jsonschema_rs")

RECORDINGS = Path(__file__).parents[2] / "fixtures" / "recordings"

JSONPath = tuple[str | int, ...]


def _recorded() -> Iterator[tuple[str, str, str, Any]]:
    for folder in sorted(RECORDINGS.glob("prefect-*")):
        version = folder.name.removeprefix("prefect-")
        for path in sorted(folder.glob("*.json")):
            recording = json.loads(path.read_text())
            operation = recording["operation"]
            body = recording["request"].get("body")
            if body is not None:
                yield version, operation, "request", body
            status = recording["response"]["status"]
            answer = recording["response"].get("body")
            if answer is not None:
                yield version, operation, f"response-{status}", answer


CASES = list(_recorded())


def _paths(value: Any, prefix: JSONPath = ()) -> Iterator[JSONPath]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replaced(document: Any, path: JSONPath, value: Any) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(document)
    target = copied
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copied


def _variants(document: Any) -> Iterator[Any]:
    """The document broken in one place at a time, in every place."""
    for path in _paths(document):
        value = document
        for key in path:
            value = value[key]
        if isinstance(value, bool):
            yield _replaced(document, path, int(value))
        elif isinstance(value, int):
            yield _replaced(document, path, float(value))
            yield _replaced(document, path, str(value))
        elif isinstance(value, str):
            yield _replaced(document, path, "2024-01-22t03:51:60z")
            yield _replaced(document, path, value.replace("-", "").upper())
            yield _replaced(document, path, 7)
        elif isinstance(value, dict):
            yield _replaced(document, path, {**value, "unexpected": 1})
            for key in value:
                yield _replaced(
                    document, path, {k: v for k, v in value.items() if k != key}
                )
        yield _replaced(document, path, None)


def _part(contracts: ContractSet, operation: str, part: str) -> dict[str, Any]:
    return contracts.operation(operation).part_ref(part)


@pytest.mark.parametrize(
    ("version", "operation", "part", "body"),
    CASES,
    ids=[f"{v}-{o}-{p}-{i}" for i, (v, o, p, _) in enumerate(CASES)],
)
def test_the_fast_check_passes_nothing_the_full_validator_refuses(
    version: str, operation: str, part: str, body: Any
) -> None:
    contracts = load_contract_set(version)
    schema = _part(contracts, operation, part)
    full = contracts.validator_for(schema)

    wrongly_passed = [
        variant
        for variant in [body, *_variants(body)]
        if contracts.passes(schema, variant) and not full.is_valid(variant)
    ]

    assert wrongly_passed == []


@pytest.mark.parametrize(
    ("change", "value"),
    [
        (("empirical_policy", "retries"), 2.0),
        (("state", "state_details", "scheduled_time"), "2024-01-22T23:59:60Z"),
        (("state", "state_details", "scheduled_time"), "2024-01-22t03:51:26z"),
        (
            ("state", "state_details", "flow_run_id"),
            "AD45A578EC2440629323" + "4B19" * 3,
        ),
    ],
    ids=["float-for-integer", "leap-second", "lower-case-t", "dashless-uuid"],
)
def test_what_only_the_full_validator_can_judge_is_not_passed(
    change: JSONPath, value: Any
) -> None:
    contracts = load_contract_set("3.9.1")
    schema = _part(contracts, "create_flow_run_from_deployment", "request")
    body = {
        "state": {"type": "SCHEDULED", "state_details": {}},
        "empirical_policy": {"retries": 1},
    }
    assert contracts.passes(schema, body)

    broken = _replaced(body, change, value)

    assert not contracts.passes(schema, broken)
