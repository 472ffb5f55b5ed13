"""Assertions about the requests a mock server has answered.

A test names an operation and the fields it expects the request to have::

    assert_called(
        journal.entries(), contracts,
        "create_flow_run_from_deployment",
        deployment_id=deployment_id, parameters={"x": 3},
    )

A field is looked up in the request's path parameters, then its query
parameters, then the top level of its JSON body. A path parameter is also
known by a longer name made from the path: ``id`` in
``/deployments/{id}/create_flow_run`` is ``deployment_id`` too, ``name`` in
``/work_pools/{name}`` is ``work_pool_name``. Values are compared with
``==`` (so :data:`unittest.mock.ANY` matches anything), a UUID equals its
string in any case, and nested objects must be equal as a whole.

When nothing matches, the error lists every request of that operation and
how each differed, field by field; when the operation was never called, it
lists every request the server answered.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.contracts import ContractSet, Operation
from mockserver.journal import Entry

JSON = Any

SHOWN_REQUESTS = 20
"""How many requests a failure message lists before it summarises the rest."""

__all__ = [
    "SHOWN_REQUESTS",
    "Mismatch",
    "assert_called",
    "assert_not_called",
    "find_calls",
    "mismatches",
    "request_fields",
]


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()
"""Stands for a field the request does not have."""


@dataclass(frozen=True)
class Mismatch:
    """One way a request differs from what was expected.

    :param field: the dotted path of the field (``parameters.x``).
    :param expected: the expected value, or :data:`ABSENT` for a field the
        request has and the expectation does not.
    :param actual: the request's value, or :data:`ABSENT`.
    """

    field: str
    expected: JSON
    actual: JSON

    def __str__(self) -> str:
        if self.actual is ABSENT:
            return f"{self.field}: expected {self.expected!r}, not in the request"
        if self.expected is ABSENT:
            return f"{self.field}: not expected, got {self.actual!r}"
        return f"{self.field}: expected {self.expected!r}, got {self.actual!r}"


def request_fields(entry: Entry, operation: Operation) -> dict[str, JSON]:
    """Return the fields of a journaled request that a match can name.

    Path parameters (under their own name and their longer one), then query
    parameters, then the body's top-level fields; an earlier source wins.
    """
    fields: dict[str, JSON] = {}
    if isinstance(entry.request_body, Mapping):
        fields.update(entry.request_body)
    fields.update(entry.query)
    fields.update(_path_parameters(entry.path, operation))
    return fields


def mismatches(fields: Mapping[str, JSON], match: Mapping[str, JSON]) -> list[Mismatch]:
    """Return how ``fields`` differ from ``match``; empty when they agree."""
    found: list[Mismatch] = []
    for name, expected in match.items():
        found += _compare(name, expected, fields.get(name, ABSENT))
    return found


def find_calls(
    entries: Iterable[Entry],
    contracts: ContractSet,
    operation: str,
    match: Mapping[str, JSON] | None = None,
) -> list[Entry]:
    """Return the entries of ``operation`` whose request has every field of ``match``.

    :raises UnknownOperation: when the contract set has no such operation.
    """
    definition = contracts.operation(operation)
    return [
        entry
        for entry in entries
        if entry.operation == operation
        and not mismatches(request_fields(entry, definition), match or {})
    ]


def assert_called(
    entries: Sequence[Entry],
    contracts: ContractSet,
    operation: str,
    /,
    **match: JSON,
) -> list[Entry]:
    """Return the calls of ``operation`` matching ``match``; fail when there is none.

    :raises AssertionError: listing the requests that were made and how each
        differed, field by field.
    :raises UnknownOperation: when the contract set has no such operation.
    """
    __tracebackhide__ = True  # pytest shows the test's line, not this one
    found = find_calls(entries, contracts, operation, match)
    if found:
        return found
    raise AssertionError(_explain(entries, contracts, operation, match))


def assert_not_called(
    entries: Sequence[Entry],
    contracts: ContractSet,
    operation: str,
    /,
    **match: JSON,
) -> None:
    """Fail when some call of ``operation`` matches ``match``.

    :raises AssertionError: listing the calls that matched.
    :raises UnknownOperation: when the contract set has no such operation.
    """
    __tracebackhide__ = True
    found = find_calls(entries, contracts, operation, match)
    if found:
        wanted = _describe_match(match)
        lines = [f"{len(found)} call(s) to {operation}{wanted} were made:"]
        lines += [f"  {_describe(entry)}" for entry in found[:SHOWN_REQUESTS]]
        raise AssertionError("\n".join(lines))


def _explain(
    entries: Sequence[Entry],
    contracts: ContractSet,
    operation: str,
    match: Mapping[str, JSON],
) -> str:
    definition = contracts.operation(operation)
    wanted = _describe_match(match)
    same = [entry for entry in entries if entry.operation == operation]
    if not same:
        return _explain_absent(entries, operation, wanted)

    lines = [
        f"no call to {operation}{wanted}; {len(same)} call(s) to {operation} differ:"
    ]
    for entry in same[:SHOWN_REQUESTS]:
        lines.append(f"  {_describe(entry)}")
        for mismatch in mismatches(request_fields(entry, definition), match):
            lines.append(f"      {mismatch}")
    lines += _more(len(same))
    return "\n".join(lines)


def _explain_absent(entries: Sequence[Entry], operation: str, wanted: str) -> str:
    if not entries:
        return f"no call to {operation}{wanted}: the server received no request"
    lines = [f"no call to {operation}{wanted}; the server answered {len(entries)}:"]
    lines += [f"  {_describe(entry)}" for entry in entries[:SHOWN_REQUESTS]]
    lines += _more(len(entries))
    return "\n".join(lines)


def _more(count: int) -> list[str]:
    hidden = count - SHOWN_REQUESTS
    return [f"  ... and {hidden} more"] if hidden > 0 else []


def _describe(entry: Entry) -> str:
    operation = entry.operation or "no operation"
    return (
        f"#{entry.sequence} {entry.method} {entry.path} ({operation}) -> {entry.status}"
    )


def _describe_match(match: Mapping[str, JSON]) -> str:
    if not match:
        return ""
    return " with " + ", ".join(f"{name}={value!r}" for name, value in match.items())


def _compare(path: str, expected: JSON, actual: JSON) -> list[Mismatch]:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        found: list[Mismatch] = []
        for key in expected.keys() | actual.keys():
            found += _compare(
                f"{path}.{key}",
                expected.get(key, ABSENT),
                actual.get(key, ABSENT),
            )
        return sorted(found, key=lambda mismatch: mismatch.field)
    if expected is ABSENT or actual is ABSENT or not _equal(expected, actual):
        return [Mismatch(path, expected, actual)]
    return []


def _equal(expected: JSON, actual: JSON) -> bool:
    return bool(_normal(expected) == _normal(actual))


def _normal(value: JSON) -> JSON:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str) and _UUID.fullmatch(value):
        return str(uuid.UUID(value))
    if isinstance(value, list | tuple):
        return [_normal(item) for item in value]
    return value


_UUID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")


def _path_parameters(path: str, operation: Operation) -> dict[str, str]:
    pattern, aliases = _template(operation.path)
    found = pattern.search(path)
    if found is None:
        return {}
    values = found.groupdict()
    for alias, name in aliases.items():
        values[alias] = values[name]
    return values


@functools.lru_cache(maxsize=256)
def _template(template: str) -> tuple[re.Pattern[str], dict[str, str]]:
    pattern = ""
    aliases: dict[str, str] = {}
    previous = ""
    for segment in template.strip("/").split("/"):
        name = segment[1:-1] if segment.startswith("{") else None
        if name is None:
            pattern += "/" + re.escape(segment)
        else:
            pattern += f"/(?P<{name}>[^/]+)"
            # /deployments/{id} names a deployment_id, /work_pools/{name} a
            # work_pool_name.
            if name in ("id", "name") and previous and previous != "name":
                aliases[f"{previous.removesuffix('s')}_{name}"] = name
        previous = "" if name is not None else segment
    return re.compile(pattern + "/?$"), aliases
