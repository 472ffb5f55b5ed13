"""Measure what the ``prefect_mock`` fixture costs a test suite.

Run with ``.venv/bin/python benchmarks/bench_plugin.py``. Two generated test
files of ``--tests`` trivial tests each are run by pytest, each in its own
process: one whose tests ask for ``prefect_mock``, one whose tests share
Prefect's own ``prefect_test_harness`` (a real server in a subprocess, on a
temporary database) through a session fixture. A conftest records how long
pytest spent setting up and tearing down each test. Plugins neither fixture
needs are switched off in both runs, Faker's among them: it builds a Faker
in an autouse session fixture at the first test of any suite (about 0.1 s),
whichever fixture the tests use. Printed:

- session start: the first test's setup, which starts the server;
- per test: the median setup plus teardown of the other tests, which for
  ``prefect_mock`` is the reset to an empty state and journal and pointing
  Prefect at the mock (the harness does nothing between tests: its tests
  share one database);
- the slowest of those, and the whole pytest run's wall-clock time.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CONFTEST = """
import json, os

DURATIONS = {}

def pytest_runtest_logreport(report):
    if report.when in ("setup", "teardown"):
        DURATIONS.setdefault(report.nodeid, {})[report.when] = report.duration

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(DURATIONS, out)
"""

MOCK_TESTS = """
import pytest
import prefect  # imported first, as in a real suite: the fixture must repoint it

@pytest.mark.parametrize("n", range({tests}))
def test_uses_the_mock(prefect_mock, n):
    pass
"""

HARNESS_TESTS = """
import pytest
from prefect.testing.utilities import prefect_test_harness

@pytest.fixture(scope="session")
def harness():
    with prefect_test_harness():
        yield

@pytest.mark.parametrize("n", range({tests}))
def test_uses_the_harness(harness, n):
    pass
"""

QUIET = [
    "-p",
    "no:schemathesis",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:faker",
]


def compile_mockserver() -> None:
    """Write mockserver's bytecode, as installing the package from a wheel does.

    From a source checkout (an editable install) Python compiles each module
    on first import and caches the result, unless PYTHONDONTWRITEBYTECODE is
    set, as it is on some machines: every start would then pay for
    compiling, about 0.1 s, which no installed package does.
    """
    package = Path(__file__).resolve().parents[1] / "mockserver"
    compileall.compile_dir(package, quiet=1)


def run(folder: Path, name: str, source: str, tests: int) -> dict[str, float]:
    """Run one test file in a fresh pytest process and summarise its timings."""
    test_file = folder / f"test_{name}.py"
    test_file.write_text(textwrap.dedent(source.format(tests=tests)))
    out = folder / f"{name}.json"
    environment = {
        **os.environ,
        "BENCH_OUT": str(out),
        "PREFECT_HOME": str(folder / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_UI_ENABLED": "false",
    }
    environment.pop("PREFECT_API_URL", None)

    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *QUIET, str(test_file)],
        cwd=folder,
        env=environment,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started

    durations = list(json.loads(out.read_text()).values())
    first = durations[0]["setup"]
    last_teardown = durations[-1]["teardown"]  # includes stopping the server
    per_test = [item["setup"] + item["teardown"] for item in durations[1:-1]] or [0.0]
    return {
        "start_s": first,
        "per_test_ms": statistics.median(per_test) * 1000,
        "slowest_ms": max(per_test) * 1000,
        "stop_s": last_teardown,
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--skip-harness", action="store_true")
    arguments = parser.parse_args()
    compile_mockserver()

    suites = [("prefect_mock", MOCK_TESTS)]
    if not arguments.skip_harness:
        suites.append(("prefect_test_harness", HARNESS_TESTS))

    print(
        f"{'fixture':<22}{'start s':>9}{'per test ms':>13}{'slowest ms':>12}"
        f"{'stop s':>8}{'run s':>8}   ({arguments.tests} tests)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-plugin-") as temporary:
        folder = Path(temporary)
        (folder / "conftest.py").write_text(CONFTEST)
        for name, source in suites:
            figures = run(folder, name.replace("prefect_", ""), source, arguments.tests)
            print(
                f"{name:<22}{figures['start_s']:>9.3f}{figures['per_test_ms']:>13.2f}"
                f"{figures['slowest_ms']:>12.2f}{figures['stop_s']:>8.3f}"
                f"{figures['wall_s']:>8.1f}"
            )


if __name__ == "__main__":
    main()
