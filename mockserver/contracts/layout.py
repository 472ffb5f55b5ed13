"""The on-disk form of a contract set, and where contract sets live.

A contract set for Prefect ``V`` is the folder ``contracts/prefect-V/``::

    manifest.json           source release, upstream checksum, corrections applied
    corrections.json        hand-written: where the real server differs, and why
    components.json         every shared schema, under ``$defs``
    operations/NAME.json    one contract per operation

An operation's contract is a JSON Schema document whose ``$defs`` hold the
schema of each part of the exchange: ``path`` and ``query`` (objects of
parameters), ``request`` (the body) and ``response-STATUS`` for each status
that answers with a body. ``x-method``, ``x-path`` and ``x-responses`` (status
to description) say the rest; ``x-prefill``, where present, lists fields the
server adds to the body before validating it. References between documents
are relative, so a folder can be moved or copied as a whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mockserver.errors import ContractError, UnknownVersion

JSONObject = dict[str, Any]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_URI = "https://mockserver.invalid/contracts/"


def contracts_root(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder that holds every contract set.

    The first of these wins: ``override``, the ``MOCKSERVER_CONTRACTS``
    environment variable, the contracts a wheel installs inside the package
    (``mockserver/contracts_data``), the ``contracts/`` folder of a source
    checkout.
    """
    chosen = override or os.environ.get("MOCKSERVER_CONTRACTS")
    if chosen:
        return Path(chosen)
    package = Path(__file__).resolve().parents[1]
    installed = package / "contracts_data"
    return installed if installed.is_dir() else package.parent / "contracts"


def available_versions(root: Path | None = None) -> list[str]:
    """List the Prefect versions that have a contract set, newest first."""
    folder = root or contracts_root()
    versions = [
        entry.name.removeprefix("prefect-")
        for entry in folder.iterdir()
        if entry.name.startswith("prefect-") and (entry / "manifest.json").is_file()
    ]
    return sorted(versions, key=_version_key, reverse=True)


def version_dir(version: str, root: Path | None = None) -> Path:
    """Return the folder of one version's contract set.

    :raises UnknownVersion: when that version has no contract set.
    """
    folder = root or contracts_root()
    candidate = folder / f"prefect-{version}"
    if not (candidate / "manifest.json").is_file():
        raise UnknownVersion(version, available_versions(folder))
    return candidate


def set_uri(version: str) -> str:
    """Return the base URI every document of a contract set is named under."""
    return f"{BASE_URI}prefect-{version}/"


def render(draft: JSONObject, version: str) -> dict[str, JSONObject]:
    """Turn a corrected draft into documents, keyed by relative file path."""
    base = set_uri(version)
    components = {
        "$schema": SCHEMA_DIALECT,
        "$id": base + "components.json",
        "title": f"Shared schemas of Prefect {version}",
        "$defs": _relink(draft["components"], "#/$defs/"),
    }
    documents = {"components.json": components}
    for name, operation in sorted(draft["operations"].items()):
        documents[f"operations/{name}.json"] = _operation_document(
            name, operation, base
        )
    return documents


def _operation_document(name: str, operation: JSONObject, base: str) -> JSONObject:
    request = operation["request"]
    definitions: JSONObject = {
        "path": operation["parameters"]["path"],
        "query": operation["parameters"]["query"],
    }
    if request is not None:
        definitions["request"] = request["schema"]
    for status, response in operation["responses"].items():
        if response["schema"] is not None:
            definitions[f"response-{status}"] = response["schema"]

    document: JSONObject = {
        "$schema": SCHEMA_DIALECT,
        "$id": f"{base}operations/{name}.json",
        "title": name,
        "description": _describe(operation),
        "x-method": operation["method"],
        "x-path": operation["path"],
        "x-tags": operation["tags"],
        "x-request-required": request is not None and request["required"],
        "x-responses": {
            status: response["description"]
            for status, response in operation["responses"].items()
        },
        "$defs": _relink(definitions, "../components.json#/$defs/"),
    }
    if operation.get("prefill"):
        document["x-prefill"] = operation["prefill"]
    return document


def _describe(operation: JSONObject) -> str:
    parts = [operation["summary"], operation["description"]]
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def _relink(schema: Any, prefix: str) -> Any:
    if isinstance(schema, list):
        return [_relink(item, prefix) for item in schema]
    if not isinstance(schema, dict):
        return schema
    relinked = {key: _relink(value, prefix) for key, value in schema.items()}
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/components/"):
        relinked["$ref"] = prefix + reference.removeprefix("#/components/")
    return relinked


def dump(document: Any) -> str:
    """Serialize a document the one way every contract file is written."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read_json(path: Path) -> Any:
    """Read one contract file, naming the file when it is not valid JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ContractError(
            f"cannot read contract file {str(path)!r}: {error}"
        ) from error


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


__all__ = [
    "BASE_URI",
    "SCHEMA_DIALECT",
    "available_versions",
    "contracts_root",
    "dump",
    "read_json",
    "render",
    "set_uri",
    "version_dir",
]
