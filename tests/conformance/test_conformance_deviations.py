"""Known deviations: which failures an entry covers, and what a file must hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.conformance import Deviation, Deviations, Finding, load_deviations
from mockserver.errors import ConformanceError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "conformance"

FINDING = Finding(
    check="allow_header_conformance",
    operation="read_deployment",
    method="OPTIONS",
    path="/deployments/{id}",
    phase="coverage",
    title="Allow header mismatch",
    message="`Allow: PATCH` does not match the schema. Missing documented methods",
    status=405,
    curl="curl -X OPTIONS http://127.0.0.1:4200/api/deployments/x",
)


@pytest.mark.parametrize(
    ("entry", "covers"),
    [
        ({"operation": "read_deployment", "check": "allow_header_conformance"}, True),
        ({"operation": "read_*", "check": "allow_header_*"}, True),
        ({"operation": "*", "check": "*"}, True),
        ({"operation": "read_deployments", "check": "allow_header_conformance"}, False),
        ({"operation": "read_deployment", "check": "not_a_server_error"}, False),
        ({"operation": "*", "check": "*", "status": 405}, True),
        ({"operation": "*", "check": "*", "status": 404}, False),
        ({"operation": "*", "check": "*", "match": "Missing documented"}, True),
        ({"operation": "*", "check": "*", "match": "^Allow header"}, True),
        ({"operation": "*", "check": "*", "match": "Undocumented methods"}, False),
    ],
    ids=[
        "exact",
        "patterns",
        "wildcards",
        "other-operation",
        "other-check",
        "same-status",
        "other-status",
        "message-matches",
        "title-matches",
        "message-differs",
    ],
)
def test_an_entry_covers_failures_it_names(entry: dict[str, Any], covers: bool) -> None:
    deviation = Deviation(reason="known", **entry)

    assert deviation.covers(FINDING) is covers


def test_the_first_covering_entry_is_the_one_reported() -> None:
    narrow = Deviation("read_deployment", "allow_header_conformance", "narrow")
    broad = Deviation("*", "*", "broad")

    assert Deviations((narrow, broad)).find(FINDING) is narrow
    assert Deviations((broad, narrow)).find(FINDING) is broad
    assert Deviations().find(FINDING) is None


def test_entries_that_covered_nothing_are_unused() -> None:
    used = Deviation("read_deployment", "*", "used")
    unused = Deviation("delete_flow_run", "*", "unused")

    assert Deviations((used, unused)).unused([FINDING]) == [unused]


def test_a_file_round_trips(tmp_path: Path) -> None:
    entries = [
        {"operation": "read_*", "check": "*", "reason": "why", "status": 405},
        {"operation": "x", "check": "y", "reason": "because", "match": "a+"},
    ]
    path = tmp_path / "deviations.json"
    path.write_text(json.dumps({"prefect_version": "3.9.1", "deviations": entries}))

    deviations = load_deviations(path)

    assert [entry.as_dict() for entry in deviations] == entries
    assert deviations.source == str(path)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "is not JSON"),
        (
            '{"deviations": [{"operation": "x", "check": "y"}]}',
            "'reason' is a required",
        ),
        (
            '{"deviations": [{"operation": "x", "check": "y", "reason": "r", '
            '"match": "("}]}',
            "at deviations/0/match",
        ),
        (
            '{"deviations": [{"operation": "x", "check": "y", "reason": "r", '
            '"status": "404"}]}',
            "at deviations/0/status",
        ),
        (
            '{"deviations": [{"operation": "x", "check": "y", "reason": "r", '
            '"why": "typo"}]}',
            "'why' was unexpected",
        ),
        ('{"entries": []}', "'deviations' is a required"),
    ],
    ids=[
        "not-json",
        "no-reason",
        "bad-regex",
        "status-as-text",
        "unknown-key",
        "no-deviations",
    ],
)
def test_a_malformed_file_is_refused_with_where_and_why(
    tmp_path: Path, content: str, complaint: str
) -> None:
    path = tmp_path / "deviations.json"
    path.write_text(content)

    with pytest.raises(ConformanceError, match=r"deviations\.json") as raised:
        load_deviations(path)

    assert complaint in str(raised.value)
    assert raised.value.path == str(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConformanceError, match="cannot read known deviations"):
        load_deviations(tmp_path / "absent.json")


@pytest.mark.parametrize(
    "name", ["3.9.1", "mock-3.9.1", "mock-2.14.16"], ids=["real", "mock-3", "mock-2"]
)
def test_the_shipped_deviation_files_are_valid_and_give_reasons(name: str) -> None:
    deviations = load_deviations(FIXTURES / f"known-deviations-{name}.json")

    assert len(deviations) > 0
    assert all(len(entry.reason) > 20 for entry in deviations)


@pytest.mark.parametrize("version", ["3.9.1", "2.14.16"])
def test_the_mock_is_forgiven_only_what_the_real_server_does_too(
    version: str,
) -> None:
    deviations = load_deviations(FIXTURES / f"known-deviations-mock-{version}.json")

    assert all("real server" in entry.reason for entry in deviations)
