"""The report of a run: its summary, grouping, and JUnit, JSON and HTML forms."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from mockserver.conformance import (
    Deviation,
    Finding,
    Progress,
    Report,
    RunError,
    SetAside,
)
from mockserver.conformance.report import KnownFinding
from mockserver.conformance.safety import SafetyStats


def finding(curl: str, *, check: str = "status_code_conformance") -> Finding:
    return Finding(
        check=check,
        operation="read_deployment",
        method="GET",
        path="/deployments/{id}",
        phase="fuzzing",
        title="Undocumented status code",
        message="Received: 500\nDocumented: 200, 404, 422",
        status=500,
        curl=curl,
    )


SHORT = "curl -X GET http://127.0.0.1:4200/api/deployments/1"
LONG = "curl -X GET http://127.0.0.1:4200/api/deployments/123456789"


def make_report(**changes: object) -> Report:
    report = Report(
        version="3.9.1",
        target="http://127.0.0.1:4200/api",
        seed=7,
        phases=("examples", "fuzzing"),
        max_examples=5,
        operations=("read_deployment", "read_flow"),
        tested=("read_deployment",),
        cases=12,
        safety=SafetyStats(destructive=3, redirected=2, unchanged=1),
    )
    for name, value in changes.items():
        setattr(report, name, value)
    return report


@pytest.fixture
def failing() -> Report:
    known = finding(SHORT, check="allow_header_conformance")
    return make_report(
        findings=[finding(LONG), finding(SHORT)],
        known=[KnownFinding(known, Deviation("*", "allow_*", "Starlette's Allow"))],
        unused_deviations=[Deviation("read_flow", "*", "fixed upstream")],
        errors=[RunError("GET /flows/{id}", "fuzzing", "Unsatisfiable", "no cases")],
    )


def test_a_clean_report_passes_and_names_its_seed() -> None:
    report = make_report()

    assert report.ok
    assert report.summary().endswith("passed (seed 7)")


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({"findings": [finding(SHORT)]}, "1 new failures"),
        ({"errors": [RunError("x", None, "t", "m")]}, "1 errors"),
        ({"stop_reason": "interrupted"}, "stopped: interrupted"),
    ],
    ids=["failure", "error", "stopped"],
)
def test_a_report_fails_on_new_failures_errors_and_early_stops(
    changes: dict[str, object], verdict: str
) -> None:
    report = make_report(**changes)

    assert not report.ok
    assert verdict in report.summary()
    assert "rerun with --seed 7" in report.summary()


def test_failures_are_grouped_with_the_shortest_reproduction(failing: Report) -> None:
    (group,) = failing.groups()
    summary = failing.summary()

    assert group.example.curl == SHORT
    assert "failures: 2 in 1 groups" in summary
    assert f"reproduce: {SHORT}" in summary
    assert LONG not in summary


def test_the_summary_accounts_for_everything_else(failing: Report) -> None:
    summary = failing.summary()

    assert "operations tested: 1 of 2 (1 without a checked response)" in summary
    assert "destructive requests: 3; skipped (redirected away" in summary
    assert "known deviations: 1" in summary
    assert "Starlette's Allow" in summary
    assert "unused deviations" in summary
    assert "fixed upstream" in summary
    assert "GET /flows/{id}: Unsatisfiable" in summary


def test_set_aside_failures_do_not_fail_the_run_but_are_shown_with_why() -> None:
    aside = finding(SHORT, check="negative_data_rejection")
    report = make_report(
        set_aside=[SetAside(aside, "Prefect reads this request as valid")]
    )

    summary = report.summary()

    assert report.ok
    assert "set aside (the server's lax reading" in summary
    assert "negative_data_rejection on read_deployment: 1x; Prefect reads" in summary
    assert f"reproduce: {SHORT}" in summary
    assert json.loads(report.json())["set_aside"][0]["reason"].startswith("Prefect")
    assert "Prefect reads this request as valid" in report.html()


def test_the_junit_report_has_a_test_case_per_operation(failing: Report) -> None:
    suite = ElementTree.fromstring(failing.junit())

    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"read_deployment", "read_flow", "GET /flows/{id}"}
    failure = cases["read_deployment"].find("failure")
    assert failure is not None
    assert SHORT in (failure.text or "")
    assert cases["read_flow"].find("skipped") is not None
    assert cases["GET /flows/{id}"].find("error") is not None
    assert suite.get("failures") == "1"


def test_the_json_report_holds_every_failure(failing: Report) -> None:
    document = json.loads(failing.json())

    assert document == json.loads(json.dumps(failing.as_dict()))
    assert len(document["failures"]) == 2
    assert document["known_deviations"][0]["deviation"]["reason"] == "Starlette's Allow"
    assert document["destructive_requests"] == {
        "destructive": 3,
        "redirected": 2,
        "unchanged": 1,
    }
    assert document["ok"] is False


def test_the_html_report_escapes_what_the_server_said() -> None:
    hostile = finding("curl -d '<script>alert(1)</script>' http://x")
    report = make_report(findings=[hostile])

    page = report.html()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


@pytest.mark.parametrize("kind", ["junit", "json", "html"])
def test_a_report_is_written_in_each_format(
    failing: Report, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"report.{kind}"

    failing.write(kind, path)

    assert path.read_text(encoding="utf-8") == getattr(failing, kind)()


def test_an_unknown_format_is_refused(failing: Report, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        failing.write("xml", tmp_path / "report.xml")


@pytest.mark.parametrize(
    ("progress", "line"),
    [
        (
            Progress("fuzzing", "GET /deployments/{id}", "success", 60, 0),
            "[fuzzing] GET /deployments/{id}: success (60 cases)",
        ),
        (
            Progress("stateful", "Stateful tests", "failure", 20, 2),
            "[stateful] Stateful tests: failure (20 cases, 2 failed checks)",
        ),
    ],
    ids=["clean", "failed"],
)
def test_progress_reads_as_one_line(progress: Progress, line: str) -> None:
    assert str(progress) == line
