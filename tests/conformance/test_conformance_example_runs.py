"""The example of conformance tests in a user's own pytest suite runs and passes."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "test_conformance_example.py"


def test_the_pytest_example_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
