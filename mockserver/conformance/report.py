"""The outcome of a conformance run, and its renderings.

A :class:`Report` holds what a run did (phases, operations, cases, the seed)
and what it found, split into new failures, known deviations, failures set
aside as not the implementation's (see :mod:`.reading`) and errors. It
renders as a readable summary for a terminal, and as JUnit XML, JSON or HTML
for CI systems and people reviewing a run.

Failures are grouped by check, then by operation; each group keeps one
reproduction, the shortest curl command among its failures, which after
Schemathesis's shrinking is the most minimal request that fails.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from mockserver.conformance.deviations import Deviation
from mockserver.conformance.findings import Finding, RunError, SetAside
from mockserver.conformance.safety import SafetyStats

__all__ = ["FORMATS", "FindingGroup", "KnownFinding", "Report"]

FORMATS: Final = ("junit", "json", "html")
"""The file formats :meth:`Report.write` produces."""

_FIRST_LINES = 3


@dataclass(frozen=True)
class KnownFinding:
    """A failure a known deviation accounts for."""

    finding: Finding
    deviation: Deviation


@dataclass(frozen=True)
class FindingGroup:
    """The failures of one check on one operation.

    :param check: the check.
    :param operation: the operation.
    :param findings: every failure in the group, in the order found.
    """

    check: str
    operation: str
    findings: tuple[Finding, ...]

    @property
    def example(self) -> Finding:
        """The failure with the shortest reproduction."""
        return min(self.findings, key=lambda finding: len(finding.curl))

    @property
    def statuses(self) -> list[int]:
        return sorted({f.status for f in self.findings if f.status is not None})


@dataclass
class Report:
    """What one conformance run did and found.

    :param version: the contract set checked against.
    :param target: the base URL, or a description of the application.
    :param seed: the seed that reproduces the run.
    :param phases: the phases that ran.
    :param max_examples: cases generated per operation and phase, at most.
    :param operations: every operation selected for the run.
    :param tested: the operations that got at least one checked response.
    :param cases: how many requests were sent and checked.
    :param findings: failures no known deviation covers.
    :param known: failures a known deviation covers.
    :param unused_deviations: deviations that covered nothing.
    :param set_aside: failures the server's lax reading of the request
        contradicts; they do not fail the run.
    :param errors: parts of the run that could not be checked.
    :param safety: what became of destructive requests.
    :param allow_destructive: whether destructive requests went out unguarded.
    :param duration: wall-clock seconds.
    :param stop_reason: why the run ended, for example ``"completed"``.
    """

    version: str
    target: str
    seed: int
    phases: tuple[str, ...]
    max_examples: int
    operations: tuple[str, ...] = ()
    tested: tuple[str, ...] = ()
    cases: int = 0
    findings: list[Finding] = field(default_factory=list)
    known: list[KnownFinding] = field(default_factory=list)
    unused_deviations: list[Deviation] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    safety: SafetyStats = field(default_factory=SafetyStats)
    allow_destructive: bool = False
    duration: float = 0.0
    stop_reason: str = "completed"

    @property
    def ok(self) -> bool:
        """Whether nothing new failed: no new failure, no error, run completed."""
        return not self.findings and not self.errors and self.stop_reason == "completed"

    def groups(self) -> list[FindingGroup]:
        """The new failures, grouped by check and operation."""
        return _group(self.findings)

    def known_groups(self) -> list[tuple[FindingGroup, Deviation]]:
        """The known deviations met, grouped, each with the entry covering it."""
        by_entry: dict[Deviation, list[Finding]] = {}
        for known in self.known:
            by_entry.setdefault(known.deviation, []).append(known.finding)
        return [
            (group, deviation)
            for deviation, findings in by_entry.items()
            for group in _group(findings)
        ]

    def summary(self) -> str:
        """Return the run as readable text: what ran, what failed, how to reproduce."""
        lines = self._header()
        lines += self._failures()
        lines += self._known()
        lines += self._set_aside()
        lines += self._errors()
        lines.append("")
        lines.append(self._verdict())
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (the ``json`` format)."""
        return {
            "prefect_version": self.version,
            "target": self.target,
            "seed": self.seed,
            "phases": list(self.phases),
            "max_examples": self.max_examples,
            "operations": list(self.operations),
            "tested": list(self.tested),
            "cases": self.cases,
            "ok": self.ok,
            "stop_reason": self.stop_reason,
            "duration_s": round(self.duration, 3),
            "allow_destructive": self.allow_destructive,
            "destructive_requests": self.safety.as_dict(),
            "failures": [finding.as_dict() for finding in self.findings],
            "known_deviations": [
                {**known.finding.as_dict(), "deviation": known.deviation.as_dict()}
                for known in self.known
            ],
            "unused_deviations": [entry.as_dict() for entry in self.unused_deviations],
            "set_aside": [entry.as_dict() for entry in self.set_aside],
            "errors": [error.as_dict() for error in self.errors],
        }

    def write(self, kind: str, path: Path | str) -> None:
        """Write the report to ``path`` as ``kind``: junit, json or html.

        :raises ValueError: for any other ``kind``.
        """
        renderers = {"junit": self.junit, "json": self.json, "html": self.html}
        if kind not in renderers:
            raise ValueError(f"unknown report format {kind!r}; use one of {FORMATS}")
        Path(path).write_text(renderers[kind](), encoding="utf-8")

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    def junit(self) -> str:
        """Render as JUnit XML: one test case per operation, failures per group."""
        suite = ElementTree.Element(
            "testsuite",
            name=f"mockserver conformance (Prefect {self.version})",
            tests=str(len(self.operations)),
            failures=str(len({group.operation for group in self.groups()})),
            errors=str(len(self.errors)),
            time=f"{self.duration:.3f}",
        )
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (("seed", self.seed), ("target", self.target)):
            ElementTree.SubElement(properties, "property", name=name, value=str(value))

        groups = self.groups()
        for operation in self.operations:
            case = ElementTree.SubElement(
                suite, "testcase", classname="conformance", name=operation
            )
            for group in groups:
                if group.operation == operation:
                    failure = ElementTree.SubElement(
                        case, "failure", message=f"{group.check}: {group.example.title}"
                    )
                    failure.text = _group_text(group)
            if operation not in self.tested:
                ElementTree.SubElement(case, "skipped", message="no response checked")
        for error in self.errors:
            case = ElementTree.SubElement(
                suite, "testcase", classname="conformance", name=error.label
            )
            ElementTree.SubElement(
                case, "error", message=error.title
            ).text = error.message
        ElementTree.indent(suite)
        return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)

    def html(self) -> str:
        """Render as one self-contained HTML page."""
        escape = html.escape
        verdict = "passed" if self.ok else "FAILED"
        parts = [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>Conformance to Prefect {escape(self.version)}: {verdict}</title>",
            "<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;"
            "padding:.5em;white-space:pre-wrap}td,th{padding:.2em .6em;"
            "text-align:left;vertical-align:top}</style></head><body>",
            f"<h1>Conformance to Prefect {escape(self.version)}: {verdict}</h1>",
            f"<pre>{escape(chr(10).join(self._header()))}</pre>",
            "<h2>Failures</h2>",
            _html_groups([(group, None) for group in self.groups()]),
            "<h2>Known deviations</h2>",
            _html_groups(self.known_groups()),
            "<h2>Set aside</h2>",
            _html_set_aside(self.set_aside),
            "<h2>Errors</h2>",
        ]
        parts += [
            f"<h3>{escape(error.label)}: {escape(error.title)}</h3>"
            f"<pre>{escape(error.message)}</pre>"
            for error in self.errors
        ] or ["<p>none</p>"]
        parts.append("</body></html>\n")
        return "\n".join(parts)

    def _header(self) -> list[str]:
        untested = len(self.operations) - len(self.tested)
        lines = [
            f"Conformance of {self.target} to the contract set of "
            f"Prefect {self.version}",
            f"phases: {', '.join(self.phases)}; max examples: {self.max_examples}; "
            f"seed: {self.seed}",
            f"operations tested: {len(self.tested)} of {len(self.operations)}"
            + (f" ({untested} without a checked response)" if untested else "")
            + f"; cases: {self.cases}; time: {self.duration:.1f} s",
        ]
        stats = self.safety
        if self.allow_destructive:
            lines.append(
                f"destructive requests: {stats.destructive}, sent as generated "
                "(--allow-destructive)"
            )
        else:
            lines.append(
                f"destructive requests: {stats.destructive}; skipped (redirected "
                f"away from objects the run did not create): {stats.redirected}"
            )
        if self.stop_reason != "completed":
            lines.append(f"the run stopped early: {self.stop_reason}")
        return lines

    def _failures(self) -> list[str]:
        groups = self.groups()
        if not groups:
            return ["", "failures: 0"]
        lines = ["", f"failures: {len(self.findings)} in {len(groups)} groups"]
        current = None
        for group in groups:
            if group.check != current:
                current = group.check
                lines += ["", group.check]
            lines += _indent(_group_text(group).splitlines(), "  ")
        return lines

    def _known(self) -> list[str]:
        known = self.known_groups()
        lines = ["", f"known deviations: {len(self.known)}"]
        for group, deviation in known:
            lines.append(
                f"  {group.check} on {group.operation}: {len(group.findings)}x; "
                f"{deviation.reason}"
            )
        if self.unused_deviations:
            lines.append(
                f"unused deviations (they matched nothing; remove them if the "
                f"server is fixed): {len(self.unused_deviations)}"
            )
            lines += [
                f"  {entry.check} on {entry.operation}: {entry.reason}"
                for entry in self.unused_deviations
            ]
        return lines

    def _set_aside(self) -> list[str]:
        if not self.set_aside:
            return []
        lines = [
            "",
            f"set aside (the server's lax reading of the request contradicts "
            f"the check): {len(self.set_aside)}",
        ]
        for group, reason in _set_aside_groups(self.set_aside):
            lines.append(
                f"  {group.check} on {group.operation}: {len(group.findings)}x; "
                f"{reason}"
            )
            lines.append(f"    reproduce: {group.example.curl}")
        return lines

    def _errors(self) -> list[str]:
        if not self.errors:
            return []
        lines = ["", f"errors: {len(self.errors)}"]
        for error in self.errors:
            lines.append(f"  {error.label}: {error.title}")
            lines += _indent(_first_lines(error.message), "    ")
            if error.curl:
                lines.append(f"    {error.curl}")
        return lines

    def _verdict(self) -> str:
        if self.ok:
            return f"passed (seed {self.seed})"
        problems = []
        if self.findings:
            problems.append(f"{len(self.findings)} new failures")
        if self.errors:
            problems.append(f"{len(self.errors)} errors")
        if self.stop_reason != "completed":
            problems.append(f"stopped: {self.stop_reason}")
        return f"FAILED: {', '.join(problems)}; rerun with --seed {self.seed}"


