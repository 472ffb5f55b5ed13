"""Rebuild a contract set from Prefect's own OpenAPI document.

``sync`` is the only writer of a contract set's generated files: it reads the
upstream document (from a release installed in a throwaway environment, from
a running server, or from a file), extracts the draft, applies the version's
``corrections.json`` and writes ``components.json``, ``operations/`` and
``manifest.json``. Running it twice on the same document writes the same
bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.contracts import layout, upstream
from mockserver.contracts.corrections import apply_corrections, load_corrections
from mockserver.contracts.extract import extract
from mockserver.errors import SyncError

JSONObject = dict[str, Any]


@dataclass(frozen=True)
class SyncResult:
    """What a sync wrote: the folder, the files it changed, and the checksum."""

    folder: Path
    written: tuple[str, ...]
    removed: tuple[str, ...]
    upstream_sha256: str

    @property
    def changed(self) -> bool:
        """Whether any file was written or removed."""
        return bool(self.written or self.removed)


def checksum(document: JSONObject) -> str:
    """Return the SHA-256 of the parts of an upstream document that matter.

    Only ``paths`` and ``components`` count: a release dumps ``info`` and
    ``servers`` differently from a running server, yet both describe the
    same API.
    """
    relevant = {key: document.get(key) for key in ("paths", "components")}
    canonical = json.dumps(relevant, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def build(document: JSONObject, version: str, folder: Path) -> dict[str, Any]:
    """Return every generated file of a contract set, keyed by relative path.

    :param document: Prefect's OpenAPI document for ``version``.
    :param folder: the contract set's folder, read for ``corrections.json``.
    """
    corrections = load_corrections(folder / "corrections.json")
    draft = apply_corrections(extract(document), corrections)

    files: dict[str, Any] = dict(layout.render(draft, version))
    files["manifest.json"] = {
        "prefect_version": version,
        "source": f"OpenAPI document of prefect=={version}",
        "upstream_sha256": checksum(document),
        "corrections": [entry["id"] for entry in corrections],
        "operations": {
            name: f"{operation['method']} {operation['path']}"
            for name, operation in sorted(draft["operations"].items())
        },
    }
    return files


def write(document: JSONObject, version: str, folder: Path) -> SyncResult:
    """Write a contract set's generated files, each atomically.

    Operation files that the new document no longer produces are removed;
    hand-written files (``corrections.json``, ``pins.txt``) are never touched.
    """
    files = build(document, version, folder)
    (folder / "operations").mkdir(parents=True, exist_ok=True)
    written = [
        name for name, content in files.items() if _store(folder / name, content)
    ]

    stale = {
        f"operations/{path.name}" for path in (folder / "operations").glob("*.json")
    } - files.keys()
    for name in sorted(stale):
        (folder / name).unlink()

    return SyncResult(
        folder, tuple(sorted(written)), tuple(sorted(stale)), checksum(document)
    )


def sync_from_release(
    version: str, root: Path, *, cache_dir: Path | None = None
) -> SyncResult:
    """Install ``prefect==version`` in a throwaway environment and sync from it."""
    pins = upstream.pins_file(version, root)
    python = upstream.install_prefect(version, cache_dir=cache_dir, pins=pins)
    return write(
        upstream.document_from_release(python), version, _folder(root, version)
    )


def sync_from_server(version: str, root: Path, api_url: str) -> SyncResult:
    """Sync from a running server, after checking it runs ``version``."""
    running = upstream.server_version(api_url)
    if running != version:
        raise SyncError(
            f"the server at {api_url!r} runs Prefect {running!r}, not {version!r}"
        )
    return write(
        upstream.document_from_server(api_url), version, _folder(root, version)
    )


def sync_from_file(version: str, root: Path, path: Path) -> SyncResult:
    """Sync from an OpenAPI document saved to a file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SyncError(f"cannot read {str(path)!r}: {error}") from error
    return write(document, version, _folder(root, version))


def _folder(root: Path, version: str) -> Path:
    return root / f"prefect-{version}"


def _store(path: Path, content: Any) -> bool:
    text = layout.dump(content)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as handle:
        handle.write(text)
    os.replace(handle.name, path)
    return True


__all__ = [
    "SyncResult",
    "build",
    "checksum",
    "sync_from_file",
    "sync_from_release",
    "sync_from_server",
    "write",
]
