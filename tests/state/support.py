"""Helpers for the state layer's specification: a clock and a checking API.

Every call goes through :class:`Api`, which checks each reply against the
operation's contract: its status must be one the contract lists and its body
must validate. A test that forgets to look at a body still cannot let a
malformed one through.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.contracts import ContractSet
from mockserver.exchange import Call, Reply
from mockserver.state import StatefulResponder

START = datetime(2024, 1, 22, 3, 51, 26, 507659, tzinfo=UTC)
"""The instant every test clock starts at."""

MISSING_ID = "00000000-0000-0000-0000-000000000000"


# Answers measured on the real servers that their published documents (and
# so the contracts, for now) do not describe. A refusal listed here must
# still have Prefect's ``{"detail": "..."}`` shape; a success listed with a
# status is checked against that status's schema instead.
class Clock:
    """A clock that moves only when told to (and by ``tick`` per reading)."""

    def __init__(self, start: datetime = START, tick: timedelta = timedelta(0)) -> None:
        self.now = start
        self.tick = tick

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.tick
        return current

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Api:
    """Call a responder by operation name and check replies against contracts."""

    def __init__(self, responder: StatefulResponder, contracts: ContractSet) -> None:
        self.responder = responder
        self.contracts = contracts

    def __call__(self, operation: str, body: Any = None, **path: str) -> Reply:
        reply = self.responder.respond(Call(operation, path=path, body=body))
        self.check(operation, reply)
        return reply

    def check(self, operation: str, reply: Reply) -> None:
        contract = self.contracts.operation(operation)
        assert reply.status in contract.responses, (
            f"{operation} answered {reply.status}, not one of "
            f"{sorted(contract.responses)}: {reply.body!r}"
        )
        if contract.responses[reply.status] is None:
            assert reply.body is None
            return
        schema = contract.part_ref(f"response-{reply.status}")
        self._validate(schema, operation, reply)

    def _validate(self, schema: dict[str, Any], operation: str, reply: Reply) -> None:
        validator = self.contracts.validator_for(schema)
        errors = [e.message for e in validator.iter_errors(reply.body)]
        assert not errors, f"{operation} {reply.status} breaks its contract: {errors}"
        # The real server writes keys in its models' field order, which is
        # the order of the contract's properties.
        misordered = key_order_problems(
            reply.body, schema, self.contracts.registry.resolver()
        )
        assert not misordered, f"{operation} {reply.status} key order: {misordered}"

    # Shortcuts for the objects most tests need.

    def flow(self, name: str = "etl", **fields: Any) -> dict[str, Any]:
        return self("create_flow", {"name": name, **fields}).body  # type: ignore[no-any-return]

    def deployment(self, name: str = "nightly", **fields: Any) -> dict[str, Any]:
        flow_id = fields.pop("flow_id", None) or self.flow()["id"]
        body = {"name": name, "flow_id": flow_id, **fields}
        return self("create_deployment", body).body  # type: ignore[no-any-return]

    def run(self, deployment_id: str, **fields: Any) -> dict[str, Any]:
        reply = self("create_flow_run_from_deployment", fields, id=deployment_id)
        return reply.body  # type: ignore[no-any-return]

    def read_run(self, run_id: str) -> dict[str, Any]:
        return self("read_flow_run", id=run_id).body  # type: ignore[no-any-return]

    def set_state(
        self, run_id: str, state_type: str, *, force: bool = False, **state: Any
    ) -> Reply:
        body = {"state": {"type": state_type, **state}, "force": force}
        return self("set_flow_run_state", body, id=run_id)


ApiFactory = Callable[..., Api]


def key_order_problems(
    body: Any, schema: Any, resolver: Any, path: str = "$"
) -> list[str]:
    """List the objects in ``body`` whose keys are out of the schema's order."""
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    if not isinstance(schema, dict):
        return []
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        if _fits(body, branch, resolver):
            return key_order_problems(body, branch, resolver, path)
    if isinstance(body, list):
        items = schema.get("items", {})
        return [
            problem
            for index, item in enumerate(body)
            for problem in key_order_problems(item, items, resolver, f"{path}[{index}]")
        ]
    properties = schema.get("properties")
    if not isinstance(body, dict) or properties is None:
        return []
    problems = []
    expected = [key for key in properties if key in body]
    if [key for key in body if key in properties] != expected:
        problems.append(f"{path}: {list(body)} instead of {expected}")
    for key, value in body.items():
        if key in properties:
            problems += key_order_problems(
                value, properties[key], resolver, f"{path}.{key}"
            )
    return problems


def _fits(body: Any, branch: Any, resolver: Any) -> bool:
    while isinstance(branch, dict) and "$ref" in branch:
        resolved = resolver.lookup(branch["$ref"])
        branch, resolver = resolved.contents, resolved.resolver
    if not isinstance(branch, dict):
        return False
    if isinstance(body, dict):
        properties = branch.get("properties")
        return properties is not None and set(body) <= set(properties)
    if isinstance(body, list):
        return branch.get("type") == "array"
    return False
