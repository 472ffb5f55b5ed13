"""Turn the rounds of a benchmark run into ``BENCHMARKS.md``.

Every figure is shown as its median over the rounds with the spread
``[lowest-highest]``. A comparison is the ratio of two servers measured in
the same round, so its median and spread are over those per-round ratios:
a busy moment slows both sides of one ratio alike.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from load import LoadResult

__all__ = [
    "OUR_GENERATOR",
    "Results",
    "Target",
    "generation_targets",
    "load",
    "render",
    "render_generation",
    "save",
]

SCENARIOS = {
    "get": "GET /api/deployments/{id}",
    "valid": "POST .../create_flow_run, valid body (201)",
    "invalid": "POST .../create_flow_run, invalid body (422)",
}
OUR_GENERATOR = "mockserver"
"""The key of mockserver's generator in :attr:`Results.generation`."""


@dataclass
class Results:
    """Everything one run measured, round by round.

    ``generation`` holds, by schema and generator, each figure's rounds:
    ``rate`` and ``cpu_rate`` (instances per second), ``valid`` and
    ``parsed`` (shares from 0 to 1).
    """

    subjects: dict[str, str]
    rounds: int
    seconds: float
    connections: tuple[int, ...]
    loads: dict[tuple[str, str, int], list[LoadResult]] = field(default_factory=dict)
    startup: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[str, list[int]] = field(default_factory=dict)
    rss_at_start: dict[str, list[int]] = field(default_factory=dict)
    runs_held: dict[str, list[int]] = field(default_factory=dict)
    validation: dict[str, list[float]] = field(default_factory=dict)
    generation: dict[str, dict[str, dict[str, list[float]]]] = field(
        default_factory=dict
    )
    plugin: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)
    command: str = ""

    def add_load(
        self, subject: str, scenario: str, connections: int, result: LoadResult
    ) -> None:
        self.loads.setdefault((subject, scenario, connections), []).append(result)

    def rates(self, subject: str, scenario: str, connections: int) -> list[float]:
        return [r.rate for r in self.loads.get((subject, scenario, connections), [])]

    def ratios(
        self, subject: str, other: str, scenario: str, connections: int
    ) -> list[float]:
        """Per-round ratios of ``subject``'s rate to ``other``'s."""
        ours = self.rates(subject, scenario, connections)
        theirs = self.rates(other, scenario, connections)
        return [a / b if b else math.inf for a, b in zip(ours, theirs, strict=False)]

    def add_generation(
        self, schema: str, generator: str, figures: dict[str, float]
    ) -> None:
        kept = self.generation.setdefault(schema, {}).setdefault(generator, {})
        for key, value in figures.items():
            kept.setdefault(key, []).append(value)

    def generation_rounds(self) -> int:
        """How many rounds of generation figures are recorded."""
        rates = [
            len(figures.get("rate", []))
            for drawn in self.generation.values()
            for figures in drawn.values()
        ]
        return max(rates, default=0)

    def generation_ratios(self, schema: str, peer: str | None = None) -> list[float]:
        """Per-round ratios of mockserver's generation rate to a peer's.

        :param peer: the peer; ``None`` for the fastest peer of each round.
        """
        drawn = self.generation.get(schema, {})
        ours = drawn.get(OUR_GENERATOR, {}).get("rate", [])
        peers = [
            figures.get("rate", [])
            for name, figures in drawn.items()
            if name != OUR_GENERATOR and peer in (None, name)
        ]
        if not peers:
            return []
        best = [max(rates) for rates in zip(*peers, strict=False)]
        return [a / b if b else math.inf for a, b in zip(ours, best, strict=False)]


@dataclass(frozen=True)
class Target:
    """One goal of the issue, checked against a run."""

    goal: str
    figures: list[float]
    limit: float
    above: bool
    unit: str = "x"

    @property
    def met(self) -> bool | None:
        if not self.figures:
            return None
        middle = statistics.median(self.figures)
        return middle >= self.limit if self.above else middle < self.limit


