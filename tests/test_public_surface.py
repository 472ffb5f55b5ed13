"""The public surface is explicit, complete and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mockserver


@pytest.mark.parametrize("name", mockserver.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(mockserver, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = mockserver.nothing  # type: ignore[attr-defined]


def test_importing_the_package_loads_neither_flask_nor_prefect() -> None:
    script = (
        "import sys, mockserver; print(sorted({'flask', 'prefect'} & set(sys.modules)))"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    assert loaded.stdout.strip() == "[]"
