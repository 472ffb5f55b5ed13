"""Keep a conformance run from destroying what it did not create.

A conformance run sends generated requests, and some of them delete: every
``DELETE``, ``bulk_delete_deployments`` (whose ``null`` body deletes up to 50
deployments on a real server), and requests with a method the contract set
does not declare for a path, which Schemathesis sends to check for 405 but
which a real server may serve (``DELETE /flows/{id}`` exists on Prefect).
Pointed at a server holding someone's work, such a request must only ever
reach objects the run created itself.

:class:`SafetyGuard` does that in two steps. It *observes* every reply, and
records the ids (and, for collections addressed by name such as work pools,
the names) of objects that a ``create`` operation answered 201 for: a 200 from
those operations means the object already existed (Prefect upserts flows and
deployments by name). It *inspects* every request before it is sent, and
rewrites a destructive one whose target the run does not own:

- a path parameter that names an object the run does not own is replaced by
  a decoy, a value derived from the original that names nothing (a version-5
  UUID for ids, a ``mockserver-decoy-...`` string for names), so the server
  answers 404 and the run stays deterministic;
- the body of a bulk delete is replaced by a filter on the ids the run owns,
  and sent as JSON: the server ignores a body of any other content type, and
  a bulk delete without its filter deletes whatever it finds first.

Path values are judged as the server reads them, percent-decoded. Values
that can name no object (a path id that is not a UUID in any spelling the
server accepts) are left alone, so negative cases stay negative. Nothing
here knows about Schemathesis: the runner adapts its cases to
:class:`Request`.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, unquote

__all__ = [
    "BULK_DELETES",
    "NO_BODY",
    "Request",
    "SafetyGuard",
    "SafetyStats",
    "Verdict",
    "canonical_uuid",
]

BULK_DELETES: Final[Mapping[str, str]] = {"bulk_delete_deployments": "deployments"}
"""Bulk delete operations, each with the body field holding its filter."""

NO_BODY: Final = type("_NoBody", (), {"__repr__": lambda self: "NO_BODY"})()
"""The body of a request sent without one."""

_DECOY_NAMESPACE = uuid.UUID("5c1e7d3a-9f0b-4b8e-a6d2-0c4f1e2b3a95")
_UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
# Prefect names resources in events and automations "prefect.<kind>.<id>".
_RESOURCE_ID = re.compile(r"prefect\.[a-z-]+\.(?P<id>.+)")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Fields of a created object listing objects created along with it: a new
# deployment's schedules. Other nested ids (a concurrency limit) may name
# objects that existed before.
_CREATED_WITH = ("schedules",)


def canonical_uuid(value: Any) -> str | None:
    """Return the UUID a server could read ``value`` as, or ``None``.

    Accepts every spelling Prefect's servers accept: dashed or not, either
    case, braced, ``urn:uuid:`` prefixed, and (Pydantic reads 16 bytes as a
    UUID) any 16-byte string.

    >>> canonical_uuid("{5C1E7D3A9F0B4B8EA6D20C4F1E2B3A95}")
    '5c1e7d3a-9f0b-4b8e-a6d2-0c4f1e2b3a95'
    """
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        pass
    raw = text.encode("utf-8")
    if len(raw) == 16:
        return str(uuid.UUID(bytes=raw))
    return None


@dataclass(frozen=True)
class Request:
    """A request about to be sent, as the guard sees it.

    :param method: the HTTP method, for example ``"DELETE"``.
    :param path: the path template, for example ``"/deployments/{id}"``.
    :param path_parameters: the values filled into the template.
    :param body: the JSON body, or :data:`NO_BODY`.
    :param operation: the operation the request was generated for.
    :param headers: headers set on the request itself, beyond the defaults.
    """

    method: str
    path: str
    path_parameters: Mapping[str, Any] = field(default_factory=dict)
    body: Any = NO_BODY
    operation: str | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """What the guard decided about one request.

    :param destructive: whether the request could delete something.
    :param path_parameters: the path parameters to send.
    :param body: the body to send.
    :param rewritten: what was changed, for example ``("path id",)``; empty
        when the request goes out as generated.
    :param headers: the headers to send.
    """

    destructive: bool
    path_parameters: Mapping[str, Any]
    body: Any
    rewritten: tuple[str, ...] = ()
    headers: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class SafetyStats:
    """How many destructive requests a run met, and what became of them.

    ``redirected`` ones had a target the run did not own and were rewritten;
    ``unchanged`` ones targeted only what the run created, or nothing at all.
    """

    destructive: int = 0
    redirected: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "destructive": self.destructive,
            "redirected": self.redirected,
            "unchanged": self.unchanged,
        }


class SafetyGuard:
    """Records what a run creates, and rewrites destructive requests to match.

    :param document: the OpenAPI document the run is generated from; it says
        which path parameters are UUIDs and which methods each path declares.
    :param allow_destructive: only observe, never rewrite.

    Safe to share between threads.
    """

    def __init__(
        self, document: Mapping[str, Any], *, allow_destructive: bool = False
    ) -> None:
        self.allow_destructive = allow_destructive
        self.stats = SafetyStats()
        self._declared = _declared_methods(document)
        self._uuid_parameters = _uuid_parameters(document)
        self._creators = _creators(document)
        self._ids: set[str] = set()
        self._names: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    @property
    def owned_ids(self) -> frozenset[str]:
        """Ids of every object the run created, canonical UUID strings."""
        with self._lock:
            return frozenset(self._ids)

    def observe(self, operation: str | None, status: int, body: Any) -> None:
        """Record the objects a reply says were created.

        Only a 201 from an operation that creates counts: Prefect answers 200
        when ``create_flow`` or ``create_deployment`` found the object already
        there, and that object belongs to someone else.
        """
        if status != 201 or operation not in self._creators:
            return
        collection = self._creators[operation]
        items = body if isinstance(body, list) else [body]

        with self._lock:
            for item in items:
                if not isinstance(item, dict):
                    continue
                self._own(item)
                for field_name in _CREATED_WITH:
                    for child in item.get(field_name) or ():
                        if isinstance(child, dict):
                            self._own(child)
                if collection is not None and isinstance(item.get("name"), str):
                    self._names.setdefault(collection, set()).add(item["name"])

    def inspect(self, request: Request) -> Verdict:
        """Decide what to send instead of ``request``, counting it if destructive."""
        unchanged = (request.path_parameters, request.body, (), request.headers)
        if not self.is_destructive(request):
            return Verdict(False, *unchanged)

        with self._lock:
            self.stats.destructive += 1
            if self.allow_destructive:
                return Verdict(True, *unchanged)
            verdict = self._rewrite(request)
            if verdict.rewritten:
                self.stats.redirected += 1
            else:
                self.stats.unchanged += 1
            return verdict

    def is_destructive(self, request: Request) -> bool:
        """Tell whether ``request`` could delete or change an object it targets.

        ``DELETE`` always could; so could a bulk delete, and any method other
        than GET, HEAD and OPTIONS that the document does not declare for the
        path, since the real server may serve it.
        """
        method = request.method.upper()
        if method == "DELETE" or request.operation in BULK_DELETES:
            return True
        declared = self._declared.get(request.path)
        return declared is not None and method not in declared | _SAFE_METHODS

    def _rewrite(self, request: Request) -> Verdict:
        rewritten: list[str] = []
        collection = _collection(request.path)
        uuids = self._uuid_parameters.get(request.path, frozenset())

        parameters = dict(request.path_parameters)
        for name, value in request.path_parameters.items():
            safe = self._safe_value(collection, value, is_uuid=name in uuids)
            if safe != value:
                parameters[name] = safe
                rewritten.append(f"path {name}")

        body, headers = request.body, request.headers
        field_name = BULK_DELETES.get(request.operation or "")
        if field_name is not None:
            body = self._owned_filter(request.body, field_name)
            headers = _as_json(request.headers)
            rewritten.append("body")
        return Verdict(True, parameters, body, tuple(rewritten), headers)

    def _safe_value(self, collection: str, value: Any, *, is_uuid: bool) -> Any:
        # Path values travel percent-encoded; the server decodes them first.
        text = unquote(value) if isinstance(value, str) else value
        if self._owns(collection, text):
            return value

        whole = canonical_uuid(text)
        if whole is not None:
            return _decoy_uuid(whole)
        text = str(text)
        if _UUID_TEXT.search(text):
            return quote(_UUID_TEXT.sub(self._replace_unowned_uuid, text), safe="")
        if is_uuid:
            # Nothing the server stores can be named by a non-UUID here.
            return value
        return f"mockserver-decoy-{_decoy_uuid(text).split('-')[0]}"

    def _replace_unowned_uuid(self, found: re.Match[str]) -> str:
        value = str(uuid.UUID(found.group(0)))
        return value if value in self._ids else _decoy_uuid(value)

    def _own(self, item: Mapping[str, Any]) -> None:
        found = canonical_uuid(item.get("id"))
        if found is not None:
            self._ids.add(found)

    def _owns(self, collection: str, value: Any) -> bool:
        found = canonical_uuid(value)
        if found is not None:
            return found in self._ids
        if not isinstance(value, str):
            return False
        if value in self._names.get(collection, ()):
            return True
        resource = _RESOURCE_ID.fullmatch(value)
        return resource is not None and canonical_uuid(resource["id"]) in self._ids

    def _owned_filter(self, body: Any, field_name: str) -> dict[str, Any]:
        # Filters of a bulk delete are AND-ed field by field, so replacing the
        # one field with an id filter bounds the deletion, whatever else the
        # body says. An empty "any_" list would match nothing too, but a
        # decoy id does not depend on how the server treats empty lists.
        owned = sorted(self._ids) or [_decoy_uuid(field_name)]
        rewritten = dict(body) if isinstance(body, dict) else {}
        rewritten[field_name] = {"id": {"any_": owned}}
        return rewritten


def _as_json(headers: Mapping[str, Any]) -> dict[str, Any]:
    # Prefect reads a body sent with any other content type as no body at all.
    kept = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return {**kept, "Content-Type": "application/json"}


def _decoy_uuid(seed: str) -> str:
    return str(uuid.uuid5(_DECOY_NAMESPACE, seed))


def _collection(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def _operations(document: Mapping[str, Any]) -> Iterable[tuple[str, str, Any]]:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method.upper(), operation


def _declared_methods(document: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    declared: dict[str, set[str]] = {}
    for path, method, _ in _operations(document):
        declared.setdefault(path, set()).add(method)
    return {path: frozenset(methods) for path, methods in declared.items()}


def _uuid_parameters(document: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for path, _, operation in _operations(document):
        names = found.setdefault(path, set())
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter.get("in") == "path" and schema.get("format") == "uuid":
                names.add(parameter["name"])
    return {path: frozenset(names) for path, names in found.items()}


def _creators(document: Mapping[str, Any]) -> dict[str, str | None]:
    """Map each creating operation to the collection it names objects in.

    A POST to a collection's root (``/work_pools/``) creates an object of
    that collection, addressable later by name; other creating operations
    (``create_flow_run_from_deployment``) yield ids only.
    """
    creators: dict[str, str | None] = {}
    for path, method, operation in _operations(document):
        name = operation.get("operationId", "")
        if method != "POST" or not re.match(r"(bulk_)?create_", name):
            continue
        is_root = path.strip("/").count("/") == 0
        creators[name] = _collection(path) if is_root else None
    return creators