MOCKS = ("mockserver", "mockserver-granian")


def save(results: Results, path: Path) -> None:
    """Write every round's figures as JSON, for :func:`load` to re-render."""
    data = asdict(results)
    data["loads"] = [
        [subject, scenario, connections, [asdict(run) for run in runs]]
        for (subject, scenario, connections), runs in results.loads.items()
    ]
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def load(path: Path) -> Results:
    """Read what :func:`save` wrote."""
    data = json.loads(path.read_text(encoding="utf-8"))
    loads = data.pop("loads")
    results = Results(**{**data, "connections": tuple(data["connections"])})
    results.generation = {
        schema: _generators(drawn) for schema, drawn in results.generation.items()
    }
    for subject, scenario, connections, runs in loads:
        for run in runs:
            statuses = {int(code): n for code, n in run.pop("statuses").items()}
            expected = tuple(run.pop("expected"))
            result = LoadResult(**run, statuses=statuses, expected=expected)
            results.add_load(subject, scenario, connections, result)
    return results


def _generators(drawn: Any) -> dict[str, dict[str, list[float]]]:
    # Runs from before the peers were measured kept mockserver's rates alone.
    if isinstance(drawn, list):
        return {OUR_GENERATOR: {"rate": drawn}}
    return dict(drawn)


def targets(results: Results) -> list[Target]:
    """The issue's targets for each mock server variant measured."""
    found: list[Target] = []
    for mock in MOCKS:
        if mock in results.subjects:
            found += _targets_of(results, mock)
    return found + generation_targets(results)


def generation_targets(results: Results) -> list[Target]:
    """The generator's targets: twice the best peer, every instance usable."""
    if not results.generation:
        return []
    faster = Target(
        "generator >= 2x the best peer (FlowRunResponse)",
        results.generation_ratios("FlowRunResponse"),
        2.0,
        True,
    )
    shares = [
        share
        for drawn in results.generation.values()
        for key in ("valid", "parsed")
        for share in drawn.get(OUR_GENERATOR, {}).get(key, [])
    ]
    usable = Target(
        "generator: every instance valid and parsed by the client "
        "(lowest share of any schema and round)",
        [100 * min(shares)] if shares else [],
        100.0,
        True,
        " %",
    )
    return [faster, usable]


def _targets_of(results: Results, mock: str) -> list[Target]:
    found = []
    label = results.subjects[mock]
    pairs = [
        ("valid", "prism", 3.0, "valid create_flow_run >= 3x Prism static"),
        ("valid", "wiremock", 1.0, "valid create_flow_run >= WireMock"),
        ("get", "prism", 3.0, "GET >= 3x Prism static"),
        ("get", "prefect", 50.0, "GET >= 50x real Prefect"),
        ("valid", "prefect", 50.0, "valid create_flow_run >= 50x Prefect"),
    ]
    for scenario, peer, limit, goal in pairs:
        for connections in results.connections:
            if peer in results.subjects:
                figures = results.ratios(mock, peer, scenario, connections)
                text = f"{label}: {goal} ({connections} conn.)"
                found.append(Target(text, figures, limit, True))
    found.append(
        Target(
            f"{label}: launch to first answer < 0.5 s",
            results.startup.get(mock, []),
            0.5,
            False,
            " s",
        )
    )
    megabytes = [b / 2**20 for b in results.rss.get(mock, [])]
    goal = f"{label}: resident memory after load < 80 MB"
    found.append(Target(goal, megabytes, 80, False, " MB"))
    return found


