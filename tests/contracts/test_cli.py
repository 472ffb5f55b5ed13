"""`mockserver contracts` commands print what they find and exit accordingly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from mockserver.cli_contracts import contracts


def _run(*arguments: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(contracts, list(arguments), input=stdin)
    return result.exit_code, result.output


def test_check_passes_for_every_committed_set() -> None:
    code, output = _run("check")

    assert code == 0
    assert "prefect-3.9.1: 0 problem(s)" in output
    assert "prefect-2.14.16: 0 problem(s)" in output


def test_validate_prints_every_violation_with_its_json_path(
    seed: dict[str, Any],
) -> None:
    code, output = _run(
        "validate",
        "create_flow_run_from_deployment",
        "-",
        stdin=json.dumps(seed["request"]),
    )

    assert code == 1
    assert "$.state.timestamp: Extra inputs are not permitted" in output
    assert "$.state.id: Extra inputs are not permitted" in output
    assert "$.empirical_policy.pause_keys[0]: Input should be a valid string" in output
    assert "3 violation(s)" in output


def test_validate_a_response_by_status(seed: dict[str, Any], tmp_path: Path) -> None:
    document = tmp_path / "response.json"
    document.write_text(json.dumps(seed["response"]))

    code, output = _run(
        "validate",
        "create_flow_run_from_deployment",
        str(document),
        "--prefect-version",
        "2.14.16",
        "--response",
        "201",
    )

    assert code == 0, output
    assert "0 violation(s)" in output


def test_validate_accepts_a_component_name(seed: dict[str, Any]) -> None:
    code, output = _run(
        "validate",
        "FlowRunResponse",
        "-",
        "--prefect-version",
        "2.14.16",
        stdin=json.dumps(seed["response"]),
    )

    assert code == 0, output


def test_validate_names_the_closest_schema_when_unknown() -> None:
    code, output = _run("validate", "FlowRunRespons", "-", stdin="{}")

    assert code == 1
    assert "FlowRunResponse" in output


def test_diff_lists_breaking_changes_only_when_asked() -> None:
    code, output = _run("diff", "2.14.16", "3.9.1", "--breaking-only")

    assert code == 0
    assert "operation set_schedule_active" in output
    assert "compatible" not in output.splitlines()[0]
