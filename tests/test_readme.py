"""The README's example test runs as a user would run it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_the_readme_test_suite_example_passes(tmp_path: Path) -> None:
    section = README.read_text().split("## In a test suite", 1)[1]
    (snippet,) = re.findall(r"```python\n(.*?)```", section, re.S)[:1]
    (tmp_path / "test_example.py").write_text(snippet)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