def _group(findings: Iterable[Finding]) -> list[FindingGroup]:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.check, finding.operation), []).append(finding)
    return [
        FindingGroup(check, operation, tuple(members))
        for (check, operation), members in sorted(grouped.items())
    ]


def _set_aside_groups(
    entries: Sequence[SetAside],
) -> list[tuple[FindingGroup, str]]:
    """Group set-aside failures; each group keeps its example's reason."""
    reasons = {id(entry.finding): entry.reason for entry in entries}
    groups = _group(entry.finding for entry in entries)
    return [(group, reasons[id(group.example)]) for group in groups]


def _group_text(group: FindingGroup) -> str:
    example = group.example
    statuses = ", ".join(map(str, group.statuses)) or "no response"
    lines = [
        f"{group.operation} ({example.method} {example.path}): "
        f"{len(group.findings)}x, status {statuses}, first in {example.phase}",
        f"  {example.title}",
        *_indent(_first_lines(example.message), "  "),
        f"  reproduce: {example.curl}",
    ]
    return "\n".join(lines)


def _first_lines(text: str) -> list[str]:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) > _FIRST_LINES:
        return [*lines[:_FIRST_LINES], "..."]
    return lines


def _indent(lines: Sequence[str], prefix: str) -> list[str]:
    return [prefix + line for line in lines]


