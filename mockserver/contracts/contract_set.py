"""Load a contract set and compile its validators.

A :class:`ContractSet` is read once per version and shared: its validators
are compiled on first use and cached, so that no request pays for schema
work. It knows nothing of HTTP frameworks.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockserver.contracts import layout
from mockserver.contracts.formats import FORMAT_CHECKER
from mockserver.errors import UnknownOperation, UnknownSchema

_rust: ModuleType | None
try:
    import jsonschema_rs as _rust
except ImportError:  # the optional speed-up; everything works without it
    _rust = None

JSONObject = dict[str, Any]


def _is_integer(checker: Any, instance: object) -> bool:
    # JSON Schema counts 5.0 as an integer; pydantic reads it as a float it
    # must convert, so the validator reports it and lax coercion converts it.
    return isinstance(instance, int) and not isinstance(instance, bool)


def _conforming(
    check: Callable[[object], object],
    raises: type[Exception] | tuple[type[Exception], ...],
) -> Callable[[str], bool]:
    """Return one format's check as jsonschema-rs calls it: text in, verdict out.

    It answers what ``FORMAT_CHECKER.conforms`` answers, without the checker's
    lookup and error objects: a reply holds a dozen date-times, each checked
    on every answer.
    """

    def conforms(text: str) -> bool:
        try:
            return bool(check(text))
        except raises:
            return False

    return conforms


# jsonschema-rs checks formats its own way (its date-time is RFC 3339, which
# takes a leap second and a lower-case "t" that pydantic refuses), so it is
# handed ours. Its uuid takes only the dashed form, a subset of what ours
# takes, so it stays: it is the most frequent format and the fastest so.
_RUST_FORMATS = {
    name: _conforming(check, raises)
    for name, (check, raises) in FORMAT_CHECKER.checkers.items()
    if name != "uuid"
}


class _WholeNumber:
    """A keyword for jsonschema-rs: refuse a float where an integer is asked.

    JSON Schema counts 5.0 as an integer; pydantic reads it as a float to
    convert, as :meth:`ContractSet.validator_for` does, and so must the fast
    check. Added beside every ``"type": "integer"`` of the documents it sees.
    """

    def __init__(self, parent: Any, value: Any, path: Any) -> None:
        pass

    def validate(self, instance: Any) -> None:
        if isinstance(instance, float):
            raise ValueError(f"{instance!r} is a float")


_WHOLE_NUMBER = "x-mockserver-whole-number"


def _with_whole_numbers(value: Any) -> Any:
    """Return a copy of a document with :class:`_WholeNumber` on every integer."""
    if isinstance(value, list):
        return [_with_whole_numbers(item) for item in value]
    if not isinstance(value, dict):
        return value
    copied = {key: _with_whole_numbers(item) for key, item in value.items()}
    kind = value.get("type")
    if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
        copied[_WHOLE_NUMBER] = True
    return copied


_STRICT_INTEGERS = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@dataclass(frozen=True)
class Operation:
    """One operation of a contract set, as its contract describes it.

    ``responses`` maps each status the real server answers with to the
    schema of its body, or to ``None`` when that status has no body.
    ``prefill`` holds fields the server adds to the body, when absent,
    before it validates it.
    """

    name: str
    method: str
    path: str
    description: str
    tags: tuple[str, ...]
    uri: str
    path_schema: JSONObject
    query_schema: JSONObject
    request_schema: JSONObject | None
    request_required: bool
    responses: Mapping[int, JSONObject | None]
    response_descriptions: Mapping[int, str] = field(default_factory=dict)
    prefill: Mapping[str, Any] = field(default_factory=dict)

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """Names of the path parameters, in the order the path uses them."""
        return tuple(re.findall(r"{([^}]+)}", self.path))

    def part_ref(self, part: str) -> JSONObject:
        """Return a schema that refers to one part of this contract.

        :param part: ``path``, ``query``, ``request`` or ``response-STATUS``.
        """
        return {"$ref": f"{self.uri}#/$defs/{part}"}


class ContractSet:
    """Every contract of one Prefect version, with compiled validators.

    :param version: the Prefect version, for example ``"3.9.1"``.
    :param folder: the contract set's folder, ``contracts/prefect-VERSION``.
    """

    def __init__(self, version: str, folder: Path) -> None:
        self.version = version
        self.folder = folder
        self.manifest: JSONObject = layout.read_json(folder / "manifest.json")
        self.components: JSONObject = layout.read_json(folder / "components.json")

        documents = [self.components]
        self.operations: dict[str, Operation] = {}
        for path in sorted((folder / "operations").glob("*.json")):
            document = layout.read_json(path)
            documents.append(document)
            self.operations[document["title"]] = _operation(document)

        self.documents: dict[str, JSONObject] = {doc["$id"]: doc for doc in documents}
        self.registry: Registry[Any] = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
            for uri, doc in self.documents.items()
        )
        self._validators: dict[str, Validator] = {}
        self._fast_validators: dict[str, Any] = {}
        self._fast_registry: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"<ContractSet prefect-{self.version}: {len(self.operations)} operations>"
        )

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations.values())

    @property
    def uri(self) -> str:
        """The base URI of every document in this set."""
        return layout.set_uri(self.version)

    def operation(self, name: str) -> Operation:
        """Return the operation called ``name``.

        :raises UnknownOperation: listing the closest names when there is none.
        """
        try:
            return self.operations[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.operations, n=3, cutoff=0.5)
            raise UnknownOperation(name, self.version, close) from None

    def schema_names(self) -> list[str]:
        """List every name :meth:`schema` accepts."""
        names = list(self.components["$defs"])
        for operation in self:
            if operation.request_schema is not None:
                names.append(f"{operation.name}.request")
            names += [
                f"{operation.name}.response.{status}"
                for status, body in operation.responses.items()
                if body is not None
            ]
        return names

    @functools.cached_property
    def answered(self) -> frozenset[str]:
        """The names of the schemas some operation answers with.

        Every response body (``read_deployment.response.200``) and every
        component one reaches (see :meth:`reached`). The rest are only ever
        sent.
        """
        names: set[str] = set()
        for operation in self:
            for status, body in operation.responses.items():
                if body is not None:
                    names.add(f"{operation.name}.response.{status}")
                    names |= self.reached(body)
        return frozenset(names)

    def reached(self, schema: Any) -> frozenset[str]:
        """The components ``schema`` refers to, directly or through others.

        :param schema: any part of a contract: a component's schema, or an
            operation's part such as a response body.
        """
        definitions = self.components["$defs"]
        names: set[str] = set()
        pending = [schema]
        while pending:
            value = pending.pop()
            if isinstance(value, dict):
                name = _component_name(value.get("$ref"))
                if name is not None and name in definitions and name not in names:
                    names.add(name)
                    pending.append(definitions[name])
                pending += value.values()
            elif isinstance(value, list):
                pending += value
        return frozenset(names)

    def schema(self, name: str) -> JSONObject:
        """Return a schema by name, as a reference resolvable in :attr:`registry`.

        :param name: a component (``FlowRunResponse``), an operation's request
            body (``create_flow_run_from_deployment.request``) or one of its
            response bodies (``read_deployment.response.200``). An operation
            may also be named by the last segment of its path when no other
            operation's path ends the same way: ``create_flow_run.request``
            for ``POST /deployments/{id}/create_flow_run``.
        :raises UnknownSchema: when no schema has that name.
        """
        if name in self.components["$defs"]:
            return {"$ref": f"{self.uri}components.json#/$defs/{name}"}

        operation_name, _, part = name.partition(".")
        operation = self.operations.get(operation_name) or self._by_endpoint(
            operation_name
        )
        part = part.replace("response.", "response-")
        if operation is not None and part in _parts(operation):
            return operation.part_ref(part)

        close = difflib.get_close_matches(name, self.schema_names(), n=3, cutoff=0.6)
        raise UnknownSchema(name, self.version, close)

    def _by_endpoint(self, segment: str) -> Operation | None:
        """Return the one operation whose path ends in ``/segment``, if one does."""
        found = [
            operation
            for operation in self
            if operation.path.rstrip("/").rsplit("/", 1)[-1] == segment
        ]
        return found[0] if len(found) == 1 else None

    def resolve(self, schema: JSONObject) -> JSONObject:
        """Follow top-level ``$ref`` chains to the schema they name.

        :param schema: a schema whose ``$ref``, if any, is absolute, as the
            ones :meth:`schema` and :meth:`Operation.part_ref` return.
        """
        resolver = self.registry.resolver()
        while isinstance(schema.get("$ref"), str):
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        return schema

    def validator_for(self, schema: JSONObject) -> Validator:
        """Return a compiled, format-checking validator for ``schema``.

        Validators are cached by the schema's JSON form, so asking again for the
        same schema costs a dictionary lookup.
        """
        key = _cache_key(schema)
        validator = self._validators.get(key)
        if validator is None:
            with self._lock:
                validator = _STRICT_INTEGERS(
                    schema, registry=self.registry, format_checker=FORMAT_CHECKER
                )
                self._validators[key] = validator
        return validator

    def passes(self, schema: JSONObject, instance: Any) -> bool:
        """Tell quickly whether ``instance`` surely satisfies ``schema``.

        With jsonschema-rs installed, a compiled Rust validator answers in a
        few microseconds what :meth:`validator_for` answers in hundreds. It
        applies every rule at least as strictly (formats are checked by the
        same functions, floats refused where integers are asked), so
        ``True`` is final. ``False`` means only "not
        known to pass": the violations, and whether lax coercions or rules
        left to the handler forgive them, are for :meth:`validator_for` to
        find. Without jsonschema-rs the answer is always ``False``.
        """
        if _rust is None:
            return False
        key = _cache_key(schema)
        validator = self._fast_validators.get(key)
        if validator is None:
            validator = self._fast_validator(_rust, key, schema)
        try:
            return bool(validator.is_valid(instance))
        except (OverflowError, TypeError, ValueError):
            # An instance the Rust side cannot represent is left to jsonschema.
            return False

    def _fast_validator(self, rust: ModuleType, key: str, schema: JSONObject) -> Any:
        with self._lock:
            if self._fast_registry is None:
                self._fast_registry = rust.Registry(
                    [
                        (uri, _with_whole_numbers(document))
                        for uri, document in self.documents.items()
                    ]
                )
            validator = rust.validator_for(
                schema,
                registry=self._fast_registry,
                formats=_RUST_FORMATS,
                validate_formats=True,
                keywords={_WHOLE_NUMBER: _WholeNumber},
            )
            self._fast_validators[key] = validator
        return validator


def _operation(document: JSONObject) -> Operation:
    definitions = document["$defs"]
    responses = {
        int(status): definitions.get(f"response-{status}")
        for status in document["x-responses"]
    }
    return Operation(
        name=document["title"],
        method=document["x-method"],
        path=document["x-path"],
        description=document.get("description", ""),
        tags=tuple(document.get("x-tags", ())),
        uri=document["$id"],
        path_schema=definitions["path"],
        query_schema=definitions["query"],
        request_schema=definitions.get("request"),
        request_required=document.get("x-request-required", False),
        responses=responses,
        response_descriptions={int(k): v for k, v in document["x-responses"].items()},
        prefill=document.get("x-prefill", {}),
    )


def _component_name(reference: Any) -> str | None:
    # Components refer to each other as "#/$defs/NAME", operations to them
    # as "../components.json#/$defs/NAME".
    if not isinstance(reference, str):
        return None
    document, _, name = reference.partition("#/$defs/")
    return name if document in ("", "../components.json") and name else None


def _parts(operation: Operation) -> set[str]:
    parts = {"path", "query"}
    if operation.request_schema is not None:
        parts.add("request")
    parts |= {
        f"response-{status}"
        for status, body in operation.responses.items()
        if body is not None
    }
    return parts


def _cache_key(schema: JSONObject) -> str:
    reference = schema.get("$ref")
    if len(schema) == 1 and isinstance(reference, str):
        return reference
    return json.dumps(schema, sort_keys=True)


@functools.cache
def _load(version: str, root: str | None) -> ContractSet:
    folder = layout.version_dir(version, Path(root) if root else None)
    return ContractSet(version, folder)


def load_contract_set(
    version: str = "3.9.1", *, root: Path | None = None
) -> ContractSet:
    """Return the contract set of a Prefect version, loaded once per process.

    :param version: the Prefect version, for example ``"3.9.1"`` or ``"2.14.16"``.
    :param root: the folder holding contract sets; see :func:`layout.contracts_root`.
    :raises UnknownVersion: when no contract set exists for ``version``.
    """
    resolved_root = str(root) if root is not None else str(layout.contracts_root())
    return _load(version, resolved_root)


__all__ = ["FORMAT_CHECKER", "ContractSet", "Operation", "load_contract_set"]
