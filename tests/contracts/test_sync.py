"""Contract sets are regenerable: sync rebuilds the committed files exactly."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from mockserver.contracts import contracts_root, upstream
from mockserver.contracts import sync as syncing
from mockserver.errors import ContractError


def _copy_hand_written(version: str, target: Path) -> Path:
    source = contracts_root() / f"prefect-{version}"
    folder = target / f"prefect-{version}"
    folder.mkdir(parents=True)
    for name in ("corrections.json", "pins.txt"):
        if (source / name).is_file():
            shutil.copy(source / name, folder / name)
    return folder


def _generated(folder: Path) -> dict[str, str]:
    files = [folder / "manifest.json", folder / "components.json"]
    files += sorted((folder / "operations").glob("*.json"))
    return {str(path.relative_to(folder)): path.read_text() for path in files}


@pytest.fixture(scope="module")
def document_3_9_1() -> dict[str, object]:
    # The test environment has prefect 3.9.1 installed, so its own
    # interpreter can dump the upstream document without a network install.
    return upstream.document_from_release(Path(sys.executable))


def test_sync_from_the_release_reproduces_the_committed_files(
    tmp_path: Path, document_3_9_1: dict[str, object]
) -> None:
    folder = _copy_hand_written("3.9.1", tmp_path)

    syncing.write(document_3_9_1, "3.9.1", folder)

    assert _generated(folder) == _generated(contracts_root() / "prefect-3.9.1")


def test_a_second_sync_writes_nothing(
    tmp_path: Path, document_3_9_1: dict[str, object]
) -> None:
    folder = _copy_hand_written("3.9.1", tmp_path)
    syncing.write(document_3_9_1, "3.9.1", folder)

    again = syncing.write(document_3_9_1, "3.9.1", folder)

    assert not again.changed


def test_sync_removes_operations_the_document_no_longer_has(
    tmp_path: Path, document_3_9_1: dict[str, object]
) -> None:
    folder = _copy_hand_written("3.9.1", tmp_path)
    stale = folder / "operations" / "retired_operation.json"
    stale.parent.mkdir()
    stale.write_text("{}")

    result = syncing.write(document_3_9_1, "3.9.1", folder)

    assert result.removed == ("operations/retired_operation.json",)
    assert not stale.exists()


def test_manifest_records_source_checksum_and_corrections(
    document_3_9_1: dict[str, object],
) -> None:
    manifest = json.loads(
        (contracts_root() / "prefect-3.9.1/manifest.json").read_text()
    )

    assert manifest["prefect_version"] == "3.9.1"
    assert manifest["upstream_sha256"] == syncing.checksum(document_3_9_1)
    assert "error-bodies" in manifest["corrections"]


def test_a_correction_that_changes_nothing_is_an_error(
    tmp_path: Path, document_3_9_1: dict[str, object]
) -> None:
    folder = _copy_hand_written("3.9.1", tmp_path)
    corrections = json.loads((folder / "corrections.json").read_text())
    corrections["corrections"].append(corrections["corrections"][-1])
    (folder / "corrections.json").write_text(json.dumps(corrections))

    with pytest.raises(ContractError, match="changes nothing"):
        syncing.write(document_3_9_1, "3.9.1", folder)


@pytest.mark.reference
def test_sync_from_a_running_server_matches_the_release(
    tmp_path: Path, reference_server: object
) -> None:
    folder = _copy_hand_written("3.9.1", tmp_path)

    syncing.sync_from_server("3.9.1", tmp_path, reference_server.api_url)  # type: ignore[attr-defined]

    assert _generated(folder) == _generated(contracts_root() / "prefect-3.9.1")


@pytest.mark.reference
def test_sync_of_2_14_16_from_a_throwaway_environment_reproduces_it(
    tmp_path: Path,
) -> None:
    _copy_hand_written("2.14.16", tmp_path)

    syncing.sync_from_release("2.14.16", tmp_path)

    assert _generated(tmp_path / "prefect-2.14.16") == _generated(
        contracts_root() / "prefect-2.14.16"
    )
