"""Properties of validation and error rendering, for any input to any operation.

Whatever is sent to whichever operation of either contract set, the answer
is a success that satisfies the operation's response contract or an error
in the version's format (``{"detail": ...}`` or the 422 envelope) that
satisfies the contract's error schema, checked with
:func:`mockserver.validation.reply_violations`. Nothing answers 5xx, and
nothing is "mockserver failed to answer".

Inputs come two ways: arbitrary JSON (and raw bytes) where a body belongs,
and bodies the contract accepts, drawn by the instance generator and then
mutated at one random place. The default profile is small enough for every
test run; set ``MOCKSERVER_HYPOTHESIS_PROFILE=robustness-fuzz`` for a long
exploration (3000 examples a test, not derandomized)::

    MOCKSERVER_HYPOTHESIS_PROFILE=robustness-fuzz \\
        .venv/bin/pytest tests/robustness/test_properties.py -q
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.app import create_app, journal_of
from mockserver.contracts import ContractSet, Operation, load_contract_set
from mockserver.exchange import Reply
from mockserver.generation import InstanceGenerator
from mockserver.journal import Entry
from mockserver.validation import reply_violations

VERSIONS = ("3.9.1", "2.14.16")

settings.register_profile(
    "robustness",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "robustness-fuzz",
    parent=settings.get_profile("robustness"),
    max_examples=3000,
    derandomize=False,
)
PROFILE = settings.get_profile(
    os.environ.get("MOCKSERVER_HYPOTHESIS_PROFILE", "robustness")
)


@dataclass(frozen=True)
class Served:
    """An application of one contract set, with objects its calls can find."""

    contracts: ContractSet
    app: flask.Flask
    ids: tuple[str, ...]
    names: tuple[str, ...]


@cache
def served(version: str) -> Served:
    app = create_app(version)
    client = app.test_client()
    flow = client.post("/api/flows/", json={"name": "prop-flow"}).get_json()
    deployment = client.post(
        "/api/deployments/", json={"name": "prop-dep", "flow_id": flow["id"]}
    ).get_json()
    run = client.post(
        f"/api/deployments/{deployment['id']}/create_flow_run", json={}
    ).get_json()
    ids = (flow["id"], deployment["id"], run["id"])
    return Served(load_contract_set(version), app, ids, ("prop-flow", "prop-dep"))


@cache
def generator(version: str) -> InstanceGenerator:
    return InstanceGenerator(load_contract_set(version).registry)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text()
    | st.sampled_from(["", "SCHEDULED", "NAME_ASC", "and_", "1", "true"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=24,
)


def field_names(contracts: ContractSet, operation: Operation) -> list[str]:
    if operation.request_schema is None:
        return []
    schema = contracts.resolve(operation.part_ref("request"))
    return list(schema.get("properties", {}))


@st.composite
def bodies(draw: st.DrawFn, contracts: ContractSet, operation: Operation) -> bytes:
    """Any body at all: raw bytes, any JSON, or an object of the right fields."""
    names = field_names(contracts, operation)
    keys = st.sampled_from(names) | st.text(max_size=12) if names else st.text()
    shaped = st.dictionaries(keys, JSON_VALUES, max_size=6)
    kind = draw(st.sampled_from(["bytes", "json", "shaped", "shaped"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    value = draw(JSON_VALUES if kind == "json" else shaped)
    return json.dumps(value, allow_nan=True).encode()


def mutate(draw: st.DrawFn, value: Any) -> Any:
    """Replace one randomly chosen place inside ``value`` by any JSON value."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: mutate(draw, value[key])}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], mutate(draw, value[index]), *value[index + 1 :]]
    return draw(JSON_VALUES)


@st.composite
def valid_then_mutated(
    draw: st.DrawFn, version: str, operation: Operation
) -> tuple[bytes, bool]:
    """A body the contract accepts, maybe mutated once; and whether it was."""
    instance = generator(version).generate(
        operation.part_ref("request"), seed=draw(st.integers(0, 2**32))
    )
    mutated = draw(st.booleans())
    if mutated:
        instance = mutate(draw, instance)
    return json.dumps(instance, allow_nan=True).encode(), mutated


