"""Check a request against its operation's contract and build the :class:`Call`.

The order follows the real server: the body is decoded (non-UTF-8 bytes
answer 400), parsed (malformed JSON is a ``json_invalid`` violation), then
path, query and body are validated together so that one 422 lists every
violation. A reply is checked against the response contract the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockserver.contracts import ContractSet, Operation
from mockserver.errors import MockserverError
from mockserver.exchange import Call, Reply
from mockserver.validation.envelopes import detail, validation_error
from mockserver.validation.violations import Violation, find_violations

UNPARSEABLE_BODY = "There was an error parsing the body"
_NO_BODY = object()


class Rejected(MockserverError):
    """A request broke its contract; :attr:`reply` is the answer to send.

    :param reply: the 400 or 422 reply, in the version's format.
    :param violations: every violation found, empty for a 400.
    """

    def __init__(self, reply: Reply, violations: list[Violation]) -> None:
        self.reply = reply
        self.violations = violations
        super().__init__(
            f"request rejected with {reply.status}: "
            + ("; ".join(str(v) for v in violations) or str(reply.body))
        )


def parse_call(
    contracts: ContractSet,
    operation: Operation,
    *,
    path: Mapping[str, str],
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> Call:
    """Validate one request and return it as a :class:`Call`.

    :param path: path parameters by name, as they appeared in the URL.
    :param query: query parameters by name (the first value of each).
    :param headers: request headers; names are compared lower-cased.
    :param body: the raw request body.
    :raises Rejected: when the body is not UTF-8 (400) or anything breaks
        the contract (422, listing every violation).
    """
    text = _decode(body, contracts.version)
    document = _parse(text, contracts.version) if _is_json(headers) else _NO_BODY

    violations = _check_parameters(contracts, operation, "path", path)
    violations += _check_parameters(contracts, operation, "query", query)
    if operation.request_schema is not None:
        violations += _check_body(contracts, operation, document)

    received = None if document is _NO_BODY else document
    if violations:
        raise Rejected(
            validation_error(contracts.version, violations, received), violations
        )
    return Call(
        operation=operation.name,
        path=dict(path),
        query=dict(query),
        body=_without_nulls(contracts, operation, received),
        headers={name.lower(): value for name, value in headers.items()},
    )


def reply_violations(
    contracts: ContractSet, operation: Operation, reply: Reply
) -> list[Violation]:
    """Return how a reply breaks the operation's response contract.

    A status the contract does not list is one violation of kind
    ``status_undocumented``; a body on a status that has none is ``body_unexpected``.
    """
    if reply.status not in operation.responses:
        documented = ", ".join(str(status) for status in operation.responses)
        message = f"status {reply.status} is not documented (documented: {documented})"
        return [Violation(("status",), "status_undocumented", message, reply.status)]

    schema = operation.responses[reply.status]
    if schema is None:
        if reply.body is None:
            return []
        message = f"status {reply.status} has no body"
        return [Violation(("body",), "body_unexpected", message, reply.body)]

    validator = contracts.validator_for(operation.part_ref(f"response-{reply.status}"))
    return find_violations(validator, reply.body, ("body",))


def _is_json(headers: Mapping[str, str]) -> bool:
    # FastAPI parses a body without a content type as JSON, and ignores one
    # sent with any other content type.
    for name, value in headers.items():
        if name.lower() == "content-type":
            return "json" in value.lower()
    return True


def _decode(body: bytes, version: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(detail(400, UNPARSEABLE_BODY), []) from None


def _parse(text: str, version: str) -> Any:
    if not text.strip():
        return _NO_BODY
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        context = {
            "msg": error.msg,
            "doc": error.doc,
            "pos": error.pos,
            "lineno": error.lineno,
            "colno": error.colno,
        }
        violation = Violation(
            ("body", error.pos), "json_invalid", "JSON decode error", {}, context
        )
        raise Rejected(
            validation_error(version, [violation], text), [violation]
        ) from None


def _check_parameters(
    contracts: ContractSet, operation: Operation, part: str, values: Mapping[str, str]
) -> list[Violation]:
    schema = operation.path_schema if part == "path" else operation.query_schema
    if not schema.get("properties") and not values:
        return []
    validator = contracts.validator_for(operation.part_ref(part))
    known = {
        name: value for name, value in values.items() if name in schema["properties"]
    }
    found = find_violations(validator, known, (part,), pydantic=_pydantic(contracts))
    return _missing_without_input(found)


def _missing_without_input(violations: list[Violation]) -> list[Violation]:
    return [
        Violation(
            v.location,
            v.kind,
            v.message,
            None if v.kind == "missing" else v.input,
            v.context,
        )
        for v in violations
    ]


def _check_body(
    contracts: ContractSet, operation: Operation, document: Any
) -> list[Violation]:
    schema = contracts.resolve(operation.part_ref("request"))
    fields = list(schema.get("properties", {}))
    if document is _NO_BODY or document is None:
        if operation.request_required:
            return [Violation(("body",), "missing", "Field required", None)]
        return []

    if _is_parameter_bundle(schema) and not isinstance(document, dict):
        # FastAPI reads each field of a bundled body separately and finds
        # none of them in a body that is not an object.
        return [
            Violation(("body", name), "missing", "Field required", None)
            for name in fields
        ]

    bundle = _is_parameter_bundle(schema)
    if bundle:
        document = _without_nulls(contracts, operation, document)
    validator = contracts.validator_for(operation.part_ref("request"))
    found = find_violations(
        validator, document, ("body",), fields, pydantic=_pydantic(contracts)
    )
    # Each bundled field is a parameter of its own, so a missing one has no
    # enclosing object to show as its input.
    return _missing_without_input(found) if bundle else found


def _pydantic(contracts: ContractSet) -> int:
    return 1 if contracts.version.startswith("2.") else 2


def _without_nulls(contracts: ContractSet, operation: Operation, document: Any) -> Any:
    """Drop null fields of a bundled body: FastAPI treats them as not sent."""
    if operation.request_schema is None or not isinstance(document, dict):
        return document
    if not _is_parameter_bundle(contracts.resolve(operation.part_ref("request"))):
        return document
    return {name: value for name, value in document.items() if value is not None}


def _is_parameter_bundle(schema: Mapping[str, Any]) -> bool:
    """Whether the body is several FastAPI ``Body()`` parameters bundled together."""
    return str(schema.get("title", "")).startswith("Body_")


__all__ = ["UNPARSEABLE_BODY", "Rejected", "parse_call", "reply_violations"]
