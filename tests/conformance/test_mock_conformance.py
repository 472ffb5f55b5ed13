"""The mock conforms to its contract sets, in-process and over HTTP.

Every phase runs with every check; a failure here is a place where the mock
answers differently from what its contracts say a real server answers. The
only failures forgiven are listed in fixtures/conformance/
known-deviations-mock-VERSION.json, each one a place where the real server
answers the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mockserver.app import create_app
from mockserver.cli_verify import verify as verify_command
from mockserver.conformance import CHECKS, PHASES, verify

from .conftest import MAX_EXAMPLES, mock_deviations

VERSIONS = ["3.9.1", "2.14.16"]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_mock_conforms_in_process(version: str) -> None:
    report = verify(
        create_app(version),
        version=version,
        max_examples=MAX_EXAMPLES,
        deviations=mock_deviations(version),
    )

    assert report.ok, report.summary()
    assert report.phases == PHASES
    assert report.tested == report.operations, report.summary()


@pytest.mark.parametrize("version", VERSIONS)
def test_the_mock_conforms_over_http(
    version: str, mock_server_for: Callable[[str], str], tmp_path: Path
) -> None:
    api_url = mock_server_for(version)
    json_report = tmp_path / "report.json"

    result = CliRunner().invoke(
        verify_command,
        [
            *("--base-url", api_url, "--prefect-version", version),
            *("--max-examples", str(MAX_EXAMPLES), "--quiet"),
            *("--deviations", str(mock_deviations(version))),
            *("--report", "json", str(json_report)),
        ],
    )

    assert result.exit_code == 0, result.output
    report = json.loads(json_report.read_text())
    assert report["ok"]
    assert report["target"] == api_url
    assert report["tested"] == report["operations"]


def test_a_run_uses_every_check_that_applies() -> None:
    assert set(CHECKS) >= {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
    }