def render(results: Results, machine: dict[str, str], notes: str, command: str) -> str:
    """Return the whole ``BENCHMARKS.md``."""
    parts = [
        "# Benchmarks\n",
        f"Written by `{command}`; do not edit by hand (the section *What was "
        "tried* comes from `benchmarks/tried.md`). Figures are medians over "
        f"{results.rounds} round(s) with the spread `[lowest-highest]`; each "
        f"load ran {results.seconds:g} s under wrk (`-t1`, keep-alive), after "
        "a 1 s warm-up in full runs. In every round each server is launched "
        "afresh, loaded and stopped, in an order that rotates from round to "
        "round. A ratio compares two servers within one round.\n",
        _machine(machine),
        _targets(targets(results)),
        _loads(results),
        _start_and_memory(results),
        _validation(results),
        _generation(results),
        _plugin(results),
        notes.strip() + "\n" if notes else "",
    ]
    return "\n".join(part for part in parts if part)


def _machine(machine: dict[str, str]) -> str:
    rows = "\n".join(f"| {key} | {value} |" for key, value in machine.items())
    return f"## Machine\n\n| | |\n|---|---|\n{rows}\n"


def _targets(found: Sequence[Target]) -> str:
    lines = ["## Targets\n", "| target | measured | met |", "|---|---|---|"]
    for target in found:
        figure = _spread(target.figures, target.unit)
        met = {True: "yes", False: "**no**", None: "not measured"}[target.met]
        lines.append(f"| {target.goal} | {figure} | {met} |")
    return "\n".join(lines) + "\n"


