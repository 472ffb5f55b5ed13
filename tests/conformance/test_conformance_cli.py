"""``mockserver verify`` on the command line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mockserver.cli_verify import verify

from .conftest import free_port


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--phases", "examples,everything"], "give a comma-separated subset"),
        (["--phases", ""], "give a comma-separated subset"),
        (["--operations", "read_("], "is not a regular expression"),
        (["--max-examples", "0"], "--max-examples"),
        (["--report", "pdf", "out.pdf"], "'pdf' is not one of"),
        (["--prefect-version", "1.0.0"], "'1.0.0' is not one of"),
    ],
    ids=[
        "unknown-phase",
        "no-phase",
        "bad-regex",
        "no-examples",
        "unknown-format",
        "unknown-version",
    ],
)
def test_bad_options_are_refused_before_anything_is_sent(
    arguments: list[str], complaint: str
) -> None:
    result = CliRunner().invoke(
        verify, ["--base-url", "http://127.0.0.1:9/api", *arguments]
    )

    assert result.exit_code == 2
    assert complaint in result.output


def test_a_server_that_does_not_answer_is_reported_plainly() -> None:
    api_url = f"http://127.0.0.1:{free_port()}/api"

    result = CliRunner().invoke(verify, ["--base-url", api_url])

    assert result.exit_code == 1
    assert f"cannot reach '{api_url}/health'" in result.output


def test_a_run_prints_progress_and_summary_and_writes_reports(
    mock_server_for: Callable[[str], str], tmp_path: Path
) -> None:
    api_url = mock_server_for("3.9.1")
    paths = {kind: tmp_path / f"report.{kind}" for kind in ("junit", "json", "html")}

    result = CliRunner().invoke(
        verify,
        [
            *("--base-url", api_url, "--operations", "^health_check$"),
            *("--phases", "examples,coverage,fuzzing", "--seed", "11"),
            *[
                item
                for kind, path in paths.items()
                for item in ("--report", kind, path)
            ],
        ],
    )

    assert result.exit_code == 0, result.output
    assert "[coverage] GET /health: success" in result.stderr
    assert "operations tested: 1 of 1" in result.stdout
    assert result.stdout.rstrip().endswith("passed (seed 11)")
    assert json.loads(paths["json"].read_text())["seed"] == 11
    assert ElementTree.parse(paths["junit"]).getroot().get("failures") == "0"
    assert "passed" in paths["html"].read_text()


def test_the_help_says_how_negative_and_positive_cases_are_judged() -> None:
    result = CliRunner().invoke(verify, ["--help"])

    text = " ".join(result.output.split())
    assert result.exit_code == 0
    assert "lax mode" in text
    assert 'listed as "set aside"' in text
