"""Check a request against its operation's contract and build the :class:`Call`.

The order follows the real server: the body is decoded (bytes that are not
UTF-8, -16 or -32 answer 400), parsed (malformed JSON is a ``json_invalid``
violation; JSON nested deeper than :data:`MAX_NESTING`, integers of more
than 4300 digits and unpaired surrogates answer 400), then path, query and
body are validated together so that one 422 lists every violation. A reply
is checked against the response contract the same way.
"""

from __future__ import annotations

import json
import math
import re
import weakref
from collections.abc import Mapping
from typing import Any

from mockserver.contracts import ContractSet, Operation
from mockserver.errors import MockserverError
from mockserver.exchange import Call, Reply
from mockserver.validation.envelopes import detail, validation_error
from mockserver.validation.violations import Violation, coerce, find_violations

JSONObject = dict[str, Any]

UNPARSEABLE_BODY = "There was an error parsing the body"
MAX_NESTING = 256
"""How deeply arrays and objects may nest in a body; deeper answers 400."""

_NO_BODY = object()
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


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
    document: Any = _NO_BODY
    # The real server reads a body only for operations that take one.
    if operation.request_schema is not None and _is_json(headers):
        document = _parse(_decode(body, contracts.version), contracts.version)
    document = _prefilled(operation, document)

    violations = _check_parameters(contracts, operation, "path", path)
    violations += _check_parameters(contracts, operation, "query", query)
    read = None
    if operation.request_schema is not None:
        found, read = _check_body(contracts, operation, document)
        violations += found

    if violations:
        received = None if document is _NO_BODY else document
        reply = validation_error(contracts.version, violations, received)
        raise Rejected(reply, violations)
    return Call(
        operation=operation.name,
        path=dict(path),
        query=dict(query),
        body=read,
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

    part = operation.part_ref(f"response-{reply.status}")
    if contracts.passes(part, reply.body):
        return []
    return find_violations(contracts.validator_for(part), reply.body, ("body",))


def _prefilled(operation: Operation, document: Any) -> Any:
    """Add the fields the endpoint fills in before it validates the body."""
    if not operation.prefill or not isinstance(document, dict):
        return document
    missing = {k: v for k, v in operation.prefill.items() if k not in document}
    return {**document, **missing}


def _is_json(headers: Mapping[str, str]) -> bool:
    # FastAPI parses a body without a content type as JSON, and ignores one
    # sent with any other content type.
    for name, value in headers.items():
        if name.lower() == "content-type":
            return "json" in value.lower()
    return True


def _decode(body: bytes, version: str) -> str:
    # Starlette hands the raw bytes to json.loads, which detects UTF-8, -16
    # and -32 (a byte order mark included) and lets escaped surrogates through.
    try:
        return body.decode(json.detect_encoding(body), "surrogatepass")
    except UnicodeDecodeError:
        raise Rejected(detail(400, UNPARSEABLE_BODY), []) from None


def _parse(text: str, version: str) -> Any:
    # Only an empty body is no body: whitespace is malformed JSON.
    if not text:
        return _NO_BODY
    try:
        document = json.loads(
            text, parse_constant=_not_finite, parse_float=_finite_or_none
        )
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
    except (RecursionError, ValueError):
        # Too deep for the parser, or an integer of more than 4300 digits:
        # FastAPI answers 400 to whatever else json.loads raises.
        raise Rejected(detail(400, UNPARSEABLE_BODY), []) from None
    if _unservable(text, document):
        raise Rejected(detail(400, UNPARSEABLE_BODY), [])
    return document


def _not_finite(constant: str) -> None:
    # The real server answers NaN and Infinity (and numbers too large for a
    # float, which Python reads as infinite) as null.
    return None


def _finite_or_none(literal: str) -> float | None:
    number = float(literal)
    return number if math.isfinite(number) else None


def _unservable(text: str, document: Any) -> bool:
    """Whether a parsed body nests too deeply or holds an unpaired surrogate.

    Prefect's server answers 500 to both (it fails to echo values nested
    past about 255 levels, and to store or encode a lone surrogate); here
    they are refused before they reach a responder, whose every later
    answer they would break.
    """
    deep = text.count("[") + text.count("{") > MAX_NESTING
    # Either form of a surrogate needs "\u" or a character beyond ASCII.
    unpaired = ("\\u" in text or not text.isascii()) and bool(_SURROGATE.search(text))
    if not (deep or unpaired):
        return False

    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if unpaired and not _encodable(value):
                return True
        elif isinstance(value, dict | list):
            if depth >= MAX_NESTING:
                return True
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                pending.append((key, depth))
                pending.append((item, depth + 1))
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_parameters(
    contracts: ContractSet, operation: Operation, part: str, values: Mapping[str, str]
) -> list[Violation]:
    schema = operation.path_schema if part == "path" else operation.query_schema
    if not schema.get("properties") and not values:
        return []
    reference = operation.part_ref(part)
    known = {
        name: value for name, value in values.items() if name in schema["properties"]
    }
    if contracts.passes(reference, known):
        return []
    validator = contracts.validator_for(reference)
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
) -> tuple[list[Violation], Any]:
    """Return the body's violations and the body as the server reads it."""
    schema = _request_model(contracts, operation)
    fields = list(schema.get("properties", {}))
    bundle = _is_parameter_bundle(schema)
    if document is _NO_BODY or document is None:
        if bundle and schema.get("required"):
            # FastAPI still looks for each bundled field, and misses the
            # required ones: 422 ["body", "flow_ids"], as Prefect answers.
            document = {}
        elif operation.request_required:
            return [Violation(("body",), "missing", "Field required", None)], None
        else:
            return [], None

    if bundle and not isinstance(document, dict):
        # FastAPI reads each field of a bundled body separately and finds
        # none of them in a body that is not an object.
        missing = [
            Violation(("body", name), "missing", "Field required", None)
            for name in fields
        ]
        return missing, None

    if bundle:
        document = _without_nulls(contracts, operation, document)
    reference = operation.part_ref("request")
    if contracts.passes(reference, document):
        return [], document
    validator = contracts.validator_for(reference)
    coercions: list[Violation] = []
    pydantic = _pydantic(contracts)
    found = find_violations(
        validator, document, ("body",), fields, pydantic=pydantic, coercions=coercions
    )
    read = coerce(document, coercions, ("body",), pydantic)
    # Each bundled field is a parameter of its own, so a missing one has no
    # enclosing object to show as its input.
    return (_missing_without_input(found) if bundle else found), read