@st.composite
def urls(draw: st.DrawFn, target: Served, operation: Operation) -> str:
    """The operation's path with existing, random or malformed parameters."""
    path = operation.path
    for name in re.findall(r"{([^}]+)}", path):
        value = draw(
            st.sampled_from(target.ids + target.names)
            | st.uuids().map(str)
            | st.text(
                st.characters(blacklist_categories=("Cs",), blacklist_characters="/"),
                min_size=1,
                max_size=20,
            )
        )
        path = path.replace("{" + name + "}", _quote(value))
    query = _query(draw, operation)
    return "/api" + path + (("?" + query) if query else "")


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _query(draw: st.DrawFn, operation: Operation) -> str:
    from urllib.parse import urlencode

    names = list(operation.query_schema.get("properties", {}))
    if not names:
        return ""
    chosen = draw(st.dictionaries(st.sampled_from(names), st.text(max_size=12)))
    return urlencode(chosen)


def operations(version: str) -> list[Operation]:
    return sorted(load_contract_set(version), key=lambda op: op.name)


def send(target: Served, method: str, url: str, body: bytes | None) -> Any:
    client = target.app.test_client()
    headers = {} if body is None else {"content-type": "application/json"}
    return client.open(url, method=method, data=body, headers=headers)


def last_sequence(target: Served) -> int:
    entries = journal_of(target.app).entries()
    return entries[-1].sequence if entries else 0


def assert_well_formed(target: Served, response: Any, before: int) -> Entry:
    """The answer's status and body satisfy the contract; nothing failed."""
    assert response.status_code < 500, response.data[:500]
    entry = journal_of(target.app).entries()[-1]
    assert entry.sequence > before, "the request never reached the journal"
    assert entry.error is None, entry.error

    body = json.loads(response.data) if response.data else None
    if entry.operation is None:
        # Routing: 404, 405 and 307 in Starlette's own format.
        assert response.status_code in (307, 404, 405)
        assert body is None or set(body) == {"detail"}
        return entry

    operation = target.contracts.operation(entry.operation)
    reply = Reply(response.status_code, body)
    violations = reply_violations(target.contracts, operation, reply)
    assert violations == [], (operation.name, [str(v) for v in violations], body)
    if response.status_code >= 400:
        assert isinstance(body, Mapping)
        assert set(body) in (
            {"detail"},
            {"exception_message", "exception_detail", "request_body"},
            # Prefect 3 answers an unknown run's set_state this way.
            {"exception_message"},
        ), body
    return entry


@given(data=st.data())
@settings(PROFILE)
def test_any_body_to_any_operation_gets_a_contract_valid_answer(
    data: st.DataObject,
) -> None:
    version = data.draw(st.sampled_from(VERSIONS), label="version")
    target = served(version)
    operation = data.draw(st.sampled_from(operations(version)), label="operation")
    url = data.draw(urls(target, operation), label="url")
    body = data.draw(bodies(target.contracts, operation), label="body")
    before = last_sequence(target)

    response = send(target, operation.method, url, body)

    assert_well_formed(target, response, before)


@given(data=st.data())
@settings(PROFILE)
def test_valid_bodies_mutated_once_get_a_contract_valid_answer(
    data: st.DataObject,
) -> None:
    version = data.draw(st.sampled_from(VERSIONS), label="version")
    target = served(version)
    with_body = [op for op in operations(version) if op.request_schema is not None]
    operation = data.draw(st.sampled_from(with_body), label="operation")
    url = data.draw(urls(target, operation), label="url")
    body, mutated = data.draw(valid_then_mutated(version, operation), label="body")
    before = last_sequence(target)

    response = send(target, operation.method, url, body)

    entry = assert_well_formed(target, response, before)
    if not mutated and entry.operation is not None:
        # A valid body is never a body violation (parameters may still be).
        assert all(v.location[0] != "body" for v in entry.request_violations), [
            str(v) for v in entry.request_violations
        ]


def test_ids_the_properties_use_exist() -> None:
    for version in VERSIONS:
        target = served(version)
        assert all(uuid.UUID(value) for value in target.ids)
