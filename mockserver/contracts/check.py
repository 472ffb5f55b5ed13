"""Check a contract set: metaschema, references, and agreement between files.

``mockserver contracts check`` runs :func:`check`; so does the test suite,
for every contract set in the repository. A problem names the file and the
JSON pointer inside it, so it can be found without searching.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

from mockserver.contracts.contract_set import ContractSet

JSONObject = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a contract set.

    :param document: the file, relative to the contract set's folder.
    :param pointer: where in the file, as a JSON pointer.
    :param message: what is wrong.
    """

    document: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.document}#{self.pointer}: {self.message}"


def check(contracts: ContractSet) -> list[Problem]:
    """Return every problem of a contract set; an empty list means it is sound."""
    problems: list[Problem] = []
    for uri, document in contracts.documents.items():
        name = uri.removeprefix(contracts.uri)
        problems += _metaschema(name, document)
        problems += _references(contracts, name, uri, document)
    problems += _manifest(contracts)
    for operation in contracts:
        problems += _path_parameters(
            operation.name, operation.path, operation.path_schema
        )
    return problems


def _metaschema(name: str, document: JSONObject) -> Iterator[Problem]:
    validator = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    for error in validator.iter_errors(document):
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        yield Problem(name, pointer, error.message)


def _references(
    contracts: ContractSet, name: str, uri: str, document: JSONObject
) -> Iterator[Problem]:
    resolver = contracts.registry.resolver(base_uri=uri)
    for pointer, reference in _refs(document, ""):
        try:
            resolver.lookup(reference)
        except Unresolvable:
            yield Problem(name, pointer, f"reference {reference!r} does not resolve")


def _refs(schema: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _refs(item, f"{pointer}/{index}")
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield f"{pointer}/$ref", value
            else:
                escaped = key.replace("~", "~0").replace("/", "~1")
                yield from _refs(value, f"{pointer}/{escaped}")


def _manifest(contracts: ContractSet) -> Iterator[Problem]:
    listed = contracts.manifest.get("operations", {})
    for name in sorted(listed.keys() - contracts.operations.keys()):
        yield Problem(
            "manifest.json", f"/operations/{name}", "listed but has no contract"
        )
    for name in sorted(contracts.operations.keys() - listed.keys()):
        yield Problem(f"operations/{name}.json", "", "has a contract but is not listed")
    for name, route in listed.items():
        operation = contracts.operations.get(name)
        if operation is not None and route != f"{operation.method} {operation.path}":
            yield Problem("manifest.json", f"/operations/{name}", f"says {route!r}")


def _path_parameters(name: str, path: str, schema: JSONObject) -> Iterator[Problem]:
    in_path = set(re.findall(r"{([^}]+)}", path))
    declared = set(schema.get("properties", {}))
    for missing in sorted(in_path - declared):
        yield Problem(
            f"operations/{name}.json",
            "/$defs/path",
            f"{missing!r} is in the path but undeclared",
        )
    for extra in sorted(declared - in_path):
        yield Problem(
            f"operations/{name}.json",
            "/$defs/path",
            f"{extra!r} is declared but not in the path",
        )


__all__ = ["Problem", "check"]