def _loads(results: Results) -> str:
    lines = ["## Throughput and latency\n"]
    lines.append(
        "Requests per second count answers with the expected status (2xx, "
        "or 422 for the invalid body); *other* counts every other answer "
        "and socket error over all rounds.\n"
    )
    for scenario, title in SCENARIOS.items():
        lines += [
            f"### {title}\n",
            "| server | conn. | req/s | mockserver / this | p50 ms | p99 ms | other |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for connections in results.connections:
            for subject, label in results.subjects.items():
                runs = results.loads.get((subject, scenario, connections), [])
                if not runs:
                    continue
                rate = _spread([r.rate for r in runs], "", digits=0)
                ratio = (
                    "1"
                    if subject == "mockserver"
                    else _spread(
                        results.ratios("mockserver", subject, scenario, connections),
                        "x",
                    )
                )
                p50 = _spread([r.p50_ms for r in runs], "", digits=2)
                p99 = _spread([r.p99_ms for r in runs], "", digits=2)
                other = sum(r.unexpected for r in runs)
                lines.append(
                    f"| {label} | {connections} | {rate} | {ratio} | {p50} | "
                    f"{p99} | {other:,} |"
                )
        lines.append("")
    return "\n".join(lines)


def _start_and_memory(results: Results) -> str:
    lines = [
        "## Start and memory\n",
        "Launch to first answer: from starting the process to the first HTTP "
        "answer on `/api/health`. Memory: resident set of the server's "
        "process group at that first answer, and after all of a round's "
        "loads. *Flow runs held*: what "
        "those loads left in a stateful server, every run its valid "
        "`create_flow_run` requests created (Prism and WireMock keep none; the "
        "real server keeps them in its database, on disk).\n",
        "| server | launch to first answer, s | memory at first answer, MB "
        "| memory after load, MB | flow runs held |",
        "|---|---:|---:|---:|---:|",
    ]
    for subject, label in results.subjects.items():
        start = _spread(results.startup.get(subject, []), "", digits=2)
        first = _spread([b / 2**20 for b in results.rss_at_start.get(subject, [])], "")
        memory = _spread([b / 2**20 for b in results.rss.get(subject, [])], "")
        runs = _spread([float(n) for n in results.runs_held.get(subject, [])], "")
        lines.append(f"| {label} | {start} | {first} | {memory} | {runs} |")
    return "\n".join(lines) + "\n"


def _validation(results: Results) -> str:
    if not results.validation:
        return ""
    lines = [
        "## Request validation per body\n",
        "The seed-like `create_flow_run` body (the recorded seed request with "
        "its three breaks of the 3.9.1 contract mended); *mockserver* is "
        "`parse_call`, everything a request's validation does.\n",
        "| validator | microseconds per body |",
        "|---|---:|",
    ]
    for name, figures in results.validation.items():
        lines.append(f"| {name} | {_spread(figures, '', digits=1)} |")
    return "\n".join(lines) + "\n"


def render_generation(results: Results) -> str:
    """Return the fixture generation section and its targets, as Markdown."""
    return _generation(results) + "\n" + _targets(generation_targets(results))


def _generation(results: Results) -> str:
    if not results.generation:
        return ""
    lines = [
        "## Fixture generation\n",
        "Each generator draws instances of the same schemas in every round, "
        "in an order that rotates from round to round "
        "(`benchmarks/bench_generation.py`): mockserver's "
        "`InstanceGenerator.generate_many` from the contract set, drawing "
        "every field of an answer as `mockserver fixtures generate` does; "
        "the peers "
        "from the schema bundled into one self-contained document "
        "(hypothesis-jsonschema is asked for fewer instances; a peer drawing "
        "one by one stops after a time budget). *instances/s* is by wall "
        "clock; *per CPU s* counts the drawing process's CPU time, for the "
        "generators that measure it (json-schema-faker runs in Node and times "
        "only its wall clock, after 100 untimed draws). *valid*: the share valid under "
        "jsonschema's draft 2020-12 validator with format checking; a draw "
        "that raised counts as invalid. *parsed*: the share that the real "
        "client's models (`prefect.client.schemas.responses`) accept. A "
        "ratio compares two generators within one round.\n",
    ]
    for schema, drawn in results.generation.items():
        lines += [
            f"### {schema}\n",
            "| generator | instances/s | per CPU s | valid | parsed "
            "| mockserver / this |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            _generation_row(results, schema, name, figures)
            for name, figures in drawn.items()
        ]
        lines.append("")
    return "\n".join(lines)


def _generation_row(
    results: Results, schema: str, name: str, figures: dict[str, list[float]]
) -> str:
    ratio = (
        "1"
        if name == OUR_GENERATOR
        else _spread(results.generation_ratios(schema, name), "x")
    )
    rate = _spread(figures.get("rate", []), "", digits=0)
    cpu = _spread(figures.get("cpu_rate", []), "", digits=0)
    valid, parsed = (
        _spread([100 * share for share in figures.get(key, [])], " %", digits=1)
        for key in ("valid", "parsed")
    )
    return f"| {name} | {rate} | {cpu} | {valid} | {parsed} | {ratio} |"


def _plugin(results: Results) -> str:
    if not results.plugin:
        return ""
    lines = [
        "## The pytest fixture\n",
        "`prefect_mock` against Prefect's `prefect_test_harness`, each in its "
        "own pytest process (`benchmarks/bench_plugin.py`): the first test's "
        "setup (which starts the server), and the median setup plus teardown "
        "of the others (the reset between tests).\n",
        "| fixture | start, s | per test, ms | whole run, s |",
        "|---|---:|---:|---:|",
    ]
    for name, figures in results.plugin.items():
        lines.append(
            f"| {name} | {_spread(figures['start_s'], '', digits=3)} | "
            f"{_spread(figures['per_test_ms'], '', digits=2)} | "
            f"{_spread(figures['wall_s'], '', digits=1)} |"
        )
    mock, harness = (results.plugin.get(n) for n in _FIXTURES)
    if mock and harness:
        ratio = [
            h / m for m, h in zip(mock["start_s"], harness["start_s"], strict=False)
        ]
        lines.append(f"\nStart: `prefect_mock` is {_spread(ratio, 'x')} faster.")
    return "\n".join(lines) + "\n"


_FIXTURES = ("prefect_mock", "prefect_test_harness")


def _spread(figures: Sequence[float], unit: str, digits: int | None = None) -> str:
    if not figures:
        return "n/a"
    middle = statistics.median(figures)
    text = _number(middle, digits) + unit
    if len(figures) > 1:
        low, high = min(figures), max(figures)
        text += f" [{_number(low, digits)}-{_number(high, digits)}]"
    return text


def _number(value: float, digits: int | None) -> str:
    if math.isinf(value):
        return "∞"
    if digits is None:
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f}"
