"""Judge negative and positive cases the way a Prefect server reads them.

Schemathesis decides that a case is *negative* (it should be rejected) or
*positive* (it should be accepted) by a strict reading of the OpenAPI
document. Prefect validates requests with pydantic in lax mode, which reads
``false`` as ``0``, ``"5"`` as ``5`` and ``null`` in a bundled body as "not
sent"; the contract set describes that reading, and
:func:`mockserver.validation.parse_call` implements it. So two kinds of
failure are not the implementation's:

- ``negative_data_rejection`` on a request that ``parse_call`` accepts and
  whose handler-checked bounds (``x-checked-by-handler``: a ``limit`` above
  200) hold: a Prefect server reads the request as valid, so accepting it is
  right;
- ``positive_data_acceptance`` on a request that ``parse_call`` rejects: the
  contract set itself refuses the request, so rejecting it is right, and the
  case is positive only for the looser OpenAPI document Schemathesis
  generated it from. Those point at the contract set and are reported apart
  so that its maintainers can tighten the document.

:class:`Judge` re-reads the request as it went out on the wire (method, URL,
headers, body bytes) and returns why such a failure is set aside, or
``None`` when it stands. Nothing here knows Schemathesis.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from jsonschema.exceptions import ValidationError

from mockserver.contracts import ContractSet, Operation
from mockserver.errors import UnknownOperation
from mockserver.exchange import Call
from mockserver.validation import Rejected, parse_call

__all__ = ["JUDGED_CHECKS", "Judge", "Reading", "SentRequest"]

JUDGED_CHECKS: Final = frozenset(
    {"negative_data_rejection", "positive_data_acceptance"}
)
"""The checks whose failures :class:`Judge` may set aside."""

_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
# Starlette's UUID path converter, which Prefect 3 routes ids with: a value
# it does not match reaches no operation at all (404).
_ROUTED_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_SHOWN_PROBLEMS = 3


@dataclass(frozen=True)
class SentRequest:
    """A request as it went out on the wire.

    :param method: the HTTP method.
    :param url: the full URL, query included, path values percent-encoded.
    :param headers: the request headers.
    :param body: the body's bytes, empty when there was none.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Reading:
    """How a Prefect server reads one request.

    :param accepted: whether validation and the handler's own bounds let it
        through.
    :param problems: why not, one line per violation; empty when accepted.
    """

    accepted: bool
    problems: tuple[str, ...] = ()


class Judge:
    """Sets aside failures that a lax reading of the request contradicts.

    :param contracts: the contract set the run checks against.
    """

    def __init__(self, contracts: ContractSet) -> None:
        self.contracts = contracts

    def set_aside(self, check: str, operation: str, request: SentRequest) -> str | None:
        """Return why a failure of ``check`` is not the implementation's, or ``None``.

        Only failures of :data:`JUDGED_CHECKS` are ever set aside, and only
        when the request can be read: a URL that does not fit the
        operation's path keeps its failure.
        """
        if check not in JUDGED_CHECKS:
            return None
        reading = self.read(operation, request)
        if reading is None:
            return None

        if check == "negative_data_rejection" and reading.accepted:
            return (
                "Prefect reads this request as valid: pydantic's lax mode "
                "accepts it, as the contract set's reading does"
            )
        if check == "positive_data_acceptance" and not reading.accepted:
            return (
                "the contract set rejects this request, so it is not positive "
                "data; the OpenAPI document generated it: "
                + "; ".join(reading.problems)
            )
        return None

    def read(self, operation: str, request: SentRequest) -> Reading | None:
        """Read ``request`` as the server does; ``None`` if it does not fit.

        :param operation: the operation the request was generated for.
        """
        try:
            contract = self.contracts.operation(operation)
        except UnknownOperation:
            return None
        parts = urlsplit(request.url)
        headers = {name.lower(): value for name, value in request.headers.items()}
        path = _path_parameters(contract, parts.path)
        if path is None:
            return None
        unrouted = self._unrouted(contract, path)
        if unrouted:
            return Reading(False, tuple(unrouted))

        try:
            call = parse_call(
                self.contracts,
                contract,
                path=path,
                query=_first_values(parts.query),
                headers=headers,
                body=request.body,
            )
        except Rejected as rejected:
            problems = [str(violation) for violation in rejected.violations]
            return Reading(False, _shown(problems or [_status_line(rejected)]))

        broken = self._handler_bounds(contract, call)
        return Reading(not broken, _shown(broken))

    def _unrouted(self, operation: Operation, path: Mapping[str, str]) -> list[str]:
        if int(self.contracts.version.split(".")[0]) < 3:
            return []
        properties = operation.path_schema.get("properties", {})
        return [
            f"path.{name}: no route matches {value!r}"
            for name, value in path.items()
            if properties.get(name, {}).get("format") == "uuid"
            and _ROUTED_UUID.fullmatch(value) is None
        ]

    def _handler_bounds(self, operation: Operation, call: Call) -> list[str]:
        """Bounds the contract leaves to the handler, which ``call`` breaks.

        ``parse_call`` lets them through because the real handler refuses
        them itself (422 ``{"detail": "Invalid limit: ..."}``); a request
        breaking one is still refused by the server.
        """
        if operation.request_schema is None or call.body is None:
            return []
        validator = self.contracts.validator_for(operation.part_ref("request"))
        return [
            f"body.{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in _all_errors(validator.iter_errors(call.body))
            if error.validator in _BOUNDS
            and isinstance(error.schema, Mapping)
            and error.schema.get("x-checked-by-handler")
        ]


def _all_errors(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    pending = list(errors)
    while pending:
        error = pending.pop()
        yield error
        pending.extend(error.context or ())


def _path_parameters(operation: Operation, path: str) -> dict[str, str] | None:
    """Find the operation's path template at the end of ``path``; decode values."""
    pattern = ""
    for literal, name in re.findall(r"([^{]*)(?:{([^}]+)})?", operation.path):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P<{name}>[^/]*)"
    found = re.search(pattern + "$", path)
    if found is None:
        return None
    return {name: unquote(value) for name, value in found.groupdict().items()}


def _first_values(query: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, value)
    return values


def _status_line(rejected: Rejected) -> str:
    body: Any = rejected.reply.body
    detail = body.get("detail") if isinstance(body, dict) else body
    return f"answered {rejected.reply.status}: {detail}"


def _shown(problems: list[str]) -> tuple[str, ...]:
    if len(problems) <= _SHOWN_PROBLEMS:
        return tuple(problems)
    hidden = len(problems) - _SHOWN_PROBLEMS
    return (*problems[:_SHOWN_PROBLEMS], f"and {hidden} more")
