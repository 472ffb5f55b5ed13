"""The control API's operations, and their place in the served OpenAPI document.

:data:`CONTROL_OPERATIONS` is the one list of the control API: the
blueprint in :mod:`mockserver.operator.control` routes exactly these, and
:func:`document_with_control` documents exactly these, so neither can drift
from the other. Every control operation is tagged ``mockserver control``, and
each path item names its own server, ``/__mock``, since the Prefect API's
server URL is ``/api``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONTROL_OPERATIONS",
    "CONTROL_PREFIX",
    "CONTROL_TAG",
    "TOKEN_HEADER",
    "ControlOperation",
    "document_with_control",
]

CONTROL_PREFIX = "/__mock"
"""Where the control API and the dashboard are served; no Prefect path starts so."""

CONTROL_TAG = "mockserver control"

TOKEN_HEADER = "X-Mock-Token"
"""The header that carries the control token, besides ``Authorization``."""

JSONObject = dict[str, Any]

_SCHEMA = "#/components/schemas/"


def _ref(name: str) -> JSONObject:
    return {"$ref": _SCHEMA + name}


def _json(schema: JSONObject, description: str) -> JSONObject:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


_ERROR = _json(_ref("MockControlError"), "The control API refuses the request.")
_NO_CONTENT = {"description": "Done; no body."}


@dataclass(frozen=True)
class ControlOperation:
    """One operation of the control API.

    :param name: the operationId, also the view's endpoint name.
    :param method: the HTTP method.
    :param path: the path below :data:`CONTROL_PREFIX`, OpenAPI style
        (``/flow_runs/{id}/complete``).
    :param summary: one line for the document and the dashboard.
    :param request: the request body's schema, if it takes one.
    :param responses: the documented answers by status.
    :param query: the query parameters' schemas by name.
    """

    name: str
    method: str
    path: str
    summary: str
    request: JSONObject | None = None
    responses: Mapping[str, JSONObject] = field(default_factory=dict)
    query: Mapping[str, JSONObject] = field(default_factory=dict)

    def as_openapi(self) -> JSONObject:
        """Return the operation object of the OpenAPI document."""
        document: JSONObject = {
            "operationId": self.name,
            "summary": self.summary,
            "tags": [CONTROL_TAG],
            "parameters": self._parameters(),
            "responses": {**self.responses, "401": _UNAUTHORIZED},
            "security": [{}, {"mockControlToken": []}, {"mockControlHeader": []}],
        }
        if self.request is not None or self.query:
            document["responses"]["422"] = _ERROR
        if self.request is not None:
            document["requestBody"] = {
                "required": False,
                "content": {"application/json": {"schema": self.request}},
            }
        return document

    def _parameters(self) -> list[JSONObject]:
        found = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _path_parameters(self.path)
        ]
        found += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in self.query.items()
        ]
        return found


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


_UNAUTHORIZED = _json(
    _ref("MockControlError"),
    "A control token is configured and the request does not carry it.",
)

_FLOW_RUN = _json(
    {"type": "object", "description": "The flow run, as read_flow_run answers."},
    "The flow run after the move.",
)
_MISSING_RUN = _json(
    {"type": "object"}, "No such flow run; the body is the real server's 404."
)

CONTROL_OPERATIONS: tuple[ControlOperation, ...] = (
    ControlOperation(
        "mock_dashboard",
        "GET",
        "/",
        "The dashboard: live journal, state, contracts and faults (HTML). With a "
        "control token, pass it as ?token=TOKEN.",
        responses={
            "200": {
                "description": "The dashboard page.",
                "content": {"text/html": {"schema": {"type": "string"}}},
            }
        },
        query={"token": {"type": "string"}},
    ),
    ControlOperation(
        "mock_read_requests",
        "GET",
        "/requests",
        "The journal of answered requests, oldest first.",
        responses={
            "200": _json(
                {"type": "array", "items": _ref("MockJournalEntry")},
                "The kept entries; header X-Mock-Journal-Kept counts all of them.",
            )
        },
        query={
            "operation": {"type": "string"},
            "status": {"type": "integer"},
            "after": {"type": "integer", "description": "Only later sequences."},
        },
    ),
    ControlOperation(
        "mock_clear_requests",
        "DELETE",
        "/requests",
        "Forget every journal entry; sequence numbers keep counting.",
        responses={"204": _NO_CONTENT},
    ),
    ControlOperation(
        "mock_reset",
        "POST",
        "/reset",
        "Forget every flow, deployment and run; optionally the journal and faults.",
        request=_ref("MockReset"),
        responses={"204": _NO_CONTENT},
    ),
    ControlOperation(
        "mock_preload",
        "POST",
        "/fixtures",
        "Add flows, work pools, deployments and flow runs, keeping their ids.",
        request=_ref("MockFixtures"),
        responses={
            "201": _json(
                {"type": "object", "additionalProperties": {"type": "integer"}},
                "How many objects of each kind were added.",
            ),
            "409": _json({"type": "object"}, "An id is already in the state."),
        },
    ),
    ControlOperation(
        "mock_read_state",
        "GET",
        "/state",
        "Every flow, deployment and flow run, as the API reads them.",
        responses={"200": _json(_ref("MockState"), "The state.")},
    ),
    ControlOperation(
        "mock_read_settings",
        "GET",
        "/settings",
        "The mode, lifecycle and other settings of the running mock.",
        responses={"200": _json(_ref("MockSettings"), "The settings.")},
    ),
    ControlOperation(
        "mock_update_settings",
        "PATCH",
        "/settings",
        "Switch mode (stateful or playback), lifecycle or step delay.",
        request=_ref("MockSettingsChange"),
        responses={"200": _json(_ref("MockSettings"), "The settings now.")},
    ),
    *(
        ControlOperation(
            f"mock_{move}_flow_run",
            "POST",
            f"/flow_runs/{{id}}/{move}",
            summary,
            request=_ref("MockMove") if move == "fail" else None,
            responses={"200": _FLOW_RUN, "404": _MISSING_RUN},
        )
        for move, summary in (
            ("advance", "Move a flow run one state on; it leaves the lifecycle."),
            ("complete", "Move a flow run through what it lacks to COMPLETED."),
            ("fail", "Move a flow run through what it lacks to FAILED."),
        )
    ),
    ControlOperation(
        "mock_read_operations",
        "GET",
        "/operations",
        "Every operation served, with where its contract is.",
        responses={
            "200": _json(
                {"type": "array", "items": _ref("MockOperation")}, "The operations."
            )
        },
    ),
    ControlOperation(
        "mock_read_operation",
        "GET",
        "/operations/{name}",
        "The contract of one operation: its JSON Schema document.",
        responses={
            "200": _json({"type": "object"}, "The contract."),
            "404": _ERROR,
        },
    ),
    ControlOperation(
        "mock_read_faults",
        "GET",
        "/faults",
        "The fault rules in force, each with how often it has fired.",
        responses={"200": _json(_ref("MockFaults"), "The rules in force.")},
    ),
    ControlOperation(
        "mock_replace_faults",
        "PUT",
        "/faults",
        "Put fault rules in force, replacing the previous ones.",
        request=_ref("MockFaultPlan"),
        responses={"200": _json(_ref("MockFaults"), "The rules in force.")},
    ),
    ControlOperation(
        "mock_clear_faults",
        "DELETE",
        "/faults",
        "Remove every fault rule.",
        responses={"204": _NO_CONTENT},
    ),
)


def _violation() -> JSONObject:
    return {
        "type": "object",
        "properties": {
            "location": {"type": "array", "items": {"type": ["string", "integer"]}},
            "kind": {"type": "string"},
            "message": {"type": "string"},
            "input": {},
            "text": {"type": "string"},
        },
    }


def _journal_entry() -> JSONObject:
    violations = {"type": "array", "items": _ref("MockViolation")}
    return {
        "type": "object",
        "properties": {
            "sequence": {"type": "integer"},
            "time": {"type": "string", "format": "date-time"},
            "method": {"type": "string"},
            "path": {"type": "string"},
            "operation": {"type": ["string", "null"]},
            "query": {"type": "object", "additionalProperties": {"type": "string"}},
            "status": {
                "type": "integer",
                "description": "0 when a fault rule dropped the connection.",
            },
            "duration_ms": {"type": "number"},
            "request_body": {},
            "reply_body": {},
            "request_violations": violations,
            "reply_violations": violations,
            "error": {"type": ["string", "null"]},
        },
    }


def _fault_rule() -> JSONObject:
    return {
        "type": "object",
        "description": (
            "A fault on one operation (or every one, when operation is null). "
            "The Prefect client retries 408, 429, 502 and 503 and dropped "
            "connections up to five times with backoff."
        ),
        "properties": {
            "operation": {"type": ["string", "null"]},
            "probability": {"type": "number", "minimum": 0, "maximum": 1},
            "latency_ms": {
                "oneOf": [
                    {"type": "number", "minimum": 0},
                    {
                        "type": "array",
                        "items": {"type": "number", "minimum": 0},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                ]
            },
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "body": {"description": "Defaults to the real server's body."},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "drop": {"type": "boolean"},
            "times": {"type": "integer", "minimum": 1},
        },
        "additionalProperties": False,
    }


def _schemas() -> JSONObject:
    objects = {"type": "array", "items": {"type": "object"}}
    rules = {"type": "array", "items": _ref("MockFaultRule")}
    return {
        "MockControlError": {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        },
        "MockViolation": _violation(),
        "MockJournalEntry": _journal_entry(),
        "MockFaultRule": _fault_rule(),
        "MockFaultPlan": {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "seed": {"type": ["integer", "null"]},
                        "rules": rules,
                    },
                    "additionalProperties": False,
                },
                rules,
            ]
        },
        "MockFaults": {
            "type": "object",
            "properties": {
                "seed": {"type": "integer"},
                "rules": {
                    "type": "array",
                    "items": {
                        "allOf": [_ref("MockFaultRule")],
                        "properties": {
                            "description": {"type": "string"},
                            "hits": {"type": "integer"},
                        },
                    },
                },
            },
        },
        "MockReset": {
            "type": "object",
            "properties": {
                "journal": {"type": "boolean"},
                "faults": {"type": "boolean"},
            },
        },
        "MockFixtures": {
            "type": "object",
            "properties": dict.fromkeys(
                ("flows", "work_pools", "deployments", "flow_runs"), objects
            ),
            "additionalProperties": False,
        },
        "MockState": {
            "type": "object",
            "properties": dict.fromkeys(("flows", "deployments", "flow_runs"), objects),
        },
        "MockSettings": {
            "type": "object",
            "properties": {
                "prefect_version": {"type": "string"},
                "mode": {"enum": ["stateful", "playback", "custom"]},
                "lifecycle": {"enum": ["hold", "complete", "fail"]},
                "step_delay": {"type": "number"},
                "fixtures": {"type": ["string", "null"]},
                "seed": {"type": "integer"},
                "journal_size": {"type": "integer"},
            },
        },
        "MockSettingsChange": {
            "type": "object",
            "properties": {
                "mode": {"enum": ["stateful", "playback"]},
                "fixtures": {"type": "string", "description": "Recordings folder."},
                "placeholders": {"type": "boolean"},
                "lifecycle": {"enum": ["hold", "complete", "fail"]},
                "step_delay": {"type": "number", "minimum": 0},
            },
            "additionalProperties": False,
        },
        "MockMove": {
            "type": "object",
            "properties": {"message": {"type": ["string", "null"]}},
        },
        "MockOperation": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "method": {"type": "string"},
                "path": {"type": "string"},
                "summary": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "statuses": {"type": "array", "items": {"type": "integer"}},
                "contract": {"type": "string"},
            },
        },
    }


def _security_schemes() -> JSONObject:
    return {
        "mockControlToken": {"type": "http", "scheme": "bearer"},
        "mockControlHeader": {"type": "apiKey", "in": "header", "name": TOKEN_HEADER},
    }


def document_with_control(document: Mapping[str, Any]) -> JSONObject:
    """Return a copy of an assembled OpenAPI document with the control API added.

    The control operations go under their own paths, each path item with the
    server ``/__mock``, their schemas under ``Mock*`` names, and their tag
    and security schemes beside the document's own.

    :raises ValueError: when the document already has one of those paths or
        schemas.
    """
    paths: JSONObject = {}
    for operation in CONTROL_OPERATIONS:
        item = paths.setdefault(operation.path, {"servers": [{"url": CONTROL_PREFIX}]})
        item[operation.method.lower()] = operation.as_openapi()

    components = dict(document.get("components", {}))
    schemas = dict(components.get("schemas", {}))
    clashes = (set(paths) & set(document.get("paths", {}))) | (
        set(_schemas()) & set(schemas)
    )
    if clashes:
        raise ValueError(f"the document already has {sorted(clashes)!r}")

    components["schemas"] = {**schemas, **_schemas()}
    components["securitySchemes"] = {
        **components.get("securitySchemes", {}),
        **_security_schemes(),
    }
    tag = {
        "name": CONTROL_TAG,
        "description": "mockserver's own control API, served at /__mock; "
        "not part of Prefect.",
    }
    return {
        **document,
        "paths": {**document.get("paths", {}), **paths},
        "components": components,
        "tags": [*document.get("tags", []), tag],
    }
