"""Find the operation a method and URL path belong to, without a web framework.

A :class:`RouteTable` is built from a contract set's operations. Each
operation's path template (``/deployments/{id}/schedules``) becomes a pattern
in which a parameter matches one non-empty path segment. When several
templates match one path, the one with the most literal characters wins, so
``/deployments/filter`` is never taken for ``/deployments/{id}``::

    table = RouteTable(load_contract_set("3.9.1"))
    found = table.match("GET", "/api/deployments/0b5d...")
    found.operation.name   # 'read_deployment'
    found.parameters       # {'id': '0b5d...'}

Parameter values are returned as they appear in the URL, percent-decoded.
With ``uuid_segments=True`` a parameter whose schema has ``format: uuid``
matches only a UUID (either case, dashes optional), as the path converter
of Prefect 3's routes does; any other value then matches no operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from mockserver.contracts import Operation

_PARAMETER = re.compile(r"{([^}]+)}")
_UUID = (
    "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


@dataclass(frozen=True)
class RouteMatch:
    """The operation a request belongs to, and its path parameters by name."""

    operation: Operation
    parameters: Mapping[str, str]


@dataclass(frozen=True)
class _Route:
    operation: Operation
    pattern: re.Pattern[str]
    specificity: int


class RouteTable:
    """Matches requests to operations by method and path template.

    :param operations: the operations to route, usually a contract set.
    :param prefix: what precedes every template in a URL, ``/api`` by default.
    :param uuid_segments: let a ``uuid`` parameter match only a UUID.
    """

    def __init__(
        self,
        operations: Iterable[Operation],
        prefix: str = "/api",
        *,
        uuid_segments: bool = False,
    ) -> None:
        self.prefix = prefix
        routes = [
            _compile(operation, prefix, uuid_segments) for operation in operations
        ]
        self._routes = sorted(routes, key=lambda route: -route.specificity)

    def match(self, method: str, path: str) -> RouteMatch | None:
        """Return the operation serving ``method`` at ``path``, or ``None``."""
        method = method.upper()
        for route in self._routes:
            if route.operation.method != method:
                continue
            found = route.pattern.fullmatch(path)
            if found is not None:
                parameters = {k: unquote(v) for k, v in found.groupdict().items()}
                return RouteMatch(route.operation, parameters)
        return None


def _compile(operation: Operation, prefix: str, uuid_segments: bool) -> _Route:
    formats = {
        name: schema.get("format")
        for name, schema in operation.path_schema.get("properties", {}).items()
    }
    pattern = re.escape(prefix)
    specificity = 0
    position = 0
    for parameter in _PARAMETER.finditer(operation.path):
        name = parameter.group(1)
        segment = _UUID if uuid_segments and formats.get(name) == "uuid" else "[^/]+"
        literal = operation.path[position : parameter.start()]
        pattern += re.escape(literal) + f"(?P<{name}>{segment})"
        specificity += len(literal)
        position = parameter.end()
    literal = operation.path[position:]
    pattern += re.escape(literal)
    specificity += len(literal)
    return _Route(operation, re.compile(pattern), specificity)


__all__ = ["RouteMatch", "RouteTable"]
