"""Measure mockserver against its peers and write ``BENCHMARKS.md``.

Run from the repository root::

    .venv/bin/python benchmarks/run.py            # everything, about 20 min
    .venv/bin/python benchmarks/run.py --quick    # the mock alone, seconds

It installs what it needs (wrk, Node, Java with apt-get when root; Prism,
WireMock and json-schema-faker with npm into ``.cache/bench-peers``; jsf and
hypothesis-jsonschema with pip into an environment there) and writes
mockserver's bytecode, as an installed package has it (see
``bench_plugin.compile_mockserver``), then measures, round after round: each
server launched afresh (the time to its first answer), loaded with wrk at 1
and 16 connections for each request kind, and its resident memory taken, in
an order that rotates every round; then the in-process figures (request
validation, fixture generation beside the peer generators and, in the first
``--plugin-rounds`` rounds, the pytest fixture against
``prefect_test_harness``). ``BENCHMARKS.md`` shows every figure's median and
spread, and each comparison as per-round ratios.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_plugin import compile_mockserver
from load import Load, ensure_wrk, run_load, wrk_version
from micro import (
    generation_rate,
    invalid_body,
    plugin_figures,
    valid_body,
    validation_times,
)
from report import Results, load, render, save
from subjects import (
    SUBJECTS,
    Exchanges,
    GranianMockSubject,
    MockSubject,
    PrefectSubject,
    PrismSubject,
    Subject,
    WaitressMockSubject,
    WireMockSubject,
    ensure_peers,
    make_scratch,
    peer_versions,
    write_prism_document,
    write_wiremock_stubs,
)

ROOT = Path(__file__).resolve().parents[1]
PORTS = {
    "mockserver": 4490,
    "mockserver-granian": 4493,
    "mockserver-waitress": 4494,
    "prism": 4491,
    "wiremock": 4492,
    "prefect": 0,
}
"""Loopback ports; the real Prefect server picks a free one itself."""

RAW = ROOT / ".cache" / "bench-results.json"
"""Every round's figures of the last run, kept for ``--render``."""

