"""The package installs with its contracts, and declares every subpackage."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _declared() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(config["tool"]["setuptools"]["packages"])


def test_every_subpackage_is_declared() -> None:
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "mockserver").rglob("__init__.py")
    }

    assert on_disk | {"mockserver.contracts_data"} == _declared()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    target = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", target, ROOT],
        check=True,
        capture_output=True,
    )
    (built,) = target.glob("mockserver-*.whl")
    return zipfile.ZipFile(built)


@pytest.mark.parametrize("version", ["3.9.1", "2.14.16"])
def test_the_wheel_carries_the_contract_sets(
    wheel: zipfile.ZipFile, version: str
) -> None:
    names = set(wheel.namelist())
    folder = f"mockserver/contracts_data/prefect-{version}"

    assert f"{folder}/manifest.json" in names
    assert f"{folder}/components.json" in names
    assert f"{folder}/operations/create_flow_run_from_deployment.json" in names
