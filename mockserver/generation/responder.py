"""Answer any valid call with a response generated from its contract.

:class:`GeneratingResponder` is the ``--mode generate`` responder: no state,
no recordings, just a plausible answer for every operation, the same one for
the same seed and request. Where the real server would echo the request, the
answer does too: the path's id, and the body's name, tags, parameters and
requested state.

One request can ask for another answer than success with the header
``X-Mock-Status: 409``: the body is then generated from that status's
contract, so a client's error handling can be exercised.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from mockserver.contracts import ContractSet, Operation, load_contract_set
from mockserver.exchange import JSON, Call, Reply
from mockserver.generation.instances import shared_generator
from mockserver.validation import detail, reply_violations

STATUS_HEADER = "x-mock-status"
"""The request header that chooses which documented status to answer with."""

_SUCCESS_ORDER = (201, 200, 202, 204)
_ECHOED_FIELDS = ("name", "tags", "parameters", "labels", "job_variables")
_RESOURCES = {"deployments": "deployment", "flow_runs": "flow_run", "flows": "flow"}


class GeneratingResponder:
    """Answer every call with an instance of its response contract.

    :param version: the Prefect version whose contracts are served.
    :param seed: with the request, fixes every generated answer.
    """

    def __init__(self, version: str = "3.9.1", *, seed: int = 0) -> None:
        self.contracts: ContractSet = load_contract_set(version)
        self.seed = seed
        self._generator = shared_generator(self.contracts.registry)

    def respond(self, call: Call) -> Reply:
        """Return a generated reply for ``call``, or 400 for an unknown status."""
        operation = self.contracts.operation(call.operation)
        status = _chosen_status(operation, call)
        if status is None:
            return _unknown_status(operation, call)
        if operation.responses[status] is None:
            return Reply(status)

        seed = _seed(self.seed, call)
        schema = operation.part_ref(f"response-{status}")
        if status < 300:
            echoed = _echoed(self.contracts, operation, call)
        else:
            echoed = _error_detail(self.contracts, operation, status)
        body = self._generate(schema, seed, echoed)
        reply = Reply(status, body)
        if echoed and reply_violations(self.contracts, operation, reply):
            # An echoed value the response contract does not take (a request
            # may carry null where the answer may not): answer without echoes.
            reply = Reply(status, self._generate(schema, seed, {}))
        return reply

    def _generate(self, schema: JSON, seed: int, pinned: Mapping[str, JSON]) -> JSON:
        return self._generator.generate(
            schema, seed=seed, complete=True, pinned=pinned or None
        )


def success_status(operation: Operation) -> int:
    """Return the status a successful call of ``operation`` answers with."""
    for status in _SUCCESS_ORDER:
        if status in operation.responses:
            return status
    return min(operation.responses)


def _chosen_status(operation: Operation, call: Call) -> int | None:
    asked = call.headers.get(STATUS_HEADER)
    if asked is None:
        return success_status(operation)
    status = int(asked) if asked.strip().isdigit() else -1
    return status if status in operation.responses else None


def _unknown_status(operation: Operation, call: Call) -> Reply:
    asked = call.headers.get(STATUS_HEADER)
    documented = ", ".join(str(status) for status in operation.responses)
    return detail(
        400,
        f"{STATUS_HEADER} asked for {asked!r}, but {operation.name} answers "
        f"only {documented}",
    )


def _seed(seed: int, call: Call) -> int:
    request = [call.operation, dict(call.path), dict(call.query), call.body, seed]
    canonical = json.dumps(request, sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big")


def _echoed(
    contracts: ContractSet, operation: Operation, call: Call
) -> dict[str, JSON]:
    schema = operation.responses[success_status(operation)] or {}
    properties = _properties(contracts, operation, schema)
    pinned: dict[str, JSON] = {}

    pinned.update(_path_echoes(operation, call, properties))
    if isinstance(call.body, dict):
        for name in _ECHOED_FIELDS:
            value = call.body.get(name)
            if value is not None and name in properties:
                pinned[name] = value
        pinned.update(_state_echoes(call.body.get("state"), properties))
    return pinned


def _error_detail(
    contracts: ContractSet, operation: Operation, status: int
) -> dict[str, JSON]:
    # A contract's error descriptions are the real server's messages
    # ("Deployment not found"), so they make the most plausible detail.
    resolved = contracts.resolve(operation.part_ref(f"response-{status}"))
    if "detail" not in resolved.get("properties", {}):
        return {}
    return {"detail": operation.response_descriptions.get(status, str(status))}


def _path_echoes(
    operation: Operation, call: Call, properties: Mapping[str, Any]
) -> dict[str, JSON]:
    segments = operation.path.strip("/").split("/")
    identifier = call.path.get("id")
    if identifier is None:
        return {}
    if len(segments) == 2 and "id" in properties:
        return {"id": identifier}
    owner = f"{_RESOURCES.get(segments[0], segments[0])}_id"
    return {owner: identifier} if owner in properties else {}


def _state_echoes(state: Any, properties: Mapping[str, Any]) -> dict[str, JSON]:
    if not isinstance(state, dict) or "state" not in properties:
        return {}
    pinned: dict[str, JSON] = {}
    for field in ("type", "name", "message"):
        if state.get(field) is not None:
            pinned[f"state.{field}"] = state[field]
            if field != "message" and f"state_{field}" in properties:
                pinned[f"state_{field}"] = state[field]
    return pinned


def _properties(
    contracts: ContractSet, operation: Operation, schema: Mapping[str, Any]
) -> Mapping[str, Any]:
    if not schema:
        return {}
    status = success_status(operation)
    resolved = contracts.resolve(operation.part_ref(f"response-{status}"))
    properties: Mapping[str, Any] = resolved.get("properties", {})
    return properties


__all__ = ["STATUS_HEADER", "GeneratingResponder", "success_status"]