def _pydantic(contracts: ContractSet) -> int:
    return 1 if contracts.version.startswith("2.") else 2


def _without_nulls(contracts: ContractSet, operation: Operation, document: Any) -> Any:
    """Drop null fields of a bundled body: FastAPI treats them as not sent."""
    if operation.request_schema is None or not isinstance(document, dict):
        return document
    if not _is_parameter_bundle(_request_model(contracts, operation)):
        return document
    return {name: value for name, value in document.items() if value is not None}


_REQUEST_MODELS: weakref.WeakKeyDictionary[ContractSet, dict[str, JSONObject]] = (
    weakref.WeakKeyDictionary()
)
"""Each contract set's request models by operation: resolving one per request
costs more than validating the body."""


def _request_model(contracts: ContractSet, operation: Operation) -> JSONObject:
    """Return the body's object schema, looking through a nullable wrapper."""
    models = _REQUEST_MODELS.setdefault(contracts, {})
    model = models.get(operation.name)
    if model is None:
        model = models[operation.name] = _resolve_request_model(contracts, operation)
    return model


def _resolve_request_model(contracts: ContractSet, operation: Operation) -> JSONObject:
    schema = contracts.resolve(operation.part_ref("request"))
    options = [o for o in schema.get("anyOf", []) if o != {"type": "null"}]
    if len(options) == 1 and "$ref" in options[0]:
        base = contracts.registry.resolver(base_uri=operation.uri)
        resolved: JSONObject = base.lookup(options[0]["$ref"]).contents
        return contracts.resolve(resolved)
    return schema


def _is_parameter_bundle(schema: Mapping[str, Any]) -> bool:
    """Whether the body is several FastAPI ``Body()`` parameters bundled together."""
    return str(schema.get("title", "")).startswith("Body_")


__all__ = [
    "MAX_NESTING",
    "UNPARSEABLE_BODY",
    "Rejected",
    "parse_call",
    "reply_violations",
]