CONNECTIONS = (1, 16)
WARM_UP_SECONDS = 1.0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the report; return the exit status."""
    options = _parser().parse_args(argv)
    if options.render is not None:
        _write(load(options.render), options, argv)
        return 0
    if options.quick:
        options.subjects, options.rounds, options.seconds = ["mockserver"], 1, 1.0
        options.plugin_rounds, options.plugin_tests = 1, 5
    names = list(dict.fromkeys(options.subjects))
    if "mockserver-granian" in names and importlib.util.find_spec("granian") is None:
        _say("granian is not installed: mockserver-granian is left out")
        names.remove("mockserver-granian")

    ensure_wrk()
    compile_mockserver()
    ensure_peers(set(names))
    machine = _machine(set(names))
    subjects = _subjects(names)
    results = Results(
        {name: subjects[name].label for name in names},
        options.rounds,
        options.seconds,
        CONNECTIONS,
    )

    for index in range(options.rounds):
        _say(f"round {index + 1} of {options.rounds}")
        for name in names[index % len(names) :] + names[: index % len(names)]:
            _measure_server(subjects[name], results, options)
        _measure_in_process(results, options, first=index == 0)
        if index < options.plugin_rounds:
            _measure_plugin(results, options)

    machine["load average at the end"] = _load_average()
    results.machine = machine
    results.command = "python benchmarks/run.py " + " ".join(argv or sys.argv[1:])
    if not options.quick:
        RAW.parent.mkdir(parents=True, exist_ok=True)
        save(results, RAW)
    _write(results, options, argv)
    return 0


def _write(results: Results, options: Any, argv: list[str] | None) -> None:
    notes_file = ROOT / "benchmarks" / "tried.md"
    notes = notes_file.read_text(encoding="utf-8") if notes_file.exists() else ""
    text = render(results, results.machine, notes, results.command.strip())
    options.output.write_text(text, encoding="utf-8")
    _say(f"wrote {options.output}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--seconds", type=float, default=4.0, help="length of each wrk load"
    )
    parser.add_argument(
        "--subjects",
        nargs="+",
        choices=SUBJECTS,
        default=list(SUBJECTS),
        help="servers to measure (mockserver always comes first)",
    )
    parser.add_argument("--plugin-rounds", type=int, default=3)
    parser.add_argument("--plugin-tests", type=int, default=100)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--render",
        type=Path,
        metavar="RAW_JSON",
        help=f"write the report again from a run's figures ({RAW}), measuring "
        "nothing; for edits of benchmarks/tried.md",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the mock alone, one round of 1 s loads (a smoke test)",
    )
    return parser


def _subjects(names: list[str]) -> dict[str, Subject]:
    if names[0] != "mockserver":
        raise SystemExit("--subjects must start with mockserver, the subject")
    scratch = make_scratch()
    exchanges = _exchanges()
    made: dict[str, Subject] = {"mockserver": MockSubject(PORTS["mockserver"])}
    if "mockserver-waitress" in names:
        port = PORTS["mockserver-waitress"]
        made["mockserver-waitress"] = WaitressMockSubject(port)
    if "mockserver-granian" in names:
        made["mockserver-granian"] = GranianMockSubject(PORTS["mockserver-granian"])
    if "prism" in names:
        document = write_prism_document(_openapi(), scratch)
        made["prism"] = PrismSubject(PORTS["prism"], document)
    if "wiremock" in names:
        stubs = write_wiremock_stubs(exchanges, scratch / "wiremock")
        made["wiremock"] = WireMockSubject(PORTS["wiremock"], stubs)
    if "prefect" in names:
        made["prefect"] = PrefectSubject(PORTS["prefect"])
    return made


def _openapi() -> dict[str, Any]:
    from mockserver.contracts import load_contract_set
    from mockserver.contracts.openapi import assemble

    return assemble(load_contract_set("3.9.1"))


def _exchanges() -> Exchanges:
    """Ask an in-process mock for the bodies the static peers will answer."""
    import jsonschema_rs

    from mockserver.app import create_app
    from mockserver.contracts import load_contract_set

    client = create_app().test_client()
    flow = client.post("/api/flows/", json={"name": "bench-flow"}).get_json()
    deployment = client.post(
        "/api/deployments/", json={"name": "bench", "flow_id": flow["id"]}
    ).get_json()
    url = f"/api/deployments/{deployment['id']}"
    created = client.post(url + "/create_flow_run", json=valid_body())
    rejected = client.post(url + "/create_flow_run", json=invalid_body())
    if (created.status_code, rejected.status_code) != (201, 422):
        raise RuntimeError("the mock does not answer the benchmark's bodies as planned")

    contracts = load_contract_set("3.9.1")
    operation = contracts.operation("create_flow_run_from_deployment")
    registry = jsonschema_rs.Registry(list(contracts.documents.items()))
    schema = jsonschema_rs.dereference(operation.part_ref("request"), registry=registry)
    return Exchanges(
        client.get(url).get_json(), created.get_json(), rejected.get_json(), schema
    )


def _measure_server(subject: Subject, results: Results, options: Any) -> None:
    _say(f"  {subject.name}: launching")
    results.startup.setdefault(subject.name, []).append(subject.launch())
    try:
        results.rss_at_start.setdefault(subject.name, []).append(subject.rss())
        loads = _loads(subject)
        if not options.quick:
            for kind in ("get", "valid"):
                run_load(loads[kind], connections=16, seconds=WARM_UP_SECONDS)
        for connections in CONNECTIONS:
            for kind, load in loads.items():
                result = run_load(
                    load, connections=connections, seconds=options.seconds
                )
                results.add_load(subject.name, kind, connections, result)
                _say(
                    f"  {subject.name} {kind:7} c{connections:<2} "
                    f"{result.rate:9,.0f} req/s  other {result.unexpected}"
                )
        results.rss.setdefault(subject.name, []).append(subject.rss())
        held = subject.runs_held()
        if held is not None:
            results.runs_held.setdefault(subject.name, []).append(held)
    finally:
        subject.stop()


def _loads(subject: Subject) -> dict[str, Load]:
    url = f"{subject.base}/api/deployments/{subject.deployment()}"
    runs = url + "/create_flow_run"
    return {
        "get": Load(url),
        "valid": Load(runs, "POST", json.dumps(valid_body())),
        "invalid": Load(runs, "POST", json.dumps(invalid_body()), ("422",)),
    }


def _measure_in_process(results: Results, options: Any, *, first: bool) -> None:
    calls = 200 if options.quick else 20_000
    for name, figure in validation_times(calls).items():
        results.validation.setdefault(name, []).append(figure)
    # The peers take several seconds a round: --quick leaves them out.
    drawn = generation_rate(
        100 if options.quick else 2_000,
        peers=not options.quick,
        index=results.generation_rounds(),
    )
    for schema, generators in (drawn or {}).items():
        for name, figures in generators.items():
            results.add_generation(schema, name, figures)


def _measure_plugin(results: Results, options: Any) -> None:
    _say("  pytest fixture")
    figures = plugin_figures(options.plugin_tests, harness=not options.quick)
    for fixture, values in (figures or {}).items():
        kept = results.plugin.setdefault(fixture, {})
        for key, value in values.items():
            kept.setdefault(key, []).append(value)


def _machine(names: set[str]) -> dict[str, str]:
    info = {
        "run at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "processor": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{_memory_gib():.0f} GiB",
        "system": platform.platform(),
        "python": platform.python_version(),
        "mockserver commit": _commit(),
        "wrk": wrk_version(),
        "load average at the start": _load_average(),
    }
    info.update(peer_versions(names))
    return info


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def _commit() -> str:
    if shutil.which("git") is None:
        return "unknown"
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return head + (" with uncommitted changes" if dirty else "")


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1, 5, 15 min)"


def _say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
