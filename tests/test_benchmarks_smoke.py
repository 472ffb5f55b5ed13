"""The benchmark runner still runs: its quick mode, against the mock alone.

Benchmarks are run on demand and never asserted; this only keeps
``benchmarks/run.py`` from rotting between runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.skipif(
    shutil.which("wrk") is None and os.geteuid() != 0,
    reason="needs wrk, which the runner installs only as root",
)
def test_quick_run_measures_the_mock_and_writes_a_report(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"

    finished = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--output", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    text = report.read_text(encoding="utf-8")
    rates = re.findall(r"^\| mockserver \| (?:1|16) \| ([\d,]+) \|", text, re.M)
    assert len(rates) == 6, text
    assert all(int(rate.replace(",", "")) > 0 for rate in rates), text
    for heading in ("## Machine", "## Targets", "## Start and memory"):
        assert heading in text
    assert "Prism" not in text.split("## Targets")[1].split("## Throughput")[0]