def _html_groups(groups: Sequence[tuple[FindingGroup, Deviation | None]]) -> str:
    if not groups:
        return "<p>none</p>"
    escape = html.escape
    rows = ["<table><tr><th>check</th><th>operation</th><th>count</th>"]
    rows[0] += "<th>details</th></tr>"
    for group, deviation in groups:
        reason = f"<p><em>{escape(deviation.reason)}</em></p>" if deviation else ""
        rows.append(
            f"<tr><td>{escape(group.check)}</td><td>{escape(group.operation)}</td>"
            f"<td>{len(group.findings)}</td><td>{reason}"
            f"<pre>{escape(group.example.message)}</pre>"
            f"<pre>{escape(group.example.curl)}</pre></td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _html_set_aside(entries: Sequence[SetAside]) -> str:
    if not entries:
        return "<p>none</p>"
    escape = html.escape
    rows = ["<table><tr><th>check</th><th>operation</th><th>count</th>"]
    rows[0] += "<th>why</th></tr>"
    for group, reason in _set_aside_groups(entries):
        rows.append(
            f"<tr><td>{escape(group.check)}</td><td>{escape(group.operation)}</td>"
            f"<td>{len(group.findings)}</td><td><p>{escape(reason)}</p>"
            f"<pre>{escape(group.example.curl)}</pre></td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)
